"""Repositories for dialogue runs and exchanges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, delete, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.program_repositories import MEMBERSHIP_OF
from bot.storage.tables import (
    ConversationKind,
    Exchange,
    ExchangeMember,
    ExchangeStatus,
    FlowSnapshot,
    Membership,
    Person,
    Program,
    RelayedMessage,
    Report,
    Role,
    RoleName,
    Run,
    RunStatus,
)
from bot.storage.types import UTCDateTime, utc_now

OPEN_RUN_STATUSES = (RunStatus.NEW, RunStatus.ACTIVE, RunStatus.WAITING_PARTNER)

# The statements of the hot paths, built once (see repositories.PERSON_BY_TELEGRAM_ID).
OPEN_RUNS_OF = (
    select(Run)
    .where(col(Run.person_id) == bindparam("person_id"), col(Run.status).in_(OPEN_RUN_STATUSES))
    .order_by(col(Run.updated_at).desc(), col(Run.id).desc())
)
LOCK_EXCHANGE_RUNS = (
    select(Run)
    .where(col(Run.exchange_id) == bindparam("exchange_id"))
    .order_by(col(Run.id))
    .with_for_update()
    .execution_options(populate_existing=True)
)
LOCK_RUN = (
    select(Run)
    .where(col(Run.id) == bindparam("run_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)
# Updates on the tables themselves, not through the ORM's bulk machinery (a third of the
# CPU); the repository tells the session what they changed.
RUN_TABLE = Run.metadata.tables["run"]
SAVE_RUN = (
    update(RUN_TABLE)
    .where(RUN_TABLE.c.id == bindparam("run_id"), RUN_TABLE.c.revision == bindparam("b_revision"))
    .values(
        state=bindparam("new_state"),
        status=bindparam("new_status"),
        revision=RUN_TABLE.c.revision + 1,
        updated_at=bindparam("now"),
    )
)
MEMBER_TABLE = ExchangeMember.metadata.tables["exchange_member"]
TOUCH_MEMBER = (
    update(MEMBER_TABLE)
    .where(
        MEMBER_TABLE.c.exchange_id == bindparam("b_exchange_id"),
        MEMBER_TABLE.c.person_id == bindparam("b_person_id"),
    )
    .values(last_active_at=bindparam("now"), nudged_at=None)
)
CURRENT_PAIR_OF = (
    select(Exchange)
    .join(ExchangeMember, col(ExchangeMember.exchange_id) == col(Exchange.id))
    .where(
        col(ExchangeMember.person_id) == bindparam("person_id"),
        col(Exchange.kind) == ConversationKind.PAIR,
        col(Exchange.status).in_((ExchangeStatus.WAITING, ExchangeStatus.ACTIVE)),
    )
    .order_by(col(Exchange.id).desc())
)
_FILLS = col(Exchange.member_count) + 1 >= col(Exchange.capacity)
TAKE_SEAT = (
    update(Exchange)
    .where(
        col(Exchange.id) == bindparam("exchange_id"),
        col(Exchange.status) == ExchangeStatus.WAITING,
        col(Exchange.member_count) < col(Exchange.capacity),
    )
    .values(
        member_count=col(Exchange.member_count) + 1,
        status=case((_FILLS, ExchangeStatus.ACTIVE.value), else_=col(Exchange.status)),
        started_at=case(
            (_FILLS, bindparam("now", type_=UTCDateTime())), else_=col(Exchange.started_at)
        ),
    )
    .returning(col(Exchange.member_count), col(Exchange.status), col(Exchange.started_at))
    .execution_options(synchronize_session=False)
)
WAITING_IN = (
    select(Exchange, Person, Membership)
    .join(ExchangeMember, col(ExchangeMember.exchange_id) == col(Exchange.id))
    .join(Person, col(Person.id) == col(ExchangeMember.person_id))
    .outerjoin(
        Membership,
        (col(Membership.person_id) == col(Person.id))
        & (col(Membership.program_id) == bindparam("program_id")),
    )
    .where(
        col(Exchange.program_id) == bindparam("program_id"),
        col(Exchange.status) == ExchangeStatus.WAITING,
        col(Exchange.kind) == ConversationKind.PAIR,
    )
    .order_by(col(Exchange.started_at))
)
PAST_PARTNERS = select(ExchangeMember.person_id).where(
    col(ExchangeMember.exchange_id).in_(
        select(ExchangeMember.exchange_id).where(
            col(ExchangeMember.person_id) == bindparam("person_id")
        )
    ),
    col(ExchangeMember.person_id) != bindparam("person_id"),
)
MEMBERSHIPS_OF = (
    select(Membership)
    .where(col(Membership.person_id) == bindparam("person_id"))
    .order_by(col(Membership.joined_at).desc())
)
PROGRAM_TABLE = Program.metadata.tables["program"]
TAKE_MATCHING_TURN = (
    update(PROGRAM_TABLE)
    .where(PROGRAM_TABLE.c.id == bindparam("b_program_id"))
    .values(status=PROGRAM_TABLE.c.status)
)


class RunChanged(Exception):
    """Someone else changed the run since it was read; the use case should be retried."""


class RunRepository:
    """People's runs through flows, and the flow versions they started with."""

    def __init__(self, session: AsyncSession, kept_snapshots: set[str]) -> None:
        self._session = session
        self._locked: dict[int, list[Run]] = {}
        """The runs of each exchange locked in this transaction: nobody else changes them."""
        self._kept_snapshots = kept_snapshots
        """Flow versions seen in the database: snapshots are never deleted, so the process's
        units of work share what they have seen and need not look again."""

    async def get(self, run_id: int) -> Run | None:
        return await self._session.get(Run, run_id)

    async def lock(self, run: Run) -> Run:
        """Lock a run, and all runs of its exchange, fresh from the database.

        Runs of one exchange are locked together and in id order, so two partners acting
        at the same moment take turns instead of deadlocking or overwriting each other.
        (SQLite has no row locks; there the database lock and RunChanged do the same.)
        """
        if run.exchange_id is not None:
            found = await self._session.exec(
                LOCK_EXCHANGE_RUNS, params={"exchange_id": run.exchange_id}
            )
        else:
            found = await self._session.exec(LOCK_RUN, params={"run_id": run.id})
        runs = list(found.all())
        if run.exchange_id is not None:
            self._locked[run.exchange_id] = runs
        return next(other for other in runs if other.id == run.id)

    async def open_runs_of(self, person_id: int) -> list[Run]:
        """Runs not yet over, most recently active first."""
        found = await self._session.exec(OPEN_RUNS_OF, params={"person_id": person_id})
        return list(found.all())

    async def of_exchange(self, exchange_id: int) -> list[Run]:
        if exchange_id in self._locked:
            return list(self._locked[exchange_id])
        statement = select(Run).where(Run.exchange_id == exchange_id).order_by(col(Run.id))
        return list((await self._session.exec(statement)).all())

    async def add(self, run: Run) -> Run:
        if run.exchange_id is not None:
            self._locked.pop(run.exchange_id, None)  # one more run than was locked
        self._session.add(run)
        await self._session.flush()
        return run

    async def add_first_of_exchange(self, exchange_id: int, runs: list[Run]) -> list[Run]:
        """The runs of a conversation starting in this transaction: all of its runs, which
        nobody else has seen yet, so they count as locked (and are written together)."""
        self._session.add_all(runs)
        await self._session.flush()
        self._locked[exchange_id] = list(runs)
        return runs

    async def save(self, run: Run, *, state: str, status: RunStatus) -> None:
        """Store a run's new state, unless someone else changed it first (RunChanged)."""
        assert run.id is not None
        result = await self._session.exec(
            SAVE_RUN,
            params={
                "run_id": run.id,
                "b_revision": run.revision,
                "new_state": state,
                "new_status": status,
                "now": utc_now(),
            },
        )
        if result.rowcount != 1:
            raise RunChanged()
        # What the row now holds, without the session taking it for a change to write again.
        set_committed_value(run, "state", state)
        set_committed_value(run, "status", status)
        set_committed_value(run, "revision", run.revision + 1)

    async def snapshot(self, version: str) -> FlowSnapshot | None:
        return await self._session.get(FlowSnapshot, version)

    async def keep_snapshot(self, version: str, flow_id: str, definition: str) -> None:
        if version in self._kept_snapshots:
            return
        if await self.snapshot(version) is not None:
            self._kept_snapshots.add(version)  # committed by someone: there for good
            return
        # Not remembered as kept: this transaction may still roll back.
        self._session.add(FlowSnapshot(version=version, flow_id=flow_id, definition=definition))
        await self._session.flush()


