"""The delivery's bookkeeping, each write committed on its own, quickly (see quick_writes).

Keeping an update in the journal as it arrives, settling it when its handling ends without a
change, and forgetting an outbox row once Telegram has its message: small writes that are
most of Palaver's transactions under a crowd, so they skip the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete, text
from sqlmodel import col

from bot.storage.quick_writes import QuickWrites
from bot.storage.tables import OutboxMessage, ReceivedUpdate
from bot.storage.types import utc_now

# bindparam names differ from column names: an INSERT would take them for its own values.
FORGET_UPDATE = delete(ReceivedUpdate).where(
    col(ReceivedUpdate.update_id) == bindparam("b_update_id")
)
FORGET_OUTBOX_ROW = delete(OutboxMessage).where(col(OutboxMessage.id) == bindparam("b_id"))
# As text, in the syntax both databases share: the dialects' on_conflict_do_nothing()
# constructs cannot be cached, and compiling one for every update cost ~5% of the CPU
# under a crowd. The columns' own types still convert the payload and the time.
JOURNAL = ReceivedUpdate.metadata.tables["received_update"]
KEEP_UPDATE = text(
    "INSERT INTO received_update (update_id, payload, received_at) "
    "VALUES (:update_id, :payload, :received_at) ON CONFLICT (update_id) DO NOTHING"
).bindparams(
    bindparam("update_id", type_=JOURNAL.c.update_id.type),
    bindparam("payload", type_=JOURNAL.c.payload.type),
    bindparam("received_at", type_=JOURNAL.c.received_at.type),
)


class Bookkeeping:
    """Journal and outbox writes of the delivery, each committed when it returns."""

    def __init__(self, quick_write: QuickWrites) -> None:
        self._write = quick_write

    async def keep_updates(self, updates: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Keep updates (update id, payload); one already kept (a replay) stays as it is."""
        now = utc_now()
        await self._write(
            KEEP_UPDATE,
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
