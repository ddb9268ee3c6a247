"""circles: the agenda's state beside each circle's conversation, members' admission and
agreement, contributions to rounds, and where relayed copies landed (to delete them all)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    # Members of today's pairs were never asked to wait for a seat: they are admitted.
    with op.batch_alter_table("exchange_member") as batch:
        batch.add_column(
            sa.Column(
                "admission",
                _enum("admission", "requested", "admitted", "declined"),
                nullable=False,
                server_default="admitted",
            )
        )
        batch.add_column(sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("muted_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("exchange_member") as batch:
        batch.alter_column("admission", server_default=None)

    op.create_table(
        "circle",
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column(
            "state", _enum("circle_state", "forming", "running", "paused", "ended"), nullable=False
        ),
        sa.Column("invite_code", sa.String(length=64), nullable=False),
        sa.Column("link_code", sa.String(length=64), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("round_number", sa.Integer(), nullable=False),
        sa.Column("round_open", sa.Boolean(), nullable=False),
        sa.Column("round_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_seconds_left", sa.Integer(), nullable=True),
        sa.Column("time_warned", sa.Boolean(), nullable=False),
        sa.Column("time_up_asked", sa.Boolean(), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_circle_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["speaker_id"],
            ["person.id"],
            name=op.f("fk_circle_speaker_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["person.id"],
            name=op.f("fk_circle_created_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("exchange_id", name=op.f("pk_circle")),
        sa.UniqueConstraint("invite_code", name=op.f("uq_circle_invite_code")),
        sa.UniqueConstraint("link_code", name=op.f("uq_circle_link_code")),
    )
    op.create_table(
        "contribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("round_number", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("group_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_contribution_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["person.id"],
            name=op.f("fk_contribution_author_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution")),
    )
    op.create_index(
        op.f("ix_contribution_exchange_id"), "contribution", ["exchange_id"], unique=False
    )
    op.create_index(op.f("ix_contribution_author_id"), "contribution", ["author_id"], unique=False)
    op.create_table(
        "relayed_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
            name=op.f("fk_relayed_copy_contribution_id_contribution"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relayed_copy")),
    )
    op.create_index(
        op.f("ix_relayed_copy_contribution_id"), "relayed_copy", ["contribution_id"], unique=False
    )
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("contribution_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_report_contribution_id_contribution"),
            "contribution",
            ["contribution_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("report") as batch:
        batch.drop_constraint(batch.f("fk_report_contribution_id_contribution"), type_="foreignkey")
        batch.drop_column("contribution_id")
    op.drop_index(op.f("ix_relayed_copy_contribution_id"), table_name="relayed_copy")
    op.drop_table("relayed_copy")
    op.drop_index(op.f("ix_contribution_author_id"), table_name="contribution")
    op.drop_index(op.f("ix_contribution_exchange_id"), table_name="contribution")
    op.drop_table("contribution")
    op.drop_table("circle")
    with op.batch_alter_table("exchange_member") as batch:
        batch.drop_column("muted_until")
        batch.drop_column("agreed_at")
        batch.drop_column("admission")
