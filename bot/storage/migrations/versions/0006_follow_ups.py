"""follow-ups that arrive: kinds, leases, outcomes; commitments with a status; people's
time zones and /stop; outbox rows that know the follow-up they start

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOLLOW_UP_KINDS = (
    "flow",
    "commitment_checkin",
    "exchange_nudge",
    "circle_reminder",
    "announcement",
)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    # Follow-ups written so far start flows; they are owed at their due time as before.
    with op.batch_alter_table("follow_up") as batch:
        batch.add_column(
            sa.Column(
                "kind",
                _enum("follow_up_kind", *FOLLOW_UP_KINDS),
                nullable=False,
                server_default="flow",
            )
        )
        batch.alter_column("flow_id", existing_type=sa.String(length=64), nullable=True)
        batch.add_column(sa.Column("commitment_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("exchange_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("last_error", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("dedupe_key", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_follow_up_commitment_id_commitment"),
            "commitment",
            ["commitment_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            batch.f("fk_follow_up_exchange_id_exchange"),
            "exchange",
            ["exchange_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            batch.f("fk_follow_up_created_by_id_person"),
            "person",
            ["created_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_unique_constraint(batch.f("uq_follow_up_dedupe_key"), ["dedupe_key"])
    op.execute("UPDATE follow_up SET not_before = due_at")
    with op.batch_alter_table("follow_up") as batch:
        batch.alter_column("kind", server_default=None)
        batch.alter_column("attempts", server_default=None)
        batch.alter_column("not_before", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.create_index(batch.f("ix_follow_up_not_before"), ["not_before"], unique=False)

    with op.batch_alter_table("commitment") as batch:
        batch.add_column(
            sa.Column(
                "status",
                _enum("commitment_status", "open", "done", "dropped"),
                nullable=False,
                server_default="open",
            )
        )
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("commitment") as batch:
        batch.alter_column("status", server_default=None)

    with op.batch_alter_table("person") as batch:
        batch.add_column(
            sa.Column("time_zone_chosen", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("time_zone_asked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("follow_ups_paused_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("person") as batch:
        batch.alter_column("time_zone_chosen", server_default=None)

    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("follow_up_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_outbox_message_follow_up_id_follow_up"),
            "follow_up",
            ["follow_up_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(
            batch.f("ix_outbox_message_follow_up_id"), ["follow_up_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_index(batch.f("ix_outbox_message_follow_up_id"))
        batch.drop_constraint(
            batch.f("fk_outbox_message_follow_up_id_follow_up"), type_="foreignkey"
        )
        batch.drop_column("follow_up_id")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("follow_ups_paused_at")
        batch.drop_column("time_zone_asked_at")
        batch.drop_column("time_zone_chosen")
    with op.batch_alter_table("commitment") as batch:
        batch.drop_column("closed_at")
        batch.drop_column("status")
    # Only flow follow-ups existed before; the others cannot be kept.
    op.execute("DELETE FROM follow_up WHERE kind <> 'flow'")
    with op.batch_alter_table("follow_up") as batch:
        batch.drop_index(batch.f("ix_follow_up_not_before"))
        batch.drop_constraint(batch.f("uq_follow_up_dedupe_key"), type_="unique")
        batch.drop_constraint(batch.f("fk_follow_up_created_by_id_person"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_follow_up_exchange_id_exchange"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_follow_up_commitment_id_commitment"), type_="foreignkey")
        for column in (
            "created_by_id",
            "dedupe_key",
            "sent_at",
            "last_error",
            "attempts",
            "claimed_until",
            "claimed_by",
            "not_before",
            "payload",
            "exchange_id",
            "commitment_id",
            "kind",
        ):
            batch.drop_column(column)
        batch.alter_column("flow_id", existing_type=sa.String(length=64), nullable=False)
