"""The delivery's bookkeeping, each write committed on its own, quickly (see quick_writes).

Keeping an update in the journal as it arrives, settling it when its handling ends without a
change, and forgetting an outbox row once Telegram has its message: small writes that are
most of Palaver's transactions under a crowd, so they skip the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from bot.storage.quick_writes import QuickWrites
from bot.storage.tables import OutboxMessage, ReceivedUpdate
from bot.storage.types import utc_now

# bindparam names differ from column names: an INSERT would take them for its own values.
FORGET_UPDATE = delete(ReceivedUpdate).where(
    col(ReceivedUpdate.update_id) == bindparam("b_update_id")
)
FORGET_OUTBOX_ROW = delete(OutboxMessage).where(col(OutboxMessage.id) == bindparam("b_id"))
KEEP_UPDATE = {
    "postgresql": postgresql.insert(ReceivedUpdate).on_conflict_do_nothing(
        index_elements=["update_id"]
    ),
    "sqlite": sqlite.insert(ReceivedUpdate).on_conflict_do_nothing(index_elements=["update_id"]),
}


class Bookkeeping:
    """Journal and outbox writes of the delivery, each committed when it returns."""

    def __init__(self, quick_write: QuickWrites, dialect: str) -> None:
        self._write = quick_write
        self._keep_update = KEEP_UPDATE[dialect]

    async def keep_updates(self, updates: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Keep updates (update id, payload); one already kept (a replay) stays as it is."""
        now = utc_now()
        await self._write(
            self._keep_update,
            [
                {"update_id": update_id, "payload": payload, "received_at": now}
                for update_id, payload in updates
            ],
        )

    async def settle_updates(self, update_ids: Sequence[int]) -> None:
        """Their handling is over: they are not handled again at start-up."""
        await self._write(FORGET_UPDATE, [{"b_update_id": update_id} for update_id in update_ids])

    async def forget_outbox_rows(self, outbox_ids: Sequence[int]) -> None:
        """Telegram has their messages: never send them again."""
        await self._write(FORGET_OUTBOX_ROW, [{"b_id": outbox_id} for outbox_id in outbox_ids])
