"""The outbox from the services' side: posting messages with a change, and handing out
what is due to whoever sends it.

Every message Palaver sends because something changed goes through here: written in the
transaction of the change (`Postbox.post`), sent after the commit, deleted once Telegram
has it (`LetterBox`). A crash at any point therefore loses nothing; the only window for a
duplicate is between Telegram accepting a message and its row being deleted (rows sent at
the same moment are deleted together, a few milliseconds later at most).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.services.replies import Envelope, Letter, Outcome, Reply
from bot.storage.group_commit import GroupCommit
from bot.storage.repositories import OutboxLetter
from bot.storage.tables import OutboxOp
from bot.storage.unit_of_work import Database, UnitOfWork

DEFAULT_LEASE = timedelta(seconds=60)

SentRow = tuple[Envelope, tuple[int, ...]]
"""A row Telegram has taken, with the ids of the messages it became."""


def worker_name() -> str:
    """This process, as it signs its claims on outbox rows (host, pid, and a random part)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Posting:
    """One message owed to a chat, and how long to pause after it (a flow's reading pace)."""

    chat_id: int
    reply: Reply
    op: OutboxOp = OutboxOp.SEND
    message_id: int | None = None
    from_chat_id: int | None = None
    pause_after: float = 0.0
    follow_up_id: int | None = None
    copy_of: int | None = None
    user_id: int | None = None
    until: int | None = None


@dataclass(frozen=True)
class OutboxPolicy:
    """How this process uses the outbox: who it is, how long a claim lasts, the pace."""

    worker: str
    lease: timedelta = DEFAULT_LEASE
    pace: float = 1.0
    """Multiplies flows' `pause_seconds` (0 sends a flow's messages back to back)."""


class Postbox:
    """Writes messages into the outbox of a unit of work, paced, in order per chat."""

    def __init__(self, clock: Clock, policy: OutboxPolicy) -> None:
        self._clock = clock
        self._policy = policy

    async def post(
        self,
        uow: UnitOfWork,
        postings: Sequence[Posting],
        *,
        claim: bool = True,
    ) -> list[Envelope]:
        """Keep `postings` in the outbox; rows due now are claimed for this process (unless
        `claim` is False: then the dispatcher sends them, e.g. work no handler waits for).

        A chat that still has older messages owed (a paced sequence, a failed send) gets the
        new ones after them, left to the dispatcher so the order holds.
        """
        now = self._clock()
        lease_until = now + self._policy.lease
        chats = list(dict.fromkeys(posting.chat_id for posting in postings))
        latest = await uow.outbox.latest_pending_for(chats) if chats else {}
        next_at = {chat: max(now, latest[chat]) if chat in latest else now for chat in chats}
        may_claim = {chat: claim and chat not in latest for chat in chats}
        envelopes: list[Envelope] = []
        letters: list[OutboxLetter] = []
        for posting in postings:
            chat = posting.chat_id
            at = next_at[chat]
            claimable = may_claim[chat] and at <= now
            envelope = Envelope(
                outbox_id=0,
                chat_id=chat,
                op=posting.op.value,
                reply=posting.reply,
                message_id=posting.message_id,
                from_chat_id=posting.from_chat_id,
                claimed=claimable,
                follow_up_id=posting.follow_up_id,
                copy_of=posting.copy_of,
                user_id=posting.user_id,
                until=posting.until,
            )
            envelopes.append(envelope)
            letters.append(
                OutboxLetter(
                    chat,
                    envelope.to_json(),
                    op=posting.op,
                    not_before=at,
                    claimed_by=self._policy.worker if claimable else None,
                    claimed_until=lease_until if claimable else None,
                    follow_up_id=posting.follow_up_id,
                )
            )
            if not claimable:
                may_claim[chat] = False  # whatever follows waits behind this row
            next_at[chat] = at + timedelta(seconds=posting.pause_after * self._policy.pace)
        if not letters:
            return []
        outbox_ids = await uow.outbox.keep(letters)
        return [
            replace(envelope, outbox_id=outbox_id)
            for envelope, outbox_id in zip(envelopes, outbox_ids, strict=True)
        ]


