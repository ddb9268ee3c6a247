"""The tables Palaver keeps. Every change here needs an Alembic migration.

What is stored follows "less data, less risk": a person is a Telegram id, a language and,
only after consent, a pseudonym. Names, usernames and phone numbers are never stored.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime, utc_now


def no_items() -> list[str]:
    """An empty list, as a default factory. Not `list` itself: pydantic inspects a factory's
    signature every time a row object is made, and gives up on a builtin's only after 57 µs:
    making a membership took 115 µs with `list`, 46 µs with this."""
    return []


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


def _reference(
    table: str,
    *,
    on_delete: str,
    nullable: bool = False,
    index: bool = False,
    primary_key: bool = False,
) -> Any:
    """A foreign key to `table`.id; `on_delete` says what happens to this row then."""
    return Column(
        Integer,
        ForeignKey(f"{table}.id", ondelete=on_delete),
        nullable=nullable,
        index=index,
        primary_key=primary_key,
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
    is_admin: bool = Field(
        default=False,
        description="May create programs, like PALAVER_ADMINS (set with `palaver admins add`).",
    )
    is_demo: bool = Field(default=False, description="A simulated person of `palaver demo-data`.")
    blocked_bot_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="When Telegram said they blocked the bot."
    )
    time_zone_chosen: bool = Field(
        default=False, description="True once they told us their zone; until then, the program's."
    )
    time_zone_asked_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="When we asked for it (asked once)."
    )
    follow_ups_paused_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="Set by /stop: nothing is sent until /start."
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
    languages: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    flows: list[str] = Field(
        default_factory=no_items,
        sa_column=Column(JSON, nullable=False),
        description="Ids of the flows the program offers, e.g. story-exchange.",
    )
    same_language_pairs: bool = Field(
        default=True, description="Pair only people who share a language."
    )
    quiet_hours_start: int | None = Field(default=None, description="Hour 0-23, local time.")
    quiet_hours_end: int | None = Field(default=None)
    time_zone: str = Field(default="UTC", max_length=64)
    min_group_size: int = Field(default=5, description="Smaller groups are hidden in exports.")
    retention_days: int = Field(default=30, description="Relayed text is deleted after this.")
    partner_silence_hours: int = Field(
        default=48, description="After this, a silent partner's partner may get a new one."
    )
    consent_version: str | None = Field(default=None, max_length=32)
    is_demo: bool = Field(default=False)
    status: ProgramStatus = Field(
        default=ProgramStatus.ACTIVE, sa_column=_enum_column(ProgramStatus, "program_status")
    )
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    created_by_id: int | None = Field(
        default=None,
        sa_column=_reference("person", on_delete="SET NULL", nullable=True),
    )


class Role(SQLModel, table=True):
    """That a person is a participant, facilitator or organizer of one program."""

    __tablename__ = "role"
    __table_args__ = (
        UniqueConstraint("person_id", "program_id", "name", name="uq_role_person_program_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=_reference("person", on_delete="CASCADE", index=True))
    program_id: int = Field(sa_column=_reference("program", on_delete="CASCADE", index=True))
    name: RoleName = Field(sa_column=_enum_column(RoleName, "role_name"))
    granted_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    granted_by_id: int | None = Field(
        default=None,
        sa_column=_reference("person", on_delete="SET NULL", nullable=True),
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
        sa_column=_reference("person", on_delete="SET NULL", nullable=True),
    )
    action: str = Field(max_length=64)
    subject_type: str = Field(max_length=32)
    subject_id: int | None = Field(default=None)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# --- programs: communities, invites, memberships ------------------------------------------


class InviteKind(enum.StrEnum):
    """What opening an invite link makes of someone."""

    PARTICIPANT = "participant"
    FACILITATOR = "facilitator"
    ORGANIZER = "organizer"


class MembershipStatus(enum.StrEnum):
    """Where a participant is in a program (organizers see only counts of these)."""

    JOINED = "joined"
    LEFT = "left"


class Community(SQLModel, table=True):
    """One of the communities a program brings together, e.g. "east bank"."""

    __tablename__ = "community"
    __table_args__ = (UniqueConstraint("program_id", "name", name="uq_community_program_name"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(sa_column=_reference("program", on_delete="CASCADE", index=True))
    name: str = Field(max_length=100)
    position: int = Field(default=0)


class Invite(SQLModel, table=True):
    """An invite link's code: t.me/<bot>?start=<code>."""

    __tablename__ = "invite"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    program_id: int = Field(sa_column=_reference("program", on_delete="CASCADE", index=True))
    kind: InviteKind = Field(sa_column=_enum_column(InviteKind, "invite_kind"))
    community_id: int | None = Field(
        default=None,
        sa_column=_reference("community", on_delete="CASCADE", nullable=True),
    )
    max_uses: int | None = Field(default=None, description="None: unlimited; 1: one-time.")
    uses: int = Field(default=0)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    created_by_id: int | None = Field(
        default=None,
        sa_column=_reference("person", on_delete="SET NULL", nullable=True),
    )
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Membership(SQLModel, table=True):
    """A participant's place in a program: their community and the languages they read."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("person_id", "program_id", name="uq_membership_person_program"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=_reference("person", on_delete="CASCADE", index=True))
    program_id: int = Field(sa_column=_reference("program", on_delete="CASCADE", index=True))
    community_id: int | None = Field(
        default=None,
        sa_column=_reference("community", on_delete="SET NULL", nullable=True),
        description="None: not chosen yet, or 'prefer not to say' when community_chosen.",
    )
    community_chosen: bool = Field(default=False)
    languages: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    languages_chosen: bool = Field(default=False)
    status: MembershipStatus = Field(
        default=MembershipStatus.JOINED,
        sa_column=_enum_column(MembershipStatus, "membership_status"),
    )
    joined_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PendingInput(SQLModel, table=True):
    """What an organizer is asked to type or pick next in the program console.

    Kept in the database so a half-finished "New program" survives a restart; `draft` holds
    the settings answered so far (or the one being edited when `program_id` is set).
    """

    __tablename__ = "pending_input"

    person_id: int = Field(sa_column=_reference("person", on_delete="CASCADE", primary_key=True))
    program_id: int | None = Field(
        default=None,
        sa_column=_reference("program", on_delete="CASCADE", nullable=True),
    )
    setting: str = Field(max_length=32, description="The setting being asked, or 'confirm'.")
    draft: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    asked_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


# --- dialogue runs ------------------------------------------------------------------------


class RunStatus(enum.StrEnum):
    """Mirrors the engine's run status so runs can be found without parsing their state."""

    NEW = "new"
    ACTIVE = "active"
    WAITING_PARTNER = "waiting_partner"
    FINISHED = "finished"
    LEFT = "left"


