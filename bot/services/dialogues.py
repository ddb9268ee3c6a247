"""Running dialogue flows for people: the shell around the pure engine.

A use case loads the runs it touches, feeds the engine an event, stores the new state and
everything the effects ask to keep (answers, commitments, follow-ups, relayed words), and
only after the commit returns what to send. Partners' runs are driven in the same
transaction, so a share and the partner's next prompt are never half-delivered.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from sqlalchemy.exc import DBAPIError

from bot.engine import (
    Button as EngineButton,
)
from bot.engine import (
    ButtonIgnored,
    ButtonPressed,
    EditButtons,
    Event,
    Finished,
    Flow,
    FlowLibrary,
    Leave,
    NotifyFacilitator,
    RecordAnswer,
    RecordCommitment,
    RunState,
    ScheduleFollowUp,
    SendText,
    ShareWithPartner,
    ShowPartnerShare,
    Skip,
    Start,
    TextReceived,
    render_message,
    step,
)
from bot.engine.effects import Message
from bot.engine.schema import canonical_json
from bot.i18n.catalogs import Catalogs
from bot.i18n.translator import Translator
from bot.services.actors import Sender, consenting_person
from bot.services.errors import ConsentRequired, StaleButton
from bot.services.letters import Delivery, OutboxPolicy, Postbox, worker_name
from bot.services.owed import FollowUpBook
from bot.services.program_settings import PENDING_INPUT_LIFETIME
from bot.services.replies import (
    Button,
    ButtonAction,
    Outcome,
    RelayedWords,
    Reply,
)
from bot.storage.dialogue_repositories import RunChanged
from bot.storage.tables import (
    Answer,
    Commitment,
    Exchange,
    ExchangeStatus,
    Person,
    RelayedMessage,
    Run,
    RunStatus,
)
from bot.storage.types import utc_now
from bot.storage.unit_of_work import (
    CONTENTION_PAUSE_SECONDS,
    Database,
    UnitOfWork,
    is_contention,
)

log = logging.getLogger(__name__)

RUN_BUTTON = "r"
# The exchange feature's button to look for a new partner (owned by services/exchanges.py;
# named here because ending a conversation offers it).
PARTNER_BUTTON = "x"
PARTNER_FIND = "find"
ATTEMPTS = 5
SELECTED_MARK = "✓ "


class Dialogues:
    """Starts runs and turns people's answers and button presses into engine events."""

    def __init__(
        self,
        database: Database,
        catalogs: Catalogs,
        library: FlowLibrary,
        consent_version: str,
        clock: Callable[[], datetime] = utc_now,
        postbox: Postbox | None = None,
        book: FollowUpBook | None = None,
    ) -> None:
        self._postbox = postbox or Postbox(clock, OutboxPolicy(worker_name()))
        self._book = book or FollowUpBook(catalogs)
        self._database = database
        self._catalogs = catalogs
        self._library = library
        self._consent_version = consent_version
        self._clock = clock

    @property
    def library(self) -> FlowLibrary:
        return self._library

    @property
    def database(self) -> Database:
        return self._database

    @property
    def book(self) -> FollowUpBook:
        """Where follow-ups are written down."""
        return self._book

    # --- use cases -----------------------------------------------------------------------

    async def answer_text(self, sender: Sender, text: str) -> Outcome | None:
        """Text from a person: an answer for their current run, or None if none waits (or
        the organizer's console asked something)."""

        async def use_case(uow: UnitOfWork) -> Outcome | None:
            person = await self._consenting_person(uow, sender)
            if person is None:
                raise ConsentRequired()
            # A question of the organizer's console waits: the text is its answer (the
            # console takes it next). Asked here so a participant's answer costs one
            # transaction, not a console look-up first.
            since = self._clock() - PENDING_INPUT_LIFETIME
            if await uow.pending_inputs.waiting_since(person.id or 0, since):
                return None
            runs = await uow.runs.open_runs_of(person.id or 0)
            if not runs:
                return None
            work = self.new_work(person, sender)
            run = await uow.runs.lock(runs[0])
            await self._drive(uow, work, run, TextReceived(text=text, now=self._clock()))
            return await work.seal(uow)

        return await self._retrying(use_case)

    async def press(self, sender: Sender, value: str) -> Outcome:
        """A button of a run: `value` is "<run id>.<turn>.<choice>"."""
        run_id, turn, choice = _parse_run_button(value)

        async def use_case(uow: UnitOfWork) -> Outcome:
            person = await self._consenting_person(uow, sender)
            run = await uow.runs.get(run_id)
            # Someone else's run looks exactly like a button that no longer exists.
            if person is None:
                raise ConsentRequired()
            if run is None or run.person_id != person.id:
                raise StaleButton()
            run = await uow.runs.lock(run)
            state = RunState.from_json(run.state)
            step_id = state.step_id if state.turn == turn and state.step_id else "-"
            event = ButtonPressed(step_id=step_id, turn=turn, value=choice, now=self._clock())
            work = self.new_work(person, sender)
            await self._drive(uow, work, run, event)
            return await work.seal(uow)

        outcome = await self._retrying(use_case)
        assert outcome is not None
        return outcome

    async def relay_media(self, sender: Sender, message_id: int) -> Outcome | None:
        """A photo, voice note or file in an exchange whose flow allows media, or None."""

        async def use_case(uow: UnitOfWork) -> Outcome | None:
            person = await self._consenting_person(uow, sender)
            runs = await uow.runs.open_runs_of(person.id or 0) if person else []
            run = next((run for run in runs if run.exchange_id is not None), None)
            if person is None or run is None or run.exchange_id is None:
                return None
            if not (await self._flow_for(uow, run)).allow_media:
                return None
            t = self.translator_for(person)
            work = self.new_work(person, sender)
            partners = await self._partners(uow, run)
            for partner, _partner_run in partners:
                uow.add(
                    RelayedMessage(
                        exchange_id=run.exchange_id,
                        sender_id=person.id,
                        recipient_id=partner.id,
                        key="media",
                    )
                )
                heading = self.translator_for(partner).gettext(
                    "{partner} sent you this:", partner=person.pseudonym or "?"
                )
                work.copy(partner.telegram_id, Reply(heading), sender.chat_id, message_id)
            await uow.exchanges.touch(run.exchange_id, person.id or 0, self._clock())
            work.say(Reply(t.gettext("Sent to {partner}.", partner=_names(partners))))
            return await work.seal(uow)

        return await self._retrying(use_case)

    async def start_solo(self, sender: Sender, program_id: int, flow_id: str) -> Outcome:
        """Start a solo flow the person's program offers (e.g. the listening campaign)."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            person = await self._consenting_person(uow, sender)
            if person is None:
                raise ConsentRequired()
            program = await uow.programs.get(program_id)
            membership = await uow.exchanges.membership(person.id or 0, program_id)
            if program is None or membership is None or flow_id not in program.flows:
                raise StaleButton()
            flow = self._library.latest(flow_id)
            if flow.kind != "solo":
                raise StaleButton()
            for run in await uow.runs.open_runs_of(person.id or 0):
                if run.flow_id == flow_id and run.program_id == program_id:
                    # Already under way: show where they are instead of starting over.
                    work = self.new_work(person, sender)
                    await self._drive(uow, work, await uow.runs.lock(run), Start(now=self._clock()))
                    return await work.seal(uow)
            work = self.new_work(person, sender)
            await self.start_run(uow, work, person, flow, program_id=program_id)
            return await work.seal(uow)

        outcome = await self._retrying(use_case)
        assert outcome is not None
        return outcome

    async def resume(self, person_id: int) -> tuple[Reply, ...]:
        """The current question of the person's most recent open run, shown again."""

        async def use_case(uow: UnitOfWork) -> Outcome | None:
            person = await uow.people.by_id(person_id)
            runs = await uow.runs.open_runs_of(person_id)
            if person is None or not runs:
                return None
            work = self.new_work(person)
            await self._drive(uow, work, await uow.runs.lock(runs[0]), Start(now=self._clock()))
            return await work.seal(uow)

        outcome = await self._retrying(use_case)
        return outcome.replies if outcome is not None else ()

    async def skip(self, sender: Sender) -> Outcome:
        """/skip: skip the current question, if it may be skipped."""
        return await self._event_for_current_run(sender, Skip(now=self._clock()))

    async def leave(self, sender: Sender) -> Outcome:
        """/leave: stop the current flow (an exchange ends for both)."""
        return await self._event_for_current_run(sender, Leave(now=self._clock()))

    async def _event_for_current_run(self, sender: Sender, event: Event) -> Outcome:
        async def use_case(uow: UnitOfWork) -> Outcome:
            person = await self._consenting_person(uow, sender)
            if person is None:
                raise ConsentRequired()
            runs = await uow.runs.open_runs_of(person.id or 0)
            if not runs:
                t = self.translator_for(person)
                return Outcome(
                    replies=(Reply(t.gettext("There is no conversation going on right now.")),)
                )
            work = self.new_work(person, sender)
            await self._drive(uow, work, await uow.runs.lock(runs[0]), event)
            return await work.seal(uow)

        outcome = await self._retrying(use_case)
        assert outcome is not None
        return outcome

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
        run = await self.create_run(
            uow, person, flow, program_id=program_id, exchange_id=exchange_id
        )
        await self.begin(uow, work, run)
        return run

    async def begin(self, uow: UnitOfWork, work: Delivery, run: Run) -> None:
        """Send a created run its Start event."""
        await self._drive(uow, work, run, Start(now=self._clock()))

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
        run = await uow.runs.add(
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
        return run

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

    async def leave_run(self, uow: UnitOfWork, work: Delivery, run: Run) -> None:
        """End a run from outside the flow (the exchange ended)."""
        if RunState.from_json(run.state).is_over:
            return
        await self._drive(uow, work, run, Leave(now=self._clock()), quiet=True)

    def translator_for(self, person: Person) -> Translator:
        return self._catalogs.translator(self._catalogs.negotiate(person.language))

    def translator_for_stranger(self, sender: Sender) -> Translator:
        """The translator for someone Palaver does not know: their Telegram language."""
        return self._catalogs.translator(self._catalogs.negotiate(sender.telegram_language))

    async def translator_for_sender(self, sender: Sender) -> Translator:
        """The translator for someone who may not be (or no longer be) known to Palaver."""
        async with self._database.unit_of_work() as uow:
            person = await uow.people.by_telegram_id(sender.telegram_id)
        if person is not None:
            return self.translator_for(person)
        return self._catalogs.translator(self._catalogs.negotiate(sender.telegram_language))

    async def flow_of(self, uow: UnitOfWork, run: Run) -> Flow:
        """The exact flow version a run started with."""
        return await self._flow_for(uow, run)

    async def retrying(self, use_case: Callable[[UnitOfWork], Awaitable[Outcome]]) -> Outcome:
        """Run a use case in a fresh unit of work, again if a concurrent change got there first."""
        outcome = await self._retrying(use_case)
        assert outcome is not None
        return outcome

    async def retrying_if_mine(
        self, use_case: Callable[[UnitOfWork], Awaitable[Outcome | None]]
    ) -> Outcome | None:
        """`retrying`, for a use case that may find the update is not for it (None)."""
        return await self._retrying(use_case)

    # --- the shell ------------------------------------------------------------------------

    async def _drive(
        self, uow: UnitOfWork, work: Delivery, first: Run, event: Event, *, quiet: bool = False
    ) -> None:
        """Apply `event` to `first`, then deliver every share to the partners' runs."""
        queue: deque[tuple[Run, Event]] = deque([(first, event)])
        while queue:
            run, next_event = queue.popleft()
            flow = await self._flow_for(uow, run)
            state = RunState.from_json(run.state)
            new_state, effects = step(flow, state, next_event)
            await uow.runs.save(run, state=new_state.to_json(), status=RunStatus(new_state.status))
            person = await uow.people.by_id(run.person_id)
            if person is None:
                continue
            partners = await self._partners(uow, run)
            context = {"name": person.pseudonym or "", "partner": _names(partners)}
            t = self.translator_for(person)
            for effect in effects:
                queue.extend(
                    await self._perform(uow, work, run, person, partners, t, context, effect, quiet)
                )
            if run.exchange_id is not None:
                await uow.exchanges.touch(run.exchange_id, person.id or 0, self._clock())

    async def _perform(
        self,
        uow: UnitOfWork,
        work: Delivery,
        run: Run,
        person: Person,
        partners: list[tuple[Person, Run]],
        t: Translator,
        context: Mapping[str, str | int],
        effect: object,
        quiet: bool,
    ) -> list[tuple[Run, Event]]:
        def show(reply: Reply, pause_after: float = 0.0) -> None:
            if quiet:
                return
            if person.id == work.actor_id:
                work.say(reply, pause_after)
            else:
                work.write(person.telegram_id, reply, pause_after)

        def render(message: Message) -> str:
            return render_message(message, t.gettext, context)

        match effect:
            case SendText(text=text, buttons=buttons, hint=hint, pause_seconds=pause):
                body = render(text) if hint is None else f"{render(text)}\n\n{render(hint)}"
                show(Reply(body, buttons=self._buttons(run, buttons, render)), pause)
            case EditButtons(buttons=buttons):
                if work.pressed_button and person.id == work.actor_id:
                    show(
                        Reply(
                            "",
                            buttons=self._buttons(run, buttons, render),
                            replaces_pressed_message=True,
                            buttons_only=True,
                        )
                    )
            case ShowPartnerShare(heading=heading, text=words):
                source = partners[0][0].language if len(partners) == 1 else t.language
                show(Reply(render(heading), relayed=RelayedWords(words, source, t.language)))
            case ButtonIgnored(notice=notice):
                if work.pressed_button and person.id == work.actor_id:
                    work.notice = render(notice)
                else:
                    show(Reply(render(notice)))
            case RecordAnswer(key=key, value=value, survey=survey, measure=measure):
                uow.add(
                    Answer(run_id=run.id or 0, key=key, value=value, survey=survey, measure=measure)
                )
            case RecordCommitment(what=what, due=due, owner=owner):
                commitment = Commitment(
                    person_id=person.id or 0, run_id=run.id, what=what, due=due, owner=owner
                )
                uow.add(commitment)
                if due is not None:
                    await uow.session.flush()
                    program = await uow.programs.get(run.program_id) if run.program_id else None
                    await self._book.owe_checkin(
                        uow, work, person, program, commitment, self._clock()
                    )
            case ScheduleFollowUp(flow_id=flow_id, due_at=due_at):
                await self._book.owe_flow(
                    uow, work, person, run.program_id, flow_id, due_at, self._clock()
                )
            case NotifyFacilitator(reason=reason):
                await self._notify_facilitators(uow, work, run, person, reason)
            case ShareWithPartner() as share:
                return await self._share(uow, run, person, partners, share)
            case Finished():
                if not quiet:
                    await self._maybe_end_exchange(uow, work, run)
        return []

    async def _share(
        self,
        uow: UnitOfWork,
        run: Run,
        person: Person,
        partners: list[tuple[Person, Run]],
        share: ShareWithPartner,
    ) -> list[tuple[Run, Event]]:
        deliveries: list[tuple[Run, Event]] = []
        for partner, partner_run in partners:
            if RunState.from_json(partner_run.state).is_over or run.exchange_id is None:
                continue
            uow.add(
                RelayedMessage(
                    exchange_id=run.exchange_id,
                    sender_id=person.id,
                    recipient_id=partner.id,
                    key=share.key,
                    text=share.text,
                )
            )
            event = share.to_event(self._clock(), sender=person.pseudonym or "")
            deliveries.append((partner_run, event))
        return deliveries

    async def _partners(self, uow: UnitOfWork, run: Run) -> list[tuple[Person, Run]]:
        if run.exchange_id is None:
            return []
        partners = []
        for other in await uow.runs.of_exchange(run.exchange_id):
            if other.person_id == run.person_id:
                continue
            person = await uow.people.by_id(other.person_id)
            if person is not None:
                partners.append((person, other))
        return partners

    async def _maybe_end_exchange(self, uow: UnitOfWork, work: Delivery, run: Run) -> None:
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
            exchange.status = ExchangeStatus.ENDED
            exchange.ended_at = self._clock()
            exchange.ended_reason = exchange.ended_reason or "completed"

    async def end_conversation(
        self, uow: UnitOfWork, work: Delivery, exchange: Exchange, leaver: Person, reason: str
    ) -> None:
        """The one way a conversation ends early: every open run stops, the member who ended
        it is marked as gone, and each other member is told in their own language and offered
        a way on. `reason`: "left", "ended_by_member", "new_partner", "member_forgotten",
        "blocked_bot"."""
        if exchange.status == ExchangeStatus.ENDED:
            return
        exchange.status = ExchangeStatus.ENDED
        exchange.ended_at = self._clock()
        exchange.ended_reason = reason
        runs = await uow.runs.of_exchange(exchange.id or 0)
        if runs:
            await uow.runs.lock(runs[0])
        for other_run in runs:
            await self.leave_run(uow, work, other_run)
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
                work.write(other.telegram_id, self._partner_gone(other, exchange, reason))

    def _partner_gone(self, partner: Person, exchange: Exchange, reason: str) -> Reply:
        t = self.translator_for(partner)
        if reason == "member_forgotten":
            text = t.gettext(
                "Your partner has left Palaver, so this exchange has ended. Thank "
                "you for what you shared. Send /partner to meet someone new."
            )
        elif reason == "ended_by_facilitator":
            text = t.gettext(
                "A facilitator has ended this exchange. Thank you for what you shared. Would "
                "you like to meet someone new?"
            )
        else:
            text = t.gettext(
                "Your partner has ended the exchange. That can happen for many reasons, and it "
                "says nothing about you. Thank you for what you shared. Would you like to meet "
                "someone new?"
            )
        find = Button(
            t.gettext("Find me a new partner"),
            ButtonAction(PARTNER_BUTTON, f"{PARTNER_FIND}.{exchange.program_id}"),
        )
        return Reply(text, buttons=((find,),))

    async def _notify_facilitators(
        self, uow: UnitOfWork, work: Delivery, run: Run, person: Person, reason: str
    ) -> None:
        uow.audit.record(
            "facilitator.notified",
            actor_id=person.id,
            subject_type="run",
            subject_id=run.id,
            reason=reason,
        )
        if run.program_id is None:
            return
        for facilitator in await uow.exchanges.facilitators_of(run.program_id):
            t = self.translator_for(facilitator)
            text = t.gettext(
                "{pseudonym} may need a facilitator's attention in their dialogue ({reason}). "
                "Please check in with them.",
                pseudonym=person.pseudonym or "?",
                reason=reason,
            )
            work.write(facilitator.telegram_id, Reply(text))

    async def _flow_for(self, uow: UnitOfWork, run: Run) -> Flow:
        """The exact flow version the run started with, from memory or its stored snapshot."""
        state = RunState.from_json(run.state)
        try:
            return self._library.for_run(state)
        except KeyError:
            snapshot = await uow.runs.snapshot(state.flow_version)
            if snapshot is None:
                raise
            return self._library.add_snapshot(snapshot.definition)

    def _buttons(
        self,
        run: Run,
        rows: tuple[tuple[EngineButton, ...], ...],
        render: Callable[[Message], str],
    ) -> tuple[tuple[Button, ...], ...]:
        return tuple(
            tuple(
                Button(
                    (SELECTED_MARK if button.selected else "") + render(button.label),
                    ButtonAction(RUN_BUTTON, f"{run.id}.{button.turn}.{button.value}"),
                )
                for button in row
            )
            for row in rows
        )

    async def _consenting_person(self, uow: UnitOfWork, sender: Sender) -> Person | None:
        try:
            return await consenting_person(uow, sender, self._consent_version)
        except ConsentRequired:
            return None

    async def _retrying(
        self, use_case: Callable[[UnitOfWork], Awaitable[Outcome | None]]
    ) -> Outcome | None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self._database.unit_of_work() as uow:
                    return await use_case(uow)
            except RunChanged:
                log.info("a run changed concurrently; retrying (attempt %d)", attempt)
            except DBAPIError as error:
                if not is_contention(error) or attempt == ATTEMPTS:
                    raise
                log.info("the database was busy; retrying (attempt %d)", attempt)
                await asyncio.sleep(CONTENTION_PAUSE_SECONDS * attempt)
        raise RunChanged()


def _names(partners: list[tuple[Person, Run]]) -> str:
    return ", ".join(person.pseudonym or "?" for person, _run in partners)


def _parse_run_button(value: str) -> tuple[int, int, str]:
    run_id, _, rest = value.partition(".")
    turn, _, choice = rest.partition(".")
    if not (run_id.isdigit() and turn.isdigit() and choice):
        raise StaleButton()
    return int(run_id), int(turn), choice
