"""A circle flow read as a facilitator's agenda: opening words, agreements, rounds, goodbye.

In a pair each person's run moves on by itself; a circle moves together, when its
facilitator says so. So the circle shell does not run the flow step by step for each
member: it reads the flow once as an agenda. A *round* is a text question whose answer is
shared with the circle and waited for (`ask`, `share`, `wait`); the `wait` step carries the
round's settings (time limit, what happens when time is up, talking piece). A
`statements` step is a round of its own: members write statements and vote on each
other's (common ground). `say` steps
before the first round open the circle; the step with id `agreements` holds the ground
rules; the `end` step says goodbye. Private survey questions and branches are for pairs and
solo flows; a circle's agenda leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.engine.schema import (
    AskStep,
    EndStep,
    Flow,
    SayStep,
    ShareStep,
    StatementsStep,
    TextAnswer,
    WaitStep,
)

AGREEMENTS_STEP = "agreements"
STATEMENT_LENGTH = 280
"""The longest statement a member may write in a statements round."""


@dataclass(frozen=True)
class Round:
    """One round: everyone answers the same question before anyone responds."""

    number: int
    key: str
    question: str
    thanks: str
    """Said to a member whose answer is kept (the `wait` step's text)."""
    passed: str
    """Shown to the circle for a member who passed (`{partner}` is their pseudonym)."""
    heading: str
    """Above each relayed answer (`{partner}` is the author's pseudonym)."""
    max_length: int
    time_limit: timedelta | None
    close_when_time_is_up: bool
    talking_piece: bool
    statements: bool = False
    """A statements round: members write statements and vote on each other's."""
    moderated: bool = True
    """In a statements round: a facilitator approves each statement first."""


@dataclass(frozen=True)
class Agenda:
    opening: tuple[str, ...]
    agreements: str | None
    rounds: tuple[Round, ...]
    goodbye: str | None

    def round(self, number: int) -> Round | None:
        """Round `number` (from 1), or None past the last."""
        return self.rounds[number - 1] if 1 <= number <= len(self.rounds) else None


def agenda_of(flow: Flow) -> Agenda:
    """The agenda a circle flow describes."""
    opening: list[str] = []
    agreements: str | None = None
    rounds: list[Round] = []
    goodbye: str | None = None
    steps = flow.steps
    asks = {step.key: step for step in steps if isinstance(step, AskStep)}
    shares = {step.key: step for step in steps if isinstance(step, ShareStep)}
    for step in steps:
        if isinstance(step, SayStep):
            if step.id == AGREEMENTS_STEP:
                agreements = step.text
            elif not rounds:
                opening.append(step.text)
        elif isinstance(step, WaitStep):
            share = shares.get(step.key)
            answer_key = share.answer_key if share is not None else None
            ask = asks.get(answer_key) if answer_key is not None else None
            if share is None or ask is None or not isinstance(ask.answer, TextAnswer):
                continue
            rounds.append(
                Round(
                    number=len(rounds) + 1,
                    key=step.key,
                    question=ask.text,
                    thanks=step.text,
                    passed=step.skipped_text,
                    heading=share.heading,
                    max_length=ask.answer.max_length,
                    time_limit=step.limit,
                    close_when_time_is_up=step.when_time_is_up == "close",
                    talking_piece=step.talking_piece,
                )
            )
        elif isinstance(step, StatementsStep):
            rounds.append(
                Round(
                    number=len(rounds) + 1,
                    key=step.id,
                    question=step.text,
                    thanks="",
                    passed="",
                    heading="",
                    max_length=STATEMENT_LENGTH,
                    time_limit=step.limit,
                    close_when_time_is_up=step.when_time_is_up == "close",
                    talking_piece=False,
                    statements=True,
                    moderated=step.moderated,
                )
            )
        elif isinstance(step, EndStep):
            goodbye = step.text
    return Agenda(tuple(opening), agreements, tuple(rounds), goodbye)