class FlowSnapshot(SQLModel, table=True):
    """A flow exactly as a run started it, so editing the YAML never breaks runs under way."""

    __tablename__ = "flow_snapshot"

    version: str = Field(primary_key=True, max_length=64)
    flow_id: str = Field(max_length=64, index=True)
    definition: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class Run(SQLModel, table=True):
    """One person's way through one flow; `state` is the engine's RunState as JSON."""

    __tablename__ = "run"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=_reference("person", on_delete="CASCADE", index=True))
    program_id: int | None = Field(
        default=None,
        sa_column=_reference("program", on_delete="SET NULL", nullable=True),
    )
    exchange_id: int | None = Field(
        default=None,
        sa_column=_reference("exchange", on_delete="SET NULL", nullable=True, index=True),
    )
    flow_id: str = Field(max_length=64)
    flow_version: str = Field(
        sa_column=Column(String(64), ForeignKey("flow_snapshot.version"), nullable=False)
    )
    status: RunStatus = Field(sa_column=_enum_column(RunStatus, "run_status"))
    state: str = Field(sa_column=Column(Text, nullable=False))
    revision: int = Field(default=0, description="Bumped on every change (optimistic locking).")
    started_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class Answer(SQLModel, table=True):
    """An answer given in a run, kept apart from the run's state so exports can use it."""

    __tablename__ = "answer"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(sa_column=_reference("run", on_delete="CASCADE", index=True))
    key: str = Field(max_length=64)
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    survey: str | None = Field(default=None, max_length=8, description="pre, post or later.")
    measure: str | None = Field(default=None, max_length=32)
    answered_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class CommitmentStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class Commitment(SQLModel, table=True):
    """Something a person committed to do (Track VI), and by when."""

    __tablename__ = "commitment"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=_reference("person", on_delete="CASCADE", index=True))
    run_id: int | None = Field(
        default=None,
        sa_column=_reference("run", on_delete="SET NULL", nullable=True),
    )
    what: str = Field(sa_column=Column(Text, nullable=False))
    owner: str | None = Field(default=None, max_length=16, description="me or group.")
    due: date | None = Field(default=None)
    status: CommitmentStatus = Field(
        default=CommitmentStatus.OPEN,
        sa_column=_enum_column(CommitmentStatus, "commitment_status"),
    )
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class FollowUpKind(enum.StrEnum):
    """What a follow-up is for; each kind has its own grace period after downtime."""

    FLOW = "flow"
    """Start a flow later, e.g. the survey a month after an exchange (a flow's schedule step)."""
    COMMITMENT_CHECKIN = "commitment_checkin"
    """On a commitment's due date: done, not yet, or drop it."""
    EXCHANGE_NUDGE = "exchange_nudge"
    """A partner has been waiting: a gentle word to the silent one, or a new partner offered."""
    CIRCLE_REMINDER = "circle_reminder"
    """A day and an hour before a circle starts."""
    ANNOUNCEMENT = "announcement"
    """Words a facilitator or organizer scheduled for a program's people."""


