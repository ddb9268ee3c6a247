"""Telegram handlers: parse the update, call one use case, deliver its outcome."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.services.errors import PalaverError
from bot.services.onboarding import ConsentAction, LanguageAction, Onboarding, Sender
from bot.services.replies import Outcome
from bot.telegram.callback_data import decode
from bot.telegram.delivery import deliver

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
UseCase = Callable[[Sender], Awaitable[Outcome]]

BUTTON_KINDS = frozenset({LanguageAction.CHOOSE, ConsentAction.KIND})
# New messages only: edits of old messages must not re-trigger commands or answers.
NEW_MESSAGES = filters.UpdateType.MESSAGE
PRIVATE = filters.ChatType.PRIVATE


class PalaverHandlers:
    """The bot's handlers, bound to the use cases they call."""

    def __init__(self, onboarding: Onboarding) -> None:
        self._onboarding = onboarding

    def all(self) -> list[BaseHandler[Update, CallbackContext, object]]:  # type: ignore[type-arg]
        """Every handler, most specific first."""
        return [
            CommandHandler("start", self.start, filters=NEW_MESSAGES & PRIVATE),
            CommandHandler("help", self.help, filters=NEW_MESSAGES),
            CommandHandler("language", self.language, filters=NEW_MESSAGES & PRIVATE),
            CallbackQueryHandler(self.button),
            MessageHandler(NEW_MESSAGES & PRIVATE & filters.COMMAND, self.unknown_command),
            MessageHandler(NEW_MESSAGES & PRIVATE & filters.TEXT, self.text),
            MessageHandler(NEW_MESSAGES & PRIVATE, self.unexpected),
        ]

    async def start(self, update: Update, context: Context) -> None:
        invite_code = context.args[0] if context.args else None
        await self._run(update, context, lambda sender: self._onboarding.start(sender, invite_code))

    async def help(self, update: Update, context: Context) -> None:
        await self._run(update, context, self._onboarding.help)

    async def language(self, update: Update, context: Context) -> None:
        await self._run(update, context, self._onboarding.offer_languages)

    async def button(self, update: Update, context: Context) -> None:
        assert update.callback_query is not None

        async def dispatch(sender: Sender) -> Outcome:
            action = decode(
                update.callback_query.data if update.callback_query else None, BUTTON_KINDS
            )
            if action.kind == LanguageAction.CHOOSE:
                return await self._onboarding.choose_language(sender, action.value)
            return await self._onboarding.answer_consent(sender, action.value)

        await self._run(update, context, dispatch)

    async def unknown_command(self, update: Update, context: Context) -> None:
        assert update.message is not None and update.message.text is not None
        command = update.message.text.split(maxsplit=1)[0]
        await self._run(
            update, context, lambda sender: self._onboarding.unknown_command(sender, command)
        )

    async def text(self, update: Update, context: Context) -> None:
        await self._run(update, context, self._onboarding.text_without_question)

    async def unexpected(self, update: Update, context: Context) -> None:
        await self._run(update, context, self._onboarding.unexpected_message)

    async def on_error(self, update: object, context: Context) -> None:
        """Log a failure (never message text or tokens) and apologise to the person."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error(
            "handling update %s failed: %s",
            update_id,
            type(context.error).__name__,
            exc_info=context.error,
        )
        if not isinstance(update, Update) or update.effective_user is None:
            return
        if update.effective_chat is None or update.effective_chat.type != "private":
            return
        try:
            outcome = await self._onboarding.apology(_sender(update))
            await deliver(outcome, update, context.bot, self._onboarding.mark_blocked)
        except Exception:  # the apology itself failed: nothing more we can do but log it
            log.exception("could not send an apology for update %s", update_id)

    async def _run(self, update: Update, context: Context, use_case: UseCase) -> None:
        if update.effective_user is None:
            return
        sender = _sender(update)
        try:
            outcome = await use_case(sender)
        except PalaverError as error:
            outcome = await self._onboarding.refusal(sender, error)
        await deliver(outcome, update, context.bot, self._onboarding.mark_blocked)


def _sender(update: Update) -> Sender:
    user = update.effective_user
    assert user is not None
    return Sender(
        telegram_id=user.id,
        telegram_language=user.language_code,
        pressed_button=update.callback_query is not None,
    )
