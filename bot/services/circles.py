"""Circles: a facilitator runs a small-group dialogue from a phone.

A *relayed* circle happens in each member's private chat: the bot relays every answer to
the others under pseudonyms, in the reader's language, so nobody sees anyone's Telegram
identity. The facilitator's console (`/circles`) creates circles, admits people, and runs
the agenda the circle flow describes (`bot.engine.agenda`): begin, next round, close a
round, pause, resume, more time, end.

How the promises are kept:
- Every change locks the circle's row first (`CircleRepository.get(lock=True)`), so
  members answering at the same moment, a facilitator's "next" and a timer take turns, and
  a round is shown to everyone exactly once (`close_round` is a conditional update).
- A seat is taken by a conditional update on the conversation's member count, under the
  database's CHECK that it never exceeds the capacity.
- Every message leaves through the outbox, written with the change it tells about.
- Every facilitator action goes through `CircleRooms.facilitating`, which asks the
  `Authorizer`: the one place a circle's authority is checked.

The parts: `circle_rooms` (what they share), `circle_agenda` (rounds), `circle_console`
(facilitators), `circle_moderation` (reports), `circle_groups` (Telegram groups); this
module holds what members do.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.services.actors import Sender
from bot.services.authorization import Authorizer
from bot.services.circle_agenda import CircleAgenda
from bot.services.circle_console import CircleConsole
from bot.services.circle_groups import CircleGroups
from bot.services.circle_moderation import CircleModeration
from bot.services.circle_results import (
    AlreadyCoHosting,
    AlreadySeated,
    CircleAlreadyPaused,
    LeftCircle,
    SeatAlreadyRequested,
    SeatAsked,
    SeatRequested,
    TimeOutCalled,
)
from bot.services.circle_rooms import INVITE_PREFIX, CircleClosed, CircleRooms, MemberVerb
from bot.services.circle_statements import CircleStatements
from bot.services.common_ground import CommonGroundDesk
from bot.services.dialogues import Dialogues
from bot.services.errors import StaleButton
from bot.services.letters import Delivery
from bot.services.replies import Outcome, Reply
from bot.storage.tables import (
    Admission,
    CircleState,
    ExchangeMember,
    MemberRole,
    Person,
    ProgramStatus,
)
from bot.storage.unit_of_work import UnitOfWork


class Circles:
    """Circles for their members (seats, agreements, words, /timeout, /leave), and the
    parts facilitators and groups use: `console`, `groups`, `moderation`, `agenda`."""

    def __init__(
        self,
        dialogues: Dialogues,
        authorizer: Authorizer,
        clock: Clock,
        bot_username: str | None = None,
    ) -> None:
        self.kit = self._kit = CircleRooms(dialogues, authorizer, clock, bot_username)
        self._dialogues = dialogues
        self._actors = dialogues.actors
        self._views = dialogues.views
        self._authorizer = authorizer
        self._clock = clock
        statements = CircleStatements(self._kit, CommonGroundDesk(dialogues, authorizer))
        self.agenda = self._agenda = CircleAgenda(self._kit, statements)
        self.moderation = self._moderation = CircleModeration(self._kit, self._agenda)
        self.groups = CircleGroups(self._kit, self._agenda, self._moderation)
        self.console = CircleConsole(self._kit, self._agenda, self._moderation)

    async def knock(
        self, uow: UnitOfWork, work: Delivery, person: Person, code: str
    ) -> tuple[Reply, ...] | None:
        """Someone opened a circle's invite link: ask the facilitators for a seat.

        None when `code` is no circle's. The person joins the circle's program if they are
        not in it yet (the caller asks its questions)."""
        if not code.startswith(INVITE_PREFIX):
            return None
        found = await uow.circles.by_invite_code(code)
        if found is None:
            return None
        circle, exchange = found
        t = self._kit.t(person)
        if circle.state is CircleState.ENDED:
            raise CircleClosed()
        program = await uow.programs.get(exchange.program_id)
        if program is None or program.status is not ProgramStatus.ACTIVE:
            raise CircleClosed()
        member = await uow.circles.member(exchange.id or 0, person.id or 0)
        if member is not None and member.role is MemberRole.FACILITATOR:
            return (self._views.render(AlreadyCoHosting(), t),)
        if member is not None and member.left_at is None:
            if member.admission is Admission.ADMITTED:
                return (self._views.render(AlreadySeated(), t),)
            if member.admission is Admission.REQUESTED:
                return (self._views.render(SeatAlreadyRequested(), t),)
        await self._kit.ensure_membership(uow, person, program)
        if member is None:
            member = ExchangeMember(
                exchange_id=exchange.id or 0,
                person_id=person.id or 0,
                admission=Admission.REQUESTED,
            )
            uow.add(member)
        else:
            member.admission, member.left_at = Admission.REQUESTED, None
        await uow.session.flush()
        uow.audit.record(
            "circle.seat_requested",
            actor_id=person.id,
            subject_type="circle",
            subject_id=exchange.id,
            program_id=exchange.program_id,
        )
        request = SeatRequested(
            exchange.id,
            person.id,
            person.pseudonym,
            await self._kit.community_of(uow, person, exchange.program_id),
        )
        for facilitator in await self._kit.facilitators(uow, exchange):
            work.write(
                facilitator.telegram_id, self._views.render(request, self._kit.t(facilitator))
            )
        flow = self._dialogues.library.latest(exchange.flow_id)
        return (self._views.render(SeatAsked(flow.title), t),)

    async def press_member(self, sender: Sender, value: str) -> Outcome:
        """A member's button: agree to the agreements, report an answer."""
        verb_value, _, rest = value.partition(".")
        target, _, argument = rest.partition(".")
        if not target.isdigit():
            raise StaleButton()
        try:
            verb = MemberVerb(verb_value)
        except ValueError:
            raise StaleButton() from None

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._kit.actor(uow, sender)
            person = actor.person
            work = self._kit.work_for(actor)
            if verb is MemberVerb.AGREE:
                await self._agenda.agree(uow, work, person, int(target))
            elif verb is MemberVerb.REPORT:
                work.say(await self._moderation.report_reasons(uow, person, int(target)))
            else:
                await self._moderation.report(uow, work, person, int(target), argument)
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def take_text(self, sender: Sender, text: str) -> Outcome | None:
        """A member's words while a round of their circle takes them in private (None: not
        for a circle, let the next taker have them)."""
        return await self._answer(sender, text)

    async def pass_round(self, sender: Sender) -> Outcome | None:
        """/skip in a circle: pass this round (None: not in a circle's round)."""
        return await self._answer(sender, None)

    async def _answer(self, sender: Sender, text: str | None) -> Outcome | None:
        """Words (or, None, a pass) for the open round; the agreements again to someone
        who has not accepted them, since nobody speaks before."""

        async def use_case(uow: UnitOfWork) -> Outcome | None:
            actor = await self._actors.consenting(uow, sender)
            if actor is None:
                return None
            person = actor.person
            seat = await self._agenda.open_seat(uow, person)
            if seat is None:
                return None
            room, member = seat
            work = self._kit.work_for(actor)
            if member.agreed_at is None:
                work.say(self._agenda.agreements(room.t, room, person, again=True))
            else:
                await self._agenda.contribute(uow, work, room, member, text)
            return await work.seal(uow)

        return await self._dialogues.retrying_if_mine(use_case)

    async def time_out(self, sender: Sender) -> Outcome | None:
        """/timeout: any member pauses the circle; the facilitators are alerted privately."""

        async def use_case(uow: UnitOfWork) -> Outcome | None:
            actor = await self._actors.consenting(uow, sender)
            if actor is None:
                return None
            person = actor.person
            seats = await uow.circles.seated_in(actor.person_id)
            if not seats:
                return None
            circle, exchange, _member = seats[0]
            room = await self._kit.room(uow, person, circle.exchange_id or 0, lock=True)
            work = self._kit.work_for(actor)
            if room.circle.state is CircleState.RUNNING:
                await self._agenda.pause(uow, work, room, person)
            else:
                work.say(self._views.render(CircleAlreadyPaused(), actor.translator))
            uow.audit.record(
                "circle.time_out",
                actor_id=person.id,
                subject_type="circle",
                subject_id=room.id,
                program_id=exchange.program_id,
            )
            called = TimeOutCalled(room.id, person.pseudonym)
            for facilitator in await self._kit.facilitators(uow, room.exchange):
                work.write(
                    facilitator.telegram_id, self._views.render(called, self._kit.t(facilitator))
                )
            return await work.seal(uow)

        return await self._dialogues.retrying_if_mine(use_case)

    async def leave(self, sender: Sender) -> Outcome | None:
        """/leave in a circle: the member goes, the circle goes on without them."""

        async def use_case(uow: UnitOfWork) -> Outcome | None:
            # Anyone Palaver knows may leave, even before accepting a changed consent text.
            actor = await self._actors.known(uow, sender)
            if actor is None:
                return None
            person = actor.person
            seats = await uow.circles.seated_in(actor.person_id)
            if not seats:
                return None
            circle, _exchange, member = seats[0]
            room = await self._kit.room(uow, person, circle.exchange_id or 0, lock=True)
            work = self._kit.work_for(actor)
            await self._agenda.without(uow, work, room, member, person, removed=False)
            work.say(self._views.render(LeftCircle(), actor.translator))
            return await work.seal(uow)

        return await self._dialogues.retrying_if_mine(use_case)

    async def member_blocked(self, person_id: int) -> None:
        """The person blocked the bot: their circles go on without them."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            person = await uow.people.by_id(person_id)
            if person is None:
                return Outcome()
            work = self._dialogues.new_system_work()
            await self.member_gone(uow, work, person)
            return await work.seal(uow, claim=False)

        await self._dialogues.retrying(use_case)

    async def member_gone(self, uow: UnitOfWork, work: Delivery, person: Person) -> None:
        """Someone blocked the bot or erased themselves: every circle goes on without them."""
        for circle, _exchange, member in await uow.circles.seated_in(person.id or 0):
            room = await self._kit.room(uow, person, circle.exchange_id or 0, lock=True)
            await self._agenda.without(uow, work, room, member, person, removed=False)

    # ================================================================ in a Telegram group
