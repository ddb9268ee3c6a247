"""Follow-ups: what is owed to people later, claimed by whichever process gets there first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, ScalarSelect, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.tables import (
    Admission,
    Commitment,
    Exchange,
    ExchangeMember,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    MemberRole,
    OutboxMessage,
    Person,
    Program,
    ProgramStatus,
    Role,
    RoleName,
)

HELD_ERROR_LENGTH = 200


class FollowUpRepository:
    """The `follow_up` table: scheduling, leasing due rows, and recording their fate."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, follow_up_id: int) -> FollowUp | None:
        return await self._session.get(FollowUp, follow_up_id)

    async def add(self, follow_up: FollowUp) -> FollowUp:
        self._session.add(follow_up)
        await self._session.flush()
        return follow_up

    async def add_once(self, follow_up: FollowUp) -> bool:
        """Keep `follow_up` unless one with its `dedupe_key` exists; True if it was new.

        An insert that does nothing on conflict, so two processes finding the same silence
        at once owe the person one nudge, not two, without aborting either transaction.
        """
        assert follow_up.dedupe_key is not None
        dialect = self._session.bind.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = {
            column.name: getattr(follow_up, column.name)
            for column in FollowUp.__table__.columns  # type: ignore[attr-defined]
            if column.name != "id"
        }
        statement = (
            insert(FollowUp)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(col(FollowUp.id))
        )
        return (await self._session.exec(statement)).first() is not None

    async def claim_due(self, now: datetime, worker: str, until: datetime, limit: int) -> list[int]:
        """Claim up to `limit` due follow-ups for `worker`, oldest first; their ids.

        Due means pending, not before now, unclaimed (or a dead process's claim ran out),
        for someone who has not paused follow-ups (/stop), in a program that is running.
        PostgreSQL skips rows another process is claiming this instant (SKIP LOCKED);
        SQLite has one writer at a time.
        """
        program_running = or_(
            col(FollowUp.program_id).is_(None),
            select(Program.id)
            .where(
                col(Program.id) == col(FollowUp.program_id),
                col(Program.status) == ProgramStatus.ACTIVE,
            )
            .exists(),
        )
        person_listening = (
            select(Person.id)
            .where(
                col(Person.id) == col(FollowUp.person_id),
                col(Person.follow_ups_paused_at).is_(None),
            )
            .exists()
        )
        due = (
            select(FollowUp.id)
            .where(
                col(FollowUp.status) == FollowUpStatus.PENDING,
                col(FollowUp.not_before) <= now,
                or_(col(FollowUp.claimed_until).is_(None), col(FollowUp.claimed_until) < now),
                person_listening,
                program_running,
            )
            .order_by(col(FollowUp.not_before), col(FollowUp.id))
            .limit(limit)
        )
        if self._session.bind.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        statement = (
            update(FollowUp)
            .where(col(FollowUp.id).in_(due.scalar_subquery()))
            .values(claimed_by=worker, claimed_until=until)
            .returning(col(FollowUp.id))
            .execution_options(synchronize_session=False)
        )
        return sorted((await self._session.exec(statement)).scalars().all())

    async def claimed(self, follow_up_id: int, worker: str) -> FollowUp | None:
        """The follow-up, if it is still pending and `worker`'s to start (its claim may have
        run out and been taken by another process meanwhile)."""
        statement = select(FollowUp).where(
            col(FollowUp.id) == follow_up_id,
            col(FollowUp.claimed_by) == worker,
            col(FollowUp.status) == FollowUpStatus.PENDING,
        )
        return (await self._session.exec(statement.with_for_update())).first()

    def release(self, follow_up: FollowUp, not_before: datetime, reason: str | None) -> None:
        """Not now: try again at `not_before` (quiet hours, a conversation under way…)."""
        follow_up.not_before = not_before
        follow_up.claimed_by = None
        follow_up.claimed_until = None
        follow_up.last_error = reason[:HELD_ERROR_LENGTH] if reason else None
        self._session.add(follow_up)

    def close(self, follow_up: FollowUp, status: FollowUpStatus, reason: str | None) -> None:
        """It is done with: started (queued), cancelled, expired or failed. `claimed_by` stays:
        which process started it, for operators reading the table."""
        follow_up.status = status
        follow_up.claimed_until = None
        follow_up.attempts += 1
        if reason is not None:
            follow_up.last_error = reason[:HELD_ERROR_LENGTH]
        self._session.add(follow_up)

    async def next_due_at(self) -> datetime | None:
        """The earliest time a pending follow-up may be claimed."""
        statement = select(
            func.min(func.coalesce(FollowUp.claimed_until, FollowUp.not_before))
        ).where(col(FollowUp.status) == FollowUpStatus.PENDING)
        return (await self._session.exec(statement)).one()

    async def pending_of(self, person_id: int) -> list[FollowUp]:
        statement = select(FollowUp).where(
            col(FollowUp.person_id) == person_id,
            col(FollowUp.status) == FollowUpStatus.PENDING,
        )
        return list((await self._session.exec(statement)).all())

    async def cancel_pending_of(self, person_id: int, reason: str) -> int:
        """Cancel everything still owed to a person (they blocked the bot); how many."""
        return await self._cancel_pending(col(FollowUp.person_id) == person_id, reason)

    async def cancel_pending_for_commitment(self, commitment_id: int, reason: str) -> None:
        await self._cancel_pending(col(FollowUp.commitment_id) == commitment_id, reason)

    async def cancel(self, follow_up_id: int, reason: str) -> bool:
        """Cancel one pending follow-up; False if it was no longer pending."""
        return bool(await self._cancel_pending(col(FollowUp.id) == follow_up_id, reason))

    async def _cancel_pending(self, which: ColumnElement[bool], reason: str) -> int:
        result = await self._session.exec(
            update(FollowUp)
            .where(which, col(FollowUp.status) == FollowUpStatus.PENDING)
            .values(
                status=FollowUpStatus.CANCELLED,
                last_error=reason[:HELD_ERROR_LENGTH],
                claimed_by=None,
                claimed_until=None,
            )
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)

    async def listing(
        self,
        *,
        program_ids: Sequence[int] | None = None,
        status: FollowUpStatus | None = None,
        kind: FollowUpKind | None = None,
        limit: int = 200,
    ) -> list[FollowUp]:
        """Follow-ups for operators, soonest first."""
        statement = select(FollowUp).order_by(col(FollowUp.not_before), col(FollowUp.id))
        if program_ids is not None:
            statement = statement.where(col(FollowUp.program_id).in_(program_ids))
        if status is not None:
            statement = statement.where(col(FollowUp.status) == status)
        if kind is not None:
            statement = statement.where(col(FollowUp.kind) == kind)
        return list((await self._session.exec(statement.limit(limit))).all())

    async def counts(self, program_id: int) -> dict[tuple[FollowUpKind, FollowUpStatus], int]:
        """How many follow-ups of a program there are, per kind and status."""
        statement = (
            select(FollowUp.kind, FollowUp.status, func.count())
            .where(col(FollowUp.program_id) == program_id)
            .group_by(col(FollowUp.kind), col(FollowUp.status))
        )
        return {
            (FollowUpKind(kind), FollowUpStatus(status)): int(count)
            for kind, status, count in (await self._session.exec(statement)).all()
        }

    async def pending_announcements(self, program_id: int) -> list[FollowUp]:
        """A program's announcements still owed to someone, soonest first."""
        statement = (
            select(FollowUp)
            .where(
                col(FollowUp.program_id) == program_id,
                col(FollowUp.kind) == FollowUpKind.ANNOUNCEMENT,
                col(FollowUp.status) == FollowUpStatus.PENDING,
            )
            .order_by(col(FollowUp.due_at), col(FollowUp.id))
        )
        return list((await self._session.exec(statement)).all())

    async def members_of_circle(self, circle_id: int, program_id: int) -> list[Person]:
        """The admitted members of a circle of this program who are still in it."""
        statement = (
            select(Person)
            .join(ExchangeMember, col(ExchangeMember.person_id) == col(Person.id))
            .join(Exchange, col(Exchange.id) == col(ExchangeMember.exchange_id))
            .where(
                col(Exchange.id) == circle_id,
                col(Exchange.program_id) == program_id,
                col(ExchangeMember.role) == MemberRole.MEMBER,
                col(ExchangeMember.admission) == Admission.ADMITTED,
                col(ExchangeMember.left_at).is_(None),
            )
            .order_by(col(Person.id))
        )
        return list((await self._session.exec(statement)).all())

    async def pending_circle_reminders(self, program_id: int) -> list[FollowUp]:
        """A program's circle reminders still owed, soonest first."""
        statement = (
            select(FollowUp)
            .where(
                col(FollowUp.program_id) == program_id,
                col(FollowUp.kind) == FollowUpKind.CIRCLE_REMINDER,
                col(FollowUp.status) == FollowUpStatus.PENDING,
            )
            .order_by(col(FollowUp.due_at), col(FollowUp.id))
        )
        return list((await self._session.exec(statement)).all())

    async def cancel_pending_for_circle(self, circle_id: int, reason: str) -> int:
        return await self._cancel_pending(
            (col(FollowUp.exchange_id) == circle_id)
            & (col(FollowUp.kind) == FollowUpKind.CIRCLE_REMINDER),
            reason,
        )

    async def commitment(self, commitment_id: int, *, lock: bool = False) -> Commitment | None:
        statement = select(Commitment).where(col(Commitment.id) == commitment_id)
        if lock:
            statement = statement.with_for_update()
        return (await self._session.exec(statement)).first()

    async def participants_of(self, program_id: int) -> list[Person]:
        """The program's participants who can be written to (an announcement's readers)."""
        statement = (
            select(Person)
            .join(Role, col(Role.person_id) == col(Person.id))
            .where(
                col(Role.program_id) == program_id,
                col(Role.name) == RoleName.PARTICIPANT,
                col(Person.blocked_bot_at).is_(None),
                col(Person.is_active),
            )
            .order_by(col(Person.id))
        )
        return list((await self._session.exec(statement)).unique().all())

    # --- the fate of a started follow-up's messages (called by the outbox) ----------------

    async def record_sent(self, outbox_id: int, now: datetime) -> None:
        """The first message of a started follow-up reached Telegram: it is done."""
        await self._record(outbox_id, status=FollowUpStatus.DONE, sent_at=now)

    async def record_attempt(self, outbox_id: int, error: str) -> None:
        """Telegram could not take its message now (429, 5xx, a timeout); it is retried."""
        await self._record(
            outbox_id, attempts=FollowUp.attempts + 1, last_error=error[:HELD_ERROR_LENGTH]
        )

    async def record_failed(self, outbox_id: int, error: str) -> None:
        """Telegram would not take its message after every retry, or refused it for good."""
        await self._record(
            outbox_id, status=FollowUpStatus.FAILED, last_error=error[:HELD_ERROR_LENGTH]
        )

    async def _record(self, outbox_id: int, **values: object) -> None:
        """Change the started follow-up an outbox row belongs to, if it has one."""
        await self._session.exec(
            update(FollowUp)
            .where(
                col(FollowUp.id) == _follow_up_of(outbox_id),
                col(FollowUp.status) == FollowUpStatus.QUEUED,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def record_unreachable(self, chat_id: int, reason: str) -> None:
        """The person blocked the bot: whatever was on its way to them is cancelled."""
        started = select(OutboxMessage.follow_up_id).where(
            col(OutboxMessage.chat_id) == chat_id, col(OutboxMessage.follow_up_id).is_not(None)
        )
        await self._session.exec(
            update(FollowUp)
            .where(
                col(FollowUp.id).in_(started.scalar_subquery()),
                col(FollowUp.status) == FollowUpStatus.QUEUED,
            )
            .values(status=FollowUpStatus.CANCELLED, last_error=reason[:HELD_ERROR_LENGTH])
            .execution_options(synchronize_session=False)
        )


def _follow_up_of(outbox_id: int) -> ScalarSelect[int | None]:
    return (
        select(OutboxMessage.follow_up_id)
        .where(col(OutboxMessage.id) == outbox_id)
        .scalar_subquery()
    )
