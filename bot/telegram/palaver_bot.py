"""PTB's bot, with the three calls Palaver makes most done without reading Telegram's answer
into objects."""

from __future__ import annotations

from typing import Any

from telegram.ext import ExtBot

JSONDict = dict[str, Any]


class PalaverBot(ExtBot[Any]):
    """An ExtBot that sends and edits text without building a `Message` from each answer.

    Of a sent message Palaver keeps only its id, but PTB's `send_message` and `edit_message_*`
    turn every answer into a Message, with its chat, sender and keyboard, and take the
    keyboard as objects only to turn it back into JSON. Under a crowd that was about a tenth
    of Palaver's CPU (bench.crowd). These methods go through the same `_post` as every PTB
    method: the defaults, the rate limiter, the timeouts and the errors (Forbidden,
    BadRequest, RetryAfter…) are PTB's own.
    """

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
