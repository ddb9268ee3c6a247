"""reports a facilitator can act on: the reporter's reason, what was done, by whom

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reports made so far had no reason and no way to act on them: they stay open.
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column(
                "outcome",
                sa.Enum(
                    "open",
                    "dismissed",
                    "warned",
                    "ended",
                    "removed",
                    name="report_outcome",
                    native_enum=False,
                    length=20,
                ),
                nullable=False,
                server_default="open",
            )
        )
        batch.add_column(sa.Column("handled_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_report_handled_by_id_person"),
            "person",
            ["handled_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("report") as batch:
        batch.alter_column("outcome", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("report") as batch:
        batch.drop_constraint(batch.f("fk_report_handled_by_id_person"), type_="foreignkey")
        batch.drop_column("handled_by_id")
        batch.drop_column("outcome")
        batch.drop_column("reason")
