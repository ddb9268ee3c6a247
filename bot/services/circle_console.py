"""The facilitator's console: /circles, making a circle in a few taps, the circle's card
(who is in, who agreed, who answered) and its controls, and /next, /pause, /resume,
/end as commands."""

from __future__ import annotations

import secrets
from datetime import datetime

from bot.services.actors import Sender
from bot.services.authorization import Permission
from bot.services.circle_agenda import CircleAgenda
from bot.services.circle_console_results import (
    ChooseCircleFlow,
    ChooseCircleKind,
    ChooseCircleSize,
    ChooseCircleStart,
    CircleCard,
    CircleGoesOn,
    CircleHasEnded,
    CircleInviteLink,
    CircleIsPaused,
    CircleSummary,
    CoHostOnCard,
    ConfirmGroupCircle,
    ConsoleNotice,
    GroupCircleInstructions,
    MemberOnCard,
    MoreTimeForRound,
    MoreTimeGiven,
    NowCoHosting,
    OpenProgram,
    RoundAnswer,
    RoundIsClosed,
    RoundIsOpen,
    SeatRequestOnCard,
    YourCircles,
)
from bot.services.circle_moderation import CircleModeration
from bot.services.circle_rooms import (
    CIRCLE_KINDS,
    INVITE_PREFIX,
    MORE_TIME,
    SIZES,
    STARTS,
    CircleClosed,
    CircleRooms,
    MembersWouldSeeEachOther,
    NoCircle,
    Room,
    Verb,
    circle_flows,
    exposes_communities,
    quarter_hour,
)
from bot.services.errors import NotAllowed, StaleButton
from bot.services.letters import Delivery
from bot.services.program_errors import ProgramClosed
from bot.services.replies import Outcome, Reply
from bot.storage.tables import (
    Admission,
    Circle,
    CircleState,
    ConversationKind,
    Exchange,
    ExchangeMember,
    ExchangeStatus,
    MemberRole,
    Person,
    Program,
    ProgramStatus,
)
from bot.storage.unit_of_work import UnitOfWork


