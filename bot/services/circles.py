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
- Every facilitator action goes through `_facilitating`, which asks the `Authorizer`.
"""

from __future__ import annotations

import dataclasses
import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.engine import FlowLibrary
from bot.engine.agenda import Agenda, Round, agenda_of
from bot.engine.effects import Message, render_message
from bot.engine.schema import CommitStep
from bot.i18n.translator import N_, Translator
from bot.services.actors import Sender, consenting_person
from bot.services.authorization import Authorizer, Permission
from bot.services.dialogues import Dialogues
from bot.services.errors import NotAllowed, PalaverError, StaleButton
from bot.services.invites import invite_link
from bot.services.letters import Delivery, Posting
from bot.services.moderation import REASON_LABELS, REASON_VALUES, ReportReason
from bot.services.program_errors import ProgramClosed
from bot.services.programs import CIRCLE_STATE, grant_role
from bot.services.replies import Button, ButtonAction, Outcome, RelayedWords, Reply
from bot.storage.tables import (
    Admission,
    Circle,
    CircleState,
    Contribution,
    ConversationKind,
    Exchange,
    ExchangeMember,
    ExchangeStatus,
    MemberRole,
    Membership,
    MembershipStatus,
    OutboxOp,
    Person,
    Program,
    ProgramStatus,
    Report,
    ReportOutcome,
    RoleName,
)
from bot.storage.unit_of_work import UnitOfWork

CIRCLE_BUTTON = "cf"
"""Facilitators' buttons: `<verb>.<circle>[.<argument>]`."""
MEMBER_BUTTON = "cm"
"""Members' buttons: agreeing, passing, reporting."""
NEW_CIRCLE_BUTTON = "cn"
"""The steps of creating a circle: `<program>[.<flow>[.<kind>[.<size>[.y]]]]`."""

INVITE_PREFIX = "c"
"""Circle invite codes start with this, so /start tells them from program invites."""
SIZES = (4, 6, 8, 10, 12)
"""The sizes the chat offers; the command line takes any from MIN_SIZE to MAX_SIZE."""
STARTS: dict[str, tuple[str, timedelta | None]] = {
    "now": (N_("When I begin it"), None),
    "1h": (N_("In an hour"), timedelta(hours=1)),
    "1d": (N_("Tomorrow at this time"), timedelta(days=1)),
    "2d": (N_("In two days"), timedelta(days=2)),
    "7d": (N_("In a week"), timedelta(days=7)),
}
"""When a circle made in chat begins (the command line takes any time)."""
DEFAULT_SIZE = 8
MIN_SIZE = 2
MAX_SIZE = 50
MORE_TIME = timedelta(minutes=2)
LAST_MINUTE = timedelta(minutes=1)
MUTE_FOR = timedelta(minutes=10)
REPORTED_WORDS_LENGTH = 1000
"""How much of a reported group message is kept for the facilitators."""
CONTEXT_CONTRIBUTIONS = 4
"""How many answers before the reported one a facilitator sees with a report."""


class CircleClosed(PalaverError):
    message = N_("This circle has ended.")


class CircleFull(PalaverError):
    message = N_("Sorry, this circle is full. The facilitator may open another one soon.")


class NoCircle(PalaverError):
    message = N_("You are not running a circle right now. Send /circles to see yours.")


class NotInACircle(PalaverError):
    message = N_("You are not in a circle right now.")


class MembersWouldSeeEachOther(PalaverError):
    """A group circle in a program of several communities, without the facilitator's word
    that they know its members will see each other's Telegram profiles."""

    message = N_(
        "In a Telegram group everyone sees everyone's Telegram name, photo and username. "
        "“{program}” brings together several communities, so a group circle needs your "
        "confirmation; a relayed circle keeps members' profiles private."
    )


class Verb(enum.StrEnum):
    OPEN = "open"
    BEGIN = "begin"
    NEXT = "next"
    CLOSE = "close"
    PAUSE = "pause"
    RESUME = "resume"
    MORE = "more"
    END = "end"
    ADMIT = "admit"
    DECLINE = "decline"
    LINK = "link"
    COHOST = "cohost"
    DELETE = "delete"
    MODERATE = "mod"


class MemberVerb(enum.StrEnum):
    AGREE = "agree"
    REPORT = "report"
    REASON = "why"


class Moderation(enum.StrEnum):
    DISMISS = "dismiss"
    DELETE = "delete"
    WARN = "warn"
    MUTE = "mute"
    REMOVE = "remove"


MODERATION_LABELS = {
    Moderation.DISMISS: N_("Dismiss"),
    Moderation.DELETE: N_("Delete it everywhere"),
    Moderation.WARN: N_("Warn"),
    Moderation.MUTE: N_("Mute for 10 minutes"),
    Moderation.REMOVE: N_("Remove from the circle"),
}
MODERATION_OUTCOMES = {
    Moderation.DISMISS: ReportOutcome.DISMISSED,
    Moderation.DELETE: ReportOutcome.DELETED,
    Moderation.WARN: ReportOutcome.WARNED,
    Moderation.MUTE: ReportOutcome.MUTED,
    Moderation.REMOVE: ReportOutcome.REMOVED,
}
KIND_LABELS = {
    ConversationKind.RELAYED_CIRCLE: N_("Relayed: each member in their private chat"),
    ConversationKind.GROUP_CIRCLE: N_("In a Telegram group"),
}
KIND_NAMES = {
    ConversationKind.RELAYED_CIRCLE: N_("relayed"),
    ConversationKind.GROUP_CIRCLE: N_("in a group"),
}


def circle_flows(library: FlowLibrary) -> list[str]:
    """The flows a circle can run: circle flows with at least one shared round and no
    commitments (asking each member for theirs, privately, is not part of a circle's
    agenda yet: `community-action` waits for it)."""
    return [
        flow_id
        for flow_id in library.flow_ids()
        if (flow := library.latest(flow_id)).kind == "circle"
        and agenda_of(flow).rounds
        and not any(isinstance(step, CommitStep) for step in flow.steps)
    ]


async def exposes_communities(uow: UnitOfWork, program: Program, kind: ConversationKind) -> bool:
    """Whether a circle of `kind` would show members of different communities each other's
    Telegram profiles: a group circle in a program of several communities."""
    if kind is not ConversationKind.GROUP_CIRCLE:
        return False
    return len(await uow.communities.of_program(program.id or 0)) > 1


@dataclass
class Room:
    """A circle being acted on, with who acts and in which language."""

    person: Person
    circle: Circle
    exchange: Exchange
    agenda: Agenda
    t: Translator

    @property
    def id(self) -> int:
        return self.exchange.id or 0


@dataclass(frozen=True)
class Seat:
    """A member in a circle, as the agenda sees them."""

    member: ExchangeMember
    person: Person


