"""The delivery's bookkeeping: quick writes, each committed when it returns, that take turns
with the process's changes and wait (without blocking the loop) for another process's."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from bot.storage.migrator import upgrade_to_head
from bot.storage.tables import OutboxMessage, OutboxOp
from bot.storage.types import utc_now
from bot.storage.unit_of_work import Database


async def test_updates_are_kept_once_and_settled(database_url: str) -> None:
    database, other = Database(database_url), Database(database_url)
    try:
        await database.bookkeeping.keep_updates([(7, {"update_id": 7, "first": True})])
        # Kept again (a replay after a restart): the first record stays as it is.
        await database.bookkeeping.keep_updates([(7, {"update_id": 7}), (8, {"update_id": 8})])
        async with other.unit_of_work() as uow:  # another process sees it at once
            pending = await uow.journal.pending()
        assert [(kept.update_id, kept.payload) for kept in pending] == [
            (7, {"update_id": 7, "first": True}),
            (8, {"update_id": 8}),
        ]
        await database.bookkeeping.settle_updates([7, 8])
        async with other.unit_of_work() as uow:
            assert await uow.journal.pending() == []
    finally:
        await database.dispose()
        await other.dispose()


async def test_sent_rows_are_forgotten(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.unit_of_work() as uow:
            rows = [
                OutboxMessage(chat_id=chat, op=OutboxOp.SEND, payload={}, created_at=utc_now())
                for chat in (1, 2, 3)
            ]
            for row in rows:
                uow.add(row)
            await uow.commit()
        await database.bookkeeping.forget_outbox_rows([rows[0].id or 0, rows[2].id or 0])
        async with database.engine.connect() as connection:
            left = (await connection.execute(text("SELECT chat_id FROM outbox_message"))).all()
        assert [chat for (chat,) in left] == [2]
    finally:
        await database.dispose()


async def test_a_quick_write_waits_for_the_change_under_way_in_this_process(
    tmp_path: Path,
) -> None:
    # SQLite has one writer: a quick write asked for while a change of this process is
    # half written waits for its commit, instead of failing with "database is locked".
    database = await _migrated(tmp_path)
    try:
        async with database.unit_of_work() as uow:
            uow.add(OutboxMessage(chat_id=1, op=OutboxOp.SEND, payload={}, created_at=utc_now()))
            await uow.session.flush()  # this transaction now holds SQLite's write lock
            keeping = asyncio.create_task(database.bookkeeping.keep_updates([(1, {})]))
            await asyncio.sleep(0.05)
            assert not keeping.done()
            await uow.commit()
        await asyncio.wait_for(keeping, timeout=5)
        async with database.unit_of_work() as uow:
            assert [kept.update_id for kept in await uow.journal.pending()] == [1]
    finally:
        await database.dispose()


async def test_a_quick_write_waits_for_another_process_without_blocking_the_loop(
    tmp_path: Path,
) -> None:
    database = await _migrated(tmp_path)
    another_process = Database(database.url)
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(ticking())
    try:
        async with another_process.engine.connect() as holder:
            await holder.execute(text("BEGIN IMMEDIATE"))
            keeping = asyncio.create_task(database.bookkeeping.keep_updates([(1, {})]))
            await asyncio.sleep(0.3)
            assert not keeping.done()
            ticks_while_waiting = ticks
            await holder.execute(text("COMMIT"))
        await asyncio.wait_for(keeping, timeout=5)
        assert ticks_while_waiting >= 10
        async with database.unit_of_work() as uow:
            assert [kept.update_id for kept in await uow.journal.pending()] == [1]
    finally:
        ticker.cancel()
        await database.dispose()
        await another_process.dispose()


async def _migrated(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path}/quick.db")
    await upgrade_to_head(database.engine)
    return database
