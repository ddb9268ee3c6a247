"""Performs a use case's Outcome on Telegram: answers, edits and sends messages."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, Chat, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden

from bot.services.replies import Envelope, Letter, Outcome, Reply
from bot.telegram.callback_data import encode
from bot.telegram.palaver_bot import PalaverBot

log = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 4096
MAX_NOTICE_LENGTH = 200
MAX_CAPTION_LENGTH = 1024

OnBlocked = Callable[[int], Awaitable[None]]
SendPosted = Callable[[PalaverBot, Sequence[Envelope]], Awaitable[None]]


async def deliver(
    outcome: Outcome,
    update: Update,
    bot: Bot,
    on_blocked: OnBlocked,
    send_posted: SendPosted | None = None,
) -> None:
    """Show `outcome` to whoever sent `update`.

    Called only after the use case committed, so what is said here has already happened.
    What the change posted to the outbox leaves through `send_posted`; the rest (answers
    that changed nothing, files) is sent straight away.
    """
    assert isinstance(bot, PalaverBot)  # as build_palaver makes it
    query = update.callback_query
    if query is not None:
        notice = outcome.notice[:MAX_NOTICE_LENGTH] if outcome.notice else None
        try:
            await query.answer(text=notice)
        except BadRequest as error:
            # The query expired (pressed long ago, or answered after a restart): the replies
            # below still tell them what happened.
            log.info("could not answer a button press: %s", error.message)
    if outcome.posted and send_posted is not None:
        await send_posted(bot, actor_first(outcome.posted, update.effective_chat))
    await send_letters(outcome.letters, bot, on_blocked)
    await _send_copies(outcome, bot, on_blocked)
    chat = update.effective_chat
    if chat is None:
        return
    pressed = query.message if query is not None and isinstance(query.message, Message) else None
    try:
        for reply in outcome.replies:
            if reply.replaces_pressed_message and pressed is not None:
                await replace(bot, pressed.chat_id, pressed.message_id, reply)
            else:
                await send(bot, chat.id, reply)
    except Forbidden:
        log.info("a person has blocked the bot; marking them so")
        await on_blocked(chat.id)


def actor_first(envelopes: Sequence[Envelope], chat: Chat | None) -> list[Envelope]:
    """The rows for the chat the update came from first: the person who acted is waiting
    for them. Each chat's own rows keep their order (only that order is promised)."""
    if chat is None:
        return list(envelopes)
    return sorted(envelopes, key=lambda envelope: envelope.chat_id != chat.id)


async def send_letters(letters: Sequence[Letter], bot: PalaverBot, on_blocked: OnBlocked) -> None:
    """Send messages to other people that no change stands behind (nothing to keep)."""
    for letter in letters:
        try:
            await send(bot, letter.telegram_id, letter.reply)
        except Forbidden:
            log.info("a recipient has blocked the bot; marking them so")
            await on_blocked(letter.telegram_id)
        except BadRequest as error:
            log.warning("a letter could not be delivered: %s", error.message)


async def _send_copies(outcome: Outcome, bot: PalaverBot, on_blocked: OnBlocked) -> None:
    for copy in outcome.copies:
        try:
            await send(bot, copy.telegram_id, copy.heading)
            await bot.copy_message(copy.telegram_id, copy.from_chat_id, copy.message_id)
        except Forbidden:
            await on_blocked(copy.telegram_id)
        except BadRequest as error:
            log.warning("a media copy could not be delivered: %s", error.message)


async def send(bot: PalaverBot, chat_id: int, reply: Reply) -> list[int]:
    """Send a reply, split into several messages if it is longer than Telegram allows;
    the ids of the messages sent."""
    reply = reply.as_sent()
    if reply.photo is not None or reply.document is not None:
        await _send_file(bot, chat_id, reply)
        return []
    parts = split_text(reply.text)
    sent: list[int] = []
    for index, part in enumerate(parts):
        is_last = index == len(parts) - 1
        sent.append(await bot.send_text(chat_id, part, _keyboard(reply) if is_last else None))
    return sent


async def _send_file(bot: PalaverBot, chat_id: int, reply: Reply) -> None:
    # A caption holds at most 1024 characters; longer text goes first as its own message.
    caption: str | None = reply.text
    if caption is not None and len(caption) > MAX_CAPTION_LENGTH:
        await send(bot, chat_id, Reply(caption))
        caption = None
    keyboard = _keyboard(reply)
    markup = InlineKeyboardMarkup.de_json(keyboard, bot) if keyboard else None
    if reply.photo is not None:
        await bot.send_photo(chat_id, reply.photo, caption=caption or None, reply_markup=markup)
    elif reply.document is not None:
        await bot.send_document(
            chat_id,
            reply.document.content,
            filename=reply.document.filename,
            caption=caption or None,
            reply_markup=markup,
        )


async def copy(bot: PalaverBot, chat_id: int, from_chat_id: int, message_id: int) -> None:
    """Copy (never forward) a message: the copy carries no trace of who sent it."""
    await bot.copy_message(chat_id, from_chat_id, message_id)


async def replace(bot: PalaverBot, chat_id: int, message_id: int, reply: Reply) -> None:
    """Edit a message the bot sent (its buttons only, or text and buttons)."""
    if reply.buttons_only:
        try:
            await bot.edit_keyboard(chat_id, message_id, _keyboard(reply))
        except BadRequest as error:
            if "not modified" not in error.message:
                log.info("could not update buttons: %s", error.message)
        return
    if len(reply.text) > MAX_MESSAGE_LENGTH:
        await send(bot, chat_id, reply)
        return
    try:
        await bot.edit_text(chat_id, message_id, reply.text, _keyboard(reply))
    except BadRequest as error:
        if "not modified" in error.message:
            return
        # Too old to edit, or deleted: say it in a new message instead.
        log.info("could not edit a message, sending a new one: %s", error.message)
        await send(bot, chat_id, reply)


def _keyboard(reply: Reply) -> dict[str, Any] | None:
    """The inline keyboard as Telegram reads it."""
    if not reply.buttons:
        return None
    return {
        "inline_keyboard": [
            [{"text": button.label, "callback_data": encode(button.action)} for button in row]
            for row in reply.buttons
        ]
    }


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split text into parts of at most `limit` characters, at paragraph, line or word ends."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut <= limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return [part for part in parts if part] or [text[:limit]]
