"""Running flows: the shell around the pure engine.

A run is created from a flow (its exact version kept as a snapshot) and fed events; each
new state is saved and its effects performed, and every share reaches the partners' runs in
the same transaction, so a share and the partner's next prompt are never half-delivered.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.engine import Event, Finished, Flow, FlowLibrary, Leave, RunState, Start, step
from bot.engine.schema import canonical_json
from bot.i18n.translator import Translator
from bot.services.actors import Actor
from bot.services.effects import EffectInterpreter, Scene
from bot.services.endings import ConversationEndings
from bot.services.letters import Delivery
from bot.services.replies import Views
from bot.storage.tables import Person, Run, RunStatus
from bot.storage.unit_of_work import UnitOfWork


class FlowRunner:
    """Creates, starts and drives people's runs of flows."""

    def __init__(
        self,
        library: FlowLibrary,
        effects: EffectInterpreter,
        views: Views,
        translator_for: Callable[[Person], Translator],
        clock: Callable[[], datetime],
    ) -> None:
        self._library = library
        self._effects = effects
        self._translator_for = translator_for
        self._clock = clock
        self.endings = ConversationEndings(self, views, translator_for, clock)

    async def create_run(
        self,
        uow: UnitOfWork,
        person: Person,
        flow: Flow,
        *,
        program_id: int | None,
        exchange_id: int | None = None,
    ) -> Run:
        """Create a person's run of `flow`, not started yet."""
        (run,) = await self._new_runs(uow, [person], flow, program_id, exchange_id)
        return await uow.runs.add(run)

    async def create_exchange_runs(
        self,
        uow: UnitOfWork,
        members: Sequence[Person],
        flow: Flow,
        *,
        program_id: int | None,
        exchange_id: int,
    ) -> list[Run]:
        """Create the runs of a conversation starting now, one per member, not started yet
        (so that each first message can name the others)."""
        runs = await self._new_runs(uow, members, flow, program_id, exchange_id)
        return await uow.runs.add_first_of_exchange(exchange_id, runs)

    async def _new_runs(
        self,
        uow: UnitOfWork,
        people: Sequence[Person],
        flow: Flow,
        program_id: int | None,
        exchange_id: int | None,
    ) -> list[Run]:
        """Runs of `flow` at its start, one per person, with the flow's version kept."""
        state = RunState.new(flow)
        await uow.runs.keep_snapshot(state.flow_version, flow.id, canonical_json(flow))
        return [
            Run(
                person_id=person.id or 0,
                program_id=program_id,
                exchange_id=exchange_id,
                flow_id=flow.id,
                flow_version=state.flow_version,
                status=RunStatus.NEW,
                state=state.to_json(),
            )
            for person in people
        ]

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
        self,
        uow: UnitOfWork,
        work: Delivery,
        first: Run,
        event: Event,
        *,
        actor: Actor | None = None,
        quiet: bool = False,
    ) -> None:
        """Apply `event` to `first`, then deliver every share to the partners' runs.

        `actor`: the person acting, already looked up (their runs use it as it is).
        `quiet`: the run is stopped from outside; nothing is shown to its person."""
        cast = _Cast(uow, self._translator_for, actor)
        queue: deque[tuple[Run, Event]] = deque([(first, event)])
        while queue:
            run, next_event = queue.popleft()
            flow = await self.flow_of(uow, run)
            state = RunState.from_json(run.state)
            new_state, effects = step(flow, state, next_event)
            await uow.runs.save(run, state=new_state.to_json(), status=RunStatus(new_state.status))
            scene = await cast.scene(run)
            if scene is None:
                continue
            for effect in effects:
                if isinstance(effect, Finished):
                    if not quiet:
                        await self.endings.run_finished(uow, work, run)
                    continue
                queue.extend(await self._effects.perform(uow, work, scene, effect, quiet))
            if run.exchange_id is not None:
                await uow.exchanges.touch(run.exchange_id, run.person_id, self._clock())

    async def partners(
        self, uow: UnitOfWork, actor: Actor, run: Run
    ) -> tuple[tuple[Person, Run], ...]:
        """The other members of the actor's run's conversation, each with their run."""
        scene = await _Cast(uow, self._translator_for, actor).scene(run)
        return scene.partners if scene is not None else ()

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


class _Cast:
    """The people of one drive, each looked up once: the actor as given, the others (and
    their conversation's runs) from the unit of work on first need."""

    def __init__(
        self,
        uow: UnitOfWork,
        translator_for: Callable[[Person], Translator],
        actor: Actor | None,
    ) -> None:
        self._uow = uow
        self._translator_for = translator_for
        self._people: dict[int, Person] = {}
        self._translators: dict[int, Translator] = {}
        self._runs_of_exchange: dict[int, list[Run]] = {}
        if actor is not None:
            self._people[actor.person_id] = actor.person
            self._translators[actor.person_id] = actor.translator

    async def scene(self, run: Run) -> Scene | None:
        """The run with its person and partners (None: its person is gone)."""
        person = await self._person(run.person_id)
        if person is None:
            return None
        partners = []
        for other in await self._runs_of(run.exchange_id):
            partner = (
                await self._person(other.person_id) if other.person_id != run.person_id else None
            )
            if partner is not None:
                partners.append((partner, other))
        return Scene(run, person, self._translator(person), tuple(partners))

    async def _person(self, person_id: int) -> Person | None:
        if person_id not in self._people:
            person = await self._uow.people.by_id(person_id)
            if person is None:
                return None
            self._people[person_id] = person
        return self._people[person_id]

    def _translator(self, person: Person) -> Translator:
        assert person.id is not None
        if person.id not in self._translators:
            self._translators[person.id] = self._translator_for(person)
        return self._translators[person.id]

    async def _runs_of(self, exchange_id: int | None) -> list[Run]:
        if exchange_id is None:
            return []
        if exchange_id not in self._runs_of_exchange:
            self._runs_of_exchange[exchange_id] = await self._uow.runs.of_exchange(exchange_id)
        return self._runs_of_exchange[exchange_id]
