"""Telegram side of people's data rights: /mydata, /forget, and the retention job."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Update
from telegram.ext import CommandHandler

from bot.services.privacy import FORGET_BUTTON, Privacy
from bot.telegram.handlers import NEW_MESSAGES, PRIVATE, ButtonRoute, Context, Handler, Responder

log = logging.getLogger(__name__)


class PrivacyFeature:
    """Lets people see and erase what Palaver keeps, and forgets old words by itself."""

    def __init__(self, responder: Responder, privacy: Privacy) -> None:
        self._respond = responder.respond
        self._privacy = privacy

    def handlers(self) -> Sequence[Handler]:
        return [
            CommandHandler("mydata", self.my_data, filters=NEW_MESSAGES & PRIVATE),
            CommandHandler("forget", self.forget, filters=NEW_MESSAGES & PRIVATE),
        ]

    def buttons(self) -> dict[str, ButtonRoute]:
        return {FORGET_BUTTON: self._privacy.answer_forget}

    async def my_data(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._privacy.my_data)

    async def forget(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._privacy.ask_to_forget)

    async def apply_retention(self, context: Context) -> None:
        """Job: erase relayed words older than each program's retention period."""
        await self._privacy.apply_retention()