class FollowUpStatus(enum.StrEnum):
    PENDING = "pending"
    """Owed, at `not_before` at the earliest."""
    QUEUED = "queued"
    """Started: its messages are in the outbox."""
    DONE = "done"
    """Telegram has its first message (`sent_at`)."""
    CANCELLED = "cancelled"
    """No longer owed: cancelled by someone, no longer relevant, or the person left."""
    EXPIRED = "expired"
    """Found overdue past its kind's grace period (Palaver was down): not sent late."""
    FAILED = "failed"
    """Telegram would not take it after every retry (`last_error`)."""


class FollowUp(SQLModel, table=True):
    """Something owed to a person later; the database is the only record of it.

    A dispatcher claims due rows with a lease (`claimed_by` until `claimed_until`), so two
    processes never start the same one and a dead process's claims expire; starting one
    writes its messages into the outbox (which records the row's fate when they leave) in
    the same transaction as its new status.
    """

    __tablename__ = "follow_up"
    __table_args__ = (UniqueConstraint("dedupe_key"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=_reference("person", on_delete="CASCADE", index=True))
    program_id: int | None = Field(
        default=None,
        sa_column=_reference("program", on_delete="CASCADE", nullable=True),
    )
    kind: FollowUpKind = Field(
        default=FollowUpKind.FLOW, sa_column=_enum_column(FollowUpKind, "follow_up_kind")
    )
    flow_id: str | None = Field(default=None, max_length=64)
    commitment_id: int | None = Field(
        default=None,
        sa_column=_reference("commitment", on_delete="CASCADE", nullable=True),
    )
    exchange_id: int | None = Field(
        default=None,
        sa_column=_reference("exchange", on_delete="CASCADE", nullable=True),
    )
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """Kind-specific details (an announcement's words and language, a nudge's purpose)."""
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    """When it is owed; lateness and expiry are measured from here."""
    not_before: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    """When it may next be started (moved past quiet hours, or while held)."""
    status: FollowUpStatus = Field(
        default=FollowUpStatus.PENDING, sa_column=_enum_column(FollowUpStatus, "follow_up_status")
    )
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=200)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dedupe_key: str | None = Field(default=None, max_length=120)
    """Makes "owed once" a database rule for follow-ups found by scanning (nudges)."""
    created_by_id: int | None = Field(
        default=None,
        sa_column=_reference("person", on_delete="SET NULL", nullable=True),
    )
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


# --- exchanges (Track III pairs) ----------------------------------------------------------


class ExchangeStatus(enum.StrEnum):
    WAITING = "waiting"  # one person is looking for a partner
    ACTIVE = "active"
    ENDED = "ended"


class ConversationKind(enum.StrEnum):
    """How many people a conversation holds and where it happens."""

    PAIR = "pair"
    """Two people of different communities, through the bot (Track III)."""
    RELAYED_CIRCLE = "relayed_circle"
    """A small group, each member in their private chat, relayed by the bot."""
    GROUP_CIRCLE = "group_circle"
    """A small group in a Telegram group the bot runs."""