class Circles:
    """The use cases of circles, for facilitators and members."""

    def __init__(
        self,
        dialogues: Dialogues,
        authorizer: Authorizer,
        consent_version: str,
        clock: Clock,
        bot_username: str | None = None,
    ) -> None:
        self._dialogues = dialogues
        self._authorizer = authorizer
        self._consent_version = consent_version
        self._clock = clock
        self.bot_username = bot_username or "palaver_bot"
        self._told_strangers: set[tuple[int, int, int]] = set()
        """Who was shown the way in, per round (in memory: after a restart, once more)."""

    # ================================================================ creating

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

    def invite_link(self, circle: Circle) -> str:
        """The t.me link people open to ask for a seat."""
        return invite_link(self.bot_username, circle.invite_code)

    def group_link(self, circle: Circle) -> str | None:
        """The t.me link that adds the bot to a group circle's Telegram group (None for a
        relayed circle)."""
        if circle.link_code is None:
            return None
        return f"https://t.me/{self.bot_username.lstrip('@')}?startgroup={circle.link_code}"

    # ================================================================ the console

    async def console(self, sender: Sender) -> Outcome:
        """/circles: the facilitator's circles, and a way to make a new one."""
        async with self._dialogues.database.unit_of_work() as uow:
            person = await self._person(uow, sender)
            programs = await self._facilitated_programs(uow, person)
            if not programs:
                raise NotAllowed()
            t = self._t(person)
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
            person = await self._person(uow, sender)
            program = await uow.programs.get(int(parts[0]))
            await self._authorizer.require(
                uow, person, Permission.FACILITATE, program.id if program else -1
            )
            assert program is not None
            t = self._t(person)
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
            starts_at = _quarter_hour(self._clock() + delay) if delay is not None else None
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
            work = self._work(person, sender)
            work.say(await self._card(uow, await self._room_of(uow, person, circle)))
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
            return await self.moderate(sender, int(target), argument)
        if verb is Verb.DELETE:
            return await self._delete_from_copy(sender, int(target))
        return await self.act(sender, int(target), verb, argument)

    async def command(self, sender: Sender, verb: Verb) -> Outcome:
        """/next, /pause, /resume, /end: on the circle the facilitator is running."""
        async with self._dialogues.database.unit_of_work() as uow:
            person = await self._person(uow, sender)
            programs = await self._facilitated_programs(uow, person)
            if not programs:
                raise NotAllowed()
            circle_id = await self._running_circle_of(uow, person, programs, sender.chat)
        if circle_id is None:
            raise NoCircle()
        return await self.act(sender, circle_id, verb, "")

    async def act(self, sender: Sender, circle_id: int, verb: Verb, argument: str) -> Outcome:
        async def use_case(uow: UnitOfWork) -> Outcome:
            room = await self._facilitating(uow, sender, circle_id, lock=verb is not Verb.OPEN)
            work = self._work(room.person, sender)
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
                    await self._close_round(uow, work, room, circle.round_number)
                if room.agenda.round(circle.round_number + 1) is None:
                    await self._end(uow, work, room)
                    return t.gettext("The circle has ended.")
                await self._open_round(uow, work, room, circle.round_number + 1)
                return t.gettext("Round {number} is open.", number=circle.round_number)
            case Verb.CLOSE:
                if circle.round_open:
                    await self._close_round(uow, work, room, circle.round_number)
                return t.gettext("The round is closed.")
            case Verb.PAUSE:
                await self._pause(uow, work, room, room.person)
                return t.gettext("The circle is paused.")
            case Verb.RESUME:
                await self._resume(uow, work, room)
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
                    await self._tell_members(
                        uow,
                        work,
                        room,
                        lambda reader: Reply(reader.gettext("Two more minutes for this round.")),
                    )
                return t.gettext("Two more minutes.")
            case Verb.END:
                await self._end(uow, work, room)
                return t.gettext("The circle has ended.")
            case Verb.ADMIT | Verb.DECLINE:
                if not argument.isdigit():
                    raise StaleButton()
                await self._admit(uow, work, room, int(argument), verb is Verb.ADMIT)
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
        t = self._t(person)
        if circle.state is CircleState.ENDED:
            raise CircleClosed()
        program = await uow.programs.get(exchange.program_id)
        if program is None or program.status is not ProgramStatus.ACTIVE:
            raise CircleClosed()
        member = await uow.circles.member(exchange.id or 0, person.id or 0)
        if member is not None and member.role is MemberRole.FACILITATOR:
            return (Reply(t.gettext("You co-host this circle. Send /circles to run it.")),)
        if member is not None and member.left_at is None:
            if member.admission is Admission.ADMITTED:
                return (Reply(t.gettext("You already have a seat in this circle.")),)
            if member.admission is Admission.REQUESTED:
                return (Reply(t.gettext("The facilitator has your request and will answer soon.")),)
        await self._ensure_membership(uow, person, program)
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
        room_t = t
        for facilitator in await self._facilitators(uow, exchange):
            ft = self._t(facilitator)
            community = await self._community_name(uow, person, exchange.program_id, ft)
            work.write(
                facilitator.telegram_id,
                Reply(
                    ft.gettext(
                        "{pseudonym} ({community}) asks for a seat in circle {number}.",
                        pseudonym=person.pseudonym or "?",
                        community=community,
                        number=exchange.id,
                    ),
                    buttons=(
                        (
                            Button(
                                ft.gettext("Admit"),
                                ButtonAction(
                                    CIRCLE_BUTTON, f"{Verb.ADMIT}.{exchange.id}.{person.id}"
                                ),
                            ),
                            Button(
                                ft.gettext("Decline"),
                                ButtonAction(
                                    CIRCLE_BUTTON, f"{Verb.DECLINE}.{exchange.id}.{person.id}"
                                ),
                            ),
                        ),
                    ),
                ),
            )
        flow = self._dialogues.library.latest(exchange.flow_id)
        return (
            Reply(
                room_t.gettext(
                    "You asked for a seat in a circle: “{title}”. A facilitator will let you in "
                    "shortly, and I will tell you here.",
                    title=room_t.gettext(flow.title),
                )
            ),
        )

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
            person = await self._person(uow, sender)
            work = self._work(person, sender)
            if verb is MemberVerb.AGREE:
                await self._agree(uow, work, person, int(target))
            elif verb is MemberVerb.REPORT:
                work.say(await self._report_reasons(uow, person, int(target)))
            else:
                await self._report(uow, work, person, int(target), argument)
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def take_text(self, sender: Sender, text: str) -> Outcome | None:
        """A member's words while a round of their relayed circle is open (None: not for a
        circle, let the next taker have them)."""

        async def use_case(uow: UnitOfWork) -> Outcome | None:
            person = await uow.people.by_telegram_id(sender.telegram_id)
            if person is None or not person.has_consented(self._consent_version):
                return None
            seat = await self._open_seat(uow, person)
            if seat is None:
                return None
            room, member = seat
            work = self._work(person, sender)
            if member.agreed_at is None:
                work.say(self._agreements(room.t, room, person, again=True))
            else:
                await self._contribute(uow, work, room, member, text)
            return await work.seal(uow)

        return await self._dialogues._retrying(use_case)

    async def pass_round(self, sender: Sender) -> Outcome | None:
        """/skip in a circle: pass this round (None: not in a circle's round)."""

        async def use_case(uow: UnitOfWork) -> Outcome | None:
            person = await uow.people.by_telegram_id(sender.telegram_id)
            if person is None or not person.has_consented(self._consent_version):
                return None
            seat = await self._open_seat(uow, person)
            if seat is None:
                return None
            room, member = seat
            work = self._work(person, sender)
            if member.agreed_at is None:
                work.say(self._agreements(room.t, room, person, again=True))
            else:
                await self._contribute(uow, work, room, member, None)
            return await work.seal(uow)

        return await self._dialogues._retrying(use_case)

    async def time_out(self, sender: Sender) -> Outcome | None:
        """/timeout: any member pauses the circle; the facilitators are alerted privately."""

        async def use_case(uow: UnitOfWork) -> Outcome | None:
            person = await uow.people.by_telegram_id(sender.telegram_id)
            if person is None or not person.has_consented(self._consent_version):
                return None
            seats = await uow.circles.seated_in(person.id or 0)
            if not seats:
                return None
            circle, exchange, _member = seats[0]
            room = await self._room(uow, person, circle.exchange_id or 0, lock=True)
            work = self._work(person, sender)
            if room.circle.state is CircleState.RUNNING:
                await self._pause(uow, work, room, person)
            else:
                work.say(Reply(room.t.gettext("The circle is already paused.")))
            uow.audit.record(
                "circle.time_out",
                actor_id=person.id,
                subject_type="circle",
                subject_id=room.id,
                program_id=exchange.program_id,
            )
            for facilitator in await self._facilitators(uow, room.exchange):
                ft = self._t(facilitator)
                work.write(
                    facilitator.telegram_id,
                    Reply(
                        ft.gettext(
                            "{pseudonym} called a time out in circle {number}. The circle is "
                            "paused. Check in with them, then resume when everyone is ready.",
                            pseudonym=person.pseudonym or "?",
                            number=room.id,
                        ),
                        buttons=(
                            (
                                Button(
                                    ft.gettext("Resume"),
                                    ButtonAction(CIRCLE_BUTTON, f"{Verb.RESUME}.{room.id}"),
                                ),
                            ),
                        ),
                    ),
                )
            return await work.seal(uow)

        return await self._dialogues._retrying(use_case)

    async def leave(self, sender: Sender) -> Outcome | None:
        """/leave in a circle: the member goes, the circle goes on without them."""

        async def use_case(uow: UnitOfWork) -> Outcome | None:
            person = await uow.people.by_telegram_id(sender.telegram_id)
            if person is None:
                return None
            seats = await uow.circles.seated_in(person.id or 0)
            if not seats:
                return None
            circle, _exchange, member = seats[0]
            room = await self._room(uow, person, circle.exchange_id or 0, lock=True)
            work = self._work(person, sender)
            await self._without(uow, work, room, member, person, removed=False)
            work.say(
                Reply(
                    room.t.gettext(
                        "You have left the circle. Thank you for what you shared. Take care."
                    )
                )
            )
            return await work.seal(uow)

        return await self._dialogues._retrying(use_case)

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
            room = await self._room(uow, person, circle.exchange_id or 0, lock=True)
            await self._without(uow, work, room, member, person, removed=False)

    # ================================================================ in a Telegram group

    async def link_group(
        self, sender: Sender, code: str, chat_id: int, can_moderate: bool
    ) -> Outcome:
        """A facilitator added the bot to a group with the circle's startgroup link (or
        typed /start CODE there): the group now holds the circle. The code works once."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            found = await uow.circles.by_link_code(code)
            if found is None:
                raise GroupLinkUnknown()
            room = await self._facilitating(uow, sender, found[1].id or 0, lock=True)
            if room.circle.state is CircleState.ENDED:
                raise CircleClosed()
            room.exchange.chat_id = chat_id
            room.circle.link_code = None
            uow.audit.record(
                "circle.group_linked",
                actor_id=room.person.id,
                subject_type="circle",
                subject_id=room.id,
            )
            work = self._work(room.person, sender)
            group = await self.group_t(uow, room)
            flow = self._dialogues.library.latest(room.exchange.flow_id)
            lines = [
                group.gettext(
                    "This group now holds circle {number}: “{title}”. To speak in the circle, "
                    "each member first accepts its agreements in a private chat with me: "
                    "{link}",
                    number=room.id,
                    title=group.gettext(flow.title),
                    link=self.invite_link(room.circle),
                ),
                self._rights_note(group, can_moderate),
            ]
            work.say(Reply("\n\n".join(lines)))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    def _rights_note(self, t: Translator, can_moderate: bool) -> str:
        if can_moderate:
            return t.gettext(
                "I am an admin here, so I can see every message, delete messages and mute "
                "members when a facilitator asks me to."
            )
        return t.gettext(
            "I am not an admin here yet. Please make me an admin who can delete messages and "
            "restrict members: without that I can post the agenda, but I may not see "
            "members' messages, and I cannot delete a message or mute anyone."
        )

    async def group_said(
        self, sender: Sender, chat_id: int, message_id: int, *, passing: bool = False
    ) -> Outcome | None:
        """Someone wrote in a group that holds a circle (None: the group holds none, or
        nothing needs saying). The first message of each member in an open round counts
        as their answer; with the talking piece, only the holder's."""

        async def use_case(uow: UnitOfWork) -> Outcome | None:
            found = await uow.circles.by_chat(chat_id)
            if found is None:
                return None
            person = await uow.people.by_telegram_id(sender.telegram_id)
            room_id = found[1].id or 0
            if person is None or not person.has_consented(self._consent_version):
                return await self._stranger_in_group(uow, sender, room_id)
            room = await self._room(uow, person, room_id, lock=True)
            member = await uow.circles.member(room_id, person.id or 0)
            circle = room.circle
            if member is not None and member.role is MemberRole.FACILITATOR:
                return None
            if member is None or member.admission is not Admission.ADMITTED or member.left_at:
                return await self._stranger_in_group(uow, sender, room_id)
            if member.agreed_at is None:
                return await self._stranger_in_group(uow, sender, room_id)
            if circle.state is not CircleState.RUNNING or not circle.round_open:
                return None
            current = room.agenda.round(circle.round_number)
            if current is None:
                return None
            work = self._work(person, sender)
            group = await self.group_t(uow, room)
            if current.talking_piece and circle.speaker_id != person.id:
                speaker = await uow.people.by_id(circle.speaker_id) if circle.speaker_id else None
                work.say(
                    Reply(
                        group.gettext(
                            "{speaker} holds the talking piece. Your turn will come.",
                            speaker=(speaker.pseudonym if speaker else None) or "?",
                        )
                    )
                )
                return await work.seal(uow)
            said = await uow.circles.contributions(room_id, circle.round_number)
            if any(c.author_id == person.id for c in said):
                return None
            uow.add(
                Contribution(
                    exchange_id=room_id,
                    round_number=circle.round_number,
                    author_id=person.id,
                    passed=passing,
                    group_message_id=None if passing else message_id,
                    created_at=self._clock(),
                )
            )
            await uow.session.flush()
            await uow.exchanges.touch(room_id, person.id or 0, self._clock())
            if current.talking_piece:
                await self._pass_the_piece(uow, work, room)
            elif await self._everyone_answered(uow, room):
                await self._close_round(uow, work, room, circle.round_number)
            return await work.seal(uow)

        return await self._dialogues._retrying(use_case)

    async def _stranger_in_group(
        self, uow: UnitOfWork, sender: Sender, room_id: int
    ) -> Outcome | None:
        """Someone without an agreed seat wrote in the circle's group: once per round, the
        way in, said to the group (the bot cannot write first to someone in private)."""
        found = await uow.circles.get(room_id)
        if found is None or not found[0].round_open:
            return None
        circle, exchange = found
        key = (room_id, circle.round_number, sender.telegram_id)
        if key in self._told_strangers:
            return None
        self._told_strangers.add(key)
        program = await uow.programs.get(exchange.program_id)
        group = self._dialogues.translator_for(
            Person(telegram_id=0, language=program.default_language if program else "en")
        )
        return Outcome(
            replies=(
                Reply(
                    group.gettext(
                        "Welcome. To take part in this circle, please open this link, accept "
                        "the circle's agreements, and wait to be let in: {link}",
                        link=self.invite_link(circle),
                    )
                ),
            )
        )

    async def report_in_group(
        self,
        sender: Sender,
        chat_id: int,
        command_message_id: int,
        reported_message_id: int | None,
        reported_telegram_id: int | None,
        words: str,
    ) -> Outcome:
        """/report as a reply in a circle's group: the facilitators get a private alert;
        the /report itself is deleted, so nobody in the group sees who reported."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            person = await self._person(uow, sender)
            found = await uow.circles.by_chat(chat_id)
            if found is None:
                raise NotInACircle()
            room = await self._room(uow, person, found[1].id or 0, lock=True)
            work = self._work(person, sender)
            t = self._t(person)
            if reported_message_id is None:
                work.say(Reply(t.gettext("Reply to the message you want to report with /report.")))
                return await work.seal(uow)
            author = (
                await uow.people.by_telegram_id(reported_telegram_id)
                if reported_telegram_id is not None
                else None
            )
            contribution = Contribution(
                exchange_id=room.id,
                round_number=room.circle.round_number,
                author_id=author.id if author is not None else None,
                text=words[:REPORTED_WORDS_LENGTH] or None,
                group_message_id=reported_message_id,
                released_at=self._clock(),
                created_at=self._clock(),
            )
            uow.add(contribution)
            await uow.session.flush()
            work.postings.append(
                Posting(chat_id, Reply(""), OutboxOp.DELETE, message_id=command_message_id)
            )
            await self._report(uow, work, person, contribution.id or 0, ReportReason.OTHER.value)
            # The confirmation goes to the reporter's private chat, not to the group.
            confirmation = work.postings.pop()
            work.write(
                person.telegram_id,
                dataclasses.replace(confirmation.reply, replaces_pressed_message=False),
            )
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def bot_membership_changed(
        self, chat_id: int, present: bool, can_moderate: bool
    ) -> Outcome:
        """The bot was removed from a circle's group, or its rights changed."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            found = await uow.circles.by_chat(chat_id)
            if found is None:
                return Outcome()
            circle, exchange = found
            room = Room(
                await self._creator(uow, circle),
                circle,
                exchange,
                self._agenda(exchange),
                self._dialogues.translator_for(Person(telegram_id=0, language="en")),
            )
            await uow.circles.lock(circle)
            work = self._dialogues.new_system_work()
            if not present:
                if circle.state is CircleState.RUNNING:
                    circle.state = CircleState.PAUSED
                    if circle.round_deadline is not None:
                        left = max(timedelta(0), circle.round_deadline - self._clock())
                        circle.paused_seconds_left = int(left.total_seconds())
                        circle.round_deadline = None
                exchange.chat_id = None
                circle.link_code = secrets.token_urlsafe(12)
                uow.audit.record(
                    "circle.group_lost", actor_id=None, subject_type="circle", subject_id=room.id
                )
                for host in await self._facilitators(uow, exchange):
                    ht = self._t(host)
                    work.write(
                        host.telegram_id,
                        Reply(
                            ht.gettext(
                                "I was removed from the group of circle {number}, so the circle "
                                "is paused. To go on, add me to a group again with this link:"
                                "\n{link}",
                                number=room.id,
                                link=self.group_link(circle),
                            )
                        ),
                    )
            else:
                group = await self.group_t(uow, room)
                work.write(chat_id, Reply(self._rights_note(group, can_moderate)))
            return await work.seal(uow, claim=False)

        return await self._dialogues.retrying(use_case)

    async def left_group(self, chat_id: int, telegram_id: int) -> Outcome:
        """A member left (or was removed from) the circle's group: the circle goes on."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            found = await uow.circles.by_chat(chat_id)
            person = await uow.people.by_telegram_id(telegram_id)
            if found is None or person is None:
                return Outcome()
            member = await uow.circles.member(found[1].id or 0, person.id or 0)
            if member is None or member.role is not MemberRole.MEMBER or member.left_at:
                return Outcome()
            room = await self._room(uow, person, found[1].id or 0, lock=True)
            work = self._dialogues.new_system_work()
            await self._without(uow, work, room, member, person, removed=False)
            return await work.seal(uow, claim=False)

        return await self._dialogues.retrying(use_case)

    async def group_moved(self, old_chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: Telegram gave it a new id."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            found = await uow.circles.by_chat(old_chat_id)
            if found is not None:
                found[1].chat_id = new_chat_id
                await uow.commit()
            return Outcome()

        await self._dialogues.retrying(use_case)

    # ================================================================ timers

    async def check_timers(self) -> tuple[Outcome, ...]:
        """Warn of the last minute, and act when a timed round's time is up."""
        async with self._dialogues.database.unit_of_work() as uow:
            circle_ids = await uow.circles.due_timers(self._clock())
        posted = []
        for circle_id in circle_ids:

            async def use_case(uow: UnitOfWork, circle_id: int = circle_id) -> Outcome:
                work = self._dialogues.new_system_work()
                found = await uow.circles.get(circle_id, lock=True)
                if found is None:
                    return Outcome()
                circle, exchange = found
                if not circle.round_open or circle.round_deadline is None:
                    return Outcome()
                if circle.state is not CircleState.RUNNING:
                    return Outcome()
                room = Room(
                    await self._creator(uow, circle),
                    circle,
                    exchange,
                    self._agenda(exchange),
                    self._dialogues.translator_for_stranger(Sender(0)),
                )
                await self._on_clock(uow, work, room)
                return await work.seal(uow, claim=False)

            posted.append(await self._dialogues.retrying(use_case))
        return tuple(posted)

    async def _on_clock(self, uow: UnitOfWork, work: Delivery, room: Room) -> None:
        circle, now = room.circle, self._clock()
        assert circle.round_deadline is not None
        left = circle.round_deadline - now
        current = room.agenda.round(circle.round_number)
        if current is None:
            return
        if left <= timedelta(0):
            if current.close_when_time_is_up:
                await self._close_round(uow, work, room, circle.round_number)
            elif not circle.time_up_asked:
                circle.time_up_asked = True
                for facilitator in await self._facilitators(uow, room.exchange):
                    ft = self._t(facilitator)
                    work.write(
                        facilitator.telegram_id,
                        Reply(
                            ft.gettext(
                                "Time is up for round {number} of circle {circle}. Close it "
                                "now, or give two more minutes?",
                                number=circle.round_number,
                                circle=room.id,
                            ),
                            buttons=(
                                (
                                    Button(
                                        ft.gettext("Close the round"),
                                        ButtonAction(CIRCLE_BUTTON, f"{Verb.CLOSE}.{room.id}"),
                                    ),
                                    Button(
                                        ft.gettext("Two more minutes"),
                                        ButtonAction(CIRCLE_BUTTON, f"{Verb.MORE}.{room.id}"),
                                    ),
                                ),
                            ),
                        ),
                    )
        elif left <= LAST_MINUTE and not circle.time_warned:
            circle.time_warned = True
            answered = {
                c.author_id for c in await uow.circles.contributions(room.id, circle.round_number)
            }
            for seat in await self._seats(uow, room):
                if seat.person.id in answered:
                    continue
                reader = self._t(seat.person)
                work.write(
                    seat.person.telegram_id,
                    Reply(
                        reader.gettext(
                            "One minute left in this round. If you'd like to share, now is a "
                            "good moment; or send /skip to pass."
                        )
                    ),
                )

    # ================================================================ the agenda

    async def _open_round(self, uow: UnitOfWork, work: Delivery, room: Room, number: int) -> None:
        circle = room.circle
        current = room.agenda.round(number)
        assert current is not None
        circle.state = CircleState.RUNNING
        circle.round_number = number
        circle.round_open = True
        circle.time_warned = circle.time_up_asked = False
        circle.paused_seconds_left = None
        circle.round_deadline = (
            self._clock() + current.time_limit if current.time_limit is not None else None
        )
        seats = await self._seats(uow, room)
        circle.speaker_id = seats[0].person.id if current.talking_piece and seats else None
        uow.audit.record(
            "circle.round_opened",
            actor_id=room.person.id,
            subject_type="circle",
            subject_id=room.id,
            round=number,
        )
        speaker = seats[0].person if current.talking_piece and seats else None
        if self.in_group(room):
            if room.exchange.chat_id is not None:
                group = await self.group_t(uow, room)
                work.write(room.exchange.chat_id, self._question(None, current, speaker, group))
            return
        for seat in seats:
            work.write(seat.person.telegram_id, self._question(seat.person, current, speaker))

    def _question(
        self,
        person: Person | None,
        current: Round,
        speaker: Person | None,
        group: Translator | None = None,
    ) -> Reply:
        """A round's question, for a member (or, `person` None, for the whole group)."""
        reader = group if person is None else self._t(person)
        assert reader is not None
        lines = [
            reader.gettext("Round {number}", number=current.number),
            render_message(Message(current.question), reader.gettext, {}),
        ]
        if current.time_limit is not None:
            minutes = max(1, int(current.time_limit.total_seconds() // 60))
            lines.append(
                reader.ngettext(
                    "This round has {count} minute.",
                    "This round has {count} minutes.",
                    minutes,
                )
            )
        if speaker is not None and person is None:
            lines.append(
                reader.gettext(
                    "We go in turn, one at a time. {speaker} holds the talking piece first.",
                    speaker=speaker.pseudonym or "?",
                )
            )
        elif speaker is not None and person is not None:
            if speaker.id == person.id:
                lines.append(
                    reader.gettext(
                        "We go in turn, and you hold the talking piece first: share your "
                        "answer, or send /skip to pass."
                    )
                )
            else:
                lines.append(
                    reader.gettext(
                        "We go in turn; {speaker} begins. You can write now: I will share "
                        "your words when your turn comes.",
                        speaker=speaker.pseudonym or "?",
                    )
                )
        return Reply("\n\n".join(lines))

    async def _contribute(
        self, uow: UnitOfWork, work: Delivery, room: Room, member: ExchangeMember, text: str | None
    ) -> None:
        """A member's answer (None: they pass) to the open round."""
        t, circle, person = room.t, room.circle, room.person
        current = room.agenda.round(circle.round_number)
        assert current is not None
        if member.muted_until is not None and member.muted_until > self._clock():
            work.say(
                Reply(
                    t.gettext(
                        "A facilitator has paused your messages in this circle for a few "
                        "minutes. Your words were not shared."
                    )
                )
            )
            return
        mine = [
            c
            for c in await uow.circles.contributions(room.id, circle.round_number)
            if c.author_id == person.id
        ]
        if mine:
            work.say(
                Reply(
                    t.gettext(
                        "You have already answered this round. Everyone's answers are shown "
                        "together when the round ends."
                    )
                )
            )
            return
        if text is not None and len(text) > current.max_length:
            work.say(
                Reply(
                    t.gettext(
                        "That is a bit long for one message. Please keep it under {max} "
                        "characters ({length} now).",
                        max=current.max_length,
                        length=len(text),
                    )
                )
            )
            return
        contribution = Contribution(
            exchange_id=room.id,
            round_number=circle.round_number,
            author_id=person.id,
            text=text,
            language=person.language,
            passed=text is None,
            created_at=self._clock(),
        )
        uow.add(contribution)
        await uow.session.flush()
        await uow.exchanges.touch(room.id, person.id or 0, self._clock())
        if text is None:
            work.say(Reply(t.gettext("You pass this round. That's fine.")))
        elif current.talking_piece and circle.speaker_id != person.id:
            work.say(
                Reply(
                    t.gettext(
                        "Thank you. I will share your words with the circle when your turn comes."
                    )
                )
            )
        else:
            work.say(Reply(self._render(t, current.thanks, person)))
        if current.talking_piece:
            if circle.speaker_id == person.id:
                await self._pass_the_piece(uow, work, room)
            return
        if await self._everyone_answered(uow, room):
            await self._close_round(uow, work, room, circle.round_number)

    async def _pass_the_piece(self, uow: UnitOfWork, work: Delivery, room: Room) -> None:
        """Show the speaker's answer, then hand the piece on (showing what the next ones
        already wrote) until someone has yet to speak, or the round is complete."""
        circle = room.circle
        seats = await self._seats(uow, room)
        said = {
            c.author_id: c for c in await uow.circles.contributions(room.id, circle.round_number)
        }
        order = [seat.person.id for seat in seats]
        while circle.speaker_id is not None:
            spoken = said.get(circle.speaker_id)
            if spoken is None:
                break
            await self._release(uow, work, room, [spoken])
            after = order.index(circle.speaker_id) + 1 if circle.speaker_id in order else 0
            circle.speaker_id = next((pid for pid in order[after:] if pid is not None), None)
        if circle.speaker_id is None:
            await self._close_round(uow, work, room, circle.round_number)
            return
        speaker = next(seat.person for seat in seats if seat.person.id == circle.speaker_id)
        if self.in_group(room):
            await self._tell_members(
                uow,
                work,
                room,
                lambda reader: Reply(
                    reader.gettext(
                        "{name} holds the talking piece now. Share when you are ready, or "
                        "send /skip to pass.",
                        name=speaker.pseudonym or "",
                    )
                ),
            )
            return
        reader = self._t(speaker)
        work.write(
            speaker.telegram_id,
            Reply(
                reader.gettext(
                    "It's your turn, {name}. Share your answer when you are ready, or send "
                    "/skip to pass.",
                    name=speaker.pseudonym or "",
                )
            ),
        )

    async def _everyone_answered(self, uow: UnitOfWork, room: Room) -> bool:
        answered = {
            c.author_id for c in await uow.circles.contributions(room.id, room.circle.round_number)
        }
        seats = await self._seats(uow, room)
        return bool(seats) and all(seat.person.id in answered for seat in seats)

    async def _close_round(self, uow: UnitOfWork, work: Delivery, room: Room, number: int) -> None:
        """Close the round (once, whoever gets here first) and show everyone what was said."""
        if not await uow.circles.close_round(room.circle, number):
            return
        pending = [
            c
            for c in await uow.circles.contributions(room.id, number)
            if c.released_at is None and c.deleted_at is None
        ]
        if not self.in_group(room):  # in a group, everyone read it as it was said
            await self._release(uow, work, room, pending)
        uow.audit.record(
            "circle.round_closed",
            actor_id=room.person.id,
            subject_type="circle",
            subject_id=room.id,
            round=number,
            answers=sum(1 for c in pending if not c.passed),
        )
        last = room.agenda.round(number + 1) is None

        def complete(reader: Translator) -> Reply:
            return Reply(
                reader.gettext("That was the last round. The facilitator will close the circle.")
                if last
                else reader.gettext(
                    "Round {number} is complete. The next round begins when the "
                    "facilitator is ready.",
                    number=number,
                )
            )

        await self._tell_members(uow, work, room, complete)
        for facilitator in await self._facilitators(uow, room.exchange):
            ft = self._t(facilitator)
            verb, label = (
                (Verb.END, ft.gettext("End the circle"))
                if last
                else (Verb.NEXT, ft.gettext("Next round"))
            )
            work.write(
                facilitator.telegram_id,
                Reply(
                    ft.gettext(
                        "Round {number} of circle {circle} is complete: {answers} answered.",
                        number=number,
                        circle=room.id,
                        answers=sum(1 for c in pending if not c.passed),
                    ),
                    buttons=((Button(label, ButtonAction(CIRCLE_BUTTON, f"{verb}.{room.id}")),),),
                ),
            )

    async def _release(
        self, uow: UnitOfWork, work: Delivery, room: Room, contributions: list[Contribution]
    ) -> None:
        """Show answers to the circle: each to every other member (and the co-hosts), under
        the author's pseudonym, in the reader's language, with a button to report it."""
        current = room.agenda.round(room.circle.round_number)
        assert current is not None
        if self.in_group(room):  # everyone read it in the group as it was said
            for contribution in contributions:
                contribution.released_at = self._clock()
            return
        roster = await uow.circles.roster(room.id)
        authors = {person.id: person for _member, person in roster}
        readers = [s.person for s in await self._seats(uow, room)]
        facilitators = await self._facilitators(uow, room.exchange)
        now = self._clock()
        for contribution in contributions:
            contribution.released_at = now
            author = authors.get(contribution.author_id)
            name = author.pseudonym if author is not None else "?"
            for reader in [*readers, *facilitators]:
                if reader.id == contribution.author_id:
                    continue
                rt = self._t(reader)
                if contribution.passed or contribution.text is None:
                    text = render_message(
                        Message(current.passed), rt.gettext, {"partner": name or "?"}
                    )
                    work.write(reader.telegram_id, Reply(text))
                    continue
                heading = render_message(
                    Message(current.heading), rt.gettext, {"partner": name or "?"}
                )
                is_host = reader in facilitators
                button = (
                    Button(
                        rt.gettext("Delete everywhere"),
                        ButtonAction(CIRCLE_BUTTON, f"{Verb.DELETE}.{contribution.id}"),
                    )
                    if is_host
                    else Button(
                        rt.gettext("Report"),
                        ButtonAction(MEMBER_BUTTON, f"{MemberVerb.REPORT}.{contribution.id}"),
                    )
                )
                reply = Reply(
                    heading,
                    buttons=((button,),),
                    relayed=RelayedWords(
                        contribution.text, contribution.language or reader.language, rt.language
                    ),
                )
                work.postings.append(Posting(reader.telegram_id, reply, copy_of=contribution.id))

    async def _pause(self, uow: UnitOfWork, work: Delivery, room: Room, by: Person) -> None:
        circle = room.circle
        if circle.state is not CircleState.RUNNING:
            return
        circle.state = CircleState.PAUSED
        if circle.round_deadline is not None:
            left = max(timedelta(0), circle.round_deadline - self._clock())
            circle.paused_seconds_left = int(left.total_seconds())
            circle.round_deadline = None
        await self._tell_members(
            uow,
            work,
            room,
            lambda reader: Reply(
                reader.gettext(
                    "The circle is paused for a moment. Nothing you write is shared until it "
                    "goes on; I will tell you."
                )
            ),
        )

    async def _resume(self, uow: UnitOfWork, work: Delivery, room: Room) -> None:
        circle = room.circle
        if circle.state is not CircleState.PAUSED:
            return
        circle.state = CircleState.RUNNING
        if circle.paused_seconds_left is not None:
            circle.round_deadline = self._clock() + timedelta(seconds=circle.paused_seconds_left)
            circle.paused_seconds_left = None
        await self._tell_members(
            uow,
            work,
            room,
            lambda reader: Reply(reader.gettext("We go on. Thank you for waiting.")),
        )

    async def _end(self, uow: UnitOfWork, work: Delivery, room: Room) -> None:
        circle, exchange = room.circle, room.exchange
        if circle.round_open:
            await self._close_round(uow, work, room, circle.round_number)
        circle.state = CircleState.ENDED
        circle.round_deadline = None
        exchange.status = ExchangeStatus.ENDED
        exchange.ended_at = self._clock()
        exchange.ended_reason = "completed"
        uow.audit.record(
            "circle.ended", actor_id=room.person.id, subject_type="circle", subject_id=room.id
        )
        goodbye = room.agenda.goodbye
        if self.in_group(room):
            await self._tell_members(
                uow,
                work,
                room,
                lambda reader: Reply(
                    reader.gettext("The circle has ended. Thank you for listening and sharing.")
                ),
            )
            return
        for seat in await self._seats(uow, room):
            reader = self._t(seat.person)
            text = (
                self._render(reader, goodbye, seat.person)
                if goodbye
                else reader.gettext("The circle has ended. Thank you for listening and sharing.")
            )
            work.write(seat.person.telegram_id, Reply(text))

    async def _admit(
        self, uow: UnitOfWork, work: Delivery, room: Room, person_id: int, admit: bool
    ) -> None:
        member = await uow.circles.member(room.id, person_id)
        person = await uow.people.by_id(person_id)
        if member is None or person is None or member.role is not MemberRole.MEMBER:
            raise StaleButton()
        if member.admission is not Admission.REQUESTED:
            return  # another co-host answered first
        reader = self._t(person)
        if not admit:
            member.admission = Admission.DECLINED
            work.write(
                person.telegram_id,
                Reply(
                    reader.gettext(
                        "Sorry, there is no seat for you in this circle. The facilitators may "
                        "invite you to another one."
                    )
                ),
            )
        elif not await uow.circles.take_seat(room.exchange):
            raise CircleFull()
        else:
            member.admission = Admission.ADMITTED
            if room.circle.starts_at is not None:
                program = await uow.programs.get(room.exchange.program_id)
                await self._dialogues.book.owe_circle_reminders(
                    uow, None, person, program, room.id, room.circle.starts_at, self._clock()
                )
            for text in room.agenda.opening:
                work.write(person.telegram_id, Reply(self._render(reader, text, person)))
            work.write(person.telegram_id, self._agreements(reader, room, person))
        uow.audit.record(
            "circle.admitted" if admit else "circle.declined",
            actor_id=room.person.id,
            subject_type="circle",
            subject_id=room.id,
            person_id=person_id,
        )

    def _agreements(
        self, reader: Translator, room: Room, person: Person, *, again: bool = False
    ) -> Reply:
        text = room.agenda.agreements or reader.gettext(
            "Our agreements: listen to understand, speak for yourself, keep it short, and keep "
            "what others share in this circle."
        )
        agree = Button(
            reader.gettext("Yes, I agree"),
            ButtonAction(MEMBER_BUTTON, f"{MemberVerb.AGREE}.{room.id}"),
        )
        rendered = self._render(reader, text, person) if room.agenda.agreements else text
        question = reader.gettext("Can you go along with these agreements?")
        if again:
            rendered = (
                reader.gettext("Everyone accepts the circle's agreements before speaking.")
                + f"\n\n{rendered}"
            )
        return Reply(f"{rendered}\n\n{question}", buttons=((agree,),))

    async def _agree(self, uow: UnitOfWork, work: Delivery, person: Person, circle_id: int) -> None:
        room = await self._room(uow, person, circle_id, lock=True)
        member = await uow.circles.member(circle_id, person.id or 0)
        if member is None or member.admission is not Admission.ADMITTED or member.left_at:
            raise StaleButton()
        t = room.t
        if member.agreed_at is None:
            member.agreed_at = self._clock()
            uow.audit.record(
                "circle.agreed", actor_id=person.id, subject_type="circle", subject_id=circle_id
            )
        work.say(
            Reply(
                t.gettext("Thank you. You agreed to the circle's agreements."),
                replaces_pressed_message=True,
            )
        )
        circle = room.circle
        current = room.agenda.round(circle.round_number)
        if circle.round_open and current is not None:
            speaker = await uow.people.by_id(circle.speaker_id) if circle.speaker_id else None
            work.say(self._question(person, current, speaker))
        else:
            work.say(
                Reply(
                    t.gettext(
                        "The circle begins when the facilitator opens the first round. I will "
                        "write to you here."
                    )
                )
            )

    async def _without(
        self,
        uow: UnitOfWork,
        work: Delivery,
        room: Room,
        member: ExchangeMember,
        person: Person,
        *,
        removed: bool,
    ) -> None:
        """A member leaves or is removed: the others are told, the round goes on without
        them (and may be complete now)."""
        if member.left_at is not None:
            return
        member.left_at = self._clock()
        if member.admission is Admission.ADMITTED:
            await uow.circles.free_seat(room.exchange)
        member.admission = Admission.DECLINED if removed else member.admission
        uow.audit.record(
            "circle.member_removed" if removed else "circle.member_left",
            actor_id=room.person.id,
            subject_type="circle",
            subject_id=room.id,
            person_id=person.id,
        )
        await self._tell_members(
            uow,
            work,
            room,
            lambda reader: Reply(
                reader.gettext(
                    "{pseudonym} has left the circle. The circle goes on.",
                    pseudonym=person.pseudonym or "?",
                )
            ),
            also_hosts=True,
        )
        circle = room.circle
        if not circle.round_open:
            return
        current = room.agenda.round(circle.round_number)
        if current is not None and current.talking_piece and circle.speaker_id == person.id:
            seats = [s.person.id for s in await self._seats(uow, room)]
            said = {
                c.author_id for c in await uow.circles.contributions(room.id, circle.round_number)
            }
            circle.speaker_id = next((pid for pid in seats if pid not in said), None)
            if circle.speaker_id is not None:
                await self._pass_the_piece(uow, work, room)
            else:
                await self._close_round(uow, work, room, circle.round_number)
        elif await self._everyone_answered(uow, room):
            await self._close_round(uow, work, room, circle.round_number)

    # ================================================================ moderation

    async def _report_reasons(self, uow: UnitOfWork, person: Person, contribution_id: int) -> Reply:
        contribution = await uow.circles.contribution(contribution_id)
        if contribution is None or contribution.deleted_at is not None:
            raise StaleButton()
        member = await uow.circles.member(contribution.exchange_id, person.id or 0)
        if member is None or member.role is not MemberRole.MEMBER:
            raise NotAllowed()
        t = self._t(person)
        rows = tuple(
            (
                Button(
                    t.gettext(label),
                    ButtonAction(
                        MEMBER_BUTTON, f"{MemberVerb.REASON}.{contribution_id}.{reason.value}"
                    ),
                ),
            )
            for reason, label in REASON_LABELS.items()
        )
        return Reply(
            t.gettext(
                "Report this message to the facilitators? Tap what is wrong with it. They will "
                "see it and who wrote it (by pseudonym), never who reported it."
            ),
            buttons=rows,
        )

    async def _report(
        self, uow: UnitOfWork, work: Delivery, person: Person, contribution_id: int, reason: str
    ) -> None:
        contribution = await uow.circles.contribution(contribution_id)
        if contribution is None or contribution.deleted_at is not None:
            raise StaleButton()
        room = await self._room(uow, person, contribution.exchange_id, lock=True)
        member = await uow.circles.member(room.id, person.id or 0)
        if member is None or member.role is not MemberRole.MEMBER:
            raise NotAllowed()
        chosen = ReportReason(reason) if reason in REASON_VALUES else ReportReason.OTHER
        report = Report(
            exchange_id=room.id,
            reporter_id=person.id,
            reported_id=contribution.author_id,
            contribution_id=contribution.id,
            reason=chosen.value,
            created_at=self._clock(),
        )
        uow.add(report)
        await uow.session.flush()
        uow.audit.record(
            "circle.reported",
            actor_id=person.id,
            subject_type="contribution",
            subject_id=contribution.id,
            report_id=report.id,
            reason=chosen.value,
        )
        author = await uow.people.by_id(contribution.author_id) if contribution.author_id else None
        earlier = [
            c
            for c in await uow.circles.contributions(room.id, contribution.round_number)
            if c.id != contribution.id and c.text and c.deleted_at is None and c.released_at
        ][-CONTEXT_CONTRIBUTIONS:]
        roster = {p.id: p for _m, p in await uow.circles.roster(room.id)}
        for facilitator in await self._facilitators(uow, room.exchange):
            ft = self._t(facilitator)
            context = "\n".join(
                f"• {roster[c.author_id].pseudonym if c.author_id in roster else '?'}: "
                f"{(c.text or '')[:200]}"
                for c in earlier
            )
            lines = [
                ft.gettext(
                    "{reporter} reported a message in circle {circle} ({reason}). It was "
                    "written by {author}:",
                    reporter=person.pseudonym or "?",
                    circle=room.id,
                    reason=ft.gettext(REASON_LABELS[chosen]),
                    author=(author.pseudonym if author else None) or "?",
                ),
                f"“{contribution.text or ''}”",
            ]
            if context:
                lines += [ft.gettext("Before it in this round:"), context]
            rows = tuple(
                (
                    Button(
                        ft.gettext(label),
                        ButtonAction(CIRCLE_BUTTON, f"{Verb.MODERATE}.{report.id}.{action}"),
                    ),
                )
                for action, label in MODERATION_LABELS.items()
            )
            work.write(facilitator.telegram_id, Reply("\n\n".join(lines), buttons=rows))
        work.say(
            Reply(
                room.t.gettext(
                    "Thank you. The facilitators will look at it. I will tell you what they did."
                ),
                replaces_pressed_message=True,
            )
        )

    async def moderate(self, sender: Sender, report_id: int, action_value: str) -> Outcome:
        """A facilitator's decision on a report in a circle."""
        try:
            action = Moderation(action_value)
        except ValueError:
            raise StaleButton() from None

        async def use_case(uow: UnitOfWork) -> Outcome:
            report = await uow.exchanges.report(report_id, lock=True)
            if report is None or report.exchange_id is None:
                raise StaleButton()
            room = await self._facilitating(uow, sender, report.exchange_id, lock=True)
            work = self._work(room.person, sender)
            t = room.t
            if report.outcome is not ReportOutcome.OPEN:
                work.notice = t.gettext("A co-host has already handled this report.")
                return await work.seal(uow)
            report.outcome = MODERATION_OUTCOMES[action]
            report.handled_by_id = room.person.id
            report.resolved_at = self._clock()
            uow.audit.record(
                "circle.report_handled",
                actor_id=room.person.id,
                subject_type="report",
                subject_id=report.id,
                outcome=report.outcome.value,
            )
            author = await uow.people.by_id(report.reported_id) if report.reported_id else None
            contribution = (
                await uow.circles.contribution(report.contribution_id)
                if report.contribution_id
                else None
            )
            if action is Moderation.DELETE and contribution is not None:
                await self._delete(uow, work, room, contribution)
            if author is not None:
                member = await uow.circles.member(room.id, author.id or 0)
                await self._consequence(uow, work, room, action, author, member)
            reporter = await uow.people.by_id(report.reporter_id) if report.reporter_id else None
            if reporter is not None:
                rt = self._t(reporter)
                work.write(reporter.telegram_id, Reply(self._told_reporter(rt, action)))
            work.say(
                Reply(
                    t.gettext("Done: {action}.", action=t.gettext(MODERATION_LABELS[action])),
                    replaces_pressed_message=True,
                )
            )
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _consequence(
        self,
        uow: UnitOfWork,
        work: Delivery,
        room: Room,
        action: Moderation,
        author: Person,
        member: ExchangeMember | None,
    ) -> None:
        at = self._t(author)
        if action is Moderation.DELETE:
            text = at.gettext(
                "A facilitator removed one of your messages from the circle because it went "
                "against the circle's agreements. Please keep to them."
            )
        elif action is Moderation.WARN:
            text = at.gettext(
                "A facilitator asks you to keep to the circle's agreements: listen to "
                "understand, speak for yourself, and respect everyone here."
            )
        elif action is Moderation.MUTE and member is not None:
            member.muted_until = self._clock() + MUTE_FOR
            if self.in_group(room) and room.exchange.chat_id is not None:
                work.postings.append(
                    Posting(
                        room.exchange.chat_id,
                        Reply(""),
                        OutboxOp.RESTRICT,
                        user_id=author.telegram_id,
                        until=int(member.muted_until.timestamp()),
                    )
                )
            text = at.gettext(
                "A facilitator has paused your messages in this circle for 10 minutes, "
                "because of a message that went against the agreements. You can still read."
            )
        elif action is Moderation.REMOVE and member is not None:
            await self._without(uow, work, room, member, author, removed=True)
            if self.in_group(room) and room.exchange.chat_id is not None:
                work.postings.append(
                    Posting(
                        room.exchange.chat_id,
                        Reply(""),
                        OutboxOp.REMOVE,
                        user_id=author.telegram_id,
                    )
                )
            text = at.gettext(
                "A facilitator has removed you from the circle because of messages that went "
                "against its agreements."
            )
        else:
            return
        work.write(author.telegram_id, Reply(text))

    def _told_reporter(self, t: Translator, action: Moderation) -> str:
        if action is Moderation.DISMISS:
            return t.gettext(
                "A facilitator looked at the message you reported and decided to leave it. "
                "Thank you for telling us; you can always call /timeout."
            )
        return t.gettext(
            "A facilitator looked at the message you reported and acted on it ({action}). "
            "Thank you for telling us.",
            action=t.gettext(MODERATION_LABELS[action]),
        )

    async def _delete_from_copy(self, sender: Sender, contribution_id: int) -> Outcome:
        """ "Delete everywhere" under a co-host's copy of an answer."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            contribution = await uow.circles.contribution(contribution_id)
            if contribution is None:
                raise StaleButton()
            room = await self._facilitating(uow, sender, contribution.exchange_id, lock=True)
            work = self._work(room.person, sender)
            if contribution.deleted_at is None:
                await self._delete(uow, work, room, contribution)
                author = (
                    await uow.people.by_id(contribution.author_id)
                    if contribution.author_id
                    else None
                )
                if author is not None:
                    await self._consequence(uow, work, room, Moderation.DELETE, author, None)
            work.notice = room.t.gettext("Deleted from every chat.")
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _delete(
        self, uow: UnitOfWork, work: Delivery, room: Room, contribution: Contribution
    ) -> None:
        """Take an answer down: its words are forgotten and every relayed copy deleted."""
        contribution.deleted_at = self._clock()
        contribution.text = None
        for copy in await uow.circles.copies_of(contribution.id or 0):
            work.postings.append(
                Posting(copy.chat_id, Reply(""), OutboxOp.DELETE, message_id=copy.message_id)
            )
            await uow.session.delete(copy)
        if contribution.group_message_id is not None and room.exchange.chat_id is not None:
            work.postings.append(
                Posting(
                    room.exchange.chat_id,
                    Reply(""),
                    OutboxOp.DELETE,
                    message_id=contribution.group_message_id,
                )
            )
        uow.audit.record(
            "circle.message_deleted",
            actor_id=room.person.id,
            subject_type="contribution",
            subject_id=contribution.id,
        )

    # ================================================================ the card

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
            community = await self._community_name(uow, person, exchange.program_id, t)
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
            link=self.invite_link(circle),
        )

    def _group_instructions(self, t: Translator, circle: Circle) -> Reply:
        return Reply(
            t.gettext(
                "To run this circle in a Telegram group, add me to the group with this link, "
                "then make me an admin who can delete messages and restrict members (I need "
                "both to moderate):\n{link}",
                link=self.group_link(circle),
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

    async def _facilitating(
        self, uow: UnitOfWork, sender: Sender, circle_id: int, *, lock: bool
    ) -> Room:
        """The circle a facilitator acts on — the one place a circle's authority is checked."""
        person = await self._person(uow, sender)
        found = await uow.circles.get(circle_id, lock=lock)
        program_id = found[1].program_id if found is not None else -1
        await self._authorizer.require(uow, person, Permission.FACILITATE, program_id)
        assert found is not None
        circle, exchange = found
        return Room(person, circle, exchange, self._agenda(exchange), self._t(person))

    async def _room(self, uow: UnitOfWork, person: Person, circle_id: int, *, lock: bool) -> Room:
        found = await uow.circles.get(circle_id, lock=lock)
        if found is None:
            raise StaleButton()
        circle, exchange = found
        return Room(person, circle, exchange, self._agenda(exchange), self._t(person))

    async def _room_of(self, uow: UnitOfWork, person: Person, circle: Circle) -> Room:
        return await self._room(uow, person, circle.exchange_id or 0, lock=False)

    async def _open_seat(
        self, uow: UnitOfWork, person: Person
    ) -> tuple[Room, ExchangeMember] | None:
        """The person's relayed circle whose round takes their words now, if any."""
        for circle, exchange, member in await uow.circles.seated_in(person.id or 0):
            if exchange.kind is not ConversationKind.RELAYED_CIRCLE:
                continue
            room = await self._room(uow, person, circle.exchange_id or 0, lock=True)
            if room.circle.state is CircleState.PAUSED and room.circle.round_open:
                raise CirclePaused()
            if room.circle.round_open:
                return room, member
        return None

    async def _seats(self, uow: UnitOfWork, room: Room) -> list[Seat]:
        """Members who may speak: admitted, agreed, still here; in the order they came."""
        return [
            Seat(member, person)
            for member, person in await uow.circles.roster(room.id)
            if member.role is MemberRole.MEMBER
            and member.admission is Admission.ADMITTED
            and member.agreed_at is not None
            and member.left_at is None
            and person.blocked_bot_at is None
        ]

    async def _tell_members(
        self,
        uow: UnitOfWork,
        work: Delivery,
        room: Room,
        reply_for: object,
        *,
        also_hosts: bool = False,
    ) -> None:
        assert callable(reply_for)
        if self.in_group(room):
            if room.exchange.chat_id is not None:
                work.write(room.exchange.chat_id, reply_for(await self.group_t(uow, room)))
            if also_hosts:
                for host in await self._facilitators(uow, room.exchange):
                    work.write(host.telegram_id, reply_for(self._t(host)))
            return
        people = [seat.person for seat in await self._seats(uow, room)]
        if also_hosts:
            people += await self._facilitators(uow, room.exchange)
        for person in people:
            if person.id == work.actor_id:
                work.say(reply_for(self._t(person)))
            else:
                work.write(person.telegram_id, reply_for(self._t(person)))

    @staticmethod
    def in_group(room: Room) -> bool:
        """Whether the circle meets in a Telegram group (else in members' private chats)."""
        return room.exchange.kind is ConversationKind.GROUP_CIRCLE

    async def group_t(self, uow: UnitOfWork, room: Room) -> Translator:
        """The group's language: the program's main one."""
        program = await uow.programs.get(room.exchange.program_id)
        return self._dialogues.translator_for(
            Person(telegram_id=0, language=program.default_language if program else "en")
        )

    async def _facilitators(self, uow: UnitOfWork, exchange: Exchange) -> list[Person]:
        """The circle's co-hosts (the program's facilitators when it has none left)."""
        hosts = [
            person
            for member, person in await uow.circles.roster(exchange.id or 0)
            if member.role is MemberRole.FACILITATOR and member.left_at is None
        ]
        return hosts or await uow.exchanges.facilitators_of(exchange.program_id)

    async def _facilitated_programs(self, uow: UnitOfWork, person: Person) -> list[Program]:
        programs = []
        for role in await uow.roles.of_person(person.id or 0):
            if role.program_id is None or role.name is RoleName.PARTICIPANT:
                continue
            program = await uow.programs.get(role.program_id)
            if (
                program is not None
                and program not in programs
                and await self._authorizer.allows(uow, person, Permission.FACILITATE, program.id)
            ):
                programs.append(program)
        return programs

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

    async def _creator(self, uow: UnitOfWork, circle: Circle) -> Person:
        person = await uow.people.by_id(circle.created_by_id) if circle.created_by_id else None
        return person or Person(telegram_id=0, language="en")

    async def _ensure_membership(self, uow: UnitOfWork, person: Person, program: Program) -> None:
        """Someone invited straight into a circle becomes a participant of its program."""
        membership = await uow.memberships.of(person.id or 0, program.id or 0)
        if membership is not None and membership.status is MembershipStatus.JOINED:
            return
        if membership is None:
            membership = Membership(person_id=person.id or 0, program_id=program.id or 0)
            uow.memberships.add(membership)
        membership.status = MembershipStatus.JOINED
        membership.joined_at = self._clock()
        membership.left_at = None
        membership.languages = [person.language] if person.language in program.languages else []
        membership.languages_chosen = True
        membership.community_chosen = False
        if not await uow.roles.holds(person.id or 0, RoleName.PARTICIPANT, program.id):
            grant_role(uow, person, program.id or 0, RoleName.PARTICIPANT, granted_by_id=None)

    async def _community_name(
        self, uow: UnitOfWork, person: Person, program_id: int, t: Translator
    ) -> str:
        membership = await uow.memberships.of(person.id or 0, program_id)
        if membership is None or membership.community_id is None:
            return t.gettext("community not given")
        community = await uow.communities.get(membership.community_id)
        return community.name if community is not None else t.gettext("community not given")

    def _agenda(self, exchange: Exchange) -> Agenda:
        return agenda_of(self._dialogues.library.latest(exchange.flow_id))

    def _render(self, t: Translator, text: str, person: Person) -> str:
        return render_message(Message(text), t.gettext, {"name": person.pseudonym or ""})

    def _t(self, person: Person) -> Translator:
        return self._dialogues.translator_for(person)

    def _work(self, person: Person, sender: Sender) -> Delivery:
        return self._dialogues.new_work(person, sender)

    async def _person(self, uow: UnitOfWork, sender: Sender) -> Person:
        return await consenting_person(uow, sender, self._consent_version)


def _quarter_hour(moment: datetime) -> datetime:
    """`moment` rounded up to the next quarter of an hour (a time people can keep)."""
    extra = (-moment.minute) % 15
    return (moment + timedelta(minutes=extra)).replace(second=0, microsecond=0)


class GroupLinkUnknown(PalaverError):
    message = N_(
        "That link no longer works: each circle's group link works once. Send /circles in "
        "our private chat for a new one."
    )


class CirclePaused(PalaverError):
    message = N_(
        "The circle is paused for a moment. Your words were not shared; please send them "
        "again when it goes on."
    )
