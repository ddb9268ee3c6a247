"""The unit of work: one transaction, the repositories that share it, commit or roll back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from types import TracebackType
from typing import Self, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSessionTransaction, async_sessionmaker
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.bookkeeping import Bookkeeping
from bot.storage.circle_repositories import CircleRepository
from bot.storage.common_ground_repositories import CommonGroundRepository
from bot.storage.database import (
    CONTENTION_ATTEMPTS,
    CONTENTION_PAUSE_SECONDS,
    create_engine,
    is_contention,
    session_factory,
)
from bot.storage.dialogue_repositories import ExchangeRepository, RunRepository
from bot.storage.export_repositories import ExportRepository
from bot.storage.follow_up_repositories import FollowUpRepository
from bot.storage.program_repositories import (
    CommunityRepository,
    DemoRepository,
    InviteRepository,
    MembershipRepository,
    PendingInputRepository,
    RoleHolderRepository,
)
from bot.storage.quick_writes import QuickWrites
from bot.storage.repositories import (
    AuditLog,
    Outbox,
    PersonRepository,
    ProgramRepository,
    RoleRepository,
    UpdateJournal,
)

T = TypeVar("T")
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
    follow_ups: FollowUpRepository
    circles: CircleRepository
    common_ground: CommonGroundRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        turn: WriterTurn | None = None,
        kept_snapshots: set[str] | None = None,
    ) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._turn = turn
        self._took_turn = False
        self._kept_snapshots = kept_snapshots if kept_snapshots is not None else set()

    async def __aenter__(self) -> Self:
        if self._turn is not None:
            self._took_turn = await self._turn.take()
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
        self.runs = RunRepository(self._session, self._kept_snapshots)
        self.exchanges = ExchangeRepository(self._session)
        self.exports = ExportRepository(self._session)
        self.follow_ups = FollowUpRepository(self._session)
        self.circles = CircleRepository(self._session)
        self.common_ground = CommonGroundRepository(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            # Closing rolls back whatever was not committed and detaches loaded objects
            # without expiring them, so callers may still read what they loaded.
            await self._session.close()
        finally:
            self._session = None
            if self._took_turn and self._turn is not None:
                self._turn.give_back()
                self._took_turn = False

    @property
    def session(self) -> AsyncSession:
        """The session itself, for services that need a query no repository has (privacy)."""
        assert self._session is not None, "session outside `async with`"
        return self._session

    def savepoint(self) -> AsyncSessionTransaction:
        """A part of the transaction that may fail alone: leaving `async with` on an exception
        undoes only what was done inside it (SAVEPOINT … ROLLBACK TO)."""
        assert self._session is not None, "savepoint() outside `async with`"
        return self._session.begin_nested()

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
            await self.journal.settle([update_id])
        await self._session.commit()
        if update_id is not None:
            HANDLING_UPDATE.set(None)  # settled: later commits of this update need not


class WriterTurn:
    """SQLite's one writer at a time, taken in turn within this process.

    In WAL mode a transaction that has read and then wants to write fails at once when another
    writer committed in between ("database is locked"); SQLite's busy timeout does not help
    it. Taking turns here, first come first served, means that never happens within one
    process, and waiting is an await rather than SQLite polling. A unit of work opened inside
    another by the same task (a quick read) shares its turn.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None

    async def take(self) -> bool:
        """Wait for this task's turn; False if it already has it (a nested unit of work)."""
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            return False
        await self._lock.acquire()
        self._holder = task
        return True

    def give_back(self) -> None:
        self._holder = None
        self._lock.release()


class Database:
    """The process's connection to its database."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.engine: AsyncEngine = create_engine(database_url)
        self._sessions = session_factory(self.engine)
        # PostgreSQL's row locks let transactions overlap; SQLite has one writer.
        self._turn = WriterTurn() if self.engine.dialect.name == "sqlite" else None
        self._kept_snapshots: set[str] = set()
        self._quick_write = QuickWrites(self.engine, self._turn)
        self.bookkeeping = Bookkeeping(self._quick_write)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._sessions, self._turn, self._kept_snapshots)

    async def write(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Run a short write (bookkeeping: the journal, the outbox) in a transaction of its
        own, again after a moment if the database was busy with another writer."""
        for attempt in range(1, CONTENTION_ATTEMPTS + 1):
            try:
                async with self.unit_of_work() as uow:
                    result = await work(uow)
                    await uow.commit()
                    return result
            except DBAPIError as error:
                if not is_contention(error) or attempt == CONTENTION_ATTEMPTS:
                    raise
                await asyncio.sleep(CONTENTION_PAUSE_SECONDS * attempt)
        raise AssertionError("unreachable")

    async def dispose(self) -> None:
        """Close every pooled connection (on shutdown)."""
        self._quick_write.dispose()
        await self.engine.dispose()
