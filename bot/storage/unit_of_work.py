"""The unit of work: one transaction, the repositories that share it, commit or roll back."""

from __future__ import annotations

from contextvars import ContextVar
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.database import create_engine, session_factory
from bot.storage.dialogue_repositories import ExchangeRepository, RunRepository
from bot.storage.export_repositories import ExportRepository
from bot.storage.program_repositories import (
    CommunityRepository,
    DemoRepository,
    InviteRepository,
    MembershipRepository,
    PendingInputRepository,
    RoleHolderRepository,
)
from bot.storage.repositories import (
    AuditLog,
    Outbox,
    PersonRepository,
    ProgramRepository,
    RoleRepository,
    UpdateJournal,
)

HANDLING_UPDATE: ContextVar[int | None] = ContextVar("HANDLING_UPDATE", default=None)
"""The Telegram update whose handling this task is doing (set by the update journal)."""


class UnitOfWork:
    """Everything a use case reads and writes, committed together or not at all.

    Leaving the block without `commit()` rolls back, so a failure half-way never leaves
    half a change behind.
    """

    people: PersonRepository
    programs: ProgramRepository
    roles: RoleRepository
    audit: AuditLog
    outbox: Outbox
    journal: UpdateJournal
    communities: CommunityRepository
    invites: InviteRepository
    memberships: MembershipRepository
    role_holders: RoleHolderRepository
    pending_inputs: PendingInputRepository
    demo: DemoRepository
    runs: RunRepository
    exchanges: ExchangeRepository
    exports: ExportRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        self.people = PersonRepository(self._session)
        self.programs = ProgramRepository(self._session)
        self.roles = RoleRepository(self._session)
        self.audit = AuditLog(self._session)
        self.outbox = Outbox(self._session)
        self.journal = UpdateJournal(self._session)
        self.communities = CommunityRepository(self._session)
        self.invites = InviteRepository(self._session)
        self.memberships = MembershipRepository(self._session)
        self.role_holders = RoleHolderRepository(self._session)
        self.pending_inputs = PendingInputRepository(self._session)
        self.demo = DemoRepository(self._session)
        self.runs = RunRepository(self._session)
        self.exchanges = ExchangeRepository(self._session)
        self.exports = ExportRepository(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._session is not None
        # Closing rolls back whatever was not committed and detaches loaded objects without
        # expiring them, so callers may still read what they loaded.
        await self._session.close()
        self._session = None

    @property
    def session(self) -> AsyncSession:
        """The session itself, for services that need a query no repository has (privacy)."""
        assert self._session is not None, "session outside `async with`"
        return self._session

    def add(self, row: SQLModel) -> None:
        """Keep a new row (an answer, a commitment…) in this unit of work."""
        assert self._session is not None, "add() outside `async with`"
        self._session.add(row)

    async def commit(self) -> None:
        """Make the changes permanent, and mark the update being handled as done with them.

        Settling the update in the same transaction means a crash either loses the change and
        the update is handled again at start-up, or keeps both: never half, never twice.
        """
        assert self._session is not None, "commit() outside `async with`"
        update_id = HANDLING_UPDATE.get()
        if update_id is not None:
            await self.journal.settle(update_id)
        await self._session.commit()
        if update_id is not None:
            HANDLING_UPDATE.set(None)  # settled: later commits of this update need not


class Database:
    """The process's connection to its database."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.engine: AsyncEngine = create_engine(database_url)
        self._sessions = session_factory(self.engine)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._sessions)

    async def dispose(self) -> None:
        """Close every pooled connection (on shutdown)."""
        await self.engine.dispose()
