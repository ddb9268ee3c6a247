"""common ground: statements conversations (a program's, or a circle's round), their
statements and their votes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    op.create_table(
        "common_ground",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=True),
        sa.Column("status", _enum("common_ground_status", "open", "closed"), nullable=False),
        sa.Column("min_voters", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["program.id"],
            name=op.f("fk_common_ground_program_id_program"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["person.id"],
            name=op.f("fk_common_ground_created_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_common_ground_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_common_ground")),
        sa.UniqueConstraint("exchange_id", name=op.f("uq_common_ground_exchange_id")),
    )
    # One program-wide conversation per program; each circle's statements round is its own.
    op.create_index(
        "uq_common_ground_program_wide",
        "common_ground",
        ["program_id"],
        unique=True,
        sqlite_where=sa.text("exchange_id IS NULL"),
        postgresql_where=sa.text("exchange_id IS NULL"),
    )
    op.create_table(
        "statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("common_ground_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column(
            "status", _enum("statement_status", "pending", "approved", "rejected"), nullable=False
        ),
        sa.Column("show_author", sa.Boolean(), nullable=False),
        sa.Column("seeded", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moderated_by_id", sa.Integer(), nullable=True),
        sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["common_ground_id"],
            ["common_ground.id"],
            name=op.f("fk_statement_common_ground_id_common_ground"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["person.id"],
            name=op.f("fk_statement_author_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["moderated_by_id"],
            ["person.id"],
            name=op.f("fk_statement_moderated_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement")),
    )
    op.create_index(
        op.f("ix_statement_common_ground_id"), "statement", ["common_ground_id"], unique=False
    )
    op.create_table(
        "vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("value", _enum("vote_value", "agree", "disagree", "pass"), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statement.id"],
            name=op.f("fk_vote_statement_id_statement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_vote_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote")),
        sa.UniqueConstraint("statement_id", "person_id", name="uq_vote_statement_person"),
    )
    op.create_index(op.f("ix_vote_statement_id"), "vote", ["statement_id"], unique=False)
    op.create_index(op.f("ix_vote_person_id"), "vote", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_vote_person_id"), table_name="vote")
    op.drop_index(op.f("ix_vote_statement_id"), table_name="vote")
    op.drop_table("vote")
    op.drop_index(op.f("ix_statement_common_ground_id"), table_name="statement")
    op.drop_table("statement")
    op.drop_index("uq_common_ground_program_wide", table_name="common_ground")
    op.drop_table("common_ground")
