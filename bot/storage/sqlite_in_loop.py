"""SQLite for the async engine without a thread hop per call.

SQLAlchemy's async SQLite dialect talks to aiosqlite, which runs every call (cursor,
execute, fetch, close, commit) in a thread of its own and wakes the event loop for each
answer. On a local file those calls take microseconds, and the hops cost more than the
work: 240 µs of CPU per ORM query through aiosqlite against 140 µs in the loop's own thread,
and, worse, a transaction holding SQLite's one write turn (WriterTurn) waits for every hop
while nobody else may write. Measured with bench.crowd (50 pairs, back to back): p95 from
1.39–1.43 s to 1.10–1.11 s, CPU per action from 7.8–8.0 to 7.2–7.3 ms.

This module gives the dialect the same interface (`async_creator`), doing each call at once
in the event loop's thread. Nothing here may block the loop: SQLite's own busy timeout is 0,
and a call that finds another process's write in progress (SQLITE_BUSY) waits with
`asyncio.sleep` and tries again, for as long as the busy timeout allowed before. Within one
process writers already take turns (WriterTurn), so that wait is only ever for another
process (a `palaver` command run beside the bot).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

BUSY_WAIT_SECONDS = 5.0
"""How long a call waits for another process's write to end before it fails."""
BUSY_PAUSE_SECONDS = 0.005


async def _patiently(call: Callable[[], T]) -> T:
    """`call()`, again after a pause while another process holds SQLite's write lock."""
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    pause = BUSY_PAUSE_SECONDS
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            # Plain SQLITE_BUSY only: a stale snapshot (SQLITE_BUSY_SNAPSHOT) will not clear
            # by waiting, so it is raised as SQLite raises it (and the change is retried).
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.1)


class InLoopCursor:
    """aiosqlite's cursor interface over a sqlite3 cursor, in the loop's thread."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InLoopCursor:
        await _patiently(lambda: self._cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> InLoopCursor:
        rows = list(rows)  # a retry needs them again
        await _patiently(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size) if size else self._cursor.fetchmany()

    async def close(self) -> None:
        self._cursor.close()


class _AtOnce:
    """Stands in for aiosqlite's request queue: SQLAlchemy sets the isolation level by
    putting (future, function) on it."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:
            future.set_exception(error)


class InLoopConnection:
    """aiosqlite's connection interface over a sqlite3 connection, in the loop's thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._tx = _AtOnce()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def cursor(self) -> InLoopCursor:
        return InLoopCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InLoopCursor:
        return await (await self.cursor()).execute(sql, parameters)

    async def commit(self) -> None:
        await _patiently(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    def stop(self) -> None:
        """What the dialect calls to terminate a connection: close it."""
        self._conn.close()


def in_loop_connector(database: str, uri: bool) -> Callable[[], Any]:
    """The `async_creator` for an engine on the SQLite database `database`."""

    async def connect() -> InLoopConnection:
        # check_same_thread=False: the pool may close a connection from the garbage
        # collector's thread; every query still runs in the loop's thread.
        connection = sqlite3.connect(
            database, uri=uri, timeout=0, isolation_level="DEFERRED", check_same_thread=False
        )
        return InLoopConnection(connection)

    return connect
