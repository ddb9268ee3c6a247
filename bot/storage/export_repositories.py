"""Reading one program for an export: plain rows, streamed, never whole tables in memory.

Rows are tuples of the columns an export needs, not ORM objects: a large program has hundreds
of thousands of answers, and loading them as objects would cost time and memory for nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.tables import (
    Answer,
    Commitment,
    Community,
    Exchange,
    ExchangeMember,
    FlowSnapshot,
    FollowUp,
    Membership,
    Program,
    Report,
    Run,
)

STREAM_BATCH = 2000
"""Rows fetched from the database at a time while streaming."""


@dataclass(frozen=True)
class MemberRow:
    person_id: int
    community_id: int | None
    joined_at: datetime
    left: bool


@dataclass(frozen=True)
class RunRow:
    person_id: int
    flow_id: str
    flow_version: str
    status: str
    state: str


@dataclass(frozen=True)
class AnswerRow:
    person_id: int
    flow_id: str
    flow_version: str
    key: str
    value: Any
    survey: str | None
    measure: str | None


@dataclass(frozen=True)
class ExchangeRow:
    exchange_id: int
    person_id: int
    status: str
    ended_reason: str | None


@dataclass(frozen=True)
class CommitmentRow:
    person_id: int
    due: date | None


@dataclass(frozen=True)
class FollowUpRow:
    person_id: int
    flow_id: str
    status: str


class ExportRepository:
    """What an export reads about one program; every method streams or returns small lists."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def program(self, program_id: int) -> Program | None:
        return await self._session.get(Program, program_id)

    async def communities(self, program_id: int) -> list[Community]:
        statement = (
            select(Community)
            .where(Community.program_id == program_id)
            .order_by(col(Community.position), col(Community.id))
        )
        return list((await self._session.exec(statement)).all())

    async def members(self, program_id: int) -> AsyncIterator[MemberRow]:
        """Participants' memberships in the order they joined (ties broken by row id)."""
        statement = (
            select(
                Membership.person_id,
                Membership.community_id,
                Membership.joined_at,
                Membership.status,
            )
            .where(Membership.program_id == program_id)
            .order_by(col(Membership.joined_at), col(Membership.id))
        )
        async for person_id, community_id, joined_at, status in self._stream(statement):
            yield MemberRow(person_id, community_id, joined_at, str(status) == "left")

    async def runs(self, program_id: int) -> AsyncIterator[RunRow]:
        statement = (
            select_columns(
                col(Run.person_id),
                col(Run.flow_id),
                col(Run.flow_version),
                col(Run.status),
                col(Run.state),
            )
            .where(col(Run.program_id) == program_id)
            .order_by(col(Run.id))
        )
        async for person_id, flow_id, version, status, state in self._stream(statement):
            yield RunRow(person_id, flow_id, version, str(status), state)

    async def answers(self, program_id: int) -> AsyncIterator[AnswerRow]:
        """Every answer given in the program's runs, oldest first."""
        statement = (
            select_columns(
                col(Run.person_id),
                col(Run.flow_id),
                col(Run.flow_version),
                col(Answer.key),
                col(Answer.value),
                col(Answer.survey),
                col(Answer.measure),
            )
            .join(Run, col(Run.id) == col(Answer.run_id))
            .where(col(Run.program_id) == program_id)
            .order_by(col(Answer.id))
        )
        async for person_id, flow_id, version, key, value, survey, measure in self._stream(
            statement
        ):
            yield AnswerRow(person_id, flow_id, version, key, value, survey, measure)

    async def exchange_members(self, program_id: int) -> AsyncIterator[ExchangeRow]:
        statement = (
            select(
                Exchange.id,
                ExchangeMember.person_id,
                Exchange.status,
                Exchange.ended_reason,
            )
            .join(ExchangeMember, col(ExchangeMember.exchange_id) == col(Exchange.id))
            .where(Exchange.program_id == program_id)
            .order_by(col(Exchange.id))
        )
        async for exchange_id, person_id, status, reason in self._stream(statement):
            yield ExchangeRow(exchange_id, person_id, str(status), reason)

    async def commitments(self, program_id: int) -> AsyncIterator[CommitmentRow]:
        """Commitments made in the program's runs (never what was committed to: that is text)."""
        statement = (
            select(col(Commitment.person_id), col(Commitment.due))
            .join(Run, col(Run.id) == col(Commitment.run_id))
            .where(col(Run.program_id) == program_id)
        )
        async for person_id, due in self._stream(statement):
            yield CommitmentRow(person_id, due)

    async def follow_ups(self, program_id: int) -> AsyncIterator[FollowUpRow]:
        statement = select(FollowUp.person_id, FollowUp.flow_id, FollowUp.status).where(
            FollowUp.program_id == program_id
        )
        async for person_id, flow_id, status in self._stream(statement):
            yield FollowUpRow(person_id, flow_id, str(status))

    async def reported_people(self, program_id: int) -> list[int | None]:
        """The reporters of reports about the program's exchanges (one entry per report)."""
        statement = (
            select(Report.reporter_id)
            .join(Exchange, col(Exchange.id) == col(Report.exchange_id))
            .where(Exchange.program_id == program_id)
        )
        return list((await self._session.exec(statement)).all())

    async def flow_snapshots(self, versions: set[str]) -> dict[str, str]:
        """Flow definitions by version, as the runs started them."""
        if not versions:
            return {}
        statement = select(FlowSnapshot.version, FlowSnapshot.definition).where(
            col(FlowSnapshot.version).in_(sorted(versions))
        )
        return dict((await self._session.exec(statement)).all())

    async def latest_snapshots(self, flow_ids: list[str]) -> dict[str, str]:
        """The newest stored definition of each flow, by flow id (flows never run: absent)."""
        if not flow_ids:
            return {}
        statement = (
            select(FlowSnapshot.flow_id, FlowSnapshot.definition)
            .where(col(FlowSnapshot.flow_id).in_(flow_ids))
            .order_by(col(FlowSnapshot.created_at))
        )
        return dict((await self._session.exec(statement)).all())

    async def count_rows(self, program_id: int) -> int:
        """How many runs and answers an export of the program reads (for progress bars)."""
        answers = (
            select(func.count())
            .select_from(Answer)
            .join(Run, col(Run.id) == col(Answer.run_id))
            .where(col(Run.program_id) == program_id)
        )
        runs = select(func.count()).select_from(Run).where(col(Run.program_id) == program_id)
        return int((await self._session.exec(answers)).one()) + int(
            (await self._session.exec(runs)).one()
        )

    async def _stream(self, statement: Any) -> AsyncIterator[Any]:
        result = await self._session.stream(statement.execution_options(yield_per=STREAM_BATCH))
        # A batch at a time: crossing into the database driver once per row costs more than
        # everything the export does with the row.
        async for batch in result.partitions(STREAM_BATCH):
            for row in batch:
                yield tuple(row)
