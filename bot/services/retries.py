"""The retry policy of use cases: a fresh unit of work again when another got there first."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

from bot.storage.database import CONTENTION_ATTEMPTS, CONTENTION_PAUSE_SECONDS, is_contention
from bot.storage.dialogue_repositories import RunChanged
from bot.storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")


async def retrying(database: Database, use_case: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run `use_case` in a fresh unit of work, again if a run changed concurrently or the
    database was busy (a use case commits itself, so a failed attempt leaves nothing)."""
    for attempt in range(1, CONTENTION_ATTEMPTS + 1):
        try:
            async with database.unit_of_work() as uow:
                return await use_case(uow)
        except RunChanged:
            log.info("a run changed concurrently; retrying (attempt %d)", attempt)
        except DBAPIError as error:
            if not is_contention(error) or attempt == CONTENTION_ATTEMPTS:
                raise
            log.info("the database was busy; retrying (attempt %d)", attempt)
            await asyncio.sleep(CONTENTION_PAUSE_SECONDS * attempt)
    raise RunChanged()