class Exchange(SQLModel, table=True):
    """A conversation through the bot: a pair today, a circle next.

    `member_count` is kept by the same conditional update that admits a member, and the
    database refuses a count over `capacity`, so two people arriving at once can never
    both take the last seat.
    """

    __tablename__ = "exchange"
    __table_args__ = (
        CheckConstraint("member_count <= capacity", name="member_count_within_capacity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(sa_column=_reference("program", on_delete="CASCADE", index=True))
    flow_id: str = Field(max_length=64)
    kind: ConversationKind = Field(
        default=ConversationKind.PAIR,
        sa_column=_enum_column(ConversationKind, "conversation_kind"),
    )
    capacity: int = 2
    member_count: int = 0
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    """The Telegram group of a group circle."""
    status: ExchangeStatus = Field(
        default=ExchangeStatus.ACTIVE, sa_column=_enum_column(ExchangeStatus, "exchange_status")
    )
    started_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_reason: str | None = Field(default=None, max_length=32)


class MemberRole(enum.StrEnum):
    """What a member does in a conversation."""

    MEMBER = "member"
    FACILITATOR = "facilitator"


class Admission(enum.StrEnum):
    """Whether a person asking for a seat in a circle has it."""

    REQUESTED = "requested"
    ADMITTED = "admitted"
    DECLINED = "declined"


class ExchangeMember(SQLModel, table=True):
    """A person in an exchange. The pair (and every past pair) is never matched again."""

    __tablename__ = "exchange_member"
    __table_args__ = (
        UniqueConstraint("exchange_id", "person_id", name="uq_exchange_member_exchange_person"),
    )

    id: int | None = Field(default=None, primary_key=True)
    exchange_id: int = Field(sa_column=_reference("exchange", on_delete="CASCADE", index=True))
    person_id: int = Field(sa_column=_reference("person", on_delete="CASCADE", index=True))
    role: MemberRole = Field(
        default=MemberRole.MEMBER, sa_column=_enum_column(MemberRole, "member_role")
    )
    last_active_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    nudged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    admission: Admission = Field(
        default=Admission.ADMITTED, sa_column=_enum_column(Admission, "admission")
    )
    """Circles: a facilitator admits or declines whoever asks for a seat (pairs: admitted)."""
    agreed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the member accepted the circle's agreements; nobody speaks before."""
    muted_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RelayedMessage(SQLModel, table=True):
    """Words one partner sent to another. Text is deleted after the retention period."""

    __tablename__ = "relayed_message"

    id: int | None = Field(default=None, primary_key=True)
    exchange_id: int = Field(sa_column=_reference("exchange", on_delete="CASCADE", index=True))
    sender_id: int | None = Field(
        default=None,
        sa_column=_reference("person", on_delete="SET NULL", nullable=True),
    )
    recipient_id: int | None = Field(
        default=None,
        sa_column=_reference("person", on_delete="SET NULL", nullable=True),
    )
    key: str | None = Field(default=None, max_length=64)
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, index=True)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- circles (Track III and VI small groups) ----------------------------------------------


class CircleState(enum.StrEnum):
    FORMING = "forming"
    """People are asking for seats and accepting the agreements; no round yet."""
    RUNNING = "running"
    PAUSED = "paused"
    """A facilitator paused it, or a member called a time out: nobody's words are taken."""
    ENDED = "ended"


class Circle(SQLModel, table=True):
    """What a circle adds to its conversation (`exchange`, same id): the agenda's state.

    Rounds are the circle flow's shared questions, numbered from 1; `round_number` 0 means
    the circle has not begun. A round is open while it takes words; closing it is one
    conditional update, so the round is shown to everyone exactly once however many members
    answer at the same moment.
    """

    __tablename__ = "circle"

    exchange_id: int | None = Field(
        default=None, sa_column=_reference("exchange", on_delete="CASCADE", primary_key=True)
    )
    state: CircleState = Field(
        default=CircleState.FORMING, sa_column=_enum_column(CircleState, "circle_state")
    )
    invite_code: str = Field(max_length=64, unique=True)
    link_code: str | None = Field(default=None, max_length=64, unique=True)
    """A group circle's one-time code for linking its Telegram group (startgroup)."""
    starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    round_number: int = 0
    round_open: bool = False
    round_deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When a timed round's time is up (None: untimed, or paused)."""
    paused_seconds_left: int | None = None
    """A timed round paused with this much time left."""
    time_warned: bool = False
    time_up_asked: bool = False
    speaker_id: int | None = Field(
        default=None, sa_column=_reference("person", on_delete="SET NULL", nullable=True)
    )
    """Who holds the talking piece in a talking-piece round."""
    created_by_id: int | None = Field(
        default=None, sa_column=_reference("person", on_delete="SET NULL", nullable=True)
    )
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class Contribution(SQLModel, table=True):
    """What a member said in a round of a circle (or that they passed).

    In a relayed circle the words are kept until the round is shown and then for the
    retention period, like relayed messages; in a group circle only the Telegram message id
    is kept (the group holds the words).
    """

    __tablename__ = "contribution"

    id: int | None = Field(default=None, primary_key=True)
    exchange_id: int = Field(sa_column=_reference("exchange", on_delete="CASCADE", index=True))
    round_number: int
    author_id: int | None = Field(
        default=None,
        sa_column=_reference("person", on_delete="SET NULL", nullable=True, index=True),
    )
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    language: str | None = Field(default=None, max_length=16)
    passed: bool = False
    group_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the circle was shown it (a round's end, or the talking piece reaching the author)."""
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RelayedCopy(SQLModel, table=True):
    """Where a relayed contribution landed, so a facilitator can delete every copy."""

    __tablename__ = "relayed_copy"

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(
        sa_column=_reference("contribution", on_delete="CASCADE", index=True)
    )
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))


