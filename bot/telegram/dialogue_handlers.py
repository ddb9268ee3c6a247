"""Telegram side of dialogue flows and exchanges: answers, buttons and exchange commands."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.services.actors import Sender
from bot.services.dialogue_results import RUN_BUTTON
from bot.services.dialogues import Dialogues
from bot.services.errors import StaleButton
from bot.services.exchanges import EXCHANGE_BUTTON, SOLO_BUTTON, Exchanges
from bot.services.moderation import MODERATION_BUTTON, Moderation
from bot.services.onboarding import Onboarding
from bot.services.replies import Outcome
from bot.telegram.handlers import (
    NEW_MESSAGES,
    PRIVATE,
    ButtonRoute,
    Context,
    Handler,
    Responder,
)
from bot.telegram.postman import Postman

log = logging.getLogger(__name__)

TextTaker = Callable[[Sender, str], Awaitable[Outcome | None]]
SILENCE_CHECK_SECONDS = 15 * 60
RELAYABLE_MEDIA = (
    filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO | filters.VIDEO_NOTE
) | filters.Document.ALL


class DialogueFeature:
    """Runs flows for people and lets exchange partners report or re-pair (/end, /skip and
    /leave are the circle feature's, which hands them on here for pairs)."""

    def __init__(
        self,
        responder: Responder,
        onboarding: Onboarding,
        dialogues: Dialogues,
        exchanges: Exchanges,
        postman: Postman,
        moderation: Moderation,
        text_takers: Sequence[TextTaker] = (),
    ) -> None:
        self._moderation = moderation
        self._respond = responder.respond
        self._postman = postman
        self._onboarding = onboarding
        self._dialogues = dialogues
        self._exchanges = exchanges
        # Who gets typed text: the run first, so an answer in a conversation costs one
        # transaction (it steps aside while a typed answer is awaited elsewhere: the console,
        # a statement); then a circle's open round, a statement, the organizer's console.
        self._text_takers = (self._dialogues.answer_text, *text_takers)

    def handlers(self) -> Sequence[Handler]:
        private = NEW_MESSAGES & PRIVATE
        return [
            CommandHandler("partner", self.partner, filters=private),
            CommandHandler("report", self.report, filters=private),
            CommandHandler("newpartner", self.new_partner, filters=private),
            MessageHandler(private & filters.TEXT & ~filters.COMMAND, self.text),
            MessageHandler(private & RELAYABLE_MEDIA, self.media),
        ]

    def buttons(self) -> dict[str, ButtonRoute]:
        return {
            RUN_BUTTON: self._dialogues.press,
            EXCHANGE_BUTTON: self._exchanges.press,
            SOLO_BUTTON: self._start_solo,
            MODERATION_BUTTON: self._moderation.act,
        }

    async def _start_solo(self, sender: Sender, value: str) -> Outcome:
        program_id, _, flow_id = value.partition(".")
        if not program_id.isdigit():
            raise StaleButton()
        return await self._dialogues.start_solo(sender, int(program_id), flow_id)

    async def media(self, update: Update, context: Context) -> None:
        assert update.message is not None
        message_id = update.message.message_id

        async def relay(sender: Sender) -> Outcome:
            outcome = await self._dialogues.relay_media(sender, message_id)
            return outcome or await self._onboarding.unexpected_message(sender)

        await self._respond(update, context, relay)

    async def partner(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._exchanges.find_partner)

    async def report(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._exchanges.ask_to_report)

    async def new_partner(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._exchanges.ask_for_new_partner)

    async def text(self, update: Update, context: Context) -> None:
        assert update.message is not None and update.message.text is not None
        text = update.message.text

        async def take(sender: Sender) -> Outcome:
            for taker in self._text_takers:
                outcome = await taker(sender, text)
                if outcome is not None:
                    return outcome
            return await self._onboarding.text_without_question(sender)

        await self._respond(update, context, take)

    async def check_silent_partners(self, context: Context) -> None:
        """Job: nudge quiet partners and offer new ones (see Exchanges.check_silent_partners)."""
        await self._postman.send_posted(context.bot, await self._exchanges.check_silent_partners())
