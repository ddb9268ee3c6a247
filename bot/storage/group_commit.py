"""Group commit: small bookkeeping writes that many tasks ask for at once share one
transaction.

Under a crowd, every message sent is followed by "forget its outbox row" and every update
received by "keep it in the journal". Made one transaction each, they are most of the
transactions Palaver makes, and on SQLite they take turns with the changes people wait for.
Here the tasks queue their items; whoever gets the lock writes everything queued so far in
one transaction, so the others find theirs already written. Each caller still returns only
once its own item is committed (or raises what the write raised).

Items are shared only when they are asked for while another write is under way: on
PostgreSQL, and on SQLite when another change holds the write turn. With SQLite in the loop's
own thread (sqlite_in_loop) a free write never pauses, so it usually goes alone; waiting on
purpose for others to join was tried, and cost more latency than it saved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
WriteAll = Callable[[Sequence[Item]], Awaitable[None]]
"""Writes items in one transaction, committed when it returns."""


class GroupCommit(Generic[Item]):
    """Writes items in batches, one transaction per batch, each caller waiting for its own."""

    def __init__(self, write_all: WriteAll[Item]) -> None:
        self._write_all = write_all
        self._queue: list[tuple[Item, asyncio.Future[None]]] = []
        self._lock = asyncio.Lock()

    async def __call__(self, item: Item) -> None:
        """Write `item` (with whatever else is waiting); return once it is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((item, done))
        async with self._lock:
            if not done.done():
                await self._write_queued()
        done.result()  # raises the batch's error, if it failed

    async def _write_queued(self) -> None:
        batch, self._queue = self._queue, []
        try:
            await self._write_all([item for item, _done in batch])
        except asyncio.CancelledError:
            # This caller was cancelled mid-write: the others' items go back to the queue,
            # to be written by the next caller who gets the lock.
            self._queue[:0] = [entry for entry in batch if not entry[1].done()]
            raise
        except Exception as error:
            for _item, done in batch:
                done.set_exception(error)
            return
        for _item, done in batch:
            done.set_result(None)
