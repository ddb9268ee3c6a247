"""What the facilitator's console shows, as plain data without text (see dialogue_results):
/circles, the steps of making a circle, a circle's card and what its controls did.
Pseudonyms are None when unknown; titles are a flow's msgids."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.storage.tables import CircleState, ConversationKind

# ================================================================ /circles


@dataclass(frozen=True)
class CircleSummary:
    """One open circle in /circles: its `program`'s name (None: not one of the facilitator's
    programs), its state, seats taken of `capacity`, and the round it is in."""

    circle_id: int | None
    program: str | None
    state: CircleState
    members: int
    capacity: int
    round_number: int


@dataclass(frozen=True)
class OpenProgram:
    """A program the facilitator may make a new circle in."""

    program_id: int | None
    name: str


@dataclass(frozen=True)
class YourCircles:
    """/circles: the facilitator's open circles (the first few), and where a new one can be
    made."""

    circles: tuple[CircleSummary, ...]
    programs: tuple[OpenProgram, ...]


# ================================================================ making a circle
# Each step carries `prefix`: the choices made so far, as its buttons' value begins.


@dataclass(frozen=True)
class ChooseCircleFlow:
    """Which flow the new circle runs: `flows` as (flow id, title msgid)."""

    prefix: str
    flows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ChooseCircleKind:
    """Where the new circle meets: relayed, or in a Telegram group."""

    prefix: str


@dataclass(frozen=True)
class ChooseCircleSize:
    """How many members the new circle takes at most."""

    prefix: str


@dataclass(frozen=True)
class ChooseCircleStart:
    """When the new circle begins."""

    prefix: str


@dataclass(frozen=True)
class ConfirmGroupCircle:
    """A group circle would show the communities of `program` each other's Telegram
    profiles: create it anyway (`prefix` confirmed), or the same circle relayed
    (`relayed_instead`, the choices with a relayed circle)?"""

    prefix: str
    relayed_instead: str
    program: str


@dataclass(frozen=True)
class GroupCircleInstructions:
    """How to bring a new group circle into a Telegram group: through `link`."""

    link: str | None


# ================================================================ a circle's card


class RoundAnswer(enum.Enum):
    """What a seated member did in the current round."""

    ANSWERED = "answered"
    PASSED = "passed"
    NOT_ANSWERED = "not_answered"


@dataclass(frozen=True)
class CoHostOnCard:
    """A co-host of the circle."""

    pseudonym: str | None


@dataclass(frozen=True)
class SeatRequestOnCard:
    """Someone (of `community`, None when not given) who asks for a seat, with buttons to
    admit or decline `person_id`."""

    person_id: int | None
    pseudonym: str | None
    community: str | None


@dataclass(frozen=True)
class MemberOnCard:
    """An admitted member: whether they agreed, what they did in the round (None before the
    first round), whether they hold the talking piece."""

    pseudonym: str | None
    community: str | None
    agreed: bool
    answer: RoundAnswer | None
    holds_piece: bool


@dataclass(frozen=True)
class CircleCard:
    """The circle as its facilitator sees it, with its controls.

    `title` is the flow's msgid; `begins_at` is shown (in `time_zone`) while the circle
    forms; `has_next_round`: the agenda has a round after this one; `timed`: the open
    round has a deadline; `hosting`: the one who reads it co-hosts the circle."""

    circle_id: int
    title: str
    kind: ConversationKind
    state: CircleState
    round_number: int
    rounds: int
    round_open: bool
    members: int
    capacity: int
    begins_at: datetime | None
    time_zone: str
    roster: tuple[CoHostOnCard | SeatRequestOnCard | MemberOnCard, ...]
    has_next_round: bool
    timed: bool
    hosting: bool


@dataclass(frozen=True)
class CircleInviteLink:
    """The link people open to ask for a seat."""

    link: str


# ================================================================ what the controls did
# Short notices to the facilitator (a toast for a button, else a message).


@dataclass(frozen=True)
class CircleHasEnded:
    """The facilitator ended the circle (or its last round)."""


@dataclass(frozen=True)
class RoundIsOpen:
    """Round `number` is open."""

    number: int


@dataclass(frozen=True)
class RoundIsClosed:
    """The facilitator closed the round."""


@dataclass(frozen=True)
class CircleIsPaused:
    """The facilitator paused the circle."""


@dataclass(frozen=True)
class CircleGoesOn:
    """The facilitator resumed the circle."""


@dataclass(frozen=True)
class MoreTimeGiven:
    """The facilitator gave the round two more minutes."""


@dataclass(frozen=True)
class NowCoHosting:
    """The facilitator co-hosts the circle now."""


@dataclass(frozen=True)
class MoreTimeForRound:
    """Told to the members: the round has two more minutes."""


ConsoleNotice = (
    CircleHasEnded
    | RoundIsOpen
    | RoundIsClosed
    | CircleIsPaused
    | CircleGoesOn
    | MoreTimeGiven
    | NowCoHosting
)
"""What a facilitator's control did, said back to them."""

CircleConsoleResult = (
    YourCircles
    | ChooseCircleFlow
    | ChooseCircleKind
    | ChooseCircleSize
    | ChooseCircleStart
    | ConfirmGroupCircle
    | GroupCircleInstructions
    | CircleCard
    | CircleInviteLink
    | ConsoleNotice
    | MoreTimeForRound
)
"""The facilitator's console's messages."""
