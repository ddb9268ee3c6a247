"""A program-wide statements conversation with hundreds of voters, their votes written
straight into the database: the next statement is still chosen by one query, the results
match the votes cast, a small community stays hidden, and the Polis export reads back."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import insert
from sqlmodel import select

from bot.cli import main
from bot.export.polis import collect_polis, polis_files
from bot.services.common_ground import opinion_groups_of, results_of, seed
from bot.storage.tables import (
    CommonGround,
    CommonGroundStatus,
    Community,
    Membership,
    Person,
    Program,
    Statement,
    StatementStatus,
    Vote,
    VoteValue,
)
from bot.storage.types import utc_now
from bot.storage.unit_of_work import Database

COMMUNITIES = {"east": 150, "west": 147, "north": 3}
"""North has fewer voters than the program's minimum (5): never shown, never a group."""
STATEMENTS = 20
UNVOTED = 19
"""Nobody has voted on the last statement yet."""
SKIPPED_BY_FIRST = 5
"""The first person has voted on every statement but this one (and the unvoted one)."""


def value_for(community: str, index: int, statement: int) -> VoteValue | None:
    """The simulated vote: statement 0 is agreed everywhere, statement 1 divides east
    from west, the others are mixed; None: this person did not vote on it."""
    if statement == UNVOTED or (index == 0 and statement == SKIPPED_BY_FIRST):
        return None
    if statement == 0:
        return VoteValue.AGREE if index % 10 else VoteValue.PASS
    if statement == 1:
        return VoteValue.AGREE if community == "east" else VoteValue.DISAGREE
    return (VoteValue.AGREE, VoteValue.DISAGREE, VoteValue.PASS)[(index + statement) % 3]


async def simulated(database: Database) -> tuple[Program, list[Statement], dict[int, str], list]:
    """The program, its statements, each person's community, and every vote cast."""
    async with database.unit_of_work() as uow:
        program = Program(name="River towns", languages=["en"], min_group_size=5)
        uow.add(program)
        await uow.session.flush()
        communities = {}
        for position, name in enumerate(COMMUNITIES):
            community = Community(program_id=program.id or 0, name=name, position=position)
            uow.add(community)
            communities[name] = community
        await uow.session.flush()
        people: list[tuple[int, str, int]] = []
        for name, count in COMMUNITIES.items():
            for index in range(count):
                person = Person(telegram_id=10_000 + len(people), language="en")
                uow.add(person)
                await uow.session.flush()
                uow.add(
                    Membership(
                        person_id=person.id or 0,
                        program_id=program.id or 0,
                        community_id=communities[name].id,
                        community_chosen=True,
                    )
                )
                people.append((person.id or 0, name, index))
        statements = await seed(
            uow,
            program,
            [f"Statement number {n}" for n in range(STATEMENTS)],
            "en",
            by=None,
        )
        cast = []
        now = utc_now()
        for person_id, name, index in people:
            for number, statement in enumerate(statements):
                value = value_for(name, index, number)
                if value is not None:
                    cast.append(
                        {
                            "statement_id": statement.id,
                            "person_id": person_id,
                            "value": value,
                            "voted_at": now,
                        }
                    )
        await uow.session.exec(insert(Vote), params=cast)
        await uow.commit()
    return program, statements, {p: n for p, n, _ in people}, cast


