"""Telegram side of common ground: /vote, /commonground, and the vote, statement and
moderation buttons."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update
from telegram.ext import CommandHandler

from bot.services.common_ground import (
    COMMON_GROUND_BUTTON,
    STATEMENT_MODERATION_BUTTON,
    VOTE_BUTTON,
    CommonGroundDesk,
)
from bot.telegram.dialogue_handlers import TextTaker
from bot.telegram.handlers import NEW_MESSAGES, PRIVATE, ButtonRoute, Context, Handler, Responder


class CommonGroundFeature:
    """Statements voted on in private across a program, and what every community agrees on."""

    def __init__(self, responder: Responder, desk: CommonGroundDesk) -> None:
        self._respond = responder.respond
        self._desk = desk

    def handlers(self) -> Sequence[Handler]:
        return [
            CommandHandler("vote", self.vote, filters=NEW_MESSAGES & PRIVATE),
            CommandHandler("commonground", self.results, filters=NEW_MESSAGES & PRIVATE),
        ]

    def buttons(self) -> dict[str, ButtonRoute]:
        return {
            VOTE_BUTTON: self._desk.vote,
            COMMON_GROUND_BUTTON: self._desk.press,
            STATEMENT_MODERATION_BUTTON: self._desk.moderate,
        }

    def text_taker(self) -> TextTaker:
        """Takes a statement typed after "Add my own statement"."""
        return self._desk.take_text

    async def vote(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._desk.offer)

    async def results(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._desk.results)
