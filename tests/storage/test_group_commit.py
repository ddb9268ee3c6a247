"""Group commit: bookkeeping asked for by many tasks at once shares a transaction, and each
task returns only once its own item is committed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import event, text

from bot.storage.group_commit import GroupCommit
from bot.storage.unit_of_work import Database


async def test_items_asked_for_at_once_share_a_transaction_and_each_waits_for_its_own(
    database_url: str,
) -> None:
    database = Database(database_url)
    commits = 0

    def counted(*_args: object) -> None:
        nonlocal commits
        commits += 1

    event.listen(database.engine.sync_engine, "commit", counted)
    batches: list[list[int]] = []
    write_started, write_may_end = asyncio.Event(), asyncio.Event()

    async def keep(numbers: Sequence[int]) -> None:
        batches.append(list(numbers))
        if len(batches) == 1:
            write_started.set()
            await write_may_end.wait()  # the others arrive while this one writes
        async with database.engine.begin() as connection:
            for number in numbers:
                await connection.execute(
                    text("INSERT INTO note (number) VALUES (:n)"), {"n": number}
                )

    try:
        async with database.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE note (number INTEGER)"))
        commits = 0
        keeping = GroupCommit(keep)

        async def keep_and_look(number: int) -> bool:
            await keeping(number)
            async with database.engine.connect() as connection:
                found = await connection.execute(
                    text("SELECT 1 FROM note WHERE number = :n"), {"n": number}
                )
                return found.first() is not None

        # One is being written when forty more ask: they share the next transaction.
        writing = asyncio.create_task(keep_and_look(10))
        await write_started.wait()
        others = asyncio.gather(*(keep_and_look(n) for n in range(11, 51)))
        await asyncio.sleep(0.1)
        write_may_end.set()
        committed = [await writing, *await others]

        assert all(committed), "each caller returns once its own item is committed"
        assert batches == [[10], list(range(11, 51))], "the 40 who waited share one transaction"
        assert commits == 2
    finally:
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP TABLE IF EXISTS note"))
        await database.dispose()


async def test_a_failed_batch_raises_in_every_caller_of_it(database_url: str) -> None:
    database = Database(database_url)

    async def refuse(numbers: Sequence[int]) -> None:
        raise ValueError(f"refused {len(numbers)}")

    try:
        refusing = GroupCommit(refuse)
        results = await asyncio.gather(*(refusing(n) for n in range(5)), return_exceptions=True)
        assert all(isinstance(result, ValueError) for result in results)
    finally:
        await database.dispose()


async def test_a_caller_cancelled_mid_write_leaves_the_others_items_to_the_next(
    database_url: str,
) -> None:
    database = Database(database_url)
    written: list[int] = []
    first_write_started = asyncio.Event()

    async def slow_first(numbers: Sequence[int]) -> None:
        if not first_write_started.is_set():
            first_write_started.set()
            await asyncio.sleep(10)  # cancelled here
        written.extend(numbers)

    try:
        writing = GroupCommit(slow_first)
        leader = asyncio.create_task(writing(1))
        await first_write_started.wait()
        follower = asyncio.create_task(writing(2))
        await asyncio.sleep(0)
        leader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await leader
        await asyncio.wait_for(follower, timeout=5)
        assert 2 in written
    finally:
        await database.dispose()
