"""Telegram handlers: parse the update, call one use case, deliver its outcome.

Each feature contributes a `Feature`: its command handlers and the button kinds it owns.
Buttons all arrive at one CallbackQueryHandler and are routed by kind, so a forged or stale
callback_data is refused in one place.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from sqlalchemy.exc import DBAPIError
from telegram import Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.services.actors import Sender
from bot.services.errors import PalaverError
from bot.services.onboarding import ConsentAction, LanguageAction, Onboarding
from bot.services.replies import Outcome
from bot.storage.database import CONTENTION_ATTEMPTS, CONTENTION_PAUSE_SECONDS, is_contention
from bot.storage.unit_of_work import HANDLING_UPDATE
from bot.telegram.callback_data import decode
from bot.telegram.delivery import deliver
from bot.telegram.postman import Postman

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
UseCase = Callable[[Sender], Awaitable[Outcome]]
ButtonRoute = Callable[[Sender, str], Awaitable[Outcome]]
Handler = BaseHandler[Update, Any, Any]

# New messages only: edits of old messages must not re-trigger commands or answers.
NEW_MESSAGES = filters.UpdateType.MESSAGE
PRIVATE = filters.ChatType.PRIVATE


class Responder:
    """Runs a use case for an update and delivers its outcome, refusing politely on errors."""

    def __init__(self, onboarding: Onboarding, postman: Postman) -> None:
        self._onboarding = onboarding
        self._send_posted = postman.send_posted

    async def respond(self, update: Update, context: Context, use_case: UseCase) -> None:
        if update.effective_user is None:
            return
        sender = sender_of(update)
        try:
            outcome = await self._attempt(update, use_case, sender)
        except PalaverError as error:
            outcome = await self._onboarding.refusal(sender, error)
        await deliver(
            outcome, update, context.bot, self._onboarding.mark_blocked, self._send_posted
        )

    async def _attempt(self, update: Update, use_case: UseCase, sender: Sender) -> Outcome:
        """Run the use case, again if the database was busy before it changed anything.

        A use case is one transaction (or a few, the first of which settles the update): while
        the update is not settled nothing of it is kept, so running it again is safe.
        """
        for attempt in range(1, CONTENTION_ATTEMPTS + 1):
            try:
                return await use_case(sender)
            except DBAPIError as error:
                unchanged = HANDLING_UPDATE.get() == update.update_id
                if not (is_contention(error) and unchanged) or attempt == CONTENTION_ATTEMPTS:
                    raise
                log.info("the database was busy; handling the update again (%d)", attempt)
                await asyncio.sleep(CONTENTION_PAUSE_SECONDS * attempt)
        raise AssertionError("unreachable")

    async def on_error(self, update: object, context: Context) -> None:
        """Log a failure (never message text or tokens) and apologise to the person."""
        update_id = update.update_id if isinstance(update, Update) else None
        error = context.error
        if isinstance(error, DBAPIError):
            # The database's own message may quote values (PostgreSQL's "Key (...)=(...)"),
            # which can be someone's Telegram id or words: log only what kind of error it was.
            log.error("handling update %s failed: %s", update_id, describe_database_error(error))
        else:
            log.error(
                "handling update %s failed: %s", update_id, type(error).__name__, exc_info=error
            )
        if not isinstance(update, Update) or update.effective_user is None:
            return
        if update.effective_chat is None or update.effective_chat.type != "private":
            return
        try:
            outcome = await self._onboarding.apology(sender_of(update))
            await deliver(outcome, update, context.bot, self._onboarding.mark_blocked)
        except Exception:  # the apology itself failed: nothing more we can do but log it
            log.exception("could not send an apology for update %s", update_id)


class Feature(Protocol):
    """A slice of the bot: its handlers and the button kinds it answers."""

    def handlers(self) -> Sequence[Handler]: ...

    def buttons(self) -> dict[str, ButtonRoute]: ...


class ButtonRouter:
    """Routes every button press to the feature that owns its kind."""

    def __init__(self, responder: Responder, features: Sequence[Feature]) -> None:
        self._responder = responder
        self._routes: dict[str, ButtonRoute] = {}
        for feature in features:
            for kind, route in feature.buttons().items():
                if kind in self._routes:
                    raise ValueError(f"two features answer buttons of kind {kind!r}")
                self._routes[kind] = route

    async def press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None

        async def dispatch(sender: Sender) -> Outcome:
            action = decode(query.data, frozenset(self._routes))
            return await self._routes[action.kind](sender, action.value)

        await self._responder.respond(update, context, dispatch)

    def handler(self) -> Handler:
        return CallbackQueryHandler(self.press)


class OnboardingFeature:
    """/start, /help, /language, consent, and what to say to the unexpected."""

    def __init__(self, responder: Responder, onboarding: Onboarding) -> None:
        self._respond = responder.respond
        self._onboarding = onboarding

    def handlers(self) -> Sequence[Handler]:
        return [
            CommandHandler("start", self.start, filters=NEW_MESSAGES & PRIVATE),
            CommandHandler("help", self.help, filters=NEW_MESSAGES),
            CommandHandler("language", self.language, filters=NEW_MESSAGES & PRIVATE),
        ]

    def fallbacks(self) -> Sequence[Handler]:
        """Handlers for whatever no feature took; registered after every feature's."""
        return [
            MessageHandler(NEW_MESSAGES & PRIVATE & filters.COMMAND, self.unknown_command),
            MessageHandler(NEW_MESSAGES & PRIVATE & filters.TEXT, self.text),
            MessageHandler(NEW_MESSAGES & PRIVATE, self.unexpected),
        ]

    def buttons(self) -> dict[str, ButtonRoute]:
        return {
            LanguageAction.CHOOSE: self._onboarding.choose_language,
            ConsentAction.KIND: self._onboarding.answer_consent,
        }

    async def start(self, update: Update, context: Context) -> None:
        invite_code = context.args[0] if context.args else None
        await self._respond(
            update, context, lambda sender: self._onboarding.start(sender, invite_code)
        )

    async def help(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._onboarding.help)

    async def language(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._onboarding.offer_languages)

    async def unknown_command(self, update: Update, context: Context) -> None:
        assert update.message is not None and update.message.text is not None
        command = update.message.text.split(maxsplit=1)[0]
        await self._respond(
            update, context, lambda sender: self._onboarding.unknown_command(sender, command)
        )

    async def text(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._onboarding.text_without_question)

    async def unexpected(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._onboarding.unexpected_message)


def describe_database_error(error: DBAPIError) -> str:
    """A database error without the values it may quote: its kind, SQLSTATE and statement."""
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or "-"
    statement = (error.statement or "").split("\n", 1)[0][:200]
    return f"{type(original).__name__} (SQLSTATE {sqlstate}) in: {statement}"


def sender_of(update: Update) -> Sender:
    """Who sent an update, as the services know them."""
    user = update.effective_user
    assert user is not None
    query = update.callback_query
    pressed = query.message if query is not None and isinstance(query.message, Message) else None
    return Sender(
        telegram_id=user.id,
        telegram_language=user.language_code,
        pressed_button=query is not None,
        chat=update.effective_chat.id if update.effective_chat is not None else None,
        pressed_message_id=pressed.message_id if pressed is not None else None,
    )
