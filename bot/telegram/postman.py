"""Sends what the outbox holds.

A handler's own rows leave right after its commit, one at a time, each deleted as soon as
Telegram has it. Everything else — paced messages, retries, what a crash or another process
left behind — leaves when due, through `dispatch`, which the JobQueue wakes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import DBAPIError
from telegram import Bot, ChatPermissions
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import JobQueue

from bot.clock import Clock
from bot.services.letters import LetterBox
from bot.services.replies import Envelope, Reply
from bot.storage.tables import OutboxOp
from bot.telegram.delivery import copy, replace, send
from bot.telegram.palaver_bot import PalaverBot
from bot.telegram.wake_ups import WakeUps

log = logging.getLogger(__name__)

POLL_SECONDS = 5
"""How often the outbox is looked at even when nothing woke it (rows of other processes,
expired claims)."""
RECHECK = timedelta(seconds=1)
BATCH = 100
MAX_ATTEMPTS = 6
"""Server errors and timeouts are retried with growing pauses (2, 4, … 32 s), then given up."""

MUTED = ChatPermissions(
    can_send_messages=False,
    can_send_audios=False,
    can_send_documents=False,
    can_send_photos=False,
    can_send_videos=False,
    can_send_video_notes=False,
    can_send_voice_notes=False,
    can_send_polls=False,
    can_send_other_messages=False,
    can_add_web_page_previews=False,
)
"""What a muted group member may do: read."""

OnBlocked = Callable[[int], Awaitable[None]]
Complete = Callable[[Reply], Awaitable[Reply]]
"""Turns a message's relayed words into what its reader sees (machine translation)."""


