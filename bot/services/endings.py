"""Ending a conversation: when its runs are over, or at once when a member goes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.engine import RunState
from bot.i18n.translator import Translator
from bot.services.dialogue_results import PartnerGone
from bot.services.letters import Delivery
from bot.services.replies import Views
from bot.storage.tables import Exchange, ExchangeStatus, Person, Run
from bot.storage.unit_of_work import UnitOfWork


class RunStopper(Protocol):
    """What ending a conversation needs of the flow runner."""

    async def leave_run(self, uow: UnitOfWork, work: Delivery, run: Run) -> None: ...


class ConversationEndings:
    """The one place where conversations (exchanges) end."""

    def __init__(
        self,
        runs: RunStopper,
        views: Views,
        translator_for: Callable[[Person], Translator],
        clock: Callable[[], datetime],
    ) -> None:
        self._runs = runs
        self._views = views
        self._translator_for = translator_for
        self._clock = clock

    async def run_finished(self, uow: UnitOfWork, work: Delivery, run: Run) -> None:
        """A run of a conversation is over: the conversation ends when every run is over, or
        at once (with the others told) when this member left."""
        if run.exchange_id is None:
            return
        exchange = await uow.exchanges.get(run.exchange_id)
        if exchange is None or exchange.status == ExchangeStatus.ENDED:
            return
        if RunState.from_json(run.state).status == "left":
            leaver = await uow.people.by_id(run.person_id)
            if leaver is not None:
                await self.end_conversation(uow, work, exchange, leaver, "left")
            return
        runs = await uow.runs.of_exchange(run.exchange_id)
        if all(RunState.from_json(other.state).is_over for other in runs):
            self.completed(exchange)

    def completed(self, exchange: Exchange) -> None:
        """The conversation came to its end with everyone (a pair's flows both finished, a
        circle's facilitator closed it)."""
        self._mark_ended(exchange, exchange.ended_reason or "completed")

    async def end_conversation(
        self, uow: UnitOfWork, work: Delivery, exchange: Exchange, leaver: Person, reason: str
    ) -> None:
        """The one way a conversation ends early: every open run stops, the member who ended
        it is marked as gone, and each other member is told in their own language and offered
        a way on. `reason`: "left", "ended_by_member", "new_partner", "member_forgotten",
        "blocked_bot", "ended_by_facilitator"."""
        if exchange.status == ExchangeStatus.ENDED:
            return
        self._mark_ended(exchange, reason)
        runs = await uow.runs.of_exchange(exchange.id or 0)
        if runs:
            await uow.runs.lock(runs[0])
        for other_run in runs:
            await self._runs.leave_run(uow, work, other_run)
        await uow.exchanges.mark_left(exchange.id or 0, leaver.id or 0, self._clock())
        uow.audit.record(
            "exchange.ended",
            actor_id=leaver.id,
            subject_type="exchange",
            subject_id=exchange.id,
            reason=reason,
        )
        for other in await uow.exchanges.people_in(exchange.id or 0):
            if other.id != leaver.id and other.blocked_bot_at is None:
                gone = PartnerGone(exchange.program_id, reason)
                work.write(other.telegram_id, self._views.render(gone, self._translator_for(other)))

    def _mark_ended(self, exchange: Exchange, reason: str) -> None:
        exchange.status = ExchangeStatus.ENDED
        exchange.ended_at = self._clock()
        exchange.ended_reason = reason
