"""Telegram's sending limits, kept without holding up other people's updates.

PTB's AIORateLimiter keeps the overall limit (about 30 messages a second) and the group
limit (20 a minute per group). Telegram also asks for no more than about one message a
second in one private chat; bursts of a few are tolerated. Waiting for that happens in the
task sending to that chat (the person's own update, or the outbox dispatcher's task for that
chat), so nobody else waits.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram._utils.types import JSONDict
from telegram.constants import FloodLimit
from telegram.ext import AIORateLimiter

PRIVATE_CHAT_BURST = 3
"""Messages one private chat may get at once (a reply and the next question, say)."""
MAX_TRACKED_CHATS = 4096


class PalaverRateLimiter(AIORateLimiter):
    """AIORateLimiter plus a limit per private chat (`private_chat_rate` messages a second)."""

    def __init__(
        self,
        overall_max_rate: float,
        max_retries: int,
        private_chat_rate: float,
        group_rate_per_minute: float = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
    ) -> None:
        # One message every 1/rate seconds rather than "rate per second": AsyncLimiter's
        # bucket starts empty, so a bucket of `rate` would let a whole second's worth go at
        # once and another second's worth during the first second (60 in one second at 30/s,
        # seen by the local Bot API's audit when a backlog starts to drain). The same for
        # groups: one every 3 s is Telegram's 20 a minute without a burst of 20.
        super().__init__(
            overall_max_rate=1,
            overall_time_period=1 / overall_max_rate,
            group_max_rate=1 if group_rate_per_minute else 0,
            group_time_period=60 / group_rate_per_minute if group_rate_per_minute else 0,
            max_retries=max_retries,
        )
        self._private_chat_rate = private_chat_rate
        self._private_limiters: dict[int, AsyncLimiter] = {}

    def private_limiter(self, chat_id: int) -> AsyncLimiter:
        """The limiter of one private chat (made on first use, forgotten once idle)."""
        limiter = self._private_limiters.get(chat_id)
        if limiter is None:
            if len(self._private_limiters) >= MAX_TRACKED_CHATS:
                self._private_limiters = {
                    chat: kept
                    for chat, kept in self._private_limiters.items()
                    if not kept.has_capacity(PRIVATE_CHAT_BURST)
                }
            limiter = AsyncLimiter(
                max_rate=PRIVATE_CHAT_BURST,
                time_period=PRIVATE_CHAT_BURST / self._private_chat_rate,
            )
            self._private_limiters[chat_id] = limiter
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        if self._private_chat_rate and isinstance(chat_id, int) and chat_id > 0:
            async with self.private_limiter(chat_id):
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
