"""What a common-ground conversation found: pure functions over vote tallies; and what
the common-ground use cases show, as plain data without text (see dialogue_results).

- *Bridging* (Polis's group-informed consensus, with the program's communities as the
  groups): for each statement, the product over communities of the smoothed agreement
  (agrees + 1) / (votes + 2), where votes counts agree, disagree and pass. Only communities
  with at least `min_voters` voters in the conversation count, there must be two of them,
  and a statement needs at least `min_voters` votes from each of them.
- *Divisive*: the largest difference of smoothed agreement between two counted
  communities, among statements with at least `min_voters` votes from at least two.
- *Suppression*: a community with fewer voters than `min_voters` is never shown: not its
  figures, not how many of its people voted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.storage.common_ground_repositories import VoteCount
from bot.storage.tables import VoteValue

if TYPE_CHECKING:
    # opinion_groups counts with Tally from here: imported for the annotations only.
    from bot.services.opinion_groups import OpinionGroups

DIVISIVE_FROM = 0.3
"""A statement is shown as divisive when communities' agreement differs by this much."""


@dataclass(frozen=True)
class Tally:
    """One statement's votes from one community."""

    agrees: int = 0
    disagrees: int = 0
    passes: int = 0

    @property
    def votes(self) -> int:
        return self.agrees + self.disagrees + self.passes

    @property
    def agreement(self) -> float:
        """Smoothed agreement, (agrees + 1) / (votes + 2): 0.5 when nobody voted."""
        return (self.agrees + 1) / (self.votes + 2)

    def plus(self, value: VoteValue, count: int) -> Tally:
        if value is VoteValue.AGREE:
            return Tally(self.agrees + count, self.disagrees, self.passes)
        if value is VoteValue.DISAGREE:
            return Tally(self.agrees, self.disagrees + count, self.passes)
        return Tally(self.agrees, self.disagrees, self.passes + count)


@dataclass(frozen=True)
class StatementResult:
    """A statement's figures, per counted community (never a suppressed one)."""

    statement_id: int
    score: float
    by_community: Mapping[int, Tally] = field(default_factory=dict)


@dataclass(frozen=True)
class Results:
    """What the organizers see: bridging and divisive statements, and who was counted."""

    counted: Mapping[int, int]
    """Voters per community shown (at least the minimum)."""
    hidden: int
    """How many communities are too small to be shown."""
    min_voters: int
    bridging: tuple[StatementResult, ...]
    divisive: tuple[StatementResult, ...]
    totals: Mapping[int, Tally]
    """Every statement's votes from everyone (communities below the minimum included)."""


def tallies_by_statement(counts: Iterable[VoteCount]) -> dict[int, dict[int | None, Tally]]:
    """Per statement, per community: the tally, from the database's counts."""
    found: dict[int, dict[int | None, Tally]] = {}
    for count in counts:
        per_community = found.setdefault(count.statement_id, {})
        tally = per_community.get(count.community_id, Tally())
        per_community[count.community_id] = tally.plus(count.value, count.count)
    return found


def counted_communities(voters: Mapping[int | None, int], min_voters: int) -> dict[int, int]:
    """The communities with enough voters to be shown (people who did not say are none)."""
    return {
        community: count
        for community, count in voters.items()
        if community is not None and count >= min_voters
    }


def bridging(
    tallies: Mapping[int, Mapping[int | None, Tally]],
    counted: Mapping[int, int],
    min_voters: int,
) -> list[StatementResult]:
    """Statements agreed across every counted community, highest product first."""
    if len(counted) < 2:
        return []
    found = []
    for statement_id, per_community in tallies.items():
        shown = {c: per_community.get(c, Tally()) for c in counted}
        if any(tally.votes < min_voters for tally in shown.values()):
            continue
        score = 1.0
        for tally in shown.values():
            score *= tally.agreement
        found.append(StatementResult(statement_id, score, shown))
    return sorted(found, key=lambda r: (-r.score, r.statement_id))


def divisive(
    tallies: Mapping[int, Mapping[int | None, Tally]],
    counted: Mapping[int, int],
    min_voters: int,
    threshold: float = DIVISIVE_FROM,
) -> list[StatementResult]:
    """Statements one counted community agrees with much more than another, most divided
    first; the score is the largest difference of smoothed agreement."""
    found = []
    for statement_id, per_community in tallies.items():
        shown = {
            c: tally
            for c, tally in per_community.items()
            if c is not None and c in counted and tally.votes >= min_voters
        }
        if len(shown) < 2:
            continue
        rates = [tally.agreement for tally in shown.values()]
        spread = max(rates) - min(rates)
        if spread >= threshold:
            found.append(StatementResult(statement_id, spread, shown))
    return sorted(found, key=lambda r: (-r.score, r.statement_id))


