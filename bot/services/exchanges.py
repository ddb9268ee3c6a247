"""Track III exchanges: pairing people across the divide, ending, reporting, re-pairing.

Partners talk only through the bot and see each other only by pseudonym.
"""

from __future__ import annotations

import enum
import logging
from datetime import datetime, timedelta

from bot.engine import Flow, RunState
from bot.services.actors import Actor, Sender
from bot.services.authorization import Authorizer, Permission
from bot.services.dialogue_results import PARTNER_BUTTON, PARTNER_FIND
from bot.services.dialogues import Dialogues
from bot.services.errors import NotAMember, StaleButton, UnknownProgram
from bot.services.exchange_results import (
    AlreadyInExchange,
    AnswerAwaited,
    ConfirmEnding,
    ExchangeEnded,
    ExchangeResult,
    GoingOn,
    NotInExchange,
    PartnerOffer,
    PartnerQuiet,
    SoloOffers,
    StillLooking,
)
from bot.services.letters import Delivery
from bot.services.matching import Candidate, choose_partner
from bot.services.moderation import Moderation
from bot.services.replies import Envelope, Outcome, Reply
from bot.storage.dialogue_repositories import RunChanged
from bot.storage.tables import (
    Exchange,
    ExchangeStatus,
    FollowUp,
    FollowUpKind,
    Membership,
    MembershipStatus,
    Person,
    Program,
    ProgramStatus,
)
from bot.storage.types import utc_now
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

EXCHANGE_BUTTON = PARTNER_BUTTON
SOLO_BUTTON = "s"
DEFAULT_PAIR_FLOW = "story-exchange"


class NudgePurpose(enum.StrEnum):
    """Why a partner's silence is followed up."""

    ANSWER = "answer"
    """A gentle word to the one who has not answered."""
    NEW_PARTNER = "new_partner"
    """The one left waiting may meet someone new."""


class ExchangeAction:
    """Values of exchange buttons: "<action>" or "<action>.<program id>"."""

    FIND = PARTNER_FIND
    END = "end"
    REPORT = "report"
    NEW_PARTNER = "new"
    KEEP = "keep"


