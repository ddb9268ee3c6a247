"""Opinion groups found from the votes themselves: two groups that cut across the declared
communities are found with their sizes and the statements that set them apart; a group
smaller than the minimum is never shown; without scikit-learn there are no groups at all;
the Polis export adds the groups' figures without changing Polis's own columns."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime

import pytest

from bot.export.polis import PolisData, polis_files
from bot.services import opinion_groups as module
from bot.services.common_ground_results import results
from bot.services.opinion_groups import opinion_groups
from bot.storage.common_ground_repositories import Ballot, CastVote, VoteCount
from bot.storage.tables import (
    CommonGround,
    Community,
    Program,
    Statement,
    StatementStatus,
    VoteValue,
)

A, D, P = VoteValue.AGREE, VoteValue.DISAGREE, VoteValue.PASS
EAST, WEST = 1, 2
FIRST_SIDE = {1, 2, 3, 4, 5}
"""Agreed by one opinion group, rejected by the other."""
SECOND_SIDE = {6, 7, 8, 9, 10}
EVERYONE_AGREES = {11, 12}
PEOPLE = 40


def community_of(person: int) -> int:
    """Persons 0-19 are east, 20-39 west."""
    return EAST if person < PEOPLE // 2 else WEST


def first_side(person: int) -> bool:
    """Every other person, so each opinion group is half east and half west."""
    return person % 2 == 0


def divided_votes(seed: int = 14) -> list[Ballot]:
    """Forty people in two communities split by opinion across them: one side agrees with
    statements 1-5 and rejects 6-10, the other the reverse, everyone agrees with 11 and 12.
    About one vote in thirteen is a pass and as many statements were never seen."""
    noise = random.Random(seed)
    ballots = []
    for person in range(PEOPLE):
        for statement in sorted(FIRST_SIDE | SECOND_SIDE | EVERYONE_AGREES):
            chance = noise.random()
            if chance < 0.075:
                continue
            if chance < 0.15:
                value = P
            elif statement in EVERYONE_AGREES:
                value = A
            else:
                value = A if (statement in FIRST_SIDE) == first_side(person) else D
            ballots.append(Ballot(person, statement, value))
    return ballots


def few_votes() -> list[Ballot]:
    """Five people who voted on two statements only: not grouped at all."""
    return [Ballot(100 + n, statement, A) for n in range(5) for statement in (1, 6)]


def a_small_group() -> list[Ballot]:
    """Three people who agree with everything the others divide on and reject what all of
    them agree with: a group of their own, smaller than the minimum of 5."""
    return [
        Ballot(200 + n, statement, D if statement in EVERYONE_AGREES else A)
        for n in range(3)
        for statement in sorted(FIRST_SIDE | SECOND_SIDE | EVERYONE_AGREES)
    ]


def test_two_opinion_groups_across_the_communities_are_found_with_their_statements() -> None:
    found = opinion_groups([*divided_votes(), *few_votes()], min_members=5)

    assert found is not None
    assert [group.size for group in found.groups] == [20, 20]
    assert found.hidden == 0
    first, second = found.groups
    # The largest group first; on a tie, the one with the earliest voter (person 0).
    assert {r.statement_id for r in first.representative} <= FIRST_SIDE
    assert {r.statement_id for r in second.representative} <= SECOND_SIDE
    assert len(first.representative) == len(second.representative) == 3
    # Each group is exactly one side: nobody in it voted the other side's way.
    for group, agreed, rejected in (
        (first, FIRST_SIDE, SECOND_SIDE),
        (second, SECOND_SIDE, FIRST_SIDE),
    ):
        for statement in agreed:
            assert group.by_statement[statement].disagrees == 0
            assert group.by_statement[statement].agreement > 0.7
        for statement in rejected:
            assert group.by_statement[statement].agrees == 0
            assert group.by_statement[statement].agreement < 0.3
        assert group.by_statement[11].disagrees == 0
        for statement in group.representative:
            assert statement.inside.votes >= 5 and statement.outside.votes >= 5
            assert statement.score >= 0.3
    # The people with two votes each are in no group.
    assert sum(group.by_statement[1].votes for group in found.groups) == sum(
        1 for b in divided_votes() if b.statement_id == 1
    )


def test_the_declared_communities_do_not_see_that_divide() -> None:
    """The same votes by community: nothing divides east from west, which is why the
    groups are found from the votes."""
    counts: dict[tuple[int, int, VoteValue], int] = {}
    for ballot in divided_votes():
        key = (ballot.statement_id, community_of(ballot.person_id), ballot.value)
        counts[key] = counts.get(key, 0) + 1
    by_community = results(
        [VoteCount(statement, c, value, n) for (statement, c, value), n in counts.items()],
        {EAST: 20, WEST: 20},
        min_voters=5,
    )
    assert by_community.divisive == ()


def test_the_same_votes_always_give_the_same_groups() -> None:
    assert opinion_groups(divided_votes(), 5) == opinion_groups(divided_votes(), 5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_two_groups_do_not_depend_on_which_votes_were_passes(seed: int) -> None:
    found = opinion_groups(divided_votes(seed), 5)
    assert found is not None and [group.size for group in found.groups] == [20, 20]


def test_a_group_smaller_than_the_minimum_is_never_shown() -> None:
    found = opinion_groups([*divided_votes(), *a_small_group()], min_members=5)

    assert found is not None
    assert [group.size for group in found.groups] == [20, 20]
    assert found.hidden == 1
    # What a statement gets from "the others" never comes from the small group alone.
    for group in found.groups:
        for statement in group.representative:
            assert statement.outside.votes >= 5

    # With a minimum above every group's size, nothing is shown at all.
    found = opinion_groups(divided_votes(), min_members=21)
    assert found is not None and found.groups == () and found.hidden == 2


def test_too_few_voters_make_no_groups() -> None:
    found = opinion_groups(few_votes(), min_members=2)
    assert found is not None and found.groups == () and found.hidden == 0


def test_without_scikit_learn_there_are_no_opinion_groups(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Our own optional-import seam, as if the `analysis` extra were not installed.
    monkeypatch.setattr(module, "_analysis", lambda: None)
    assert module.available() is False
    assert opinion_groups(divided_votes(), 5) is None


def polis_data(ballots: list[Ballot]) -> PolisData:
    """A program's conversation as the Polis export reads it, here without a database."""
    program = Program(id=1, name="River towns", languages=["en"])
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    statements = [
        Statement(
            id=statement,
            common_ground_id=1,
            text=f"Statement {statement}",
            language="en",
            status=StatementStatus.APPROVED,
            seeded=True,
            created_at=now,
        )
        for statement in sorted(FIRST_SIDE | SECOND_SIDE | EVERYONE_AGREES)
    ]
    return PolisData(
        program=program,
        conversation=CommonGround(id=1, program_id=1, min_voters=5),
        statements=statements,
        votes=[
            CastVote(b.statement_id, b.person_id, community_of(b.person_id), b.value, now)
            for b in ballots
        ],
        communities=[
            Community(id=EAST, program_id=1, name="east", position=0),
            Community(id=WEST, program_id=1, name="west", position=1),
        ],
    )


