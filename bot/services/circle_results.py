"""What circles show their members, their co-hosts and their groups, as plain data without
text (see dialogue_results): seats, /timeout and /leave (circles), Telegram groups
(circle_groups), reports and the co-hosts' decisions (circle_moderation), statements
rounds (circle_statements). Pseudonyms are None when unknown; titles and questions are a
flow's msgids."""

from __future__ import annotations

from dataclasses import dataclass

# ================================================================ members (circles)


@dataclass(frozen=True)
class AlreadyCoHosting:
    """A co-host opened their own circle's invite link."""


@dataclass(frozen=True)
class AlreadySeated:
    """A member opened the invite link of the circle they sit in."""


@dataclass(frozen=True)
class SeatAlreadyRequested:
    """Someone opened the invite link again while their request waits."""


@dataclass(frozen=True)
class SeatRequested:
    """Told to each co-host: `pseudonym` (of `community`, None when not given) asks for a
    seat in circle `circle_id`, with buttons to admit or decline `person_id`."""

    circle_id: int | None
    person_id: int | None
    pseudonym: str | None
    community: str | None


@dataclass(frozen=True)
class SeatAsked:
    """The person's receipt: they asked for a seat in the circle running flow `title`."""

    title: str


@dataclass(frozen=True)
class CircleAlreadyPaused:
    """/timeout in a circle that is not running."""


@dataclass(frozen=True)
class TimeOutCalled:
    """Told to each co-host: `pseudonym` called a time out in circle `circle_id`, which is
    paused, with a button to resume it."""

    circle_id: int
    pseudonym: str | None


@dataclass(frozen=True)
class LeftCircle:
    """/leave: the member has left their circle."""


# ================================================================ groups (circle_groups)


@dataclass(frozen=True)
class GroupLinked:
    """Said in a group that now holds circle `circle_id` (running flow `title`): members
    accept the agreements through `link`; and what the bot can do there (`can_moderate`)."""

    circle_id: int
    title: str
    link: str
    can_moderate: bool


@dataclass(frozen=True)
class GroupRights:
    """Said in a circle's group whose rights for the bot changed."""

    can_moderate: bool


@dataclass(frozen=True)
class TalkingPieceHeld:
    """Said in the group to someone who spoke out of turn: `speaker` holds the piece."""

    speaker: str | None


@dataclass(frozen=True)
class WayIntoCircle:
    """Said in the group to someone without an agreed seat: the way in is `link`."""

    link: str


@dataclass(frozen=True)
class ReportNeedsReply:
    """/report in a circle's group that replies to no message."""


@dataclass(frozen=True)
class RemovedFromGroup:
    """Told to each co-host: the bot was removed from circle `circle_id`'s group, which is
    paused; `link` adds the bot to a group again."""

    circle_id: int
    link: str | None


# ================================================================ reports (circle_moderation)


@dataclass(frozen=True)
class CircleReportReasons:
    """A member's "report": what is wrong with contribution `contribution_id`, in one tap."""

    contribution_id: int


@dataclass(frozen=True)
class CircleReportAlert:
    """Told to each co-host: `reporter` reported `author`'s `words` in circle `circle_id`
    for `reason` (a ReportReason value), with the round's answers before them (`earlier`:
    author, words) and buttons to act on report `report_id`."""

    report_id: int | None
    circle_id: int
    reporter: str | None
    reason: str
    author: str | None
    words: str
    earlier: tuple[tuple[str | None, str], ...]


@dataclass(frozen=True)
class CircleReportReceived:
    """The reporter's receipt; `replaces`: in place of the reasons they pressed."""

    replaces: bool


@dataclass(frozen=True)
class CircleReportAlreadyHandled:
    """A co-host's button on a report another co-host has handled."""


@dataclass(frozen=True)
class CircleReportHandled:
    """The co-host's receipt; `action` is the Moderation value taken."""

    action: str


@dataclass(frozen=True)
class CircleReportLookedAt:
    """Told to the reporter once a co-host has decided (`action`, a Moderation value)."""

    action: str


@dataclass(frozen=True)
class MessageTakenDown:
    """Told to a member one of whose messages a co-host deleted everywhere."""


@dataclass(frozen=True)
class AgreementsReminder:
    """Told to a member a co-host warned."""


@dataclass(frozen=True)
class MutedInCircle:
    """Told to a member a co-host muted for a while."""


@dataclass(frozen=True)
class RemovedFromCircle:
    """Told to a member a co-host removed from the circle."""


@dataclass(frozen=True)
class DeletedEverywhere:
    """A co-host's "delete everywhere" under a copy of an answer."""


# ================================================================ statements rounds


@dataclass(frozen=True)
class StatementsRoundOpened:
    """A statements round `number` opens: its flow `question` (with `name`, the reader's
    pseudonym), to a member (`in_group` False) or to the circle's group (it happens in
    private)."""

    number: int
    question: str
    name: str | None
    in_group: bool = False


@dataclass(frozen=True)
class StatementReceived:
    """A member's statement kept; `moderated`: a co-host reads it before the vote."""

    moderated: bool


@dataclass(frozen=True)
class StatementsRoundResults:
    """Told to each co-host when circle `circle_id`'s statements round closes: `summary`,
    as the common-ground desk words it for them."""

    circle_id: int
    summary: str


CircleModerationResult = (
    CircleReportReasons
    | CircleReportAlert
    | CircleReportReceived
    | CircleReportAlreadyHandled
    | CircleReportHandled
    | CircleReportLookedAt
    | MessageTakenDown
    | AgreementsReminder
    | MutedInCircle
    | RemovedFromCircle
    | DeletedEverywhere
)

CircleResult = (
    AlreadyCoHosting
    | AlreadySeated
    | SeatAlreadyRequested
    | SeatRequested
    | SeatAsked
    | CircleAlreadyPaused
    | TimeOutCalled
    | LeftCircle
    | GroupLinked
    | GroupRights
    | TalkingPieceHeld
    | WayIntoCircle
    | ReportNeedsReply
    | RemovedFromGroup
    | StatementsRoundOpened
    | StatementReceived
    | StatementsRoundResults
    | CircleModerationResult
)