class Exchanges:
    """Use cases of one-to-one exchanges."""

    def __init__(
        self,
        dialogues: Dialogues,
        authorizer: Authorizer,
        consent_version: str,
        moderation: Moderation | None = None,
    ) -> None:
        self._moderation = moderation or Moderation(dialogues, authorizer)
        self._dialogues = dialogues
        self._views = dialogues.views
        self._authorizer = authorizer

    # --- pairing ---------------------------------------------------------------------------

    async def find_partner(self, sender: Sender, program_id: int | None = None) -> Outcome:
        """Look for a partner from another community; start the exchange when one is found."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._dialogues.actors.of(uow, sender)
            work = self._dialogues.work_for(actor)
            await self._find(uow, work, actor, program_id)
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _find(
        self, uow: UnitOfWork, work: Delivery, actor: Actor, program_id: int | None
    ) -> None:
        person, t = actor.person, actor.translator
        current = await uow.exchanges.current_of(actor.person_id)
        if current is not None:
            looking = current.status == ExchangeStatus.WAITING
            work.say(self._views.render(StillLooking() if looking else AlreadyInExchange(), t))
            return
        program, membership = await self._program_of(uow, person, program_id)
        await self._authorizer.require(uow, person, Permission.PARTICIPATE, program.id)
        await uow.exchanges.lock_matching(program.id or 0)
        flow = self._pair_flow(program)
        now = utc_now()
        seeker = _candidate(person, membership, now)
        waiting = {
            waits.person.id: waits for waits in await uow.exchanges.waiting_in(program.id or 0)
        }
        partner = choose_partner(
            seeker,
            [
                _candidate(waits.person, waits.membership, waits.exchange.started_at)
                for waits in waiting.values()
            ],
            await uow.exchanges.past_partners(person.id or 0),
            same_language_required=program.same_language_pairs,
        )
        if partner is None:
            await uow.exchanges.add(
                Exchange(
                    program_id=program.id or 0, flow_id=flow.id, status=ExchangeStatus.WAITING
                ),
                [person.id or 0],
            )
            work.say(self._views.render(StillLooking(), t))
            return
        exchange, other = waiting[partner.person_id].exchange, waiting[partner.person_id].person
        if not await uow.exchanges.take_seat(exchange, person.id or 0, now):
            # Taken in the moment since we looked (another process): look again from scratch.
            raise RunChanged()
        uow.audit.record(
            "exchange.started",
            actor_id=person.id,
            subject_type="exchange",
            subject_id=exchange.id,
        )
        # Both runs exist before either starts, so each first message can name the partner;
        # the one who waited longer hears first that their partner has arrived.
        runs = await self._dialogues.create_exchange_runs(
            uow, (other, person), flow, program_id=program.id, exchange_id=exchange.id or 0
        )
        for run in runs:
            await self._dialogues.begin(uow, work, run)

    # --- ending, reporting, re-pairing ----------------------------------------------------

    async def ask_to_end(self, sender: Sender) -> Outcome:
        """/end: ask for confirmation first; ending cannot be undone."""
        return await self._confirm(sender, ExchangeAction.END)

    async def ask_to_report(self, sender: Sender) -> Outcome:
        """/report: what happened, in one tap; then the program's facilitators are told."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._dialogues.actors.of(uow, sender)
            if await uow.exchanges.current_of(actor.person_id) is None:
                return Outcome(replies=(self._views.render(NotInExchange(), actor.translator),))
            reasons = self._moderation.reasons(actor.person, EXCHANGE_BUTTON, ExchangeAction.REPORT)
            return Outcome(replies=(reasons,))

        return await self._dialogues.retrying(use_case)

    async def ask_for_new_partner(self, sender: Sender) -> Outcome:
        """/newpartner: confirm, then end this exchange and look for someone else."""
        return await self._confirm(sender, ExchangeAction.NEW_PARTNER)

    async def _confirm(self, sender: Sender, action: str) -> Outcome:
        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._dialogues.actors.of(uow, sender)
            exchange = await uow.exchanges.current_of(actor.person_id)
            shown = NotInExchange() if exchange is None else ConfirmEnding(action)
            return Outcome(replies=(self._views.render(shown, actor.translator),))

        return await self._dialogues.retrying(use_case)

    async def press(self, sender: Sender, value: str) -> Outcome:
        """An exchange button."""
        action, _, argument = value.partition(".")
        if action == ExchangeAction.FIND:
            program_id = int(argument) if argument.isdigit() else None
            return await self.find_partner(sender, program_id)
        if action in (ExchangeAction.END, ExchangeAction.REPORT, ExchangeAction.NEW_PARTNER):
            return await self._act(sender, action, argument)
        if action == ExchangeAction.KEEP:
            return await self._kept(sender)
        raise StaleButton()

    async def _kept(self, sender: Sender) -> Outcome:
        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._dialogues.actors.of(uow, sender)
            return Outcome(replies=(self._views.render(GoingOn(), actor.translator),))

        return await self._dialogues.retrying(use_case)

    async def _act(self, sender: Sender, action: str, argument: str = "") -> Outcome:
        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._dialogues.actors.of(uow, sender)
            work = self._dialogues.work_for(actor)
            exchange = await uow.exchanges.current_of(actor.person_id)
            if exchange is None:
                work.notice = self._views.render(NotInExchange(), actor.translator).text
                return work.outcome()
            if action == ExchangeAction.REPORT:
                await self._moderation.report(uow, work, actor.person, exchange, argument)
                return await work.seal(uow)
            reason = "new_partner" if action == ExchangeAction.NEW_PARTNER else "ended_by_member"
            await self._dialogues.end_conversation(uow, work, exchange, actor.person, reason)
            work.say(self._views.render(ExchangeEnded(), actor.translator))
            if action == ExchangeAction.NEW_PARTNER:
                await self._find(uow, work, actor, exchange.program_id)
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    # --- someone gone --------------------------------------------------------------------

    async def member_blocked(self, person_id: int) -> None:
        """The person blocked the bot: their conversation ends and the others are told (the
        outbox dispatcher sends it; nobody's update is waiting for it)."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            person = await uow.people.by_id(person_id)
            exchange = await uow.exchanges.current_of(person_id) if person else None
            if person is None or exchange is None:
                return Outcome()
            work = self._dialogues.new_system_work()
            await self._dialogues.end_conversation(uow, work, exchange, person, "blocked_bot")
            return await work.seal(uow, claim=False)

        await self._dialogues.retrying(use_case)

    # --- silence ---------------------------------------------------------------------------

    async def check_silent_partners(self, now: datetime | None = None) -> tuple[Envelope, ...]:
        """Nudge partners who have gone quiet; after the program's limit, offer a new partner.

        Run periodically. The nudges go into the outbox with the record that they were sent;
        a paused or closed program nudges no one. Returns what was posted, to send now.
        """
        moment = now or self._dialogues.now()

        async def use_case(uow: UnitOfWork) -> Outcome:
            work = self._dialogues.new_system_work()
            for exchange in await uow.exchanges.active():
                program = await uow.programs.get(exchange.program_id)
                if program is None or program.status != ProgramStatus.ACTIVE:
                    continue
                await self._check_exchange(uow, work, exchange, program, moment)
            return await work.seal(uow)

        return (await self._dialogues.retrying(use_case)).posted

    async def _check_exchange(
        self, uow: UnitOfWork, work: Delivery, exchange: Exchange, program: Program, now: datetime
    ) -> None:
        limit = timedelta(hours=program.partner_silence_hours)
        runs = {run.person_id: run for run in await uow.runs.of_exchange(exchange.id or 0)}
        members = await uow.exchanges.members(exchange.id or 0)
        waiting_ids = {
            person_id
            for person_id, run in runs.items()
            if RunState.from_json(run.state).status == "waiting_partner"
        }
        for member in members:
            silent_for = now - member.last_active_at
            others_wait = bool(waiting_ids - {member.person_id})
            if not others_wait or member.person_id in waiting_ids:
                continue
            person = await uow.people.by_id(member.person_id)
            if person is None:
                continue
            if silent_for >= limit:
                for waiting_id in waiting_ids - {member.person_id}:
                    waiting = await uow.people.by_id(waiting_id)
                    if waiting is not None and waiting.blocked_bot_at is None:
                        await self._owe_nudge(
                            uow, waiting, exchange, NudgePurpose.NEW_PARTNER, member.person_id, now
                        )
                member.last_active_at = now  # offer once per silence period
            elif silent_for >= limit / 2 and member.nudged_at is None:
                if person.blocked_bot_at is None:
                    await self._owe_nudge(
                        uow,
                        person,
                        exchange,
                        NudgePurpose.ANSWER,
                        member.person_id,
                        member.last_active_at,
                    )
                member.nudged_at = now

    async def _owe_nudge(
        self,
        uow: UnitOfWork,
        person: Person,
        exchange: Exchange,
        purpose: NudgePurpose,
        silent_id: int,
        silent_since: datetime,
    ) -> None:
        """A nudge is a follow-up: sent in the person's own hours, once (its dedupe key)."""
        since = int(silent_since.timestamp())
        now = self._dialogues.now()
        await self._dialogues.book.owe(
            uow,
            None,
            person,
            None,
            FollowUp(
                person_id=person.id or 0,
                program_id=exchange.program_id,
                kind=FollowUpKind.EXCHANGE_NUDGE,
                exchange_id=exchange.id,
                payload={"purpose": purpose.value, "silent_id": silent_id, "since": since},
                due_at=now,
                not_before=now,
                created_at=now,
                dedupe_key=f"nudge:{exchange.id}:{person.id}:{purpose.value}:{since}",
            ),
        )

    async def nudge_still_due(self, uow: UnitOfWork, follow_up: FollowUp) -> bool:
        """Whether the silence a nudge was owed for still holds (nobody spoke since)."""
        payload = follow_up.payload or {}
        exchange = await uow.exchanges.get(follow_up.exchange_id or 0)
        if exchange is None or exchange.status != ExchangeStatus.ACTIVE:
            return False
        members = {m.person_id: m for m in await uow.exchanges.members(exchange.id or 0)}
        silent = members.get(int(payload.get("silent_id", 0)))
        if silent is None or silent.left_at is not None:
            return False
        return int(silent.last_active_at.timestamp()) == int(payload.get("since", -1))

    def nudge(self, person: Person, purpose: str) -> Reply:
        """The words of a nudge: to the silent one, or to the one left waiting."""
        shown = PartnerQuiet() if purpose == NudgePurpose.NEW_PARTNER else AnswerAwaited()
        return self._views.render(shown, self._dialogues.translator_for(person))

    # --- joining a program leads here ------------------------------------------------------

    def after_joining(self, person: Person, program: Program) -> tuple[Reply, ...]:
        """What a new member of a program is offered: a partner, if the program pairs people."""
        t = self._dialogues.translator_for(person)
        offers: list[ExchangeResult] = []
        solo = self._solo_flows(program)
        if solo:
            offers.append(SoloOffers(program.id or 0, solo))
        if self._offers_pairs(program):
            offers.append(PartnerOffer(program.id or 0))
        return tuple(self._views.render(offer, t) for offer in offers)

    # --- helpers ---------------------------------------------------------------------------

    async def _program_of(
        self, uow: UnitOfWork, person: Person, program_id: int | None
    ) -> tuple[Program, Membership]:
        """The program to look for a partner in (the latest joined, unless named), and the
        person's membership of it."""
        memberships = [
            membership
            for membership in await uow.exchanges.memberships_of(person.id or 0)
            if membership.status == MembershipStatus.JOINED
            and program_id in (None, membership.program_id)
        ]
        if not memberships:
            raise NotAMember()
        program = await uow.programs.get(memberships[0].program_id)
        if program is None or program.status != ProgramStatus.ACTIVE:
            raise UnknownProgram()
        return program, memberships[0]

    def _solo_flows(self, program: Program) -> tuple[tuple[str, str], ...]:
        """The solo flows the program offers, each as its id and title."""
        solo = []
        for flow_id in program.flows:
            try:
                flow = self._dialogues.library.latest(flow_id)
            except KeyError:
                continue
            if flow.kind == "solo":
                solo.append((flow.id, flow.title))
        return tuple(solo)

    def _offers_pairs(self, program: Program) -> bool:
        try:
            self._pair_flow(program)
        except UnknownProgram:
            return False
        return True

    def _pair_flow(self, program: Program) -> Flow:
        library = self._dialogues.library
        flow_ids = program.flows or [DEFAULT_PAIR_FLOW]
        for flow_id in flow_ids:
            try:
                flow = library.latest(flow_id)
            except KeyError:
                continue
            if flow.kind == "pair":
                return flow
        raise UnknownProgram()


def _candidate(person: Person, membership: Membership | None, since: datetime) -> Candidate:
    """Someone who may be paired, as matching sees them: community and languages."""
    languages = set(membership.languages if membership and membership.languages else [])
    languages.add(person.language)
    return Candidate(
        person_id=person.id or 0,
        community_id=membership.community_id if membership else None,
        languages=frozenset(languages),
        waiting_since=since,
    )
