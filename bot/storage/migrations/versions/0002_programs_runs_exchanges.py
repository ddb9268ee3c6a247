"""programs, invites, memberships, runs, exchanges

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 16:28:15.325080
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flow_snapshot",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("flow_id", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_flow_snapshot")),
    )
    with op.batch_alter_table("flow_snapshot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flow_snapshot_flow_id"), ["flow_id"], unique=False)

    op.create_table(
        "community",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["program.id"],
            name=op.f("fk_community_program_id_program"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community")),
        sa.UniqueConstraint("program_id", "name", name="uq_community_program_name"),
    )
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_community_program_id"), ["program_id"], unique=False)

    op.create_table(
        "exchange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "ended", name="exchange_status", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["program.id"],
            name=op.f("fk_exchange_program_id_program"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange")),
    )
    with op.batch_alter_table("exchange", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_program_id"), ["program_id"], unique=False)

    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("flow_id", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "done",
                "cancelled",
                name="follow_up_status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_follow_up_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["program.id"],
            name=op.f("fk_follow_up_program_id_program"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
    )
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_up_person_id"), ["person_id"], unique=False)

    op.create_table(
        "exchange_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("last_active_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("nudged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_exchange_member_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_exchange_member_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_member")),
        sa.UniqueConstraint("exchange_id", "person_id", name="uq_exchange_member_exchange_person"),
    )
    with op.batch_alter_table("exchange_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_member_exchange_id"), ["exchange_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exchange_member_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("participant", "facilitator", name="invite_kind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
            name=op.f("fk_invite_community_id_community"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["person.id"],
            name=op.f("fk_invite_created_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["program.id"],
            name=op.f("fk_invite_program_id_program"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite")),
        sa.UniqueConstraint("code", name=op.f("uq_invite_code")),
    )
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invite_program_id"), ["program_id"], unique=False)

    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("community_chosen", sa.Boolean(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("languages_chosen", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("joined", "left", name="membership_status", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
            name=op.f("fk_membership_community_id_community"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_membership_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["program.id"],
            name=op.f("fk_membership_program_id_program"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint("person_id", "program_id", name="uq_membership_person_program"),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_membership_program_id"), ["program_id"], unique=False)

    op.create_table(
        "relayed_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_relayed_message_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["person.id"],
            name=op.f("fk_relayed_message_recipient_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["person.id"],
            name=op.f("fk_relayed_message_sender_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relayed_message")),
    )
    with op.batch_alter_table("relayed_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relayed_message_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_relayed_message_exchange_id"), ["exchange_id"], unique=False
        )

    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("reported_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_report_exchange_id_exchange"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reported_id"],
            ["person.id"],
            name=op.f("fk_report_reported_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["person.id"],
            name=op.f("fk_report_reporter_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
    )
    op.create_table(
        "run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("exchange_id", sa.Integer(), nullable=True),
        sa.Column("flow_id", sa.String(length=64), nullable=False),
        sa.Column("flow_version", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "new",
                "active",
                "waiting_partner",
                "finished",
                "left",
                name="run_status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_run_exchange_id_exchange"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["flow_version"],
            ["flow_snapshot.version"],
            name=op.f("fk_run_flow_version_flow_snapshot"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_run_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["program.id"],
            name=op.f("fk_run_program_id_program"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run")),
    )
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_exchange_id"), ["exchange_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_run_person_id"), ["person_id"], unique=False)

    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("survey", sa.String(length=8), nullable=True),
        sa.Column("measure", sa.String(length=32), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["run.id"], name=op.f("fk_answer_run_id_run"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer")),
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_run_id"), ["run_id"], unique=False)

    op.create_table(
        "commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=16), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_commitment_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["run.id"], name=op.f("fk_commitment_run_id_run"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment")),
    )
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_person_id"), ["person_id"], unique=False)

    with op.batch_alter_table("program", schema=None) as batch_op:
        batch_op.add_column(sa.Column("languages", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("flows", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("same_language_pairs", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("quiet_hours_start", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("quiet_hours_end", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="UTC")
        )
        batch_op.add_column(
            sa.Column("min_group_size", sa.Integer(), nullable=False, server_default="5")
        )
        batch_op.add_column(
            sa.Column("retention_days", sa.Integer(), nullable=False, server_default="30")
        )
        batch_op.add_column(
            sa.Column("partner_silence_hours", sa.Integer(), nullable=False, server_default="48")
        )
        batch_op.add_column(sa.Column("consent_version", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("is_demo", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("program", schema=None) as batch_op:
        batch_op.drop_column("is_demo")
        batch_op.drop_column("consent_version")
        batch_op.drop_column("partner_silence_hours")
        batch_op.drop_column("retention_days")
        batch_op.drop_column("min_group_size")
        batch_op.drop_column("time_zone")
        batch_op.drop_column("quiet_hours_end")
        batch_op.drop_column("quiet_hours_start")
        batch_op.drop_column("same_language_pairs")
        batch_op.drop_column("flows")
        batch_op.drop_column("languages")

    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_person_id"))

    op.drop_table("commitment")
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_run_id"))

    op.drop_table("answer")
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_person_id"))
        batch_op.drop_index(batch_op.f("ix_run_exchange_id"))

    op.drop_table("run")
    op.drop_table("report")
    with op.batch_alter_table("relayed_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relayed_message_exchange_id"))
        batch_op.drop_index(batch_op.f("ix_relayed_message_created_at"))

    op.drop_table("relayed_message")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_program_id"))
        batch_op.drop_index(batch_op.f("ix_membership_person_id"))

    op.drop_table("membership")
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invite_program_id"))

    op.drop_table("invite")
    with op.batch_alter_table("exchange_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_member_person_id"))
        batch_op.drop_index(batch_op.f("ix_exchange_member_exchange_id"))

    op.drop_table("exchange_member")
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_person_id"))
        batch_op.drop_index(batch_op.f("ix_follow_up_due_at"))

    op.drop_table("follow_up")
    with op.batch_alter_table("exchange", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_program_id"))

    op.drop_table("exchange")
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_program_id"))

    op.drop_table("community")
    with op.batch_alter_table("flow_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flow_snapshot_flow_id"))

    op.drop_table("flow_snapshot")