def read(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def test_the_polis_export_adds_the_opinion_groups_after_polis_own_columns() -> None:
    ballots = divided_votes()
    files = polis_files(polis_data(ballots))

    rows = read(files["comment-groups.csv"])
    counts = ("votes", "agrees", "disagrees", "passes")
    assert list(rows[0]) == [
        "comment-id", "comment", "total-votes", "total-agrees", "total-disagrees", "total-passes",
        *(f"group-{g}-{what}" for g in "ab" for what in counts),
        *(f"opinion-group-{g}-{what}" for g in "ab" for what in counts),
    ]  # fmt: skip
    first = next(row for row in rows if row["comment-id"] == "1")
    side = [b for b in ballots if b.statement_id == 1 and first_side(b.person_id)]
    assert first["opinion-group-a-votes"] == str(len(side))
    assert first["opinion-group-a-agrees"] == str(sum(b.value is A for b in side))
    assert first["opinion-group-a-disagrees"] == "0"
    assert first["opinion-group-b-agrees"] == "0"
    # The communities stay the groups Polis knows, and nobody's opinion group is written.
    participants = read(files["participant-votes.csv"])
    assert list(participants[0])[:6] == [
        "participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree",
    ]  # fmt: skip
    assert not any("opinion" in column for column in participants[0])
    summary = dict(csv.reader(io.StringIO(files["summary.csv"].decode())))
    assert summary["groups"] == "2" and summary["opinion-groups"] == "2"


def test_the_polis_export_without_scikit_learn_has_polis_own_columns_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(module, "_analysis", lambda: None)
    files = polis_files(polis_data(divided_votes()))
    assert not any("opinion" in column for column in read(files["comment-groups.csv"])[0])
    summary = dict(csv.reader(io.StringIO(files["summary.csv"].decode())))
    assert summary["opinion-groups"] == ""
