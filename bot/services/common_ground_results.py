"""What a common-ground conversation found: pure functions over vote tallies.

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

from bot.storage.common_ground_repositories import VoteCount
from bot.storage.tables import VoteValue

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
