"""The conversation core's use cases: people's answers, button presses and commands in
the flows they run.

Each use case looks up who acts once (actors.Actors: the one consent rule), works in one unit
of work and commits the change with the messages it causes, worded by the injected Views.
Running the flows (flow_runner), interpreting their effects (effects), ending conversations
(endings) and retrying (retries) are the jobs of their own modules.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from bot.engine import (
    ButtonPressed,
    Event,
    Flow,
    FlowLibrary,
    Leave,
    RunState,
    Skip,
    Start,
    TextReceived,
)
from bot.i18n.catalogs import Catalogs
from bot.i18n.translator import Translator
from bot.services.actors import Actor, Actors, Sender
from bot.services.dialogue_results import MediaFromPartner, NoConversation, SentToPartners
from bot.services.effects import EffectInterpreter, names
from bot.services.errors import ConsentRequired, StaleButton
from bot.services.flow_runner import FlowRunner
from bot.services.letters import Delivery, OutboxPolicy, Postbox, worker_name
from bot.services.owed import FollowUpBook
from bot.services.program_settings import PENDING_INPUT_LIFETIME
from bot.services.replies import Outcome, Reply, Views
from bot.services.retries import retrying
from bot.storage.tables import Exchange, Person, RelayedMessage, Run
from bot.storage.types import utc_now
from bot.storage.unit_of_work import Database, UnitOfWork


class Dialogues:
    """The conversation core's use cases: people's answers, presses and commands become
    engine events for their runs; other services start runs and end conversations here."""

    def __init__(
        self,
        database: Database,
        catalogs: Catalogs,
        library: FlowLibrary,
        consent_version: str,
        views: Views,
        clock: Callable[[], datetime] = utc_now,
        postbox: Postbox | None = None,
        book: FollowUpBook | None = None,
    ) -> None:
        self._postbox = postbox or Postbox(clock, OutboxPolicy(worker_name()))
        self._book = book or FollowUpBook(catalogs, views)
        self._database = database
        self._library = library
        self._actors = Actors(catalogs, consent_version)
        self._clock = clock
        self._views = views
        translator_for = self._actors.translator_for
        self._runner = FlowRunner(
            library,
            EffectInterpreter(self._book, views, translator_for, clock),
            views,
            translator_for,
            clock,
        )

    @property
    def library(self) -> FlowLibrary:
        return self._library

    @property
    def database(self) -> Database:
        return self._database

    @property
    def actors(self) -> Actors:
        """Builds the actor context of an update (the one consent rule)."""
        return self._actors

    @property
    def views(self) -> Views:
        """What puts results into words and buttons."""
        return self._views

    @property
    def book(self) -> FollowUpBook:
        """Where follow-ups are written down."""
        return self._book

    # --- use cases -----------------------------------------------------------------------

    async def answer_text(self, sender: Sender, text: str) -> Outcome | None:
        """Text from a person: an answer for their current run, or None if none waits (or
        the organizer's console asked something)."""

        async def use_case(uow: UnitOfWork) -> Outcome | None:
            actor = await self._actors.of(uow, sender)
            # A question of the organizer's console waits: the text is its answer (the
            # console takes it next). Asked here so a participant's answer costs one
            # transaction, not a console look-up first.
            since = self._clock() - PENDING_INPUT_LIFETIME
            if await uow.pending_inputs.waiting_since(actor.person_id, since):
                return None
            runs = await uow.runs.open_runs_of(actor.person_id)
            if not runs:
                return None
            run = await uow.runs.lock(runs[0])
            return await self._drive(uow, actor, run, TextReceived(text=text, now=self._clock()))

        return await retrying(self._database, use_case)

    async def press(self, sender: Sender, value: str) -> Outcome:
        """A button of a run: `value` is "<run id>.<turn>.<choice>"."""
        run_id, turn, choice = _parse_run_button(value)

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actors.of(uow, sender)
            run = await uow.runs.get(run_id)
            # Someone else's run looks exactly like a button that no longer exists.
            if run is None or run.person_id != actor.person_id:
                raise StaleButton()
            run = await uow.runs.lock(run)
            state = RunState.from_json(run.state)
            step_id = state.step_id if state.turn == turn and state.step_id else "-"
            event = ButtonPressed(step_id=step_id, turn=turn, value=choice, now=self._clock())
            return await self._drive(uow, actor, run, event)

        return await retrying(self._database, use_case)

    async def relay_media(self, sender: Sender, message_id: int) -> Outcome | None:
        """A photo, voice note or file in an exchange whose flow allows media, or None."""

        async def use_case(uow: UnitOfWork) -> Outcome | None:
            try:
                actor = await self._actors.of(uow, sender)
            except ConsentRequired:
                return None  # not for a conversation: onboarding answers it
            person = actor.person
            runs = await uow.runs.open_runs_of(actor.person_id)
            run = next((run for run in runs if run.exchange_id is not None), None)
            if run is None or run.exchange_id is None:
                return None
            if not (await self._runner.flow_of(uow, run)).allow_media:
                return None
            work = self.new_work(person, sender)
            partners = await self._runner.partners(uow, actor, run)
            for partner, _partner_run in partners:
                uow.add(
                    RelayedMessage(
                        exchange_id=run.exchange_id,
                        sender_id=person.id,
                        recipient_id=partner.id,
                        key="media",
                    )
                )
                heading = self._views.render(
                    MediaFromPartner(person.pseudonym or "?"), self.translator_for(partner)
                )
                work.copy(partner.telegram_id, heading, sender.chat_id, message_id)
            await uow.exchanges.touch(run.exchange_id, actor.person_id, self._clock())
            work.say(self._views.render(SentToPartners(names(partners)), actor.translator))
            return await work.seal(uow)

        return await retrying(self._database, use_case)

    async def start_solo(self, sender: Sender, program_id: int, flow_id: str) -> Outcome:
        """Start a solo flow the person's program offers (e.g. the listening campaign)."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actors.of(uow, sender)
            program = await uow.programs.get(program_id)
            membership = await uow.exchanges.membership(actor.person_id, program_id)
            if program is None or membership is None or flow_id not in program.flows:
                raise StaleButton()
            flow = self._library.latest(flow_id)
            if flow.kind != "solo":
                raise StaleButton()
            for run in await uow.runs.open_runs_of(actor.person_id):
                if run.flow_id == flow_id and run.program_id == program_id:
                    # Already under way: show where they are instead of starting over.
                    run = await uow.runs.lock(run)
                    return await self._drive(uow, actor, run, Start(now=self._clock()))
            work = self.new_work(actor.person, sender)
            run = await self._runner.create_run(uow, actor.person, flow, program_id=program_id)
            await self._runner.drive(uow, work, run, Start(now=self._clock()), actor=actor)
            return await work.seal(uow)

        return await retrying(self._database, use_case)

    async def resume(self, person_id: int) -> tuple[Reply, ...]:
        """The current question of the person's most recent open run, shown again."""

        async def use_case(uow: UnitOfWork) -> Outcome | None:
            person = await uow.people.by_id(person_id)
            runs = await uow.runs.open_runs_of(person_id)
            if person is None or not runs:
                return None
            run = await uow.runs.lock(runs[0])
            return await self._drive(
                uow, self._actors.acting(person), run, Start(now=self._clock())
            )

        outcome = await retrying(self._database, use_case)
        return outcome.replies if outcome is not None else ()

    async def skip(self, sender: Sender) -> Outcome:
        """/skip: skip the current question, if it may be skipped."""
        return await self._event_for_current_run(sender, Skip(now=self._clock()))

    async def leave(self, sender: Sender) -> Outcome:
        """/leave: stop the current flow (an exchange ends for both)."""
        return await self._event_for_current_run(sender, Leave(now=self._clock()))

    async def _event_for_current_run(self, sender: Sender, event: Event) -> Outcome:
        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actors.of(uow, sender)
            runs = await uow.runs.open_runs_of(actor.person_id)
            if not runs:
                return Outcome(replies=(self._views.render(NoConversation(), actor.translator),))
            return await self._drive(uow, actor, await uow.runs.lock(runs[0]), event)

        return await retrying(self._database, use_case)

    async def _drive(self, uow: UnitOfWork, actor: Actor, run: Run, event: Event) -> Outcome:
        """The actor's event for their run, driven and committed with what it says."""
        work = self.work_for(actor)
        await self._runner.drive(uow, work, run, event, actor=actor)
        return await work.seal(uow)

    # --- used by other services within their unit of work ---------------------------------

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
        return await self._runner.start_run(
            uow, work, person, flow, program_id=program_id, exchange_id=exchange_id
        )

    async def begin(self, uow: UnitOfWork, work: Delivery, run: Run) -> None:
        """Send a created run its Start event."""
        await self._runner.begin(uow, work, run)

    async def create_exchange_runs(
        self,
        uow: UnitOfWork,
        members: Sequence[Person],
        flow: Flow,
        *,
        program_id: int | None,
        exchange_id: int,
    ) -> list[Run]:
        """Create the runs of a conversation starting now, not started yet (so that each
        first message can name the others)."""
        return await self._runner.create_exchange_runs(
            uow, members, flow, program_id=program_id, exchange_id=exchange_id
        )

    async def end_conversation(
        self, uow: UnitOfWork, work: Delivery, exchange: Exchange, leaver: Person, reason: str
    ) -> None:
        """End a conversation early, for everyone in it (see ConversationEndings)."""
        await self._runner.endings.end_conversation(uow, work, exchange, leaver, reason)

    def conversation_completed(self, exchange: Exchange) -> None:
        """Mark a conversation as come to its end with everyone (see ConversationEndings)."""
        self._runner.endings.completed(exchange)

    async def flow_of(self, uow: UnitOfWork, run: Run) -> Flow:
        """The exact flow version a run started with."""
        return await self._runner.flow_of(uow, run)

    def now(self) -> datetime:
        """The time on Palaver's clock."""
        return self._clock()

    def new_system_work(self, follow_up_id: int | None = None) -> Delivery:
        """A Delivery for work nobody's update asked for (nudges, reminders); `follow_up_id`
        is the follow-up being started, if that is what it is."""
        return Delivery(
            actor_id=0, pressed_button=False, postbox=self._postbox, follow_up_id=follow_up_id
        )

    def new_work(self, person: Person, sender: Sender | None = None) -> Delivery:
        """A Delivery for `person` acting (through `sender`'s update, if there is one)."""
        return Delivery(
            actor_id=person.id or 0,
            pressed_button=sender.pressed_button if sender else False,
            postbox=self._postbox,
            actor_chat_id=(sender.chat_id or person.telegram_id) if sender else None,
            pressed_message_id=sender.pressed_message_id if sender else None,
        )

    def work_for(self, actor: Actor) -> Delivery:
        """A Delivery for the actor of an update."""
        return self.new_work(actor.person, actor.sender)

    def translator_for(self, person: Person) -> Translator:
        """The translator for a person Palaver knows: their chosen language."""
        return self._actors.translator_for(person)

    def translator_for_stranger(self, sender: Sender) -> Translator:
        """The translator for someone Palaver does not know: their Telegram language."""
        return self._actors.translator_for_stranger(sender)

    async def translator_for_sender(self, sender: Sender) -> Translator:
        """The translator for someone who may not be (or no longer be) known to Palaver."""
        async with self._database.unit_of_work() as uow:
            return await self._actors.translator_for_sender(uow, sender)

    async def retrying(self, use_case: Callable[[UnitOfWork], Awaitable[Outcome]]) -> Outcome:
        """Run a use case in a fresh unit of work, again if a concurrent change got there first."""
        return await retrying(self._database, use_case)

    async def retrying_if_mine(
        self, use_case: Callable[[UnitOfWork], Awaitable[Outcome | None]]
    ) -> Outcome | None:
        """`retrying`, for a use case that may find the update is not for it (None)."""
        return await retrying(self._database, use_case)


def _parse_run_button(value: str) -> tuple[int, int, str]:
    run_id, _, rest = value.partition(".")
    turn, _, choice = rest.partition(".")
    if not (run_id.isdigit() and turn.isdigit() and choice):
        raise StaleButton()
    return int(run_id), int(turn), choice
