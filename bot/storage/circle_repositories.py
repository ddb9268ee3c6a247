"""Circles: their agenda's state, who sits in them, what was said in each round."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.tables import (
    Admission,
    Circle,
    CircleState,
    Contribution,
    Exchange,
    ExchangeMember,
    ExchangeStatus,
    MemberRole,
    Person,
    RelayedCopy,
)

OPEN_STATES = (CircleState.FORMING, CircleState.RUNNING, CircleState.PAUSED)


class CircleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, exchange: Exchange, circle: Circle) -> Circle:
        self._session.add(exchange)
        await self._session.flush()
        circle.exchange_id = exchange.id
        self._session.add(circle)
        await self._session.flush()
        return circle

    async def get(self, circle_id: int, *, lock: bool = False) -> tuple[Circle, Exchange] | None:
        """The circle and its conversation; `lock`: hold the circle's row until commit.

        Everything that changes a circle's agenda takes this lock first, so two members
        answering, a facilitator pressing "next" and a timer firing take turns.
        """
        statement = (
            select(Circle, Exchange)
            .join(Exchange, col(Exchange.id) == col(Circle.exchange_id))
            .where(col(Circle.exchange_id) == circle_id)
        )
        if lock:
            # populate_existing: a circle read earlier in this transaction (before the lock)
            # must not hide what the transaction that held the lock just committed.
            statement = statement.with_for_update(of=Circle).execution_options(
                populate_existing=True
            )
        row = (await self._session.exec(statement)).first()
        return (row[0], row[1]) if row is not None else None

    async def lock(self, circle: Circle) -> None:
        """Take the circle's turn (a no-op write: a row lock, or SQLite's write lock)."""
        await self._session.exec(
            update(Circle)
            .where(col(Circle.exchange_id) == circle.exchange_id)
            .values(state=Circle.state)
        )
        await self._session.refresh(circle)

    async def by_invite_code(self, code: str) -> tuple[Circle, Exchange] | None:
        circle_id = (
            await self._session.exec(
                select(Circle.exchange_id).where(col(Circle.invite_code) == code)
            )
        ).first()
        return await self.get(circle_id) if circle_id is not None else None

    async def by_link_code(self, code: str) -> tuple[Circle, Exchange] | None:
        circle_id = (
            await self._session.exec(
                select(Circle.exchange_id).where(col(Circle.link_code) == code)
            )
        ).first()
        return await self.get(circle_id) if circle_id is not None else None

    async def by_chat(self, chat_id: int) -> tuple[Circle, Exchange] | None:
        """The open circle a Telegram group is linked to."""
        statement = (
            select(Circle.exchange_id)
            .join(Exchange, col(Exchange.id) == col(Circle.exchange_id))
            .where(col(Exchange.chat_id) == chat_id, col(Circle.state).in_(OPEN_STATES))
            .order_by(col(Circle.exchange_id).desc())
        )
        circle_id = (await self._session.exec(statement)).first()
        return await self.get(circle_id) if circle_id is not None else None

    async def of_programs(self, program_ids: list[int]) -> list[tuple[Circle, Exchange]]:
        statement = (
            select(Circle, Exchange)
            .join(Exchange, col(Exchange.id) == col(Circle.exchange_id))
            .where(col(Exchange.program_id).in_(program_ids))
            .order_by(col(Circle.exchange_id).desc())
        )
        return [(circle, exchange) for circle, exchange in await self._session.exec(statement)]

    async def seated_in(self, person_id: int) -> list[tuple[Circle, Exchange, ExchangeMember]]:
        """The open circles where the person is an admitted member (not a facilitator)."""
        statement = (
            select(Circle, Exchange, ExchangeMember)
            .join(Exchange, col(Exchange.id) == col(Circle.exchange_id))
            .join(ExchangeMember, col(ExchangeMember.exchange_id) == col(Exchange.id))
            .where(
                col(ExchangeMember.person_id) == person_id,
                col(ExchangeMember.role) == MemberRole.MEMBER,
                col(ExchangeMember.admission) == Admission.ADMITTED,
                col(ExchangeMember.left_at).is_(None),
                col(Circle.state).in_(OPEN_STATES),
            )
            .order_by(col(Circle.exchange_id).desc())
        )
        return [(c, e, m) for c, e, m in await self._session.exec(statement)]

    async def member(self, circle_id: int, person_id: int) -> ExchangeMember | None:
        statement = select(ExchangeMember).where(
            col(ExchangeMember.exchange_id) == circle_id,
            col(ExchangeMember.person_id) == person_id,
        )
        return (await self._session.exec(statement)).first()

    async def roster(self, circle_id: int) -> list[tuple[ExchangeMember, Person]]:
        """Everyone who ever asked for a seat or co-hosts, in the order they came."""
        statement = (
            select(ExchangeMember, Person)
            .join(Person, col(Person.id) == col(ExchangeMember.person_id))
            .where(col(ExchangeMember.exchange_id) == circle_id)
            .order_by(col(ExchangeMember.id))
        )
        return [(member, person) for member, person in await self._session.exec(statement)]

    async def take_seat(self, exchange: Exchange) -> bool:
        """One seat more, if there is room: one conditional update decides (and the
        database's CHECK member_count <= capacity stands behind it)."""
        result = await self._session.exec(
            update(Exchange)
            .where(
                col(Exchange.id) == exchange.id,
                col(Exchange.status) != ExchangeStatus.ENDED,
                col(Exchange.member_count) < col(Exchange.capacity),
            )
            .values(member_count=col(Exchange.member_count) + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return False
        await self._session.refresh(exchange)
        return True

    async def free_seat(self, exchange: Exchange) -> None:
        await self._session.exec(
            update(Exchange)
            .where(col(Exchange.id) == exchange.id, col(Exchange.member_count) > 0)
            .values(member_count=col(Exchange.member_count) - 1)
            .execution_options(synchronize_session=False)
        )
        await self._session.refresh(exchange)

    async def close_round(self, circle: Circle, number: int) -> bool:
        """Close round `number` if it is still open; True for the one caller that closed it."""
        result = await self._session.exec(
            update(Circle)
            .where(
                col(Circle.exchange_id) == circle.exchange_id,
                col(Circle.round_number) == number,
                col(Circle.round_open).is_(True),
            )
            .values(round_open=False, round_deadline=None, speaker_id=None)
            .execution_options(synchronize_session=False)
        )
        await self._session.refresh(circle)
        return result.rowcount == 1

    async def contributions(self, circle_id: int, number: int | None = None) -> list[Contribution]:
        statement = select(Contribution).where(col(Contribution.exchange_id) == circle_id)
        if number is not None:
            statement = statement.where(col(Contribution.round_number) == number)
        return list((await self._session.exec(statement.order_by(col(Contribution.id)))).all())

    async def contribution(self, contribution_id: int) -> Contribution | None:
        return await self._session.get(Contribution, contribution_id)

    async def copies_of(self, contribution_id: int) -> list[RelayedCopy]:
        statement = select(RelayedCopy).where(col(RelayedCopy.contribution_id) == contribution_id)
        return list((await self._session.exec(statement)).all())

    async def keep_copy(self, contribution_id: int, chat_id: int, message_id: int) -> None:
        self._session.add(
            RelayedCopy(contribution_id=contribution_id, chat_id=chat_id, message_id=message_id)
        )

    async def due_timers(self, until: datetime) -> list[int]:
        """Running circles whose timed round ends by `until` (now plus the last minute) and
        whose co-hosts have not been asked what to do yet: the only ones a look can change."""
        statement = select(Circle.exchange_id).where(
            col(Circle.state) == CircleState.RUNNING,
            col(Circle.round_open).is_(True),
            col(Circle.round_deadline) <= until,
            col(Circle.time_up_asked).is_(False),
        )
        return [circle_id for circle_id in (await self._session.exec(statement)).all() if circle_id]

    async def counts(self, program_id: int) -> dict[CircleState, int]:
        """How many circles of a program are in each state (states with none left out)."""
        statement = (
            select(Circle.state, func.count())
            .join(Exchange, col(Exchange.id) == col(Circle.exchange_id))
            .where(col(Exchange.program_id) == program_id)
            .group_by(col(Circle.state))
        )
        return {CircleState(state): count for state, count in await self._session.exec(statement)}
