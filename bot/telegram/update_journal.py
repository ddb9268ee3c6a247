"""The update journal: an update cut short by a crash is handled again at start-up.

python-telegram-bot confirms a batch of updates to Telegram (by asking for the next) before
handling them, so a crash in the middle of handling would lose the update. Each batch is
therefore written to the database as it arrives, before PTB reads it (PalaverBot), and each
update deleted in the same transaction as the first change it makes (see UnitOfWork.commit)
or when its handling ends.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import Application, TypeHandler

from bot.storage.group_commit import GroupCommit
from bot.storage.unit_of_work import HANDLING_UPDATE, Database
from bot.telegram.handlers import Context, Handler
from bot.telegram.palaver_bot import PalaverBot

log = logging.getLogger(__name__)

# After flood control (-2: a set-aside update is not worth keeping), before every feature.
RECORD_GROUP = -1
# After every feature: whatever happened, this update's handling is over.
SETTLE_GROUP = 1000


class UpdateJournal:
    """Keeps each update in the database while it is being handled."""

    def __init__(self, database: Database) -> None:
        self._database = database
        # Updates arrive in batches (one getUpdates answer): kept and settled together.
        self._recording: GroupCommit[tuple[int, dict[str, Any]]] = GroupCommit(
            database.bookkeeping.keep_updates
        )
        self._settling: GroupCommit[int] = GroupCommit(database.bookkeeping.settle_updates)

    def handlers(self) -> Sequence[tuple[Handler, int]]:
        return [
            (TypeHandler(Update, self.record), RECORD_GROUP),
            (TypeHandler(Update, self.settle), SETTLE_GROUP),
        ]

    async def keep_received(self, updates: Sequence[dict[str, Any]]) -> None:
        """Keep a getUpdates answer, as Telegram sent it, in one write (see PalaverBot)."""
        await self._database.bookkeeping.keep_updates(
            [(update["update_id"], update) for update in updates]
        )

    async def record(self, update: Update, context: Context) -> None:
        bot = context.bot
        if not (isinstance(bot, PalaverBot) and bot.was_kept(update.update_id)):
            # Not from getUpdates (a replay, a test's own update): keep it now.
            await self._recording((update.update_id, update.to_dict()))
        # From here on, the first commit of this update's handling also settles it.
        HANDLING_UPDATE.set(update.update_id)

    async def set_aside(self, update: Update) -> None:
        """Flood control set it aside unhandled: it is not to be handled after a restart."""
        await self._settling(update.update_id)

    async def settle(self, update: Update, context: Context) -> None:
        if HANDLING_UPDATE.get() == update.update_id:
            HANDLING_UPDATE.set(None)  # settled by this write, not by commits inside it
            await self._settling(update.update_id)
        HANDLING_UPDATE.set(None)

    async def replay(self, application: Application) -> None:  # type: ignore[type-arg]
        """Handle again the updates a crash cut short (call before taking new updates)."""
        async with self._database.unit_of_work() as uow:
            pending = await uow.journal.pending()
        if pending:
            log.info("handling again %d update(s) cut short by a restart", len(pending))
            await _confirm_up_to(application.bot, max(r.update_id for r in pending))
        for received in pending:
            update = Update.de_json(received.payload, application.bot)
            await application.process_update(update)


async def _confirm_up_to(bot: Bot, last_update_id: int) -> None:
    """Tell Telegram every update up to `last_update_id` is taken, before handling again
    those kept in the journal: kept as they arrived, they may not have been confirmed yet (a
    crash at once, or a stop whose last getUpdates brought them), and would come again."""
    try:
        await bot.get_updates(offset=last_update_id + 1, timeout=0, limit=1)
    except TelegramError as error:
        log.warning("could not confirm the updates handled again: %s", type(error).__name__)
