"""Repositories for what surrounds a program: communities, invites, memberships, the console."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.tables import (
    Answer,
    Community,
    Exchange,
    ExchangeMember,
    ExchangeStatus,
    Invite,
    Membership,
    MembershipStatus,
    PendingInput,
    Person,
    Program,
    Role,
    RoleName,
    Run,
    RunStatus,
)
from bot.storage.types import utc_now

# The statements of the hot paths, built once (see repositories.PERSON_BY_TELEGRAM_ID).
INVITE_BY_CODE = select(Invite).where(col(Invite.code) == bindparam("code"))
# On the table, not through the ORM's bulk update (which works out what to change in the
# session: most of the statement's cost). Nothing reads an invite's count after using it.
INVITE_TABLE = Invite.metadata.tables["invite"]
USE_INVITE = (
    update(INVITE_TABLE)
    .where(
        INVITE_TABLE.c.id == bindparam("invite_id"),
        or_(INVITE_TABLE.c.max_uses.is_(None), INVITE_TABLE.c.uses < INVITE_TABLE.c.max_uses),
    )
    .values(uses=INVITE_TABLE.c.uses + 1)
)
MEMBERSHIP_OF = select(Membership).where(
    col(Membership.person_id) == bindparam("person_id"),
    col(Membership.program_id) == bindparam("program_id"),
)
PENDING_INPUT_OF = select(PendingInput).where(col(PendingInput.person_id) == bindparam("person_id"))


class CommunityRepository:
    """The communities each program brings together, in the organizer's order."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of_program(self, program_id: int) -> list[Community]:
        statement = (
            select(Community)
            .where(Community.program_id == program_id)
            .order_by(col(Community.position), col(Community.id))
        )
        return list((await self._session.exec(statement)).all())

    async def get(self, community_id: int) -> Community | None:
        return await self._session.get(Community, community_id)

    def add(self, community: Community) -> None:
        self._session.add(community)

    async def remove(self, community: Community) -> None:
        await self._session.delete(community)


class InviteRepository:
    """Invite links, found by the code in t.me/<bot>?start=<code>."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_code(self, code: str) -> Invite | None:
        return (await self._session.exec(INVITE_BY_CODE, params={"code": code})).first()

    async def get(self, invite_id: int) -> Invite | None:
        return await self._session.get(Invite, invite_id)

    async def usable_of_program(self, program_id: int, now: datetime) -> list[Invite]:
        """Links that still work: not revoked, not expired, not used up."""
        statement = (
            select(Invite)
            .where(
                Invite.program_id == program_id,
                col(Invite.revoked_at).is_(None),
                or_(col(Invite.expires_at).is_(None), col(Invite.expires_at) > now),
                or_(col(Invite.max_uses).is_(None), col(Invite.uses) < col(Invite.max_uses)),
            )
            .order_by(col(Invite.id))
        )
        return list((await self._session.exec(statement)).all())

    def add(self, invite: Invite) -> None:
        self._session.add(invite)

    async def flush(self) -> None:
        await self._session.flush()

    async def use(self, invite: Invite) -> bool:
        """Count one use, unless the link is used up; False if it was.

        A single conditional UPDATE, so two people opening a one-time link at the same moment
        cannot both get through.
        """
        result = await self._session.exec(USE_INVITE, params={"invite_id": invite.id})
        return bool(result.rowcount)


class MembershipRepository:
    """Participants' places in programs, and the counts organizers may see."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of(self, person_id: int, program_id: int) -> Membership | None:
        params = {"person_id": person_id, "program_id": program_id}
        return (await self._session.exec(MEMBERSHIP_OF, params=params)).first()

    def add(self, membership: Membership) -> None:
        self._session.add(membership)

    async def count_by_community(self, program_id: int) -> Counter[int | None]:
        """Joined members per community id (None: not said, or "prefer not to say")."""
        statement = (
            select(Membership.community_id, func.count())
            .where(
                Membership.program_id == program_id, Membership.status == MembershipStatus.JOINED
            )
            .group_by(col(Membership.community_id))
        )
        return Counter(
            {community: count for community, count in await self._session.exec(statement)}
        )

    async def count_by_status(self, program_id: int) -> Counter[MembershipStatus]:
        statement = (
            select(Membership.status, func.count())
            .where(Membership.program_id == program_id)
            .group_by(col(Membership.status))
        )
        return Counter(
            {
                MembershipStatus(status): count
                for status, count in await self._session.exec(statement)
            }
        )

    async def count_consented(self, program_id: int, consent_version: str) -> int:
        statement = (
            select(func.count())
            .select_from(Membership)
            .join(Person, col(Person.id) == col(Membership.person_id))
            .where(
                Membership.program_id == program_id,
                Membership.status == MembershipStatus.JOINED,
                Person.consent_version == consent_version,
                col(Person.consent_given_at).is_not(None),
            )
        )
        return (await self._session.exec(statement)).one()

    async def count_in_exchange(self, program_id: int) -> int:
        """Members who are in an exchange under way now."""
        statement = (
            select(func.count(func.distinct(ExchangeMember.person_id)))
            .select_from(ExchangeMember)
            .join(Exchange, col(Exchange.id) == col(ExchangeMember.exchange_id))
            .where(Exchange.program_id == program_id, Exchange.status == ExchangeStatus.ACTIVE)
        )
        return (await self._session.exec(statement)).one()

    async def count_finished(self, program_id: int) -> int:
        """Members who finished at least one flow in the program."""
        statement = select(func.count(func.distinct(Run.person_id))).where(
            Run.program_id == program_id, Run.status == RunStatus.FINISHED
        )
        return (await self._session.exec(statement)).one()

    async def in_community(self, community_id: int) -> int:
        statement = (
            select(func.count())
            .select_from(Membership)
            .where(Membership.community_id == community_id)
        )
        return (await self._session.exec(statement)).one()


