"""Track III exchanges: pairing people across the divide, ending, reporting, re-pairing.

Partners talk only through the bot and see each other only by pseudonym.
"""

from __future__ import annotations

import enum
import logging
from datetime import datetime, timedelta

from bot.engine import Flow, RunState
from bot.i18n.translator import N_, Translator
from bot.services.actors import Sender, consenting_person
from bot.services.authorization import Authorizer, Permission
from bot.services.dialogue_results import PARTNER_BUTTON, PARTNER_FIND
from bot.services.dialogues import Dialogues
from bot.services.errors import NotAMember, StaleButton, UnknownProgram
from bot.services.letters import Delivery
from bot.services.matching import Candidate, choose_partner
from bot.services.moderation import Moderation
from bot.services.replies import Button, ButtonAction, Envelope, Outcome, Reply
from bot.storage.dialogue_repositories import RunChanged
from bot.storage.tables import (
    Exchange,
    ExchangeStatus,
    FollowUp,
    FollowUpKind,
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
        self._moderation = moderation or Moderation(dialogues, authorizer, consent_version)
        self._dialogues = dialogues
        self._authorizer = authorizer
        self._consent_version = consent_version

    # --- pairing ---------------------------------------------------------------------------

    async def find_partner(self, sender: Sender, program_id: int | None = None) -> Outcome:
        """Look for a partner from another community; start the exchange when one is found."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            person = await self._person(uow, sender)
            work = self._dialogues.new_work(person, sender)
            await self._find(uow, work, person, program_id)
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _find(
        self, uow: UnitOfWork, work: Delivery, person: Person, program_id: int | None
    ) -> None:
        t = self._dialogues.translator_for(person)
        current = await uow.exchanges.current_of(person.id or 0)
        if current is not None:
            if current.status == ExchangeStatus.WAITING:
                work.say(Reply(t.gettext(_STILL_LOOKING)))
            else:
                work.say(
                    Reply(t.gettext("You are already in an exchange. Send /end to end it first."))
                )
            return
        program = await self._program_of(uow, person, program_id)
        await self._authorizer.require(uow, person, Permission.PARTICIPATE, program.id)
        await uow.exchanges.lock_matching(program.id or 0)
        flow = self._pair_flow(program)
        seeker = await self._candidate(uow, person, program, utc_now())
        waiting = {
            member.person_id: exchange
            for exchange, member in await uow.exchanges.waiting_in(program.id or 0)
        }
        candidates = [
            await self._candidate(uow, other, program, exchange.started_at)
            for other_id, exchange in waiting.items()
            if (other := await uow.people.by_id(other_id)) is not None
        ]
        partner = choose_partner(
            seeker,
            candidates,
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
            work.say(Reply(t.gettext(_STILL_LOOKING)))
            return
        exchange = waiting[partner.person_id]
        if not await uow.exchanges.take_seat(exchange, person.id or 0):
            # Taken in the moment since we looked (another process): look again from scratch.
            raise RunChanged()
        exchange.started_at = utc_now()
        other = await uow.people.by_id(partner.person_id)
        assert other is not None
        uow.audit.record(
            "exchange.started",
            actor_id=person.id,
            subject_type="exchange",
            subject_id=exchange.id,
        )
        # Both runs exist before either starts, so each first message can name the partner;
        # the one who waited longer hears first that their partner has arrived.
        runs = [
            await self._dialogues.create_run(
                uow, member, flow, program_id=program.id, exchange_id=exchange.id
            )
            for member in (other, person)
        ]
        for run in runs:
            await self._dialogues.begin(uow, work, run)

    async def _candidate(
        self, uow: UnitOfWork, person: Person, program: Program, since: datetime
    ) -> Candidate:
        membership = await uow.exchanges.membership(person.id or 0, program.id or 0)
        languages = set(membership.languages if membership and membership.languages else [])
        languages.add(person.language)
        return Candidate(
            person_id=person.id or 0,
            community_id=membership.community_id if membership else None,
            languages=frozenset(languages),
            waiting_since=since,
        )

    # --- ending, reporting, re-pairing ----------------------------------------------------

    async def ask_to_end(self, sender: Sender) -> Outcome:
        """/end: ask for confirmation first; ending cannot be undone."""
        return await self._confirm(
            sender,
            N_(
                "Do you want to end this exchange? Your partner will be told, kindly, that it "
                "has ended."
            ),
            ExchangeAction.END,
            N_("Yes, end it"),
        )

    async def ask_to_report(self, sender: Sender) -> Outcome:
        """/report: what happened, in one tap; then the program's facilitators are told."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            person = await self._person(uow, sender)
            t = self._dialogues.translator_for(person)
            if await uow.exchanges.current_of(person.id or 0) is None:
                return Outcome(
                    replies=(Reply(t.gettext("You are not in an exchange at the moment.")),)
                )
            return Outcome(
                replies=(self._moderation.reasons(person, EXCHANGE_BUTTON, ExchangeAction.REPORT),)
            )

        return await self._dialogues.retrying(use_case)

    async def ask_for_new_partner(self, sender: Sender) -> Outcome:
        """/newpartner: confirm, then end this exchange and look for someone else."""
        return await self._confirm(
            sender,
            N_(
                "Do you want a new partner? This exchange will end, and I will look for someone "
                "else from another community."
            ),
            ExchangeAction.NEW_PARTNER,
            N_("Yes, find someone new"),
        )

    async def _confirm(self, sender: Sender, question: str, action: str, yes: str) -> Outcome:
        async def use_case(uow: UnitOfWork) -> Outcome:
            person = await self._person(uow, sender)
            t = self._dialogues.translator_for(person)
            exchange = await uow.exchanges.current_of(person.id or 0)
            if exchange is None:
                return Outcome(
                    replies=(Reply(t.gettext("You are not in an exchange at the moment.")),)
                )
            buttons = (
                (
                    Button(t.gettext(yes), ButtonAction(EXCHANGE_BUTTON, action)),
                    Button(t.gettext("No, go on"), ButtonAction(EXCHANGE_BUTTON, "keep")),
                ),
            )
            return Outcome(replies=(Reply(t.gettext(question), buttons=buttons),))

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
            person = await self._person(uow, sender)
            t = self._dialogues.translator_for(person)
            return Outcome(
                replies=(
                    Reply(t.gettext("All right, let's go on."), replaces_pressed_message=True),
                )
            )

        return await self._dialogues.retrying(use_case)

    async def _act(self, sender: Sender, action: str, argument: str = "") -> Outcome:
        async def use_case(uow: UnitOfWork) -> Outcome:
            person = await self._person(uow, sender)
            t = self._dialogues.translator_for(person)
            work = self._dialogues.new_work(person, sender)
            exchange = await uow.exchanges.current_of(person.id or 0)
            if exchange is None:
                work.notice = t.gettext("You are not in an exchange at the moment.")
                return work.outcome()
            if action == ExchangeAction.REPORT:
                await self._moderation.report(uow, work, person, exchange, argument)
                return await work.seal(uow)
            reason = "new_partner" if action == ExchangeAction.NEW_PARTNER else "ended_by_member"
            await self._end(uow, work, person, exchange, reason)
            if action == ExchangeAction.NEW_PARTNER:
                await self._find(uow, work, person, exchange.program_id)
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _end(
        self, uow: UnitOfWork, work: Delivery, person: Person, exchange: Exchange, reason: str
    ) -> None:
        t = self._dialogues.translator_for(person)
        await self._dialogues.end_conversation(uow, work, exchange, person, reason)
        work.say(
            Reply(
                t.gettext("The exchange has ended. Thank you for taking part."),
                replaces_pressed_message=True,
            )
        )

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
        if purpose == NudgePurpose.NEW_PARTNER:
            return self._offer_new(person)
        t = self._dialogues.translator_for(person)
        return Reply(
            t.gettext(
                "Your partner is waiting for your answer. Take your time; when "
                "you are ready, just reply here. You can also pause or leave "
                "with /leave."
            )
        )

    def _offer_new(self, person: Person) -> Reply:
        t = self._dialogues.translator_for(person)
        return Reply(
            t.gettext(
                "Your partner has not answered for a while. You can keep waiting, or meet "
                "someone new."
            ),
            buttons=(
                (
                    Button(
                        t.gettext("Find me a new partner"),
                        ButtonAction(EXCHANGE_BUTTON, ExchangeAction.NEW_PARTNER),
                    ),
                    Button(t.gettext("Keep waiting"), ButtonAction(EXCHANGE_BUTTON, "keep")),
                ),
            ),
        )

    # --- joining a program leads here ------------------------------------------------------

    async def after_joining(self, person_id: int, program_id: int) -> tuple[Reply, ...]:
        """What a new member of a program is offered: a partner, if the program pairs people."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            person = await uow.people.by_id(person_id)
            program = await uow.programs.get(program_id)
            if person is None or program is None:
                return Outcome()
            t = self._dialogues.translator_for(person)
            offers = self._solo_offers(program, t)
            if not self._offers_pairs(program):
                return Outcome(replies=offers)
            find = ButtonAction(EXCHANGE_BUTTON, f"{ExchangeAction.FIND}.{program_id}")
            partner_offer = Reply(
                t.gettext(
                    "When you are ready, I can introduce you to someone from another community "
                    "for a written exchange of stories."
                ),
                buttons=((Button(t.gettext("Find me a partner"), find),),),
            )
            return Outcome(replies=(*offers, partner_offer))

        return (await self._dialogues.retrying(use_case)).replies

    # --- helpers ---------------------------------------------------------------------------

    async def _person(self, uow: UnitOfWork, sender: Sender) -> Person:
        return await consenting_person(uow, sender, self._consent_version)

    async def _program_of(self, uow: UnitOfWork, person: Person, program_id: int | None) -> Program:
        memberships = [
            membership
            for membership in await uow.exchanges.memberships_of(person.id or 0)
            if membership.status == MembershipStatus.JOINED
        ]
        if program_id is None:
            if not memberships:
                raise NotAMember()
            program_id = memberships[0].program_id
        elif not any(membership.program_id == program_id for membership in memberships):
            raise NotAMember()
        program = await uow.programs.get(program_id)
        if program is None or program.status != ProgramStatus.ACTIVE:
            raise UnknownProgram()
        return program

    def _solo_offers(self, program: Program, t: Translator) -> tuple[Reply, ...]:
        solo = []
        for flow_id in program.flows:
            try:
                flow = self._dialogues.library.latest(flow_id)
            except KeyError:
                continue
            if flow.kind == "solo":
                solo.append(flow)
        if not solo:
            return ()
        buttons = tuple(
            (
                Button(
                    t.gettext(flow.title),
                    ButtonAction(SOLO_BUTTON, f"{program.id}.{flow.id}"),
                ),
            )
            for flow in solo
        )
        return (
            Reply(
                t.gettext("You can also take part on your own, whenever it suits you:"),
                buttons=buttons,
            ),
        )

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


_STILL_LOOKING = N_(
    "I'm looking for a partner for you from another community. I'll write as soon as I find "
    "someone; it can take a while. You don't need to stay in this chat."
)
