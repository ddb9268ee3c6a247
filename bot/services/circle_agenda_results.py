"""What a circle's agenda shows as it runs, as plain data without text (see
dialogue_results): rounds and their timers, answers, the talking piece, pauses, the end,
seats and agreements. Pseudonyms are None when unknown; the flow's own words (a round's
question, heading, thanks; the opening, agreements, goodbye) are msgids, with
placeholders the view fills."""

from __future__ import annotations

from dataclasses import dataclass

# ================================================================ timers


@dataclass(frozen=True)
class TimeIsUp:
    """Told to each co-host: round `number` of circle `circle_id` ran out of time (and does
    not close by itself), with buttons to close it or give more time."""

    circle_id: int
    number: int


@dataclass(frozen=True)
class LastMinute:
    """Told to each member yet to answer: one minute is left in the round."""


# ================================================================ rounds


@dataclass(frozen=True)
class RoundQuestion:
    """Round `number`'s `question` (a flow msgid), its time limit in `minutes` (None: not
    timed), and, in a round taken in turn (`in_turn`), who holds the talking piece first
    (`speaker`): for a member (`reader_speaks_first`: it is them) or for the whole group
    (`for_group`)."""

    number: int
    question: str
    minutes: int | None
    in_turn: bool
    speaker: str | None
    reader_speaks_first: bool
    for_group: bool


@dataclass(frozen=True)
class WordsNotShared:
    """A co-host paused the member's messages: what they wrote was not shared."""


@dataclass(frozen=True)
class AlreadyAnswered:
    """The member answered this round already."""


@dataclass(frozen=True)
class AnswerTooLong:
    """An answer of `length` characters, over the round's `max_length`."""

    max_length: int
    length: int


@dataclass(frozen=True)
class PassedRound:
    """The member passes this round."""


@dataclass(frozen=True)
class AnswerWaitsForTurn:
    """The member answered before their turn: their words are shared when it comes."""


@dataclass(frozen=True)
class FlowWords:
    """Words of the circle's flow (a msgid: thanks, opening, goodbye) for a member whose
    pseudonym is `name`."""

    words: str
    name: str | None


@dataclass(frozen=True)
class NoStatementNeeded:
    """/skip in a statements round: no statement is needed."""


@dataclass(frozen=True)
class StatementTooLong:
    """A statement over the round's `max_length` characters."""

    max_length: int


@dataclass(frozen=True)
class TalkingPieceNow:
    """Said in the group: `speaker` holds the talking piece now."""

    speaker: str | None


@dataclass(frozen=True)
class YourTurn:
    """Told to the member (`name`) who holds the talking piece now."""

    name: str | None


@dataclass(frozen=True)
class RoundComplete:
    """Told to the members: round `number` is complete; `last`: it was the last one."""

    number: int
    last: bool


@dataclass(frozen=True)
class RoundCompleteForHosts:
    """Told to each co-host: round `number` of circle `circle_id` is complete with so many
    `answers`, with a button to go on (`last`: to end the circle)."""

    circle_id: int
    number: int
    answers: int
    last: bool


@dataclass(frozen=True)
class AnswerPassedOn:
    """A member (`author`) passed: the round's `passed` words (a flow msgid)."""

    passed: str
    author: str | None


@dataclass(frozen=True)
class AnswerShown:
    """A member's answer shown to another member or a co-host (`for_host`): the round's
    `heading` (a flow msgid) naming `author`, then their `words` in `source` language,
    with a button to report it (a co-host's: to delete it everywhere)."""

    heading: str
    author: str | None
    contribution_id: int | None
    words: str
    source: str
    for_host: bool


# ================================================================ pauses and the end


@dataclass(frozen=True)
class CirclePausedForMembers:
    """Told to the members: the circle is paused."""


@dataclass(frozen=True)
class CircleResumedForMembers:
    """Told to the members: the circle goes on."""


@dataclass(frozen=True)
class CircleEndedForMembers:
    """Told to the members (or the group) when the circle ends and its flow says no
    goodbye of its own."""


# ================================================================ seats and agreements


@dataclass(frozen=True)
class NoSeat:
    """Told to someone a co-host declined."""


@dataclass(frozen=True)
class CircleAgreements:
    """The circle's agreements (`agreements`, a flow msgid; None: the usual ones) for a
    member (`name`) to accept with a button; `again`: they tried to speak before agreeing."""

    circle_id: int
    agreements: str | None
    name: str | None
    again: bool


@dataclass(frozen=True)
class Agreed:
    """The member accepted the circle's agreements."""


@dataclass(frozen=True)
class CircleBeginsLater:
    """The member's circle begins when the facilitator opens the first round."""


@dataclass(frozen=True)
class MemberLeft:
    """Told to the circle: `pseudonym` has left (or was removed)."""

    pseudonym: str | None


CircleAgendaResult = (
    TimeIsUp
    | LastMinute
    | RoundQuestion
    | WordsNotShared
    | AlreadyAnswered
    | AnswerTooLong
    | PassedRound
    | AnswerWaitsForTurn
    | FlowWords
    | NoStatementNeeded
    | StatementTooLong
    | TalkingPieceNow
    | YourTurn
    | RoundComplete
    | RoundCompleteForHosts
    | AnswerPassedOn
    | AnswerShown
    | CirclePausedForMembers
    | CircleResumedForMembers
    | CircleEndedForMembers
    | NoSeat
    | CircleAgreements
    | Agreed
    | CircleBeginsLater
    | MemberLeft
)
"""The messages of a circle's agenda."""
