"""Bridging and divisive statements, checked against figures worked out by hand."""

from __future__ import annotations

import pytest

from bot.services.common_ground_results import Tally, bridging, counted_communities, results
from bot.storage.common_ground_repositories import VoteCount
from bot.storage.tables import VoteValue

EAST, WEST, NORTH = 1, 2, 3
A, D, P = VoteValue.AGREE, VoteValue.DISAGREE, VoteValue.PASS


def counts(statement: int, community: int | None, agrees: int, disagrees: int, passes: int):
    return [
        VoteCount(statement, community, value, n)
        for value, n in ((A, agrees), (D, disagrees), (P, passes))
        if n
    ]


def test_smoothed_agreement_is_agrees_plus_one_over_votes_plus_two() -> None:
    assert Tally(agrees=4, disagrees=1, passes=1).agreement == pytest.approx(5 / 8)
    assert Tally().agreement == 0.5


def test_bridging_is_the_product_of_each_communitys_smoothed_agreement() -> None:
    # Statement 1: east 5 agree of 6 (1 pass) -> 6/8; west 4 agree, 2 disagree -> 5/8.
    # Product: 0.75 * 0.625 = 0.46875.
    # Statement 2: east 6 agree of 6 -> 7/8; west 0 agree of 6 -> 1/8. Product: 0.109375.
    votes = [
        *counts(1, EAST, 5, 0, 1),
        *counts(1, WEST, 4, 2, 0),
        *counts(2, EAST, 6, 0, 0),
        *counts(2, WEST, 0, 6, 0),
    ]
    found = results(votes, {EAST: 6, WEST: 6}, min_voters=5)
    assert [r.statement_id for r in found.bridging] == [1, 2]
    assert found.bridging[0].score == pytest.approx(0.46875)
    assert found.bridging[1].score == pytest.approx(0.109375)


def test_divisive_is_the_largest_gap_in_smoothed_agreement_between_communities() -> None:
    # Statement 2: east 7/8 = 0.875, west 1/8 = 0.125: gap 0.75 (divisive).
    # Statement 1: 0.75 - 0.625 = 0.125: under 0.3, not divisive.
    votes = [
        *counts(1, EAST, 5, 0, 1),
        *counts(1, WEST, 4, 2, 0),
        *counts(2, EAST, 6, 0, 0),
        *counts(2, WEST, 0, 6, 0),
    ]
    found = results(votes, {EAST: 6, WEST: 6}, min_voters=5)
    assert [(r.statement_id, r.score) for r in found.divisive] == [(2, pytest.approx(0.75))]


def test_a_statement_needs_the_minimum_in_every_counted_community_to_bridge() -> None:
    # West cast only 4 votes on statement 1: it cannot bridge, however agreed.
    votes = [*counts(1, EAST, 6, 0, 0), *counts(1, WEST, 4, 0, 0), *counts(2, EAST, 5, 0, 0)]
    votes += counts(2, WEST, 5, 0, 0)
    found = results(votes, {EAST: 6, WEST: 6}, min_voters=5)
    assert [r.statement_id for r in found.bridging] == [2]
    # 6/7 * 6/7
    assert found.bridging[0].score == pytest.approx(36 / 49)


def test_a_small_communitys_figures_are_never_shown() -> None:
    # North has 3 voters, under the minimum of 5: it is neither a factor of bridging nor
    # shown anywhere, and only counted as "hidden".
    votes = [
        *counts(1, EAST, 5, 0, 0),
        *counts(1, WEST, 5, 0, 0),
        *counts(1, NORTH, 0, 3, 0),
    ]
    found = results(votes, {EAST: 5, WEST: 5, NORTH: 3, None: 2}, min_voters=5)
    assert found.counted == {EAST: 5, WEST: 5}
    assert found.hidden == 1
    [result] = found.bridging
    assert set(result.by_community) == {EAST, WEST}
    assert result.score == pytest.approx((6 / 7) ** 2)
    assert all(NORTH not in r.by_community for r in (*found.bridging, *found.divisive))


def test_nothing_bridges_with_fewer_than_two_communities_counted() -> None:
    votes = counts(1, EAST, 9, 0, 0)
    assert bridging({1: {EAST: Tally(9)}}, counted_communities({EAST: 9}, 5), 5) == []
    assert results(votes, {EAST: 9, WEST: 2}, 5).bridging == ()