class LetterBox:
    """Hands out due outbox rows to the sender and records what became of them."""

    def __init__(self, database: Database, clock: Clock, policy: OutboxPolicy) -> None:
        self._database = database
        self._clock = clock
        self._policy = policy
        self._postbox = Postbox(clock, policy)
        self._marking: GroupCommit[SentRow] = GroupCommit(self._mark_all)

    @property
    def lease(self) -> timedelta:
        return self._policy.lease

    async def claim_due(self, limit: int = 100) -> list[Envelope]:
        """Due rows, at most one per chat (its oldest), claimed for this process."""
        now = self._clock()
        rows = await self._database.write(
            lambda uow: uow.outbox.claim_due(
                now, self._policy.worker, now + self._policy.lease, limit
            )
        )
        return [
            Envelope.from_row(
                row.id, row.chat_id, row.op.value, row.payload, row.attempts, row.follow_up_id
            )
            for row in rows
        ]

    async def renew(self, outbox_ids: list[int]) -> None:
        """Keep this process's claims alive while it is still sending them."""
        until = self._clock() + self._policy.lease
        await self._database.write(
            lambda uow: uow.outbox.renew(outbox_ids, self._policy.worker, until)
        )

    async def release(self, outbox_ids: list[int]) -> None:
        """Give back this process's claims on rows it will not send after all."""
        await self._database.write(lambda uow: uow.outbox.release(outbox_ids, self._policy.worker))

    async def mark_sent(self, envelope: Envelope, message_ids: Sequence[int] = ()) -> None:
        """Telegram has it: never send it again (a follow-up it started is done; where a
        relayed contribution landed is kept, so it can be deleted everywhere).

        Rows sent at the same moment are marked in one transaction (group commit): under a
        crowd that is most of Palaver's transactions otherwise. This returns once this row's
        mark is committed, so a chat's next row still leaves only after it.
        """
        try:
            await self._marking((envelope, tuple(message_ids)))
        except IntegrityError:
            # A contribution was erased (/forget) the moment its copy landed: there is
            # nothing left to delete it by, but the row must still never go twice.
            await self._database.write(
                lambda uow: self._mark(uow, [(envelope, tuple(message_ids))], with_copies=False)
            )

    async def _mark_all(self, sent: Sequence[SentRow]) -> None:
        # Most rows need only forgetting, the quickest write there is; a row that started a
        # follow-up or copied a contribution has more to record, in a unit of work.
        if any(_records_more(envelope) for envelope, _ids in sent):
            await self._database.write(lambda uow: self._mark(uow, sent))
        else:
            await self._database.bookkeeping.forget_outbox_rows([e.outbox_id for e, _ in sent])

    async def _mark(
        self, uow: UnitOfWork, sent: Sequence[SentRow], *, with_copies: bool = True
    ) -> None:
        now = self._clock()
        for envelope, message_ids in sent:
            if envelope.follow_up_id is not None:
                await uow.follow_ups.record_sent(envelope.outbox_id, now)
            if envelope.copy_of is not None and with_copies:
                await self._keep_copies(uow, envelope, message_ids)
        await uow.outbox.mark_sent([envelope.outbox_id for envelope, _ids in sent])

    async def _keep_copies(
        self, uow: UnitOfWork, envelope: Envelope, message_ids: Sequence[int]
    ) -> None:
        assert envelope.copy_of is not None
        contribution = await uow.circles.contribution(envelope.copy_of)
        if contribution is None:
            return  # erased with its author (/forget) while this copy was on its way
        for message_id in message_ids:
            if contribution.deleted_at is not None:
                # Taken down while this copy was on its way: take this copy down too.
                posting = Posting(envelope.chat_id, Reply(""), OutboxOp.DELETE, message_id)
                await self._postbox.post(uow, [posting], claim=False)
            else:
                await uow.circles.keep_copy(envelope.copy_of, envelope.chat_id, message_id)

    async def give_up(self, envelope: Envelope, error: str) -> None:
        """Telegram refused it for good, or every retry failed: never send it again (a
        follow-up it started has failed)."""

        async def given_up(uow: UnitOfWork) -> None:
            if envelope.follow_up_id is not None:
                await uow.follow_ups.record_failed(envelope.outbox_id, error)
            await uow.outbox.mark_sent([envelope.outbox_id])

        await self._database.write(given_up)

    async def retry_later(self, envelope: Envelope, error: str, delay: timedelta) -> None:
        """Telegram could not take it now; the dispatcher tries again after `delay`."""
        at = self._clock() + delay

        async def later(uow: UnitOfWork) -> None:
            if envelope.follow_up_id is not None:
                await uow.follow_ups.record_attempt(envelope.outbox_id, error)
            await uow.outbox.retry_later(envelope.outbox_id, error, at)

        await self._database.write(later)

    async def forget_chat(self, chat_id: int) -> None:
        """The person blocked the bot: nothing more is owed to them."""

        async def forget(uow: UnitOfWork) -> None:
            await uow.follow_ups.record_unreachable(chat_id, "blocked the bot")
            await uow.outbox.forget_letters_to(chat_id)

        await self._database.write(forget)

    async def next_due_at(self) -> datetime | None:
        """When the next row may be claimed (None: the outbox is empty)."""
        async with self._database.unit_of_work() as uow:
            return await uow.outbox.next_due_at()