class CircleConsole:
    """Facilitators create and run circles."""

    def __init__(
        self, kit: CircleRooms, agenda: CircleAgenda, moderation: CircleModeration
    ) -> None:
        self._kit = kit
        self._dialogues = kit.dialogues
        self._actors = kit.dialogues.actors
        self._views = kit.dialogues.views
        self._authorizer = kit.authorizer
        self._clock = kit.clock
        self._agenda = agenda
        self._moderation = moderation

    async def create(
        self,
        uow: UnitOfWork,
        facilitator: Person,
        program: Program,
        flow_id: str,
        kind: ConversationKind,
        size: int,
        starts_at: datetime | None = None,
        *,
        members_see_each_other: bool = False,
    ) -> Circle:
        """A new circle of `program`, with `facilitator` as its first co-host.

        `members_see_each_other`: the facilitator was told that in a group circle every
        member sees the others' Telegram profiles (required when that exposes communities
        to each other, see `exposes_communities`).
        """
        await self._authorizer.require(uow, facilitator, Permission.FACILITATE, program.id)
        if program.status is ProgramStatus.CLOSED:
            raise ProgramClosed()
        if flow_id not in circle_flows(self._dialogues.library):
            raise StaleButton()
        if not members_see_each_other and await exposes_communities(uow, program, kind):
            raise MembersWouldSeeEachOther(program=program.name)
        exchange = Exchange(
            program_id=program.id or 0,
            flow_id=flow_id,
            kind=kind,
            capacity=size,
            status=ExchangeStatus.ACTIVE,
            started_at=self._clock(),
        )
        circle = Circle(
            invite_code=f"{INVITE_PREFIX}{secrets.token_urlsafe(18)}",
            link_code=secrets.token_urlsafe(12) if kind is ConversationKind.GROUP_CIRCLE else None,
            starts_at=starts_at,
            created_by_id=facilitator.id,
            created_at=self._clock(),
        )
        await uow.circles.add(exchange, circle)
        uow.add(
            ExchangeMember(
                exchange_id=exchange.id or 0,
                person_id=facilitator.id or 0,
                role=MemberRole.FACILITATOR,
                agreed_at=self._clock(),
            )
        )
        uow.audit.record(
            "circle.created",
            actor_id=facilitator.id,
            subject_type="circle",
            subject_id=exchange.id,
            program_id=program.id,
            kind=kind.value,
            size=size,
        )
        return circle

    async def overview(self, sender: Sender) -> Outcome:
        """/circles: the facilitator's circles, and a way to make a new one."""
        async with self._dialogues.database.unit_of_work() as uow:
            actor = await self._actors.of(uow, sender)
            programs = await self._kit.facilitated_programs(uow, actor.person)
            if not programs:
                raise NotAllowed()
            circles = await uow.circles.of_programs([p.id or 0 for p in programs])
            names = {p.id: p.name for p in programs}
            shown = YourCircles(
                circles=tuple(
                    CircleSummary(
                        circle_id=exchange.id,
                        program=names.get(exchange.program_id),
                        state=circle.state,
                        members=exchange.member_count,
                        capacity=exchange.capacity,
                        round_number=circle.round_number,
                    )
                    for circle, exchange in circles
                    if circle.state is not CircleState.ENDED
                )[:10],
                programs=tuple(
                    OpenProgram(program.id, program.name)
                    for program in programs
                    if program.status is not ProgramStatus.CLOSED
                ),
            )
            return Outcome(replies=(self._views.render(shown, actor.translator),))

    async def new_circle(self, sender: Sender, value: str) -> Outcome:
        """The steps of making a circle, one tap each: flow, kind, size, (risk), created."""
        parts = value.split(".")
        if not parts[0].isdigit() or len(parts) > 6:
            raise StaleButton()
        async with self._dialogues.database.unit_of_work() as uow:
            actor = await self._actors.of(uow, sender)
            person = actor.person
            program = await uow.programs.get(int(parts[0]))
            await self._authorizer.require(
                uow, person, Permission.FACILITATE, program.id if program else -1
            )
            assert program is not None
            prefix = value
            step: ChooseCircleFlow | ChooseCircleKind | ChooseCircleSize | ChooseCircleStart
            if len(parts) == 1:
                library = self._dialogues.library
                flows = tuple(
                    (flow_id, library.latest(flow_id).title) for flow_id in circle_flows(library)
                )
                step = ChooseCircleFlow(prefix, flows)
                return Outcome(replies=(self._views.render(step, actor.translator),))
            flow_id = parts[1]
            if flow_id not in self._dialogues.library.flow_ids():
                raise StaleButton()
            if len(parts) == 2:
                step = ChooseCircleKind(prefix)
                return Outcome(replies=(self._views.render(step, actor.translator),))
            try:
                kind = ConversationKind(parts[2])
            except ValueError:
                raise StaleButton() from None
            if kind not in CIRCLE_KINDS:
                raise StaleButton()
            if len(parts) == 3:
                step = ChooseCircleSize(prefix)
                return Outcome(replies=(self._views.render(step, actor.translator),))
            if not parts[3].isdigit() or int(parts[3]) not in SIZES:
                raise StaleButton()
            size = int(parts[3])
            if len(parts) == 4:
                step = ChooseCircleStart(prefix)
                return Outcome(replies=(self._views.render(step, actor.translator),))
            if parts[4] not in STARTS:
                raise StaleButton()
            delay = STARTS[parts[4]]
            starts_at = quarter_hour(self._clock() + delay) if delay is not None else None
            risky = await exposes_communities(uow, program, kind)
            if risky and len(parts) == 5:
                relayed_instead = (
                    f"{parts[0]}.{flow_id}.{ConversationKind.RELAYED_CIRCLE.value}"
                    f".{size}.{parts[4]}"
                )
                confirm = ConfirmGroupCircle(prefix, relayed_instead, program.name)
                return Outcome(replies=(self._views.render(confirm, actor.translator),))
            if len(parts) == 6 and parts[5] != "y":
                raise StaleButton()
            circle = await self.create(
                uow,
                person,
                program,
                flow_id,
                kind,
                size,
                starts_at,
                members_see_each_other=len(parts) == 6,
            )
            work = self._dialogues.work_for(actor)
            work.say(await self._card(uow, await self._kit.room_of(uow, person, circle)))
            if kind is ConversationKind.GROUP_CIRCLE:
                instructions = GroupCircleInstructions(self._kit.group_link(circle))
                work.say(self._views.render(instructions, actor.translator))
            return await work.seal(uow)

    async def press(self, sender: Sender, value: str) -> Outcome:
        """A facilitator's button: `<verb>.<circle>[.<argument>]`."""
        verb_value, _, rest = value.partition(".")
        target, _, argument = rest.partition(".")
        try:
            verb = Verb(verb_value)
        except ValueError:
            raise StaleButton() from None
        if not target.isdigit():
            raise StaleButton()
        if verb is Verb.MODERATE:
            return await self._moderation.moderate(sender, int(target), argument)
        if verb is Verb.DELETE:
            return await self._moderation.delete_from_copy(sender, int(target))
        return await self.act(sender, int(target), verb, argument)

    async def command(self, sender: Sender, verb: Verb) -> Outcome:
        """/next, /pause, /resume, /end: on the circle the facilitator is running."""
        async with self._dialogues.database.unit_of_work() as uow:
            actor = await self._actors.of(uow, sender)
            programs = await self._kit.facilitated_programs(uow, actor.person)
            if not programs:
                raise NotAllowed()
            circle_id = await self._running_circle_of(uow, actor.person, programs, sender.chat)
        if circle_id is None:
            raise NoCircle()
        return await self.act(sender, circle_id, verb, "")

    async def act(self, sender: Sender, circle_id: int, verb: Verb, argument: str) -> Outcome:
        async def use_case(uow: UnitOfWork) -> Outcome:
            room = await self._kit.facilitating(uow, sender, circle_id, lock=verb is not Verb.OPEN)
            work = self._kit.work(room.person, sender)
            notice = await self._do(uow, work, room, verb, argument)
            in_private = sender.chat is None or sender.chat == sender.telegram_id
            if notice and sender.pressed_button:
                work.notice = self._views.render(notice, room.t).text
            elif notice and in_private:  # in a group, everyone sees what happened anyway
                work.say(self._views.render(notice, room.t))
            if sender.chat is None or sender.chat == sender.telegram_id:
                work.say(
                    await self._card(uow, room),
                )
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _do(
        self, uow: UnitOfWork, work: Delivery, room: Room, verb: Verb, argument: str
    ) -> ConsoleNotice | None:
        circle = room.circle
        if circle.state is CircleState.ENDED and verb not in (Verb.OPEN, Verb.LINK):
            raise CircleClosed()
        match verb:
            case Verb.OPEN:
                return None
            case Verb.LINK:
                link = CircleInviteLink(self._kit.invite_link(circle))
                work.say(self._views.render(link, room.t))
                return None
            case Verb.BEGIN | Verb.NEXT:
                if circle.round_open:
                    await self._agenda.close_round(uow, work, room, circle.round_number)
                if room.agenda.round(circle.round_number + 1) is None:
                    await self._agenda.end(uow, work, room)
                    return CircleHasEnded()
                await self._agenda.open_round(uow, work, room, circle.round_number + 1)
                return RoundIsOpen(circle.round_number)
            case Verb.CLOSE:
                if circle.round_open:
                    await self._agenda.close_round(uow, work, room, circle.round_number)
                return RoundIsClosed()
            case Verb.PAUSE:
                await self._agenda.pause(uow, work, room, room.person)
                return CircleIsPaused()
            case Verb.RESUME:
                await self._agenda.resume(uow, work, room)
                return CircleGoesOn()
            case Verb.MORE:
                if circle.round_open and (circle.round_deadline or circle.paused_seconds_left):
                    if circle.round_deadline is not None:
                        circle.round_deadline = (
                            max(circle.round_deadline, self._clock()) + MORE_TIME
                        )
                    else:
                        circle.paused_seconds_left = (circle.paused_seconds_left or 0) + int(
                            MORE_TIME.total_seconds()
                        )
                    circle.time_warned = False
                    circle.time_up_asked = False
                    await self._kit.tell_members(
                        uow,
                        work,
                        room,
                        lambda reader: self._views.render(MoreTimeForRound(), reader),
                    )
                return MoreTimeGiven()
            case Verb.END:
                await self._agenda.end(uow, work, room)
                return CircleHasEnded()
            case Verb.ADMIT | Verb.DECLINE:
                if not argument.isdigit():
                    raise StaleButton()
                await self._agenda.admit(uow, work, room, int(argument), verb is Verb.ADMIT)
                return None
            case Verb.COHOST:
                member = await uow.circles.member(room.id, room.person.id or 0)
                if member is None:
                    uow.add(
                        ExchangeMember(
                            exchange_id=room.id,
                            person_id=room.person.id or 0,
                            role=MemberRole.FACILITATOR,
                            agreed_at=self._clock(),
                        )
                    )
                return NowCoHosting()
        return None

    # ================================================================ members

    async def _card(self, uow: UnitOfWork, room: Room) -> Reply:
        """The circle as its facilitator sees it: who is in, who agreed, who answered."""
        circle, exchange = room.circle, room.exchange
        answered = {
            c.author_id: c for c in await uow.circles.contributions(room.id, circle.round_number)
        }
        begins_at, time_zone = None, "UTC"
        if circle.starts_at is not None and circle.state is CircleState.FORMING:
            program = await uow.programs.get(exchange.program_id)
            begins_at, time_zone = circle.starts_at, program.time_zone if program else "UTC"
        roster: list[CoHostOnCard | SeatRequestOnCard | MemberOnCard] = []
        hosting = False
        for member, person in await uow.circles.roster(room.id):
            if member.role is MemberRole.FACILITATOR:
                hosting = hosting or person.id == room.person.id
                roster.append(CoHostOnCard(person.pseudonym))
                continue
            if member.left_at is not None:
                continue
            community = await self._kit.community_of(uow, person, exchange.program_id)
            if member.admission is Admission.REQUESTED:
                roster.append(SeatRequestOnCard(person.id, person.pseudonym, community))
                continue
            if member.admission is not Admission.ADMITTED:
                continue
            said = answered.get(person.id)
            roster.append(
                MemberOnCard(
                    pseudonym=person.pseudonym,
                    community=community,
                    agreed=member.agreed_at is not None,
                    answer=(
                        None
                        if not circle.round_number
                        else RoundAnswer.NOT_ANSWERED
                        if said is None
                        else RoundAnswer.PASSED
                        if said.passed
                        else RoundAnswer.ANSWERED
                    ),
                    holds_piece=circle.speaker_id == person.id,
                )
            )
        card = CircleCard(
            circle_id=room.id,
            title=self._dialogues.library.latest(exchange.flow_id).title,
            kind=exchange.kind,
            state=circle.state,
            round_number=circle.round_number,
            rounds=len(room.agenda.rounds),
            round_open=circle.round_open,
            members=exchange.member_count,
            capacity=exchange.capacity,
            begins_at=begins_at,
            time_zone=time_zone,
            roster=tuple(roster),
            has_next_round=room.agenda.round(circle.round_number + 1) is not None,
            timed=circle.round_deadline is not None,
            hosting=hosting,
        )
        return self._views.render(card, room.t)

    # ================================================================ helpers

    async def _running_circle_of(
        self, uow: UnitOfWork, person: Person, programs: list[Program], chat: int | None
    ) -> int | None:
        """The circle a command means: the group's own, or the newest open one this
        facilitator co-hosts."""
        if chat is not None and chat != person.telegram_id:
            found = await uow.circles.by_chat(chat)
            return found[1].id if found is not None else None
        for circle, exchange in await uow.circles.of_programs([p.id or 0 for p in programs]):
            if circle.state is CircleState.ENDED:
                continue
            member = await uow.circles.member(exchange.id or 0, person.id or 0)
            if member is not None and member.role is MemberRole.FACILITATOR:
                return exchange.id
        return None
