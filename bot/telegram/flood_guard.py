"""Flood control: one person sending dozens of messages a second cannot crowd out others."""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.services.onboarding import Onboarding
from bot.telegram.delivery import deliver
from bot.telegram.handlers import Context, Handler, sender_of

log = logging.getLogger(__name__)

# Generous for a person on a phone (answers take a minute each), tight for a script.
ALLOWED_UPDATES = 20
# Before anything else, the update journal included: an update set aside is not handled,
# and is taken out of the journal (SetAside), so a restart does not handle it either.
FLOOD_GROUP = -2
SetAside = Callable[[Update], Awaitable[None]]
WINDOW_SECONDS = 10.0


class FloodGuard:
    """Lets each person send ALLOWED_UPDATES updates per WINDOW_SECONDS; more are set aside.

    The first update set aside in a window gets a polite, translated note, so the person
    knows to slow down and that those messages were not read. Runs before every other
    handler (FLOOD_GROUP) and only ever looks at the sender's own history.
    """

    def __init__(
        self,
        onboarding: Onboarding,
        set_aside: SetAside,
        allowed: int = ALLOWED_UPDATES,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._onboarding = onboarding
        self._set_aside = set_aside
        self._allowed = allowed
        self._window = window_seconds
        self._clock = clock
        self._recent: dict[int, deque[float]] = {}
        self._warned_until: dict[int, float] = {}

    def handler(self) -> Handler:
        return TypeHandler(Update, self.check)

    async def check(self, update: Update, context: Context) -> None:
        user = update.effective_user
        if user is None:
            return
        now = self._clock()
        recent = self._recent.setdefault(user.id, deque())
        while recent and recent[0] <= now - self._window:
            recent.popleft()
        if len(recent) < self._allowed:
            recent.append(now)
            self._forget_idle(now)
            return
        if self._warned_until.get(user.id, 0.0) < now:
            self._warned_until[user.id] = now + self._window
            log.info("a person is sending too fast; setting updates aside")
            outcome = await self._onboarding.slow_down(sender_of(update))
            await deliver(outcome, update, context.bot, self._onboarding.mark_blocked)
        elif update.callback_query is not None:
            # Stop the button's spinner; an expired query is no reason to fail.
            with contextlib.suppress(BadRequest):
                await update.callback_query.answer()
        await self._set_aside(update)
        raise ApplicationHandlerStop

    def _forget_idle(self, now: float) -> None:
        # Keep memory bounded: drop people who have been quiet for a whole window.
        if len(self._recent) < 1000:
            return
        for user_id in [
            u for u, times in self._recent.items() if not times or times[-1] < now - self._window
        ]:
            del self._recent[user_id]
            self._warned_until.pop(user_id, None)
