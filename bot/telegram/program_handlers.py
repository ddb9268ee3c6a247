"""Telegram side of programs: the organizer console, invite links, and joining a program.

Typed answers to the console's questions arrive through the dialogue feature's text handler,
which asks `ProgramConsole.take_text` first; nothing here listens to plain text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import Update
from telegram.ext import CommandHandler

from bot.services.actors import Sender
from bot.services.console_actions import InviteAction, JoinAction, ProgramAction
from bot.services.invites import InviteDesk
from bot.services.joining import Joining
from bot.services.programs import ProgramConsole
from bot.services.replies import Outcome
from bot.telegram.handlers import NEW_MESSAGES, PRIVATE, ButtonRoute, Context, Handler, Responder

BotUsername = Callable[[], str]
"""The bot's @username, known once the Application has asked Telegram (getMe)."""


class ProgramsFeature:
    """/programs and every button of the organizer console and its invite screens."""

    def __init__(
        self,
        responder: Responder,
        console: ProgramConsole,
        invites: InviteDesk,
        bot_username: BotUsername,
    ) -> None:
        self._respond = responder.respond
        self._console = console
        self._invites = invites
        self._bot_username = bot_username

    def handlers(self) -> Sequence[Handler]:
        return [CommandHandler("programs", self.programs, filters=NEW_MESSAGES & PRIVATE)]

    def buttons(self) -> dict[str, ButtonRoute]:
        console, invites = self._console, self._invites
        return {
            ProgramAction.LIST: lambda sender, _value: console.list_programs(sender),
            ProgramAction.OPEN: console.open_program,
            ProgramAction.NEW: console.new_program,
            ProgramAction.ANSWER: console.answer,
            ProgramAction.DONE: console.done,
            ProgramAction.CREATE: console.create,
            ProgramAction.CANCEL: console.cancel,
            ProgramAction.SETTINGS: console.settings_menu,
            ProgramAction.EDIT: console.edit,
            ProgramAction.STATUS: console.change_status,
            ProgramAction.PEOPLE: console.people,
            ProgramAction.ROLES: console.roles,
            ProgramAction.REVOKE_ROLE: console.revoke_role,
            InviteAction.LIST: invites.list,
            InviteAction.NEW: self._new_invite,
            InviteAction.SHOW: self._show_invite,
            InviteAction.REVOKE: invites.revoke,
        }

    async def programs(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._console.list_programs)

    async def _new_invite(self, sender: Sender, value: str) -> Outcome:
        return await self._invites.create(sender, value, self._bot_username())

    async def _show_invite(self, sender: Sender, value: str) -> Outcome:
        return await self._invites.show(sender, value, self._bot_username())


class JoiningFeature:
    """The buttons a new participant answers: community and languages."""

    def __init__(self, joining: Joining) -> None:
        self._joining = joining

    def handlers(self) -> Sequence[Handler]:
        return []

    def buttons(self) -> dict[str, ButtonRoute]:
        return {
            JoinAction.COMMUNITY: self._joining.choose_community,
            JoinAction.LANGUAGE: self._joining.toggle_language,
            JoinAction.DONE: self._joining.finish_languages,
        }
