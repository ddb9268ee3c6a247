"""The tables Palaver keeps. Every change here needs an Alembic migration.

What is stored follows "less data, less risk": a person is a Telegram id, a language and,
only after consent, a pseudonym. Names, usernames and phone numbers are never stored.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Enum, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime, utc_now

# Alembic autogenerate and the constraint names in migrations rely on stable names.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class RoleName(enum.StrEnum):
    """What someone may do within a program."""

    PARTICIPANT = "participant"
    FACILITATOR = "facilitator"
    ORGANIZER = "organizer"


class ProgramStatus(enum.StrEnum):
    """A program's life: open for joining, paused (no joins, no follow-ups), or closed."""

    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"


def _enum_column(enum_type: type[enum.StrEnum], name: str) -> Any:
    # Stored as plain strings (no native ENUM type) so adding a value is a code change,
    # not a migration that differs between SQLite and PostgreSQL.
    return Column(
        Enum(enum_type, native_enum=False, length=20, values_callable=_enum_values, name=name),
        nullable=False,
    )


def _enum_values(enum_type: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in enum_type]


class Person(SQLModel, table=True):
    """Someone who has talked to the bot."""

    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    language: str = Field(max_length=16, description="The language Palaver speaks to them.")
    language_chosen: bool = Field(
        default=False, description="True once they picked a language, not just Telegram's guess."
    )
    time_zone: str = Field(default="UTC", max_length=64)
    pseudonym: str | None = Field(default=None, max_length=64, unique=True)
    consent_version: str | None = Field(default=None, max_length=32)
    consent_given_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consent_declined_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    pending_invite: str | None = Field(
        default=None, max_length=64, description="A deep-link code kept until consent is given."
    )
    is_active: bool = Field(default=True)
    blocked_bot_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="When Telegram said they blocked the bot."
    )
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)

    def has_consented(self, current_version: str) -> bool:
        """Whether they accepted the consent text that is in force now."""
        return self.consent_given_at is not None and self.consent_version == current_version


class Program(SQLModel, table=True):
    """A dialogue program run by organizers, e.g. "Neighbours across the river, spring 2027"."""

    __tablename__ = "program"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    default_language: str = Field(default="en", max_length=16)
    status: ProgramStatus = Field(
        default=ProgramStatus.ACTIVE, sa_column=_enum_column(ProgramStatus, "program_status")
    )
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    created_by_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="SET NULL"), nullable=True),
    )


class Role(SQLModel, table=True):
    """That a person is a participant, facilitator or organizer of one program."""

    __tablename__ = "role"
    __table_args__ = (
        UniqueConstraint("person_id", "program_id", "name", name="uq_role_person_program_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    program_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("program.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    name: RoleName = Field(sa_column=_enum_column(RoleName, "role_name"))
    granted_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    granted_by_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="SET NULL"), nullable=True),
    )


class AuditEntry(SQLModel, table=True):
    """A record of something that changed who may do what, or what is kept about whom.

    Holds internal ids only: never a Telegram id, a name or a participant's words.
    """

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="SET NULL"), nullable=True),
    )
    action: str = Field(max_length=64)
    subject_type: str = Field(max_length=32)
    subject_id: int | None = Field(default=None)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
