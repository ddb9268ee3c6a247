"""The facilitator's console: /circles, making a circle in a few taps, the circle's card
(who is in, who agreed, who answered) and its controls, and /next, /pause, /resume,
/end as commands."""

from __future__ import annotations

import secrets
from datetime import datetime

from bot.i18n.translator import Translator
from bot.services.actors import Sender
from bot.services.authorization import Permission
from bot.services.circle_agenda import CircleAgenda
from bot.services.circle_moderation import CircleModeration
from bot.services.circle_rooms import (
    CIRCLE_BUTTON,
    INVITE_PREFIX,
    KIND_LABELS,
    KIND_NAMES,
    MORE_TIME,
    NEW_CIRCLE_BUTTON,
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
from bot.services.programs import CIRCLE_STATE
from bot.services.replies import Button, ButtonAction, Outcome, Reply
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
        self._authorizer = kit.authorizer
        self._consent_version = kit.consent_version
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
            person = await self._kit.person(uow, sender)
            programs = await self._kit.facilitated_programs(uow, person)
            if not programs:
                raise NotAllowed()
            t = self._kit.t(person)
            circles = await uow.circles.of_programs([p.id or 0 for p in programs])
            lines = [t.gettext("Your circles:")]
            rows: list[tuple[Button, ...]] = []
            shown = [(c, e) for c, e in circles if c.state is not CircleState.ENDED][:10]
            for circle, exchange in shown:
                lines.append(self._summary(t, circle, exchange, programs))
                rows.append(
                    (
                        Button(
                            t.gettext("Open circle {number}", number=exchange.id),
                            ButtonAction(CIRCLE_BUTTON, f"{Verb.OPEN}.{exchange.id}"),
                        ),
                    )
                )
            if not shown:
                lines.append(t.gettext("None open yet."))
            for program in programs:
                if program.status is ProgramStatus.CLOSED:
                    continue
                rows.append(
                    (
                        Button(
                            t.gettext("New circle in “{program}”", program=program.name),
                            ButtonAction(NEW_CIRCLE_BUTTON, str(program.id)),
                        ),
                    )
                )
            return Outcome(replies=(Reply("\n".join(lines), buttons=tuple(rows)),))

    async def new_circle(self, sender: Sender, value: str) -> Outcome:
        """The steps of making a circle, one tap each: flow, kind, size, (risk), created."""
        parts = value.split(".")
        if not parts[0].isdigit() or len(parts) > 6:
            raise StaleButton()
        async with self._dialogues.database.unit_of_work() as uow:
            person = await self._kit.person(uow, sender)
            program = await uow.programs.get(int(parts[0]))
            await self._authorizer.require(
                uow, person, Permission.FACILITATE, program.id if program else -1
            )
            assert program is not None
            t = self._kit.t(person)
            prefix = value
            if len(parts) == 1:
                flows = circle_flows(self._dialogues.library)
                rows = tuple(
                    (
                        Button(
                            t.gettext(self._dialogues.library.latest(flow_id).title),
                            ButtonAction(NEW_CIRCLE_BUTTON, f"{prefix}.{flow_id}"),
                        ),
                    )
                    for flow_id in flows
                )
                return Outcome(replies=(Reply(t.gettext("Which circle flow?"), buttons=rows),))
            flow_id = parts[1]
            if flow_id not in self._dialogues.library.flow_ids():
                raise StaleButton()
            if len(parts) == 2:
                rows = tuple(
                    (
                        Button(
                            t.gettext(label),
                            ButtonAction(NEW_CIRCLE_BUTTON, f"{prefix}.{kind.value}"),
                        ),
                    )
                    for kind, label in KIND_LABELS.items()
                )
                return Outcome(
                    replies=(
                        Reply(
                            t.gettext(
                                "Where does the circle meet? Relayed keeps everyone's Telegram "
                                "profile private; in a group, members see each other's profiles."
                            ),
                            buttons=rows,
                        ),
                    )
                )
            try:
                kind = ConversationKind(parts[2])
            except ValueError:
                raise StaleButton() from None
            if kind not in KIND_LABELS:
                raise StaleButton()
            if len(parts) == 3:
                row = tuple(
                    Button(str(size), ButtonAction(NEW_CIRCLE_BUTTON, f"{prefix}.{size}"))
                    for size in SIZES
                )
                question = t.gettext("How many members at most (facilitators not counted)?")
                return Outcome(replies=(Reply(question, buttons=(row,)),))
            if not parts[3].isdigit() or int(parts[3]) not in SIZES:
                raise StaleButton()
            size = int(parts[3])
            if len(parts) == 4:
                rows = tuple(
                    (Button(t.gettext(label), ButtonAction(NEW_CIRCLE_BUTTON, f"{prefix}.{code}")),)
                    for code, (label, _delay) in STARTS.items()
                )
                question = t.gettext(
                    "When does it begin? Members get a reminder a day and an hour before."
                )
                return Outcome(replies=(Reply(question, buttons=rows),))
            if parts[4] not in STARTS:
                raise StaleButton()
            delay = STARTS[parts[4]][1]
            starts_at = quarter_hour(self._clock() + delay) if delay is not None else None
            risky = await exposes_communities(uow, program, kind)
            if risky and len(parts) == 5:
                confirm = Button(
                    t.gettext("I understand, create it"),
                    ButtonAction(NEW_CIRCLE_BUTTON, f"{prefix}.y"),
                )
                relayed = Button(
                    t.gettext("Make it relayed instead"),
                    ButtonAction(
                        NEW_CIRCLE_BUTTON,
                        f"{parts[0]}.{flow_id}.{ConversationKind.RELAYED_CIRCLE.value}"
                        f".{size}.{parts[4]}",
                    ),
                )
                warning = t.gettext(
                    "In a Telegram group everyone sees everyone's Telegram name, photo and "
                    "username, and can message them directly. “{program}” brings together "
                    "several communities: for people who may be at risk if they are known, "
                    "a relayed circle is safer. Create a group circle anyway?",
                    program=program.name,
                )
                return Outcome(replies=(Reply(warning, buttons=((confirm,), (relayed,))),))
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
            work = self._kit.work(person, sender)
            work.say(await self._card(uow, await self._kit.room_of(uow, person, circle)))
            if kind is ConversationKind.GROUP_CIRCLE:
                work.say(self._group_instructions(t, circle))
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
            person = await self._kit.person(uow, sender)
            programs = await self._kit.facilitated_programs(uow, person)
            if not programs:
                raise NotAllowed()
            circle_id = await self._running_circle_of(uow, person, programs, sender.chat)
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
                work.notice = notice
            elif notice and in_private:  # in a group, everyone sees what happened anyway
                work.say(Reply(notice))
            if sender.chat is None or sender.chat == sender.telegram_id:
                work.say(
                    await self._card(uow, room),
                )
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _do(
        self, uow: UnitOfWork, work: Delivery, room: Room, verb: Verb, argument: str
    ) -> str | None:
        t, circle = room.t, room.circle
        if circle.state is CircleState.ENDED and verb not in (Verb.OPEN, Verb.LINK):
            raise CircleClosed()
        match verb:
            case Verb.OPEN:
                return None
            case Verb.LINK:
                work.say(Reply(self._link_text(room.t, circle)))
                return None
            case Verb.BEGIN | Verb.NEXT:
                if circle.round_open:
                    await self._agenda.close_round(uow, work, room, circle.round_number)
                if room.agenda.round(circle.round_number + 1) is None:
                    await self._agenda.end(uow, work, room)
                    return t.gettext("The circle has ended.")
                await self._agenda.open_round(uow, work, room, circle.round_number + 1)
                return t.gettext("Round {number} is open.", number=circle.round_number)
            case Verb.CLOSE:
                if circle.round_open:
                    await self._agenda.close_round(uow, work, room, circle.round_number)
                return t.gettext("The round is closed.")
            case Verb.PAUSE:
                await self._agenda.pause(uow, work, room, room.person)
                return t.gettext("The circle is paused.")
            case Verb.RESUME:
                await self._agenda.resume(uow, work, room)
                return t.gettext("The circle goes on.")
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
                        lambda reader: Reply(reader.gettext("Two more minutes for this round.")),
                    )
                return t.gettext("Two more minutes.")
            case Verb.END:
                await self._agenda.end(uow, work, room)
                return t.gettext("The circle has ended.")
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
                return t.gettext("You co-host this circle.")
        return None

    # ================================================================ members

    async def _card(self, uow: UnitOfWork, room: Room) -> Reply:
        """The circle as its facilitator sees it: who is in, who agreed, who answered."""
        t, circle, exchange = room.t, room.circle, room.exchange
        flow = self._dialogues.library.latest(exchange.flow_id)
        answered = {
            c.author_id: c for c in await uow.circles.contributions(room.id, circle.round_number)
        }
        lines = [
            t.gettext(
                "Circle {number}: “{title}”, {kind}, {state}.",
                number=room.id,
                title=t.gettext(flow.title),
                kind=t.gettext(KIND_NAMES[exchange.kind]),
                state=t.gettext(CIRCLE_STATE[circle.state]),
            ),
            t.gettext(
                "Round {number} of {rounds}{open}.",
                number=circle.round_number,
                rounds=len(room.agenda.rounds),
                open=t.gettext(" (open)") if circle.round_open else "",
            ),
            t.gettext(
                "Members: {count} of {capacity}.",
                count=exchange.member_count,
                capacity=exchange.capacity,
            ),
        ]
        if circle.starts_at is not None and circle.state is CircleState.FORMING:
            program = await uow.programs.get(exchange.program_id)
            lines.append(
                t.gettext(
                    "Begins {when}.",
                    when=t.format_datetime(
                        circle.starts_at, program.time_zone if program else "UTC"
                    ),
                )
            )
        rows: list[tuple[Button, ...]] = []
        for member, person in await uow.circles.roster(room.id):
            name = person.pseudonym or "?"
            if member.role is MemberRole.FACILITATOR:
                lines.append(t.gettext("• {name}: co-host", name=name))
                continue
            if member.left_at is not None:
                continue
            community = await self._kit.community_of(uow, person, exchange.program_id)
            if community is None:
                community = t.gettext("community not given")
            if member.admission is Admission.REQUESTED:
                lines.append(
                    t.gettext(
                        "• {name} ({community}): asks for a seat", name=name, community=community
                    )
                )
                rows.append(
                    (
                        Button(
                            t.gettext("Admit {name}", name=name),
                            ButtonAction(CIRCLE_BUTTON, f"{Verb.ADMIT}.{room.id}.{person.id}"),
                        ),
                        Button(
                            t.gettext("Decline"),
                            ButtonAction(CIRCLE_BUTTON, f"{Verb.DECLINE}.{room.id}.{person.id}"),
                        ),
                    )
                )
                continue
            if member.admission is not Admission.ADMITTED:
                continue
            marks = [t.gettext("agreed") if member.agreed_at else t.gettext("has not agreed yet")]
            if circle.round_number:
                said = answered.get(person.id)
                marks.append(
                    t.gettext("passed")
                    if said is not None and said.passed
                    else t.gettext("answered")
                    if said is not None
                    else t.gettext("not answered")
                )
            if circle.speaker_id == person.id:
                marks.append(t.gettext("holds the talking piece"))
            lines.append(f"• {name} ({community}): {', '.join(marks)}")
        rows.extend(self._controls(t, room))
        hosting = any(
            member.role is MemberRole.FACILITATOR and person.id == room.person.id
            for member, person in await uow.circles.roster(room.id)
        )
        if not hosting and circle.state is not CircleState.ENDED:
            rows.append(
                (
                    Button(
                        t.gettext("Co-host this circle"),
                        ButtonAction(CIRCLE_BUTTON, f"{Verb.COHOST}.{room.id}"),
                    ),
                )
            )
        return Reply("\n".join(lines), buttons=tuple(rows))

    def _controls(self, t: Translator, room: Room) -> list[tuple[Button, ...]]:
        circle, number = room.circle, room.id

        def button(label: str, verb: Verb) -> Button:
            return Button(label, ButtonAction(CIRCLE_BUTTON, f"{verb}.{number}"))

        if circle.state is CircleState.ENDED:
            return []
        rows: list[tuple[Button, ...]] = []
        if circle.state is CircleState.FORMING:
            rows.append((button(t.gettext("Begin the first round"), Verb.BEGIN),))
        elif circle.state is CircleState.RUNNING:
            has_next = room.agenda.round(circle.round_number + 1) is not None
            step = (
                button(t.gettext("Next round"), Verb.NEXT)
                if has_next
                else button(t.gettext("End the circle"), Verb.END)
            )
            row = [step]
            if circle.round_open:
                row.insert(0, button(t.gettext("Close the round"), Verb.CLOSE))
            rows.append(tuple(row))
            timed = [button(t.gettext("Pause"), Verb.PAUSE)]
            if circle.round_open and circle.round_deadline is not None:
                timed.append(button(t.gettext("Two more minutes"), Verb.MORE))
            rows.append(tuple(timed))
        else:
            rows.append((button(t.gettext("Resume"), Verb.RESUME),))
        rows.append(
            (
                button(t.gettext("Invite link"), Verb.LINK),
                button(t.gettext("Refresh"), Verb.OPEN),
                button(t.gettext("End"), Verb.END),
            )
        )
        return rows

    def _link_text(self, t: Translator, circle: Circle) -> str:
        return t.gettext(
            "Invite people to this circle with this link. Each one asks for a seat, and you "
            "admit them:\n{link}",
            link=self._kit.invite_link(circle),
        )

    def _group_instructions(self, t: Translator, circle: Circle) -> Reply:
        return Reply(
            t.gettext(
                "To run this circle in a Telegram group, add me to the group with this link, "
                "then make me an admin who can delete messages and restrict members (I need "
                "both to moderate):\n{link}",
                link=self._kit.group_link(circle),
            )
        )

    def _summary(
        self, t: Translator, circle: Circle, exchange: Exchange, programs: list[Program]
    ) -> str:
        names = {p.id: p.name for p in programs}
        return t.gettext(
            "{number}. {program}: {state}, {count} of {capacity} members, round {round}",
            number=exchange.id,
            program=names.get(exchange.program_id, "?"),
            state=t.gettext(CIRCLE_STATE[circle.state]),
            count=exchange.member_count,
            capacity=exchange.capacity,
            round=circle.round_number,
        )

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
