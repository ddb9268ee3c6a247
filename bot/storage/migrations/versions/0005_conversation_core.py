"""conversation core: an outbox addressed to chats, with pacing and claims; conversations
with a kind, a capacity and member roles

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    # Rows already waiting (letters to partners) stay due at once, as plain sends.
    with op.batch_alter_table("outbox_message") as batch:
        batch.alter_column("telegram_id", new_column_name="chat_id")
        batch.alter_column("reply", new_column_name="payload")
        batch.add_column(
            sa.Column(
                "op",
                _enum("outbox_op", "send", "edit", "edit_buttons", "copy"),
                nullable=False,
                server_default="send",
            )
        )
        batch.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("last_error", sa.String(length=200), nullable=True))
    op.execute("UPDATE outbox_message SET not_before = created_at")
    with op.batch_alter_table("outbox_message") as batch:
        batch.alter_column("op", server_default=None)
        batch.alter_column("attempts", server_default=None)
        batch.alter_column("not_before", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.create_index(batch.f("ix_outbox_message_chat_id"), ["chat_id"], unique=False)
        batch.create_index(batch.f("ix_outbox_message_not_before"), ["not_before"], unique=False)

    # Today's exchanges are pairs; their member count is read off their members.
    with op.batch_alter_table("exchange") as batch:
        batch.add_column(
            sa.Column(
                "kind",
                _enum("conversation_kind", "pair", "relayed_circle", "group_circle"),
                nullable=False,
                server_default="pair",
            )
        )
        batch.add_column(
            sa.Column("capacity", sa.Integer(), nullable=False, server_default=sa.text("2"))
        )
        batch.add_column(
            sa.Column("member_count", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("chat_id", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE exchange SET member_count = "
        "(SELECT COUNT(*) FROM exchange_member WHERE exchange_member.exchange_id = exchange.id)"
    )
    # A race before this migration could have put three people in one pair: keep them (their
    # runs go on) by raising that exchange's capacity rather than failing the upgrade.
    op.execute("UPDATE exchange SET capacity = member_count WHERE member_count > capacity")
    with op.batch_alter_table("exchange") as batch:
        batch.alter_column("kind", server_default=None)
        batch.alter_column("capacity", server_default=None)
        batch.alter_column("member_count", server_default=None)
        batch.create_check_constraint(
            "member_count_within_capacity", sa.text("member_count <= capacity")
        )

    with op.batch_alter_table("exchange_member") as batch:
        batch.add_column(
            sa.Column(
                "role",
                _enum("member_role", "member", "facilitator"),
                nullable=False,
                server_default="member",
            )
        )
        batch.add_column(sa.Column("left_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("exchange_member") as batch:
        batch.alter_column("role", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("exchange_member") as batch:
        batch.drop_column("left_at")
        batch.drop_column("role")
    with op.batch_alter_table("exchange") as batch:
        batch.drop_constraint("member_count_within_capacity", type_="check")
        batch.drop_column("chat_id")
        batch.drop_column("member_count")
        batch.drop_column("capacity")
        batch.drop_column("kind")
    # Paced and edit rows have no place in the old outbox: deliver before downgrading.
    op.execute("DELETE FROM outbox_message WHERE op <> 'send'")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_index(batch.f("ix_outbox_message_not_before"))
        batch.drop_index(batch.f("ix_outbox_message_chat_id"))
        batch.drop_column("last_error")
        batch.drop_column("attempts")
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
        batch.drop_column("not_before")
        batch.drop_column("op")
        batch.alter_column("payload", new_column_name="reply")
        batch.alter_column("chat_id", new_column_name="telegram_id")
