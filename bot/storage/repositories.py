"""Repositories: the only code that writes SQL queries for the service layer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.tables import (
    AuditEntry,
    OutboxMessage,
    Person,
    Program,
    ReceivedUpdate,
    Role,
    RoleName,
)


class PersonRepository:
    """People, looked up by their Telegram id."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_telegram_id(self, telegram_id: int, *, for_update: bool = False) -> Person | None:
        statement = select(Person).where(Person.telegram_id == telegram_id)
        if for_update:
            # Serialises two updates from the same person on PostgreSQL; SQLite already
            # serialises writers.
            statement = statement.with_for_update()
        return (await self._session.exec(statement)).first()

    async def by_id(self, person_id: int) -> Person | None:
        return await self._session.get(Person, person_id)

    def add(self, person: Person) -> None:
        self._session.add(person)

    async def organizers(self, admin_telegram_ids: frozenset[int]) -> list[Person]:
        """Admins (from the settings or the database) and everyone organizing a program."""
        organizing = select(Role.person_id).where(Role.name == RoleName.ORGANIZER)
        statement = select(Person).where(
            col(Person.telegram_id).in_(admin_telegram_ids)
            | col(Person.is_admin)
            | col(Person.id).in_(organizing)
        )
        return list((await self._session.exec(statement)).all())

    async def admin_telegram_ids(self) -> list[int]:
        """Telegram ids of people marked as admins in the database."""
        statement = select(Person.telegram_id).where(col(Person.is_admin).is_(True))
        return sorted((await self._session.exec(statement)).all())

    async def pseudonym_taken(self, pseudonym: str) -> bool:
        statement = select(Person.id).where(Person.pseudonym == pseudonym)
        return (await self._session.exec(statement)).first() is not None

    async def flush(self) -> None:
        await self._session.flush()


class RoleRepository:
    """Who is participant, facilitator or organizer of which program."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of_person(self, person_id: int) -> list[Role]:
        statement = select(Role).where(Role.person_id == person_id).order_by(col(Role.id))
        return list((await self._session.exec(statement)).all())

    async def holds(self, person_id: int, role: RoleName, program_id: int | None = None) -> bool:
        statement = select(Role.id).where(Role.person_id == person_id, Role.name == role)
        if program_id is not None:
            statement = statement.where(Role.program_id == program_id)
        return (await self._session.exec(statement)).first() is not None

    async def names_in(self, person_id: int, program_id: int) -> set[RoleName]:
        statement = select(Role.name).where(
            Role.person_id == person_id, Role.program_id == program_id
        )
        return {RoleName(name) for name in (await self._session.exec(statement)).all()}

    def add(self, role: Role) -> None:
        self._session.add(role)


class ProgramRepository:
    """Dialogue programs."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, program_id: int) -> Program | None:
        return await self._session.get(Program, program_id)

    def add(self, program: Program) -> None:
        self._session.add(program)

    async def organized_by(self, person_id: int) -> list[Program]:
        """The programs in which this person holds the organizer role."""
        statement = (
            select(Program)
            .join(Role, col(Role.program_id) == col(Program.id))
            .where(Role.person_id == person_id, Role.name == RoleName.ORGANIZER)
            .order_by(col(Program.id))
        )
        return list((await self._session.exec(statement)).all())

    async def every(self) -> list[Program]:
        statement = select(Program).order_by(col(Program.id))
        return list((await self._session.exec(statement)).all())

    async def by_name(self, name: str) -> list[Program]:
        statement = select(Program).where(Program.name == name).order_by(col(Program.id))
        return list((await self._session.exec(statement)).all())

    async def flush(self) -> None:
        await self._session.flush()


class AuditLog:
    """Append-only record of changes to roles, consent and personal data."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def record(
        self,
        action: str,
        *,
        actor_id: int | None,
        subject_type: str,
        subject_id: int | None,
        **details: Any,
    ) -> None:
        self._session.add(
            AuditEntry(
                action=action,
                actor_id=actor_id,
                subject_type=subject_type,
                subject_id=subject_id,
                details=details,
            )
        )

    async def entries(self) -> list[AuditEntry]:
        statement = select(AuditEntry).order_by(col(AuditEntry.id))
        return list((await self._session.exec(statement)).all())


class Outbox:
    """Messages to other people, kept until Telegram has them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def keep(self, telegram_id: int, reply: dict[str, Any]) -> int:
        message = OutboxMessage(telegram_id=telegram_id, reply=reply)
        self._session.add(message)
        await self._session.flush()
        assert message.id is not None
        return message.id

    async def unsent(self) -> list[OutboxMessage]:
        statement = select(OutboxMessage).order_by(col(OutboxMessage.id))
        return list((await self._session.exec(statement)).all())

    async def mark_sent(self, message_id: int) -> None:
        """Telegram has it: forget it, words, recipient and all."""
        message = await self._session.get(OutboxMessage, message_id)
        if message is not None:
            await self._session.delete(message)

    async def forget_letters_to(self, telegram_id: int) -> None:
        """Someone erased from Palaver is written to no more."""
        for message in (
            await self._session.exec(
                select(OutboxMessage).where(OutboxMessage.telegram_id == telegram_id)
            )
        ).all():
            await self._session.delete(message)


class UpdateJournal:
    """Updates received but not yet handled to the end."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, update_id: int, payload: dict[str, Any]) -> None:
        if await self._session.get(ReceivedUpdate, update_id) is None:
            self._session.add(ReceivedUpdate(update_id=update_id, payload=payload))

    async def settle(self, update_id: int) -> None:
        await self._session.exec(
            delete(ReceivedUpdate).where(col(ReceivedUpdate.update_id) == update_id)
        )

    async def pending(self) -> list[ReceivedUpdate]:
        statement = select(ReceivedUpdate).order_by(col(ReceivedUpdate.update_id))
        return list((await self._session.exec(statement)).all())