class ReportOutcome(enum.StrEnum):
    """What a facilitator did about a report."""

    OPEN = "open"
    DISMISSED = "dismissed"
    WARNED = "warned"
    ENDED = "ended"
    """The exchange was ended."""
    REMOVED = "removed"
    """The reported person was removed from the program (and the exchange ended)."""
    DELETED = "deleted"
    """A circle's message was deleted everywhere."""
    MUTED = "muted"


class Report(SQLModel, table=True):
    """A participant's report about their partner, for facilitators to act on."""

    __tablename__ = "report"

    id: int | None = Field(default=None, primary_key=True)
    exchange_id: int | None = Field(
        default=None,
        sa_column=_reference("exchange", on_delete="SET NULL", nullable=True),
    )
    reporter_id: int | None = Field(
        default=None,
        sa_column=_reference("person", on_delete="SET NULL", nullable=True),
    )
    reported_id: int | None = Field(
        default=None,
        sa_column=_reference("person", on_delete="SET NULL", nullable=True),
    )
    contribution_id: int | None = Field(
        default=None,
        sa_column=_reference("contribution", on_delete="SET NULL", nullable=True),
    )
    """In a circle: the contribution reported."""
    reason: str | None = Field(default=None, max_length=32)
    outcome: ReportOutcome = Field(
        default=ReportOutcome.OPEN, sa_column=_enum_column(ReportOutcome, "report_outcome")
    )
    handled_by_id: int | None = Field(
        default=None,
        sa_column=_reference("person", on_delete="SET NULL", nullable=True),
    )
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxOp(enum.StrEnum):
    """What an outbox row asks Telegram to do."""

    SEND = "send"
    """Send a new message (split in parts if long)."""
    EDIT = "edit"
    """Edit the text and buttons of `message_id` (a new message if it can no longer be edited)."""
    EDIT_BUTTONS = "edit_buttons"
    """Change only the buttons of `message_id`."""
    COPY = "copy"
    """Copy a message (a photo, a voice note) from another chat, without its sender."""
    DELETE = "delete"
    """Delete `message_id` (a relayed copy a facilitator took down, a group message)."""
    RESTRICT = "restrict"
    """Mute `payload.user_id` in a group until `payload.until` (restrictChatMember)."""
    REMOVE = "remove"
    """Remove `payload.user_id` from a group without banning them (ban, then unban)."""