def results(
    counts: Iterable[VoteCount], voters: Mapping[int | None, int], min_voters: int
) -> Results:
    """Everything the organizers are shown, from the database's counts."""
    tallies = tallies_by_statement(counts)
    counted = counted_communities(voters, min_voters)
    totals = {}
    for statement_id, per_community in tallies.items():
        total = Tally()
        for tally in per_community.values():
            total = Tally(
                total.agrees + tally.agrees,
                total.disagrees + tally.disagrees,
                total.passes + tally.passes,
            )
        totals[statement_id] = total
    return Results(
        counted=counted,
        hidden=sum(1 for c in voters if c is not None and c not in counted),
        min_voters=min_voters,
        bridging=tuple(bridging(tallies, counted, min_voters)),
        divisive=tuple(divisive(tallies, counted, min_voters)),
        totals=totals,
    )


# --- what the use cases show ----------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """A statement's words as written, in `source` language, for a reader of `target`
    (machine-translated when sent)."""

    text: str
    source: str
    target: str


@dataclass(frozen=True)
class ConversationOpened:
    """The organizers opened `program`'s statements conversation: an invitation to vote."""

    program: str
    conversation_id: int


@dataclass(frozen=True)
class Ballot:
    """One statement to vote on; `author`: the pseudonym shown with it, if any."""

    statement_id: int
    author: str | None
    words: Words


@dataclass(frozen=True)
class StatementsOffered:
    """After the ballots: ask for more or add one's own; `any_left`: some were offered."""

    conversation_id: int
    any_left: bool


@dataclass(frozen=True)
class WriteStatement:
    """ "Add my own statement": what to write, and that a facilitator reads it first."""


@dataclass(frozen=True)
class AlreadyVoted:
    """A vote button pressed again (a short notice)."""


@dataclass(frozen=True)
class Voted:
    """The vote kept: the ballot becomes the statement with the choice."""

    value: VoteValue
    words: Words


@dataclass(frozen=True)
class StatementTooLongAgain:
    """A statement (or a facilitator's rewording) empty or over `limit` characters."""

    limit: int


@dataclass(frozen=True)
class StatementReceived:
    """A participant's statement kept for a facilitator, with the pseudonym button."""

    statement_id: int


@dataclass(frozen=True)
class PseudonymShown:
    """The author's pseudonym will be shown with their statement."""

    pseudonym: str


@dataclass(frozen=True)
class StatementToModerate:
    """A participant's new statement, for a facilitator to approve, edit or reject."""

    statement_id: int
    words: Words


@dataclass(frozen=True)
class StatementAlreadyHandled:
    """Another facilitator decided on this statement first."""


@dataclass(frozen=True)
class RewordStatement:
    """ "Edit": send the statement as it should read."""


@dataclass(frozen=True)
class StatementModerated:
    """The facilitator's decision kept; `replaces`: it answers the pressed card."""

    approved: bool
    words: Words
    replaces: bool = False


@dataclass(frozen=True)
class YourStatementModerated:
    """To the author: their statement is offered to others, or not."""

    approved: bool


@dataclass(frozen=True)
class YourStatementEdited:
    """To the author: a facilitator reworded their statement and offered it."""

    words: Words


@dataclass(frozen=True)
class CommonGroundSummary:
    """What a conversation found: bridging and divisive statements per community, small
    communities hidden. `statements` and `communities` map ids to their words and names."""

    program: str
    is_open: bool
    approved: int
    pending: int
    found: Results
    statements: Mapping[int, str]
    communities: Mapping[int, str]


@dataclass(frozen=True)
class CommonGroundScreen:
    """/commonground for one program: the summary, then the opinion groups found from the
    votes (None: the analysis extra is not installed)."""

    summary: CommonGroundSummary
    groups: OpinionGroups | None


CommonGroundResult = (
    ConversationOpened
    | Ballot
    | StatementsOffered
    | WriteStatement
    | AlreadyVoted
    | Voted
    | StatementTooLongAgain
    | StatementReceived
    | PseudonymShown
    | StatementToModerate
    | StatementAlreadyHandled
    | RewordStatement
    | StatementModerated
    | YourStatementModerated
    | YourStatementEdited
    | CommonGroundSummary
    | CommonGroundScreen
)
"""The common-ground use cases' messages: votes, statements, moderation and results."""