class Postman:
    """Delivers outbox rows to Telegram and records each one's fate."""

    def __init__(
        self,
        letterbox: LetterBox,
        on_blocked: OnBlocked,
        clock: Clock,
        complete: Complete | None = None,
    ) -> None:
        self._letterbox = letterbox
        self._complete = complete
        self._on_blocked = on_blocked
        self._clock = clock
        self._wake = WakeUps(self.job, "outbox-wake", clock)

    def close(self) -> None:
        """Stop looking for more rows after the batch in hand (the process is stopping)."""
        self._wake.close()

    def attach(self, job_queue: JobQueue | None) -> None:  # type: ignore[type-arg]
        """Where to schedule wake-ups for rows due later."""
        self._wake.attach(job_queue)

    async def send_posted(self, bot: Bot, envelopes: Sequence[Envelope]) -> None:
        """Send the rows a handler just committed and claimed; wake the dispatcher for the rest."""
        assert isinstance(bot, PalaverBot)
        started = self._clock()
        waiting_chats: set[int] = set()
        left_behind: list[int] = []
        marking: list[asyncio.Task[None]] = []
        claimed = [envelope for envelope in envelopes if envelope.claimed]
        for index, envelope in enumerate(claimed):
            if envelope.chat_id in waiting_chats:
                # An earlier row of this chat must go first: the dispatcher keeps order, and
                # may take this one as soon as the earlier one has gone.
                left_behind.append(envelope.outbox_id)
                continue
            if self._clock() - started > self._letterbox.lease / 2:
                await self._letterbox.renew([e.outbox_id for e in claimed[index:]])
                started = self._clock()
            if not await self._send_one(bot, envelope, marking):
                waiting_chats.add(envelope.chat_id)
        await asyncio.gather(*marking)
        if left_behind:
            await self._letterbox.release(left_behind)
        if waiting_chats or len(claimed) < len(envelopes):
            self._wake.at(await self._letterbox.next_due_at())

    async def dispatch(self, bot: Bot) -> int:
        """Send every due row (each chat's oldest first, chats in parallel); how many were sent."""
        assert isinstance(bot, PalaverBot)
        sent = 0
        while not self._wake.closing and (batch := await self._letterbox.claim_due(BATCH)):
            results = await asyncio.gather(*(self._send_one(bot, row) for row in batch))
            sent += sum(results)
        if self._wake.closing:
            return sent
        # Whatever is left is not due, or is blocked behind a row someone else is sending:
        # looking again at once would find the same.
        self._wake.at(await self._letterbox.next_due_at(), at_least=RECHECK)
        return sent

    async def job(self, context: object) -> None:
        """JobQueue callback: the periodic look and the wake-ups."""
        bot = getattr(context, "bot", None)
        assert isinstance(bot, Bot)
        self._wake.woken()  # this is the wake-up; dispatch sets the next one
        await self.dispatch(bot)

    async def _send_one(
        self,
        bot: PalaverBot,
        envelope: Envelope,
        marking: list[asyncio.Task[None]] | None = None,
    ) -> bool:
        """Send one row; True when it is done with (sent, or refused for good).

        With `marking`, the row is marked sent in a task added there while the caller goes
        on to its next row (which Telegram has to take after this one anyway): a handler's
        rows are then marked together instead of one transaction each.
        """
        try:
            if envelope.reply.relayed is not None and self._complete is not None:
                envelope = dataclasses.replace(envelope, reply=await self._complete(envelope.reply))
            message_ids = await perform(bot, envelope)
        except Forbidden:
            log.info("a person has blocked the bot; marking them so")
            await self._on_blocked(envelope.chat_id)
            await self._letterbox.forget_chat(envelope.chat_id)
            return True
        except BadRequest as error:
            # Telegram will never take this one (a chat that no longer exists, a bad edit):
            # sending it again would fail again.
            log.warning("a message could not be delivered: %s", error.message)
            await self._letterbox.give_up(envelope, f"400 {error.message}")
            return True
        except RetryAfter as error:
            await self._letterbox.retry_later(envelope, "429", _seconds(error.retry_after))
            return False
        except (TimedOut, NetworkError) as error:
            if envelope.attempts + 1 >= MAX_ATTEMPTS:
                log.warning("giving up on a message after %d attempts", envelope.attempts + 1)
                await self._letterbox.give_up(envelope, type(error).__name__)
                return True
            log.info("Telegram did not take a message (%s); trying again", type(error).__name__)
            delay = timedelta(seconds=2 ** (envelope.attempts + 1))
            await self._letterbox.retry_later(envelope, type(error).__name__, delay)
            return False
        if marking is None:
            await self._mark_sent(envelope, message_ids)
        else:
            marking.append(asyncio.create_task(self._mark_sent(envelope, message_ids)))
        return True

    async def _mark_sent(self, envelope: Envelope, message_ids: list[int]) -> None:
        try:
            await self._letterbox.mark_sent(envelope, message_ids)
        except DBAPIError as error:
            # Sent, but not recorded: once its claim runs out it goes again (the one window
            # for a duplicate). Better that than an apology for something that worked.
            log.error("a sent message could not be marked sent: %s", type(error.orig).__name__)


async def perform(bot: PalaverBot, envelope: Envelope) -> list[int]:
    """Do on Telegram what one outbox row says; the ids of the messages it sent."""
    op = OutboxOp(envelope.op)
    chat_id, message_id = envelope.chat_id, envelope.message_id
    if op == OutboxOp.COPY and envelope.from_chat_id is not None and message_id:
        await copy(bot, chat_id, envelope.from_chat_id, message_id)
    elif op in (OutboxOp.EDIT, OutboxOp.EDIT_BUTTONS) and message_id is not None:
        await replace(bot, chat_id, message_id, envelope.reply)
    elif op == OutboxOp.DELETE and message_id is not None:
        await bot.delete_message(chat_id, message_id)
    elif op == OutboxOp.RESTRICT and envelope.user_id is not None:
        until = datetime.fromtimestamp(envelope.until or 0, UTC)
        await bot.restrict_chat_member(chat_id, envelope.user_id, MUTED, until_date=until)
    elif op == OutboxOp.REMOVE and envelope.user_id is not None:
        # Banning removes; unbanning at once lets them come back by a new invitation.
        await bot.ban_chat_member(chat_id, envelope.user_id)
        await bot.unban_chat_member(chat_id, envelope.user_id, only_if_banned=True)
    else:
        return await send(bot, chat_id, envelope.reply)
    return []


def _seconds(retry_after: int | timedelta) -> timedelta:
    return retry_after if isinstance(retry_after, timedelta) else timedelta(seconds=retry_after)