class OutboxMessage(SQLModel, table=True):
    """A message Palaver owes a chat because something changed: to the person acting, a
    partner, a facilitator, a group.

    Written in the same transaction as the change it tells about, and deleted once Telegram
    has it, so a crash in between loses nothing. (Deleting, not marking, also keeps no trace
    of who was written to.) Rows of one chat leave in id order: only the oldest row of a chat
    is ever due. `not_before` paces a flow's messages and delays later ones; a claim
    (`claimed_by` until `claimed_until`) keeps two processes from sending the same row and
    expires with a process that died.
    """

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    op: OutboxOp = Field(default=OutboxOp.SEND, sa_column=_enum_column(OutboxOp, "outbox_op"))
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    not_before: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, index=True)
    )
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=200)
    follow_up_id: int | None = Field(
        default=None,
        sa_column=_reference("follow_up", on_delete="SET NULL", nullable=True, index=True),
    )
    """The follow-up this message starts: its fate is recorded there when the row goes."""


class ReceivedUpdate(SQLModel, table=True):
    """An update from Telegram being handled right now.

    Written before any handler runs and deleted in the same transaction as the first change
    the update makes (or when handling ends), so one still here at start-up was cut short by
    a crash and is handled again. It lives for milliseconds; the words in it go with it.
    """

    __tablename__ = "received_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


# --- common ground (statements voted on across a program) ---------------------------------


class CommonGroundStatus(enum.StrEnum):
    """Whether participants are offered a program's statements to vote on."""

    OPEN = "open"
    CLOSED = "closed"


class StatementStatus(enum.StrEnum):
    """A statement is offered to voters only once approved (seeded ones are, at once)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class VoteValue(enum.StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    PASS = "pass"


class CommonGround(SQLModel, table=True):
    """A program's statements conversation (one per program, opened and closed again as the
    organizers wish), or a circle's statements round: people vote agree / disagree / pass on short
    statements, and what every community agrees on is found (Polis's "bridging")."""

    __tablename__ = "common_ground"
    __table_args__ = (
        # One program-wide conversation per program; a circle's are its own.
        Index(
            "uq_common_ground_program_wide",
            "program_id",
            unique=True,
            sqlite_where=text("exchange_id IS NULL"),
            postgresql_where=text("exchange_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(sa_column=_reference("program", on_delete="CASCADE"))
    exchange_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("exchange.id", ondelete="CASCADE"), nullable=True, unique=True
        ),
    )
    """A circle's statements round (None: the program-wide conversation)."""
    status: CommonGroundStatus = Field(
        default=CommonGroundStatus.CLOSED,
        sa_column=_enum_column(CommonGroundStatus, "common_ground_status"),
    )
    min_voters: int = Field(
        default=5, description="Fewer voters than this in a community: its figures are hidden."
    )
    created_by_id: int | None = Field(
        default=None, sa_column=_reference("person", on_delete="SET NULL", nullable=True)
    )
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Statement(SQLModel, table=True):
    """A short statement to vote on, seeded by the organizers or written by a participant."""

    __tablename__ = "statement"

    id: int | None = Field(default=None, primary_key=True)
    common_ground_id: int = Field(
        sa_column=_reference("common_ground", on_delete="CASCADE", index=True)
    )
    text: str = Field(sa_column=Column(Text, nullable=False))
    language: str = Field(max_length=16)
    author_id: int | None = Field(
        default=None, sa_column=_reference("person", on_delete="SET NULL", nullable=True)
    )
    status: StatementStatus = Field(
        default=StatementStatus.PENDING,
        sa_column=_enum_column(StatementStatus, "statement_status"),
    )
    show_author: bool = Field(
        default=False, description="The author agreed to be shown by pseudonym with it."
    )
    seeded: bool = Field(default=False, description="Written by the organizers.")
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    moderated_by_id: int | None = Field(
        default=None, sa_column=_reference("person", on_delete="SET NULL", nullable=True)
    )
    moderated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Vote(SQLModel, table=True):
    """One person's vote on one statement: kept once, however often the button is pressed."""

    __tablename__ = "vote"
    __table_args__ = (
        UniqueConstraint("statement_id", "person_id", name="uq_vote_statement_person"),
    )

    id: int | None = Field(default=None, primary_key=True)
    statement_id: int = Field(sa_column=_reference("statement", on_delete="CASCADE", index=True))
    person_id: int = Field(sa_column=_reference("person", on_delete="CASCADE", index=True))
    value: VoteValue = Field(sa_column=_enum_column(VoteValue, "vote_value"))
    voted_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
