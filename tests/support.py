"""Small helpers for reading what Palaver stored, used by the end-to-end tests."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.storage.tables import Person
from bot.telegram.application import Palaver


async def person_row(palaver: Palaver, telegram_id: int) -> Person | None:
    """What Palaver stored about a Telegram user, or None."""
    async with palaver.database.unit_of_work() as uow:
        return await uow.people.by_telegram_id(telegram_id)


async def rows(palaver: Palaver, statement: SelectOfScalar[Any]) -> list[Any]:
    """Every row a query returns, read in a session of its own."""
    async with AsyncSession(palaver.database.engine) as session:
        return list((await session.exec(statement)).all())
