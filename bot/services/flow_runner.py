"""Running flows: the shell around the pure engine.

A run is created from a flow (its exact version kept as a snapshot) and fed events; each
new state is saved and its effects performed, and every share reaches the partners' runs in
the same transaction, so a share and the partner's next prompt are never half-delivered.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime

from bot.engine import Event, Finished, Flow, FlowLibrary, Leave, RunState, Start, step
from bot.engine.schema import canonical_json
from bot.i18n.translator import Translator
from bot.services.effects import EffectInterpreter, Scene
from bot.services.endings import ConversationEndings
from bot.services.letters import Delivery
from bot.storage.tables import Person, Run, RunStatus
from bot.storage.unit_of_work import UnitOfWork


class FlowRunner:
    """Creates, starts and drives people's runs of flows."""

    def __init__(
        self,
        library: FlowLibrary,
        effects: EffectInterpreter,
        translator_for: Callable[[Person], Translator],
        clock: Callable[[], datetime],
    ) -> None:
        self._library = library
        self._effects = effects
        self._translator_for = translator_for
        self._clock = clock
        self.endings = ConversationEndings(self, translator_for, clock)

    async def create_run(
        self,
        uow: UnitOfWork,
        person: Person,
        flow: Flow,
        *,
        program_id: int | None,
        exchange_id: int | None = None,
    ) -> Run:
        """Create a person's run of `flow`, not started yet (partners are created together)."""
        assert person.id is not None
        state = RunState.new(flow)
        await uow.runs.keep_snapshot(state.flow_version, flow.id, canonical_json(flow))
        return await uow.runs.add(
            Run(
                person_id=person.id,
                program_id=program_id,
                exchange_id=exchange_id,
                flow_id=flow.id,
                flow_version=state.flow_version,
                status=RunStatus.NEW,
                state=state.to_json(),
            )
        )

    async def start_run(
        self,
        uow: UnitOfWork,
        work: Delivery,
        person: Person,
        flow: Flow,
        *,
        program_id: int | None,
        exchange_id: int | None = None,
    ) -> Run:
        """Create a person's run of `flow` and start it; its first prompts go into `work`."""
        run = await self.create_run(
            uow, person, flow, program_id=program_id, exchange_id=exchange_id
        )
        await self.begin(uow, work, run)
        return run

    async def begin(self, uow: UnitOfWork, work: Delivery, run: Run) -> None:
        """Send a created run its Start event."""
        await self.drive(uow, work, run, Start(now=self._clock()))

    async def leave_run(self, uow: UnitOfWork, work: Delivery, run: Run) -> None:
        """End a run from outside the flow (the conversation ended)."""
        if RunState.from_json(run.state).is_over:
            return
        await self.drive(uow, work, run, Leave(now=self._clock()), quiet=True)

    async def drive(
        self, uow: UnitOfWork, work: Delivery, first: Run, event: Event, *, quiet: bool = False
    ) -> None:
        """Apply `event` to `first`, then deliver every share to the partners' runs.
        `quiet`: the run is stopped from outside; nothing is shown to its person."""
        queue: deque[tuple[Run, Event]] = deque([(first, event)])
        while queue:
            run, next_event = queue.popleft()
            flow = await self.flow_of(uow, run)
            state = RunState.from_json(run.state)
            new_state, effects = step(flow, state, next_event)
            await uow.runs.save(run, state=new_state.to_json(), status=RunStatus(new_state.status))
            person = await uow.people.by_id(run.person_id)
            if person is None:
                continue
            scene = Scene(run, person, self._translator_for(person), await self.partners(uow, run))
            for effect in effects:
                if isinstance(effect, Finished):
                    if not quiet:
                        await self.endings.run_finished(uow, work, run)
                    continue
                queue.extend(await self._effects.perform(uow, work, scene, effect, quiet))
            if run.exchange_id is not None:
                await uow.exchanges.touch(run.exchange_id, person.id or 0, self._clock())

    async def flow_of(self, uow: UnitOfWork, run: Run) -> Flow:
        """The exact flow version the run started with, from memory or its stored snapshot."""
        state = RunState.from_json(run.state)
        try:
            return self._library.for_run(state)
        except KeyError:
            snapshot = await uow.runs.snapshot(state.flow_version)
            if snapshot is None:
                raise
            return self._library.add_snapshot(snapshot.definition)

    async def partners(self, uow: UnitOfWork, run: Run) -> tuple[tuple[Person, Run], ...]:
        """The other members of the run's conversation, each with their run."""
        if run.exchange_id is None:
            return ()
        partners = []
        for other in await uow.runs.of_exchange(run.exchange_id):
            if other.person_id == run.person_id:
                continue
            person = await uow.people.by_id(other.person_id)
            if person is not None:
                partners.append((person, other))
        return tuple(partners)
