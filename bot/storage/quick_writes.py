"""Quick writes: one Core statement in a transaction of its own, without the ORM.

The delivery machinery writes small bookkeeping rows all the time: every update is kept in
the journal as it arrives, and every message's outbox row is deleted once Telegram has it.
Under a crowd they are most of Palaver's transactions. Through an ORM unit of work on the
async engine each costs about 350 µs of CPU; as a Core statement on a plain synchronous
SQLite connection, about 20 µs (measured side by side on this machine).

On SQLite the statement runs on a synchronous engine over the same file, in the event loop's
thread (as sqlite_in_loop does for the async engine), while holding the process's write turn
(WriterTurn). Nothing is awaited between BEGIN and COMMIT, so the write is over before any
other task runs, and it never meets a write of this process half done. A write of another
process (a `palaver` command beside the bot) makes SQLite answer "busy" at once: the write is
rolled back and tried again after an `asyncio.sleep`, for as long as other writes wait.

On PostgreSQL (and an in-memory SQLite database, which a second connection would not see)
the statement runs on the async engine's Core connection, again on contention.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Engine, StaticPool, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable

from bot.storage.database import (
    CONTENTION_ATTEMPTS,
    CONTENTION_PAUSE_SECONDS,
    is_contention,
    tune_sqlite_connection,
)
from bot.storage.sqlite_in_loop import BUSY_PAUSE_SECONDS, BUSY_WAIT_SECONDS

Rows = Sequence[Mapping[str, Any]]


class WriterTurnLike(Protocol):
    """What QuickWrites needs of unit_of_work.WriterTurn (SQLite's one writer, in turn)."""

    async def take(self) -> bool: ...

    def give_back(self) -> None: ...


class QuickWrites:
    """Runs one Core statement (once per row of parameters) and commits it."""

    def __init__(self, engine: AsyncEngine, turn: WriterTurnLike | None) -> None:
        self._engine = engine
        self._turn = turn
        self._local = _local_sqlite_engine(engine) if turn is not None else None

    async def __call__(self, statement: Executable, rows: Rows) -> None:
        if not rows:
            return
        if self._local is not None and self._turn is not None:
            await self._on_local_sqlite(self._local, self._turn, statement, rows)
        else:
            await self._on_async_engine(statement, rows)

    async def _on_local_sqlite(
        self, local: Engine, turn: WriterTurnLike, statement: Executable, rows: Rows
    ) -> None:
        deadline = time.monotonic() + BUSY_WAIT_SECONDS
        pause = BUSY_PAUSE_SECONDS
        while True:
            took_turn = await turn.take()
            try:
                with local.begin() as connection:
                    connection.execute(statement, list(rows))
                return
            except OperationalError as error:
                if not _is_busy(error) or time.monotonic() > deadline:
                    raise
            finally:
                if took_turn:
                    turn.give_back()
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1)

    async def _on_async_engine(self, statement: Executable, rows: Rows) -> None:
        for attempt in range(1, CONTENTION_ATTEMPTS + 1):
            try:
                async with self._engine.begin() as connection:
                    await connection.execute(statement, list(rows))
                return
            except DBAPIError as error:
                if not is_contention(error) or attempt == CONTENTION_ATTEMPTS:
                    raise
            await asyncio.sleep(CONTENTION_PAUSE_SECONDS * attempt)

    def dispose(self) -> None:
        if self._local is not None:
            self._local.dispose()


def _local_sqlite_engine(engine: AsyncEngine) -> Engine | None:
    """A synchronous engine with one connection to the same SQLite file; None for a
    database only this process's connections would see (in memory)."""
    url = engine.url
    database = url.database or ":memory:"
    in_memory = database == ":memory:" or "mode=memory" in database
    if url.get_backend_name() != "sqlite" or in_memory:
        return None
    uri = database.startswith("file:")

    def connect() -> sqlite3.Connection:
        # timeout=0: never block the loop; busy is retried above with asyncio.sleep.
        return sqlite3.connect(database, uri=uri, timeout=0, check_same_thread=False)

    local = create_sync_engine(
        make_url("sqlite://"), creator=connect, poolclass=StaticPool, hide_parameters=True
    )
    event.listen(local, "connect", tune_sqlite_connection)
    return local


def _is_busy(error: OperationalError) -> bool:
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        return original.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return False
