"""The command menus Telegram shows, per audience and language (setMyCommands)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import BadRequest

from bot.i18n.catalogs import Catalogs
from bot.i18n.translator import N_, Translator

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandSpec:
    """A command and the gettext msgid of its one-line description."""

    name: str
    description: str


PARTICIPANT_COMMANDS = (
    CommandSpec("start", N_("Begin, or see where you are")),
    CommandSpec("partner", N_("Meet someone from another community")),
    CommandSpec("skip", N_("Skip the current question")),
    CommandSpec("leave", N_("Stop the current conversation")),
    CommandSpec("end", N_("End your exchange")),
    CommandSpec("newpartner", N_("Ask for a new partner")),
    CommandSpec("report", N_("Report a problem with your partner")),
    CommandSpec("timeout", N_("Call a time out in your circle")),
    CommandSpec("vote", N_("Vote on statements, or add your own")),
    CommandSpec("language", N_("Choose your language")),
    CommandSpec("timezone", N_("Set your time zone for reminders")),
    CommandSpec("stop", N_("Pause reminders and follow-ups (/start resumes)")),
    CommandSpec("mydata", N_("See everything Palaver keeps about you")),
    CommandSpec("forget", N_("Erase everything Palaver keeps about you")),
    CommandSpec("help", N_("What Palaver can do")),
)
# Organizers see their console too, in their own chat with the bot only.
ORGANIZER_COMMANDS = (
    CommandSpec("programs", N_("Your dialogue programs")),
    CommandSpec("circles", N_("Your circles: create, admit, run")),
    CommandSpec("next", N_("Your circle: the next round")),
    CommandSpec("pause", N_("Your circle: pause")),
    CommandSpec("resume", N_("Your circle: go on")),
    CommandSpec("export", N_("Export a program's figures")),
    CommandSpec("followups", N_("Scheduled announcements and reminders")),
    CommandSpec("commonground", N_("What every community agrees on")),
    *PARTICIPANT_COMMANDS,
)
# In groups everyone may ask for help; facilitator tools join this list for group
# administrators (Telegram shows the admin menu only to them).
GROUP_MEMBER_COMMANDS = (
    CommandSpec("skip", N_("Pass this round")),
    CommandSpec("timeout", N_("Call a time out: the circle pauses")),
    CommandSpec("report", N_("Reply to a message with this to report it")),
    CommandSpec("help", N_("What Palaver can do")),
)
GROUP_ADMINISTRATOR_COMMANDS = (
    CommandSpec("next", N_("The circle's next round")),
    CommandSpec("pause", N_("Pause the circle")),
    CommandSpec("resume", N_("Go on with the circle")),
    CommandSpec("end", N_("End the circle")),
    *GROUP_MEMBER_COMMANDS,
)

MENUS: tuple[tuple[BotCommandScope, tuple[CommandSpec, ...]], ...] = (
    (BotCommandScopeAllPrivateChats(), PARTICIPANT_COMMANDS),
    (BotCommandScopeAllGroupChats(), GROUP_MEMBER_COMMANDS),
    (BotCommandScopeAllChatAdministrators(), GROUP_ADMINISTRATOR_COMMANDS),
)


async def register_commands(bot: Bot, catalogs: Catalogs) -> None:
    """Publish every menu in every language; the default language also without a code."""
    for scope, specs in MENUS:
        await bot.set_my_commands(_commands(specs, catalogs.translator(None)), scope=scope)
        for language in catalogs.languages:
            if language != catalogs.default_language and len(language) == 2:
                await bot.set_my_commands(
                    _commands(specs, catalogs.translator(language)),
                    scope=scope,
                    language_code=language,
                )
    log.info("command menus registered for %d languages", len(catalogs.languages))


async def register_organizer_commands(
    bot: Bot, catalogs: Catalogs, organizers: list[tuple[int, str]]
) -> None:
    """Give each organizer (Telegram id, language) the menu with /programs in their chat."""
    for telegram_id, language in organizers:
        try:
            await bot.set_my_commands(
                _commands(ORGANIZER_COMMANDS, catalogs.translator(language)),
                scope=BotCommandScopeChat(telegram_id),
            )
        except BadRequest as error:
            # An admin who has never opened the bot has no chat yet; they get it next start.
            log.info("no organizer menu for one organizer yet: %s", error.message)


def _commands(specs: tuple[CommandSpec, ...], t: Translator) -> list[BotCommand]:
    return [BotCommand(spec.name, t.gettext(spec.description)) for spec in specs]