@dataclass
class Delivery:
    """What a use case must deliver after driving runs, gathered while it works.

    Messages go into the outbox in the use case's own transaction (`seal`), addressed to
    the acting person's chat (editing the message whose button they pressed) or to others'
    private chats, each with the pause its flow asks for after it.
    """

    actor_id: int
    pressed_button: bool
    postbox: Postbox
    actor_chat_id: int | None = None
    """None: the caller shows the replies itself (e.g. /start resuming a question)."""
    pressed_message_id: int | None = None
    follow_up_id: int | None = None
    """Set while starting a follow-up: its messages record its fate when they leave."""
    postings: list[Posting] = field(default_factory=list)
    trailing: list[Posting] = field(default_factory=list)
    """Messages that follow everything else the use case says (a question for later)."""
    direct: list[Reply] = field(default_factory=list)
    notice: str | None = None

    def say(self, reply: Reply, pause_after: float = 0.0) -> None:
        """A message to the person acting."""
        if self.actor_chat_id is None or reply.photo is not None or reply.document is not None:
            self.direct.append(reply)
            return
        op, message_id = OutboxOp.SEND, None
        if reply.replaces_pressed_message and self.pressed_message_id is not None:
            op = OutboxOp.EDIT_BUTTONS if reply.buttons_only else OutboxOp.EDIT
            message_id = self.pressed_message_id
        elif reply.buttons_only:
            return  # nothing to change the buttons of
        self.postings.append(
            Posting(
                self.actor_chat_id,
                reply,
                op,
                message_id=message_id,
                pause_after=pause_after,
                follow_up_id=self.follow_up_id,
            )
        )

    def write(self, chat_id: int, reply: Reply, pause_after: float = 0.0) -> None:
        """A message to someone else (a partner, a facilitator)."""
        self.postings.append(
            Posting(chat_id, reply, pause_after=pause_after, follow_up_id=self.follow_up_id)
        )

    def write_last(self, chat_id: int, reply: Reply) -> None:
        """A message to go after all the others of this use case, whenever it is written."""
        self.trailing.append(Posting(chat_id, reply, follow_up_id=self.follow_up_id))

    def copy(self, chat_id: int, heading: Reply, from_chat_id: int, message_id: int) -> None:
        """A photo or voice note copied (never forwarded) to someone, under a heading."""
        self.write(chat_id, heading)
        self.postings.append(
            Posting(
                chat_id,
                Reply(""),
                OutboxOp.COPY,
                message_id=message_id,
                from_chat_id=from_chat_id,
            )
        )

    def take_over(self, other: Delivery) -> None:
        """Everything `other` gathered (for the same change), after what this one has."""
        self.postings.extend(other.postings)
        self.trailing.extend(other.trailing)
        self.direct.extend(other.direct)

    def outcome(self) -> Outcome:
        """What to show when nothing changed (no commit): sent straight away."""
        postings = [*self.postings, *self.trailing]
        replies = [p.reply for p in postings if p.chat_id == self.actor_chat_id]
        letters = [
            Letter(p.chat_id, p.reply)
            for p in postings
            if p.chat_id != self.actor_chat_id and p.op == OutboxOp.SEND
        ]
        return Outcome(replies=(*replies, *self.direct), notice=self.notice, letters=tuple(letters))

    async def seal(self, uow: UnitOfWork, *, claim: bool = True) -> Outcome:
        """Keep every message in the outbox, commit with the change, return the outcome.

        `claim`: the caller sends what is due now itself (else the dispatcher does)."""
        posted = await self.postbox.post(uow, [*self.postings, *self.trailing], claim=claim)
        await uow.commit()
        return Outcome(replies=tuple(self.direct), notice=self.notice, posted=tuple(posted))


def _records_more(envelope: Envelope) -> bool:
    """Sending this row is more than forgetting it: a follow-up or a copy to keep track of."""
    return envelope.follow_up_id is not None or envelope.copy_of is not None