async def test_hundreds_of_voters_next_statement_results_and_polis_export(
    database_url: str, tmp_path: Path
) -> None:
    database = Database(database_url)
    try:
        program, statements, community_of, cast = await simulated(database)
        first = min(community_of)
        async with database.unit_of_work() as uow:
            conversation = await uow.common_ground.of_program(program.id or 0)
            assert conversation is not None and conversation.min_voters == 5
            # A statement of the first person's own, and one still waiting for a
            # facilitator: neither is offered to them.
            own = await uow.common_ground.add_statement(
                Statement(
                    common_ground_id=conversation.id or 0,
                    text="My own",
                    language="en",
                    author_id=first,
                    status=StatementStatus.APPROVED,
                )
            )
            await uow.common_ground.add_statement(
                Statement(common_ground_id=conversation.id or 0, text="Waiting", language="en")
            )
            await uow.commit()

        async with database.unit_of_work() as uow:
            offered = await uow.common_ground.next_for(conversation.id or 0, first, 3)
            # Fewest votes first: the unvoted statement, then the one they skipped.
            assert [s.id for s in offered] == [
                statements[UNVOTED].id,
                statements[SKIPPED_BY_FIRST].id,
            ]
            someone = max(community_of)
            offered = await uow.common_ground.next_for(conversation.id or 0, someone, 3)
            assert [s.id for s in offered] == [statements[UNVOTED].id, own.id]
            # A second vote by the same person on the same statement is not kept.
            again = await uow.common_ground.vote_once(
                statements[0].id or 0, first, VoteValue.DISAGREE, utc_now()
            )
            assert again is False
            found = await results_of(uow, conversation)
            opinions = await opinion_groups_of(uow, conversation)
            communities = {c.name: c.id for c in await uow.communities.of_program(program.id or 0)}

        east, west, north = communities["east"], communities["west"], communities["north"]
        assert found.counted == {east: 150, west: 147}
        assert found.hidden == 1
        assert found.bridging[0].statement_id == statements[0].id
        assert found.divisive[0].statement_id == statements[1].id
        for result in (*found.bridging, *found.divisive):
            assert north not in result.by_community
        # The figures are the votes cast, counted again here by hand.
        for number, statement in enumerate(statements):
            for name in ("east", "west"):
                expected = [
                    v["value"]
                    for v in cast
                    if v["statement_id"] == statement.id and community_of[v["person_id"]] == name
                ]
                shown = next(
                    (r.by_community for r in found.bridging if r.statement_id == statement.id),
                    None,
                )
                if shown is None:
                    assert number == UNVOTED
                    continue
                tally = shown[communities[name]]
                assert tally.agrees == expected.count(VoteValue.AGREE)
                assert tally.disagrees == expected.count(VoteValue.DISAGREE)
                assert tally.passes == expected.count(VoteValue.PASS)
        # Agreed everywhere: east 135 agree of 150, west 132 of 147 (every tenth passes).
        assert found.bridging[0].score == (136 / 152) * (133 / 149)

        async with database.unit_of_work() as uow:
            files = polis_files(await collect_polis(uow, program))
    finally:
        await database.dispose()

    check_polis_files(files, cast, community_of, communities, statements)
    # The export's opinion groups are the organizer's screen's (the votes read in one query
    # there, from the export's votes here).
    assert opinions is not None and opinions.groups
    summary = dict(csv.reader(io.StringIO(files["summary.csv"].decode())))
    assert summary["opinion-groups"] == str(len(opinions.groups))
    comment_groups = read(files["comment-groups.csv"])
    for row in comment_groups:
        for name, group in zip("abcde", opinions.groups, strict=False):
            tally = group.by_statement.get(int(row["comment-id"]))
            assert row[f"opinion-group-{name}-votes"] == str(tally.votes if tally else 0)
    # The same files through the command line.
    out = tmp_path / "polis"
    runner = CliRunner(env={"PALAVER_DATABASE_URL": database_url})
    result = await asyncio.to_thread(
        runner.invoke,
        main,
        ["export", "--program", str(program.id), "--format", "polis", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 5 Polis files" in result.output
    written = {path.name: path.read_bytes() for path in out.iterdir()}
    assert written == files


def read(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def check_polis_files(
    files: dict[str, bytes],
    cast: list[dict],
    community_of: dict[int, str],
    communities: dict[str, int | None],
    statements: list[Statement],
) -> None:
    polis = {VoteValue.AGREE: 1, VoteValue.DISAGREE: -1, VoteValue.PASS: 0}
    votes = read(files["votes.csv"])
    assert list(votes[0]) == ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
    assert len(votes) == len(cast)
    # Voter numbers are 0..n-1, never a Telegram id or an internal id.
    numbers = sorted({int(v["voter-id"]) for v in votes})
    assert numbers == list(range(len(community_of)))
    # Every vote cast is there once, with its value, under one number per person.
    number_of: dict[int, int] = {}
    for vote, row in zip(cast, votes, strict=True):
        assert int(row["comment-id"]) == vote["statement_id"]
        assert int(row["vote"]) == polis[vote["value"]]
        assert number_of.setdefault(vote["person_id"], int(row["voter-id"])) == int(row["voter-id"])

    participants = read(files["participant-votes.csv"])
    header = list(participants[0])
    assert header[:6] == [
        "participant",
        "group-id",
        "n-comments",
        "n-votes",
        "n-agree",
        "n-disagree",
    ]
    assert header[6:] == [str(s.id) for s in statements] + [header[-2], header[-1]]
    person_of = {number: person for person, number in number_of.items()}
    group_of = {"east": "0", "west": "1", "north": ""}  # north is too small to be a group
    for row in participants:
        person = person_of[int(row["participant"])]
        assert row["group-id"] == group_of[community_of[person]]
        mine = [v for v in cast if v["person_id"] == person]
        assert int(row["n-votes"]) == len(mine)
        assert int(row["n-agree"]) == sum(v["value"] is VoteValue.AGREE for v in mine)
        for vote in mine:
            assert int(row[str(vote["statement_id"])]) == polis[vote["value"]]

    comments = read(files["comments.csv"])
    assert list(comments[0]) == [
        "timestamp", "datetime", "comment-id", "author-id",
        "agrees", "disagrees", "moderated", "comment-body",
    ]  # fmt: skip
    by_id = {int(c["comment-id"]): c for c in comments}
    first = by_id[statements[0].id or 0]
    assert first["comment-body"] == "Statement number 0" and first["moderated"] == "1"
    assert int(first["agrees"]) == sum(
        v["statement_id"] == statements[0].id and v["value"] is VoteValue.AGREE for v in cast
    )
    assert {c["moderated"] for c in comments} == {"1", "0"}

    groups = read(files["comment-groups.csv"])
    assert [h for h in groups[0] if h.startswith("group-")] == [
        f"group-{g}-{what}" for g in "ab" for what in ("votes", "agrees", "disagrees", "passes")
    ]
    divided = next(g for g in groups if int(g["comment-id"]) == statements[1].id)
    assert divided["group-a-agrees"] == "150" and divided["group-a-disagrees"] == "0"
    assert divided["group-b-agrees"] == "0" and divided["group-b-disagrees"] == "147"
    assert divided["total-votes"] == "300"

    summary = dict(csv.reader(io.StringIO(files["summary.csv"].decode())))
    assert summary["voters"] == "300" and summary["groups"] == "2"
    # The opinion groups found from these votes, with their columns after Polis's own.
    opinion = [h for h in groups[0] if h.startswith("opinion-group-")]
    assert len(opinion) == 4 * int(summary["opinion-groups"]) > 0
    assert list(groups[0])[-len(opinion) :] == opinion
    assert summary["comments"] == str(len(comments))


async def test_votes_fired_at_once_from_two_processes_count_once_per_person(
    databases: tuple[Database, Database],
) -> None:
    """The same people voting on the same statement from two processes at the same moment
    (double taps, retries): one vote each, no transaction aborted."""
    first, second = databases
    async with first.unit_of_work() as uow:
        program = Program(name="Concurrent votes", languages=["en"])
        uow.add(program)
        await uow.session.flush()
        conversation = CommonGround(program_id=program.id or 0, status=CommonGroundStatus.OPEN)
        uow.add(conversation)
        await uow.session.flush()
        statement = Statement(
            common_ground_id=conversation.id or 0,
            text="Our children should be able to play together.",
            language="en",
            status=StatementStatus.APPROVED,
            seeded=True,
        )
        people = [Person(telegram_id=7_000 + n, language="en") for n in range(5)]
        for row in (statement, *people):
            uow.add(row)
        await uow.commit()
        statement_id = statement.id or 0
        person_ids = [p.id or 0 for p in people]

    async def vote(database: Database, person_id: int) -> bool:
        async with database.unit_of_work() as uow:
            new = await uow.common_ground.vote_once(
                statement_id, person_id, VoteValue.AGREE, utc_now()
            )
            await uow.commit()
            return new

    for _ in range(3):
        results = await asyncio.gather(
            *(vote(db, pid) for pid in person_ids for db in (first, second, first))
        )
        assert sum(results) <= len(person_ids)
    async with first.unit_of_work() as uow:
        votes = (await uow.session.exec(select(Vote))).all()
    assert sorted(v.person_id for v in votes) == sorted(person_ids)
