"""Sends letters still in the outbox: after a crash, or when Telegram was unreachable."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot
from telegram.ext import ExtBot

from bot.services.letters import LetterBox
from bot.services.onboarding import Onboarding
from bot.telegram.delivery import send_letters
from bot.telegram.handlers import Context

log = logging.getLogger(__name__)

COURIER_INTERVAL_SECONDS = 60
# Younger letters may be in the middle of being sent by the handler that wrote them.
IN_FLIGHT_GRACE = timedelta(seconds=30)


class Courier:
    """Delivers what the outbox still holds."""

    def __init__(self, letterbox: LetterBox, onboarding: Onboarding) -> None:
        self._letterbox = letterbox
        self._onboarding = onboarding

    async def at_startup(self, bot: Bot) -> None:
        """Before taking updates: nothing is in flight, so every unsent letter goes now."""
        await self._deliver(bot, older_than=timedelta(0))

    async def periodically(self, context: Context) -> None:
        """Job: letters a network failure left behind."""
        await self._deliver(context.bot, older_than=IN_FLIGHT_GRACE)

    async def _deliver(self, bot: Bot, *, older_than: timedelta) -> None:
        letters = await self._letterbox.unsent(older_than)
        if not letters:
            return
        log.info("delivering %d letter(s) left in the outbox", len(letters))
        assert isinstance(bot, ExtBot)
        await send_letters(letters, bot, self._onboarding.mark_blocked, self._letterbox.mark_sent)
