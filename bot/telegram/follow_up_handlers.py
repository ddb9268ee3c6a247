"""Telegram side of follow-ups: the dispatcher's timer, /stop, /timezone and check-in buttons."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from telegram import Bot, Update
from telegram.ext import CommandHandler, JobQueue

from bot.clock import Clock
from bot.services.actors import Sender
from bot.services.follow_ups import ANNOUNCEMENT_BUTTON, CHECKIN_BUTTON, TIME_ZONE_BUTTON, FollowUps
from bot.services.replies import Outcome
from bot.telegram.handlers import NEW_MESSAGES, PRIVATE, ButtonRoute, Context, Handler, Responder
from bot.telegram.postman import Postman
from bot.telegram.wake_ups import WakeUps

log = logging.getLogger(__name__)

POLL_SECONDS = 5
"""How often the follow-up table is looked at even when no wake-up is set (rows written by
other processes, expired claims)."""
AGAIN_SOON = timedelta(seconds=1)
"""A full round was claimed: a backlog is draining, start the next round a second after
this one started (at once, if sending this one's messages took longer)."""


class FollowUpFeature:
    """Starts due follow-ups; lets people pause them and say where they are."""

    def __init__(
        self, responder: Responder, follow_ups: FollowUps, postman: Postman, clock: Clock
    ) -> None:
        self._respond = responder.respond
        self._follow_ups = follow_ups
        self._postman = postman
        self._clock = clock
        self._wake = WakeUps(self.job, "follow-ups-wake", clock)

    def close(self) -> None:
        """Start no more rounds (the process is stopping)."""
        self._wake.close()

    def handlers(self) -> Sequence[Handler]:
        return [
            CommandHandler("stop", self.stop, filters=NEW_MESSAGES & PRIVATE),
            CommandHandler("timezone", self.time_zone, filters=NEW_MESSAGES & PRIVATE),
            CommandHandler("followups", self.scheduled, filters=NEW_MESSAGES & PRIVATE),
        ]

    def buttons(self) -> dict[str, ButtonRoute]:
        return {
            CHECKIN_BUTTON: self._follow_ups.answer_checkin,
            TIME_ZONE_BUTTON: self._follow_ups.choose_time_zone,
            ANNOUNCEMENT_BUTTON: self._follow_ups.cancel_announcement,
        }

    async def scheduled(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._follow_ups.scheduled)

    async def stop(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._follow_ups.stop)

    async def time_zone(self, update: Update, context: Context) -> None:
        typed = " ".join(context.args or ())

        async def use_case(sender: Sender) -> Outcome:
            return await self._follow_ups.time_zone(sender, typed)

        await self._respond(update, context, use_case)

    # --- the dispatcher's timer ----------------------------------------------------------

    def attach(self, job_queue: JobQueue | None) -> None:  # type: ignore[type-arg]
        self._wake.attach(job_queue)

    async def job(self, context: object) -> None:
        """JobQueue callback (the periodic look and the wake-ups): start what is due."""
        bot = getattr(context, "bot", None)
        assert isinstance(bot, Bot)
        self._wake.woken()
        await self.dispatch(bot)

    async def dispatch(self, bot: Bot) -> int:
        """One round: start due follow-ups, then let the outbox send their messages."""
        if self._wake.closing:
            return 0
        started = self._clock()
        claimed = await self._follow_ups.dispatch()
        if claimed:
            await self._postman.dispatch(bot)
        if claimed >= self._follow_ups.batch:
            # A round is about one second of the overall rate, and sending it took about
            # that second already: counted from the round's end, a backlog drained at half.
            self._wake.at(started + AGAIN_SOON)
        else:
            self._wake.at(await self._follow_ups.next_due_at())
        return claimed
