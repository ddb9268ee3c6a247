"""PTB's bot, with the calls Palaver makes most done without reading Telegram's answer into
objects, and the updates it received kept as Telegram sent them."""

from __future__ import annotations

from typing import Any

from telegram.ext import ExtBot

JSONDict = dict[str, Any]

KEPT_UPDATES = 1000
"""How many received updates are kept as sent, for the journal (the newest; an update the
journal asks for later than that is turned back into JSON)."""


class PalaverBot(ExtBot[Any]):
    """An ExtBot that sends and edits text without building a `Message` from each answer.

    Of a sent message Palaver keeps only its id, but PTB's `send_message` and `edit_message_*`
    turn every answer into a Message, with its chat, sender and keyboard, and take the
    keyboard as objects only to turn it back into JSON. Under a crowd that was about a tenth
    of Palaver's CPU (bench.crowd). These methods go through the same `_post` as every PTB
    method: the defaults, the rate limiter, the timeouts and the errors (Forbidden,
    BadRequest, RetryAfter…) are PTB's own.

    It also keeps the updates getUpdates brought, as Telegram sent them, for the update journal
    (`as_received`): turning an Update back into JSON cost a twentieth of the CPU under a crowd.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._received: dict[int, JSONDict] = {}

    def as_received(self, update_id: int) -> JSONDict | None:
        """The update as getUpdates brought it (once; None if it is no longer kept)."""
        return self._received.pop(update_id, None)

    async def _post(self, endpoint: str, data: JSONDict | None = None, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            for update in result:
                self._received[update["update_id"]] = update
            # Updates set aside unhandled (flood control) are never asked for: keep the newest.
            for oldest in list(self._received)[: max(0, len(self._received) - KEPT_UPDATES)]:
                del self._received[oldest]
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
