"""Telegram side of circles: the facilitator's console and commands, members' words,
/timeout, and the round timers.

Some commands mean one thing in a circle and another in a pair exchange (/end, /skip,
/leave): this feature answers them when they are about a circle and hands them on to the
pair's use case otherwise, so a person never has to know which one they are in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from telegram import Bot, Update
from telegram.ext import CommandHandler

from bot.services.actors import Sender
from bot.services.circles import (
    CIRCLE_BUTTON,
    MEMBER_BUTTON,
    NEW_CIRCLE_BUTTON,
    Circles,
    NoCircle,
    NotInACircle,
    Verb,
)
from bot.services.errors import NotAllowed
from bot.services.replies import Outcome
from bot.telegram.handlers import NEW_MESSAGES, PRIVATE, ButtonRoute, Context, Handler, Responder
from bot.telegram.postman import Postman

UseCase = Callable[[Sender], Awaitable[Outcome]]
TIMER_SECONDS = 5
"""How often timed rounds are looked at (a round's time is up within this much)."""


class CircleFeature:
    """/circles, /next, /pause, /resume, /end, /timeout; circle members' words and buttons."""

    def __init__(
        self,
        responder: Responder,
        circles: Circles,
        postman: Postman,
        *,
        pair_end: UseCase,
        pair_skip: UseCase,
        pair_leave: UseCase,
    ) -> None:
        self._respond = responder.respond
        self._circles = circles
        self._postman = postman
        self._pair_end = pair_end
        self._pair_skip = pair_skip
        self._pair_leave = pair_leave

    def handlers(self) -> Sequence[Handler]:
        private = NEW_MESSAGES & PRIVATE
        return [
            CommandHandler("circles", self.console, filters=private),
            CommandHandler("next", self._command(Verb.NEXT), filters=NEW_MESSAGES),
            CommandHandler("pause", self._command(Verb.PAUSE), filters=NEW_MESSAGES),
            CommandHandler("resume", self._command(Verb.RESUME), filters=NEW_MESSAGES),
            CommandHandler("end", self.end, filters=private),
            CommandHandler("timeout", self.time_out, filters=private),
            CommandHandler("skip", self.skip, filters=private),
            CommandHandler("leave", self.leave, filters=private),
        ]

    def buttons(self) -> dict[str, ButtonRoute]:
        return {
            CIRCLE_BUTTON: self._circles.press,
            MEMBER_BUTTON: self._circles.press_member,
            NEW_CIRCLE_BUTTON: self._circles.new_circle,
        }

    def text_taker(self) -> Callable[[Sender, str], Awaitable[Outcome | None]]:
        """Members' words while their circle's round is open (else the next taker's)."""
        return self._circles.take_text

    async def console(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._circles.console)

    def _command(self, verb: Verb) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        async def command(update: Update, context: Context) -> None:
            await self._respond(update, context, lambda sender: self._circles.command(sender, verb))

        return command

    async def end(self, update: Update, context: Context) -> None:
        """A facilitator's /end ends their circle; anyone else's ends their pair exchange."""

        async def end(sender: Sender) -> Outcome:
            try:
                return await self._circles.command(sender, Verb.END)
            except (NoCircle, NotAllowed):
                return await self._pair_end(sender)

        await self._respond(update, context, end)

    async def time_out(self, update: Update, context: Context) -> None:
        async def time_out(sender: Sender) -> Outcome:
            outcome = await self._circles.time_out(sender)
            if outcome is None:
                raise NotInACircle()
            return outcome

        await self._respond(update, context, time_out)

    async def skip(self, update: Update, context: Context) -> None:
        await self._respond(
            update, context, self._either(self._circles.pass_round, self._pair_skip)
        )

    async def leave(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._either(self._circles.leave, self._pair_leave))

    @staticmethod
    def _either(
        circle: Callable[[Sender], Awaitable[Outcome | None]], otherwise: UseCase
    ) -> UseCase:
        async def use_case(sender: Sender) -> Outcome:
            outcome = await circle(sender)
            return outcome if outcome is not None else await otherwise(sender)

        return use_case

    async def check_timers(self, context: Context) -> None:
        """Job: last-minute notices and time-up decisions of timed rounds."""
        outcomes = await self._circles.check_timers()
        if any(outcome.posted for outcome in outcomes):
            bot = context.bot
            assert isinstance(bot, Bot)
            await self._postman.dispatch(bot)
