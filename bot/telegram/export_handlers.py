"""Telegram side of /export: the command and its three kinds of buttons."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update
from telegram.ext import CommandHandler

from bot.services.exports import ExportAction, ExportDesk
from bot.telegram.handlers import NEW_MESSAGES, PRIVATE, ButtonRoute, Context, Handler, Responder


class ExportFeature:
    """/export in an organizer's private chat: program, period, format, then the file."""

    def __init__(self, responder: Responder, desk: ExportDesk) -> None:
        self._respond = responder.respond
        self._desk = desk

    def handlers(self) -> Sequence[Handler]:
        return [CommandHandler("export", self.export, filters=NEW_MESSAGES & PRIVATE)]

    def buttons(self) -> dict[str, ButtonRoute]:
        return {
            ExportAction.PROGRAM: self._desk.choose_program,
            ExportAction.PERIOD: self._desk.choose_period,
            ExportAction.FORMAT: self._desk.make,
        }

    async def export(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._desk.start)
