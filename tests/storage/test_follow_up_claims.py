"""Follow-ups as several processes share them: each claimed by one, a dead process's claim
running out, the same silence owed once however many processes notice it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.storage.tables import FollowUp, FollowUpKind, FollowUpStatus, Person
from bot.storage.unit_of_work import Database

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


async def owed(database: Database, count: int) -> list[int]:
    async with database.unit_of_work() as uow:
        person = Person(telegram_id=4242, language="en")
        uow.add(person)
        await uow.session.flush()
        rows = [
            await uow.follow_ups.add(
                FollowUp(
                    person_id=person.id or 0,
                    kind=FollowUpKind.ANNOUNCEMENT,
                    payload={"text": f"note {n}", "language": "en"},
                    due_at=NOW - timedelta(minutes=n),
                    not_before=NOW - timedelta(minutes=n),
                )
            )
            for n in range(count)
        ]
        await uow.commit()
    return [row.id or 0 for row in rows]


async def test_two_processes_claiming_at_once_never_claim_the_same_follow_up(
    databases: tuple[Database, Database],
) -> None:
    ids = await owed(databases[0], 120)
    claimed: dict[str, list[int]] = {"one": [], "two": []}

    async def claim(name: str, database: Database) -> None:
        while batch := await database.write(
            lambda uow: uow.follow_ups.claim_due(NOW, name, NOW + LEASE, 7)
        ):
            claimed[name].extend(batch)
            await asyncio.sleep(0)

    await asyncio.gather(claim("one", databases[0]), claim("two", databases[1]))
    everything = claimed["one"] + claimed["two"]
    assert sorted(everything) == sorted(ids), "every follow-up claimed, and only once"
    assert claimed["one"] and claimed["two"], "both processes took part"


async def test_a_dead_processes_claim_runs_out_and_another_process_takes_the_follow_up(
    databases: tuple[Database, Database],
) -> None:
    [follow_up_id] = await owed(databases[0], 1)
    first = await databases[0].write(
        lambda uow: uow.follow_ups.claim_due(NOW, "dead", NOW + LEASE, 10)
    )
    assert first == [follow_up_id]
    during = await databases[1].write(
        lambda uow: uow.follow_ups.claim_due(NOW + LEASE / 2, "alive", NOW + LEASE * 2, 10)
    )
    assert during == [], "a live claim is respected"
    after = await databases[1].write(
        lambda uow: uow.follow_ups.claim_due(NOW + LEASE * 2, "alive", NOW + LEASE * 3, 10)
    )
    assert after == [follow_up_id]
    async with databases[1].unit_of_work() as uow:
        assert await uow.follow_ups.claimed(follow_up_id, "dead") is None
        mine = await uow.follow_ups.claimed(follow_up_id, "alive")
        assert mine is not None and mine.status == FollowUpStatus.PENDING


async def test_the_same_silence_noticed_by_two_processes_at_once_is_owed_once(
    databases: tuple[Database, Database],
) -> None:
    async with databases[0].unit_of_work() as uow:
        person = Person(telegram_id=4343, language="en")
        uow.add(person)
        await uow.commit()

    async def notice(database: Database) -> bool:
        nudge = FollowUp(
            person_id=person.id or 0,
            kind=FollowUpKind.EXCHANGE_NUDGE,
            payload={"purpose": "answer"},
            due_at=NOW,
            not_before=NOW,
            dedupe_key="nudge:1:2:answer:12345",
        )
        return await database.write(lambda uow: uow.follow_ups.add_once(nudge))

    results = await asyncio.gather(*(notice(databases[n % 2]) for n in range(6)))
    assert sorted(results) == [False] * 5 + [True]
