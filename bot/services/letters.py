"""Letters to other people kept in the outbox until Telegram has them."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.services.replies import Letter, reply_from_json
from bot.storage.types import utc_now
from bot.storage.unit_of_work import Database


class LetterBox:
    """Hands out letters still unsent and records the ones delivered."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def unsent(self, older_than: timedelta, now: datetime | None = None) -> list[Letter]:
        """Letters not yet sent that were written more than `older_than` ago.

        The delay leaves letters to the handler that is sending them right now.
        """
        cutoff = (now or utc_now()) - older_than
        async with self._database.unit_of_work() as uow:
            waiting = await uow.outbox.unsent()
        return [
            Letter(message.telegram_id, reply_from_json(message.reply), outbox_id=message.id)
            for message in waiting
            if message.created_at <= cutoff
        ]

    async def mark_sent(self, outbox_id: int) -> None:
        """Telegram has the letter (or refused it for good): never send it again."""
        async with self._database.unit_of_work() as uow:
            await uow.outbox.mark_sent(outbox_id)
            await uow.commit()