@dataclass(frozen=True)
class Waiting:
    """Someone waiting for a partner: their exchange, themselves, their membership."""

    exchange: Exchange
    person: Person
    membership: Membership | None


class ExchangeRepository:
    """Exchanges, their members, and who has already met whom."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, exchange_id: int) -> Exchange | None:
        return await self._session.get(Exchange, exchange_id)

    async def add(self, exchange: Exchange, member_ids: list[int]) -> Exchange:
        exchange.member_count = len(member_ids)
        self._session.add(exchange)
        await self._session.flush()
        assert exchange.id is not None
        for person_id in member_ids:
            self._session.add(ExchangeMember(exchange_id=exchange.id, person_id=person_id))
        await self._session.flush()
        return exchange

    async def lock_matching(self, program_id: int) -> None:
        """Take the program's matching turn until this transaction ends.

        Matching reads who is waiting and then pairs: two seekers doing that at once would
        both see the same person waiting, or each start waiting unseen by the other. A no-op
        write to the program row makes them take turns: a row lock on PostgreSQL (other
        programs match in parallel), the database's write lock on SQLite.
        """
        await self._session.exec(TAKE_MATCHING_TURN, params={"b_program_id": program_id})

    async def take_seat(self, exchange: Exchange, person_id: int, now: datetime) -> bool:
        """Add a member if the conversation is still waiting and has room; False otherwise.
        The member who fills it starts it (`now`).

        One conditional update decides, so two people can never take the last seat; the
        database's CHECK (member_count <= capacity) stands behind it.
        """
        assert exchange.id is not None
        params = {"exchange_id": exchange.id, "now": now}
        taken = (await self._session.exec(TAKE_SEAT, params=params)).first()
        if taken is None:
            return False
        # What the update made of the row, without reading it again.
        for name, value in zip(("member_count", "status", "started_at"), taken, strict=True):
            set_committed_value(exchange, name, value)
        self._session.add(ExchangeMember(exchange_id=exchange.id, person_id=person_id))
        await self._session.flush()
        return True

    async def mark_left(self, exchange_id: int, person_id: int, now: datetime) -> None:
        """The member is gone from the conversation (left, removed, erased, blocked)."""
        await self._session.exec(
            update(ExchangeMember)
            .where(
                col(ExchangeMember.exchange_id) == exchange_id,
                col(ExchangeMember.person_id) == person_id,
            )
            .values(left_at=now)
        )

    async def current_of(self, person_id: int) -> Exchange | None:
        """The person's exchange that is waiting for a partner or under way."""
        found = await self._session.exec(CURRENT_PAIR_OF, params={"person_id": person_id})
        return found.first()

    async def touch(self, exchange_id: int, person_id: int, now: datetime) -> None:
        """Note that a member did something, so they are not taken for silent."""
        await self._session.exec(
            TOUCH_MEMBER,
            params={"b_exchange_id": exchange_id, "b_person_id": person_id, "now": now},
        )

    async def members(self, exchange_id: int) -> list[ExchangeMember]:
        statement = select(ExchangeMember).where(ExchangeMember.exchange_id == exchange_id)
        return list((await self._session.exec(statement)).all())

    async def people_in(self, exchange_id: int) -> list[Person]:
        statement = (
            select(Person)
            .join(ExchangeMember, col(ExchangeMember.person_id) == col(Person.id))
            .where(ExchangeMember.exchange_id == exchange_id)
            .order_by(col(Person.id))
        )
        return list((await self._session.exec(statement)).all())

    async def waiting_in(self, program_id: int) -> list[Waiting]:
        """Exchanges of a program in which one person waits for a partner, with who waits
        and their membership of the program (one query, however many wait)."""
        waiting = await self._session.exec(WAITING_IN, params={"program_id": program_id})
        return [Waiting(*row) for row in waiting]

    async def exchange_ids_of(self, person_id: int) -> list[int]:
        statement = select(ExchangeMember.exchange_id).where(ExchangeMember.person_id == person_id)
        return list((await self._session.exec(statement)).all())

    async def past_partners(self, person_id: int) -> set[int]:
        """Everyone who was ever in an exchange with this person."""
        return set(await self._session.exec(PAST_PARTNERS, params={"person_id": person_id}))

    async def active(self) -> list[Exchange]:
        statement = select(Exchange).where(
            Exchange.status == ExchangeStatus.ACTIVE, col(Exchange.kind) == ConversationKind.PAIR
        )
        return list((await self._session.exec(statement)).all())

    async def last_relayed(self, exchange_id: int, limit: int) -> list[RelayedMessage]:
        """The exchange's last `limit` relayed messages, oldest first."""
        statement = (
            select(RelayedMessage)
            .where(col(RelayedMessage.exchange_id) == exchange_id)
            .order_by(col(RelayedMessage.created_at).desc(), col(RelayedMessage.id).desc())
            .limit(limit)
        )
        return list(reversed((await self._session.exec(statement)).all()))

    async def report(self, report_id: int, *, lock: bool = False) -> Report | None:
        statement = select(Report).where(col(Report.id) == report_id)
        if lock:
            statement = statement.with_for_update()
        return (await self._session.exec(statement)).first()

    async def remove_participant(self, person_id: int, program_id: int) -> None:
        """Take the participant role away (the membership is marked left by the caller)."""
        await self._session.exec(
            delete(Role).where(
                col(Role.person_id) == person_id,
                col(Role.program_id) == program_id,
                col(Role.name) == RoleName.PARTICIPANT,
            )
        )

    async def membership(self, person_id: int, program_id: int) -> Membership | None:
        params = {"person_id": person_id, "program_id": program_id}
        return (await self._session.exec(MEMBERSHIP_OF, params=params)).first()

    async def memberships_of(self, person_id: int) -> list[Membership]:
        found = await self._session.exec(MEMBERSHIPS_OF, params={"person_id": person_id})
        return list(found.all())

    async def facilitators_of(self, program_id: int) -> list[Person]:
        statement = (
            select(Person)
            .join(Role, col(Role.person_id) == col(Person.id))
            .where(
                Role.program_id == program_id,
                col(Role.name).in_((RoleName.FACILITATOR, RoleName.ORGANIZER)),
            )
            .distinct()
        )
        return list((await self._session.exec(statement)).all())
