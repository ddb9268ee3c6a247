"""PTB's bot, with the calls Palaver makes most done without reading Telegram's answer into
objects, and the updates it received kept as Telegram sent them."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram.error import TelegramError
from telegram.ext import ExtBot

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]

KeepReceived = Callable[[Sequence[JSONDict]], Awaitable[None]]
"""Keeps updates, as Telegram sent them, before anyone may act on them (the journal)."""

REMEMBERED_UPDATES = 1000
"""How many kept update ids are remembered for `was_kept` (the newest: an update handled
later than that is simply kept again, which changes nothing)."""


class UpdatesNotKept(TelegramError):
    """The journal could not keep a getUpdates answer; the updates stay unconfirmed."""

    def __init__(self) -> None:
        super().__init__("The updates received could not be kept; asking for them again.")


class PalaverBot(ExtBot[Any]):
    """An ExtBot that sends and edits text without building a `Message` from each answer.

    Of a sent message Palaver keeps only its id, but PTB's `send_message` and `edit_message_*`
    turn every answer into a Message, with its chat, sender and keyboard, and take the
    keyboard as objects only to turn it back into JSON. Under a crowd that was 6–7% of
    Palaver's CPU (bench.crowd: 4.57 → 4.27 ms per action). These methods go through the
    same `_post` as every PTB method: the defaults, the rate limiter, the timeouts and the
    errors (Forbidden, BadRequest, RetryAfter…) are PTB's own.

    Every answer of getUpdates is kept (`keep_received_with`) before PTB reads it, in one
    write for the lot: before PTB asks for the next ones, which confirms these to Telegram.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keep_received: KeepReceived | None = None
        self._kept: dict[int, None] = {}  # ids, oldest first

    def keep_received_with(self, keep: KeepReceived) -> None:
        """Have every update getUpdates brings kept by `keep` first (a failure to keep them
        fails the getUpdates, which PTB then asks again: the updates are not confirmed)."""
        self._keep_received = keep

    def was_kept(self, update_id: int) -> bool:
        """Whether this update was kept as it arrived (asked once per update)."""
        if update_id not in self._kept:
            return False
        del self._kept[update_id]
        return True

    async def _post(self, endpoint: str, data: JSONDict | None = None, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, **kwargs)
        if endpoint == "getUpdates" and result and self._keep_received is not None:
            try:
                await self._keep_received(result)
            except Exception as error:
                # As a failed getUpdates: PTB logs it and asks again after a growing pause
                # (1 s, 1.5 s, … 30 s). Anything else it would log as data it could not read and
                # ask again at once, over and over while the database is down.
                log.error("could not keep the updates received: %s", type(error).__name__)
                raise UpdatesNotKept() from None
            self._kept.update(dict.fromkeys(update["update_id"] for update in result))
            # Updates set aside unhandled (flood control) are never asked about.
            for oldest in list(self._kept)[: max(0, len(self._kept) - REMEMBERED_UPDATES)]:
                del self._kept[oldest]
        return result

    async def send_text(self, chat_id: int, text: str, keyboard: JSONDict | None = None) -> int:
        """sendMessage; the id of the message sent."""
        sent = await self._post(
            "sendMessage", {"chat_id": chat_id, "text": text, "reply_markup": keyboard}
        )
        return int(sent["message_id"])

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, keyboard: JSONDict | None = None
    ) -> None:
        """editMessageText (the buttons go when `keyboard` is None)."""
        await self._post(
            "editMessageText",
            {"chat_id": chat_id, "message_id": message_id, "text": text, "reply_markup": keyboard},
        )

    async def edit_keyboard(
        self, chat_id: int, message_id: int, keyboard: JSONDict | None = None
    ) -> None:
        """editMessageReplyMarkup (None takes the buttons away)."""
        await self._post(
            "editMessageReplyMarkup",
            {"chat_id": chat_id, "message_id": message_id, "reply_markup": keyboard},
        )
