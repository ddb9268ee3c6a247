"""Opinion groups found from the votes themselves, as Polis does: for when the declared
community is not the divide that matters.

The vote matrix has a row per participant with at least `MIN_VOTES` votes and a column per
approved statement (agree +1, disagree -1, pass or not seen 0). It is projected onto its
first two principal components, and the projection is split by k-means into 2 to 5 groups,
the number chosen by the silhouette score. Everything is deterministic (a fixed random
state; a tie goes to fewer groups), so the same votes always give the same groups.

scikit-learn does the mathematics and is an optional extra (`pip install 'palaver[analysis]'`):
without it `opinion_groups` returns None and the caller says what to install.

Privacy: a group with fewer members than the conversation's minimum is never shown (neither
its size nor its figures), and nothing here says who is in which group: a group is its size
and its tallies.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NamedTuple, Protocol

from bot.services.common_ground_results import Tally
from bot.storage.tables import VoteValue

MIN_VOTES = 3
"""A participant is placed in a group only after voting on this many statements."""
GROUP_COUNTS = range(2, 6)
"""How many groups k-means tries; the silhouette score chooses among them."""
GROUP_NAMES = "ABCDE"
"""The groups shown are named by letter, largest first, as Polis does."""
RANDOM_STATE = 0
K_MEANS_STARTS = 10
SILHOUETTE_SAMPLE = 2000
"""The silhouette compares every pair of people: past this many, a fixed sample of them."""
REPRESENTATIVE_FROM = 0.3
"""A statement represents a group when the group's smoothed agreement exceeds everyone
else's by this much (and most of the group's votes on it agree)."""
REPRESENTATIVES = 3
"""How many representative statements each group keeps, most distinctive first."""
MATRIX_VALUE = {VoteValue.AGREE: 1.0, VoteValue.DISAGREE: -1.0, VoteValue.PASS: 0.0}


class Cast(Protocol):
    """One vote, as both the repository's ballots and the Polis export's votes carry it."""

    @property
    def person_id(self) -> int: ...

    @property
    def statement_id(self) -> int: ...

    @property
    def value(self) -> VoteValue: ...


@dataclass(frozen=True)
class Representative:
    """A statement a group agrees with much more than everyone else who was grouped."""

    statement_id: int
    inside: Tally
    outside: Tally

    @property
    def score(self) -> float:
        return self.inside.agreement - self.outside.agreement


@dataclass(frozen=True)
class OpinionGroup:
    """A group shown: how many people, and their votes per statement (never who they are)."""

    size: int
    by_statement: Mapping[int, Tally]
    representative: tuple[Representative, ...]


@dataclass(frozen=True)
class OpinionGroups:
    """The groups large enough to show, largest first."""

    groups: tuple[OpinionGroup, ...]
    hidden: int
    """How many groups were found with fewer members than the minimum."""
    min_members: int
    min_votes: int


class Analysis(NamedTuple):
    """The parts of numpy and scikit-learn used here."""

    numpy: ModuleType
    pca: Any
    k_means: Any
    silhouette_score: Any


def _analysis() -> Analysis | None:
    """numpy and scikit-learn, imported when first needed; None without the extra."""
    try:
        import numpy
        from sklearn.cluster import KMeans
        from sklearn.decomposition import PCA
        from sklearn.metrics import silhouette_score
    except ImportError:
        return None
    return Analysis(numpy, PCA, KMeans, silhouette_score)


def available() -> bool:
    """Whether the `analysis` extra (scikit-learn) is installed."""
    return _analysis() is not None


def opinion_groups(
    ballots: Iterable[Cast], min_members: int, *, min_votes: int = MIN_VOTES
) -> OpinionGroups | None:
    """The opinion groups in these votes, or None when scikit-learn is not installed.

    Blocking (a few milliseconds for thousands of voters, but importing scikit-learn the
    first time takes about a second): call it from a worker thread in the bot.
    """
    analysis = _analysis()
    if analysis is None:
        return None
    votes_of: dict[int, dict[int, VoteValue]] = {}
    for ballot in ballots:
        votes_of.setdefault(ballot.person_id, {})[ballot.statement_id] = ballot.value
    voters = sorted(person for person, votes in votes_of.items() if len(votes) >= min_votes)
    statements = sorted({statement for person in voters for statement in votes_of[person]})
    matrix = [
        [MATRIX_VALUE[votes_of[person][s]] if s in votes_of[person] else 0.0 for s in statements]
        for person in voters
    ]
    labels = _labels(analysis, matrix, [len(votes_of[person]) for person in voters])
    members: dict[int, list[int]] = {}
    for person, label in zip(voters, labels, strict=False):
        members.setdefault(label, []).append(person)
    found = sorted(members.values(), key=lambda people: (-len(people), people[0]))
    everyone = _tallies(votes_of, voters)
    shown = tuple(
        _group(votes_of, people, everyone, min_members)
        for people in found
        if len(people) >= min_members
    )
    return OpinionGroups(
        groups=shown,
        hidden=len(found) - len(shown),
        min_members=min_members,
        min_votes=min_votes,
    )


def _labels(analysis: Analysis, matrix: list[list[float]], votes: list[int]) -> list[int]:
    """Each row's group: PCA to two components, then k-means with the best silhouette.
    No groups (an empty list) when the votes do not split: too few people or all alike."""
    numpy = analysis.numpy
    if len(matrix) < min(GROUP_COUNTS) + 1:
        return []
    data = numpy.array(matrix, dtype=float)
    components = min(2, *data.shape)
    projected = analysis.pca(n_components=components, svd_solver="full").fit_transform(data)
    # As Polis does: someone who voted on few statements sits near the centre only for lack
    # of votes, so their position is stretched by sqrt(statements / their votes).
    projected *= numpy.sqrt(data.shape[1] / numpy.array(votes, dtype=float))[:, None]
    distinct = len(numpy.unique(projected.round(9), axis=0))
    best: list[int] = []
    best_score = -math.inf
    for count in GROUP_COUNTS:
        if count > distinct or count >= len(matrix):
            break
        k_means = analysis.k_means(
            n_clusters=count, n_init=K_MEANS_STARTS, random_state=RANDOM_STATE
        )
        labels = k_means.fit_predict(projected)
        score = float(
            analysis.silhouette_score(
                projected,
                labels,
                sample_size=min(len(matrix), SILHOUETTE_SAMPLE),
                random_state=RANDOM_STATE,
            )
        )
        if score > best_score + 1e-9:
            best, best_score = [int(label) for label in labels], score
    return best


def _tallies(
    votes_of: Mapping[int, Mapping[int, VoteValue]], people: Sequence[int]
) -> dict[int, Tally]:
    found: dict[int, Tally] = {}
    for person in people:
        for statement, value in votes_of[person].items():
            found[statement] = found.get(statement, Tally()).plus(value, 1)
    return found


def _group(
    votes_of: Mapping[int, Mapping[int, VoteValue]],
    people: Sequence[int],
    everyone: Mapping[int, Tally],
    min_members: int,
) -> OpinionGroup:
    """A group's tallies and its representative statements: agreed by most of the group,
    much more than by the others, each side with at least `min_members` votes on it (so a
    small group hidden among "the others" never shows through)."""
    inside = _tallies(votes_of, people)
    representative = []
    for statement, tally in inside.items():
        total = everyone[statement]
        outside = Tally(
            total.agrees - tally.agrees,
            total.disagrees - tally.disagrees,
            total.passes - tally.passes,
        )
        candidate = Representative(statement, tally, outside)
        if (
            tally.votes >= min_members
            and outside.votes >= min_members
            and 2 * tally.agrees > tally.votes
            and candidate.score >= REPRESENTATIVE_FROM
        ):
            representative.append(candidate)
    representative.sort(key=lambda r: (-r.score, r.statement_id))
    return OpinionGroup(
        size=len(people),
        by_statement=inside,
        representative=tuple(representative[:REPRESENTATIVES]),
    )