class RoleHolderRepository:
    """Role holders of a program, for organizers deciding whose role to revoke."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def holders(
        self, program_id: int, names: tuple[RoleName, ...]
    ) -> list[tuple[Role, Person]]:
        statement = (
            select(Role, Person)
            .join(Person, col(Person.id) == col(Role.person_id))
            .where(Role.program_id == program_id, col(Role.name).in_(names))
            .order_by(col(Role.id))
        )
        return [(role, person) for role, person in await self._session.exec(statement)]

    async def get(self, role_id: int) -> Role | None:
        return await self._session.get(Role, role_id)

    async def count(self, program_id: int, name: RoleName) -> int:
        statement = (
            select(func.count())
            .select_from(Role)
            .where(Role.program_id == program_id, Role.name == name)
        )
        return (await self._session.exec(statement)).one()

    async def remove(self, role: Role) -> None:
        await self._session.delete(role)


class PendingInputRepository:
    """What each organizer is asked to type or pick next in the console."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of(self, person_id: int) -> PendingInput | None:
        found = await self._session.exec(PENDING_INPUT_OF, params={"person_id": person_id})
        return found.first()

    async def waiting_since(self, person_id: int, since: datetime) -> bool:
        """Whether a question asked at or after `since` still waits for this person."""
        pending = await self.of(person_id)
        return pending is not None and pending.asked_at >= since

    async def put(
        self, person_id: int, setting: str, draft: dict[str, Any], program_id: int | None
    ) -> PendingInput:
        """Ask this person for `setting` next, replacing whatever they were asked before."""
        pending = await self.of(person_id)
        if pending is None:
            pending = PendingInput(person_id=person_id, setting=setting)
            self._session.add(pending)
        pending.setting = setting
        pending.program_id = program_id
        # A new dict, so the JSON column is seen as changed.
        pending.draft = dict(draft)
        pending.asked_at = utc_now()
        return pending

    async def clear(self, person_id: int) -> None:
        pending = await self.of(person_id)
        if pending is not None:
            await self._session.delete(pending)


class DemoRepository:
    """The rows `palaver demo-data` made, all marked is_demo."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_answers(self, answers: list[dict[str, Any]]) -> None:
        """Many simulated answers (columns of Answer by name) in one statement."""
        if answers:
            connection = await self._session.connection()
            await connection.execute(insert(Answer), answers)

    async def pseudonyms_in_use(self) -> set[str]:
        """Every pseudonym anyone has, so simulated people get others without asking each time."""
        statement = select(Person.pseudonym).where(col(Person.pseudonym).is_not(None))
        return {pseudonym for pseudonym in await self._session.exec(statement) if pseudonym}

    async def remove_all(self) -> None:
        # People first: their roles, memberships, runs, answers and exchange places go with
        # them (ON DELETE CASCADE); then the programs with their communities and exchanges.
        await self._session.exec(delete(Person).where(col(Person.is_demo).is_(True)))
        await self._session.exec(delete(Program).where(col(Program.is_demo).is_(True)))
