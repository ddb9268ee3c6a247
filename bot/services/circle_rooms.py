"""What every part of circles shares: the words and buttons they use, the rooms a
use case acts in (a circle with who acts and in which language), and the look-ups that
find them — among them `facilitating`, the one place a circle's authority is checked."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.engine import FlowLibrary
from bot.engine.agenda import Agenda, agenda_of
from bot.engine.schema import CommitStep
from bot.i18n.translator import N_, Translator
from bot.services.actors import Actor, Sender
from bot.services.authorization import Authorizer, Permission
from bot.services.dialogues import Dialogues
from bot.services.errors import PalaverError, StaleButton
from bot.services.invites import invite_link
from bot.services.letters import Delivery
from bot.services.programs import grant_role
from bot.services.replies import Views
from bot.storage.tables import (
    Admission,
    Circle,
    ConversationKind,
    Exchange,
    ExchangeMember,
    MemberRole,
    Membership,
    MembershipStatus,
    Person,
    Program,
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
STARTS: dict[str, timedelta | None] = {
    "now": None,
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "2d": timedelta(days=2),
    "7d": timedelta(days=7),
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


MODERATION_OUTCOMES = {
    Moderation.DISMISS: ReportOutcome.DISMISSED,
    Moderation.DELETE: ReportOutcome.DELETED,
    Moderation.WARN: ReportOutcome.WARNED,
    Moderation.MUTE: ReportOutcome.MUTED,
    Moderation.REMOVE: ReportOutcome.REMOVED,
}
CIRCLE_KINDS = (ConversationKind.RELAYED_CIRCLE, ConversationKind.GROUP_CIRCLE)
"""The kinds of circle a facilitator may open."""


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


def quarter_hour(moment: datetime) -> datetime:
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


class CircleRooms:
    """Look-ups and helpers every circle use case needs."""

    def __init__(
        self,
        dialogues: Dialogues,
        authorizer: Authorizer,
        clock: Clock,
        bot_username: str | None = None,
    ) -> None:
        self.dialogues = self._dialogues = dialogues
        self.views: Views = dialogues.views
        self.authorizer = self._authorizer = authorizer
        self.clock = self._clock = clock
        self.bot_username = bot_username or "palaver_bot"

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

    async def facilitating(
        self, uow: UnitOfWork, sender: Sender, circle_id: int, *, lock: bool
    ) -> Room:
        """The circle a facilitator acts on — the one place a circle's authority is checked."""
        actor = await self.actor(uow, sender)
        found = await uow.circles.get(circle_id, lock=lock)
        program_id = found[1].program_id if found is not None else -1
        await self._authorizer.require(uow, actor.person, Permission.FACILITATE, program_id)
        assert found is not None
        circle, exchange = found
        return Room(actor.person, circle, exchange, self.agenda(exchange), actor.translator)

    async def room(self, uow: UnitOfWork, person: Person, circle_id: int, *, lock: bool) -> Room:
        found = await uow.circles.get(circle_id, lock=lock)
        if found is None:
            raise StaleButton()
        circle, exchange = found
        return Room(person, circle, exchange, self.agenda(exchange), self.t(person))

    async def room_of(self, uow: UnitOfWork, person: Person, circle: Circle) -> Room:
        return await self.room(uow, person, circle.exchange_id or 0, lock=False)

    async def seats(self, uow: UnitOfWork, room: Room) -> list[Seat]:
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

    async def tell_members(
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
                for host in await self.facilitators(uow, room.exchange):
                    work.write(host.telegram_id, reply_for(self.t(host)))
            return
        people = [seat.person for seat in await self.seats(uow, room)]
        if also_hosts:
            people += await self.facilitators(uow, room.exchange)
        for person in people:
            if person.id == work.actor_id:
                work.say(reply_for(self.t(person)))
            else:
                work.write(person.telegram_id, reply_for(self.t(person)))

    @staticmethod
    def in_group(room: Room) -> bool:
        """Whether the circle meets in a Telegram group (else in members' private chats)."""
        return room.exchange.kind is ConversationKind.GROUP_CIRCLE

    async def group_t(self, uow: UnitOfWork, room: Room) -> Translator:
        """The group's language: the program's main one."""
        return await self.program_t(uow, room.exchange.program_id)

    async def program_t(self, uow: UnitOfWork, program_id: int) -> Translator:
        """A program's main language (what a group, or no one in particular, reads)."""
        program = await uow.programs.get(program_id)
        return self._dialogues.translator_for(
            Person(telegram_id=0, language=program.default_language if program else "en")
        )

    async def facilitators(self, uow: UnitOfWork, exchange: Exchange) -> list[Person]:
        """The circle's co-hosts (the program's facilitators when it has none left)."""
        hosts = [
            person
            for member, person in await uow.circles.roster(exchange.id or 0)
            if member.role is MemberRole.FACILITATOR and member.left_at is None
        ]
        return hosts or await uow.exchanges.facilitators_of(exchange.program_id)

    async def facilitated_programs(self, uow: UnitOfWork, person: Person) -> list[Program]:
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

    async def creator(self, uow: UnitOfWork, circle: Circle) -> Person:
        person = await uow.people.by_id(circle.created_by_id) if circle.created_by_id else None
        return person or Person(telegram_id=0, language="en")

    async def ensure_membership(self, uow: UnitOfWork, person: Person, program: Program) -> None:
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

    async def community_of(self, uow: UnitOfWork, person: Person, program_id: int) -> str | None:
        """The name of the community `person` gave in a program (None: not given)."""
        membership = await uow.memberships.of(person.id or 0, program_id)
        if membership is None or membership.community_id is None:
            return None
        community = await uow.communities.get(membership.community_id)
        return community.name if community is not None else None

    def agenda(self, exchange: Exchange) -> Agenda:
        return agenda_of(self._dialogues.library.latest(exchange.flow_id))

    def t(self, person: Person) -> Translator:
        return self._dialogues.translator_for(person)

    def work(self, person: Person, sender: Sender) -> Delivery:
        return self._dialogues.new_work(person, sender)

    def work_for(self, actor: Actor) -> Delivery:
        return self._dialogues.work_for(actor)

    async def actor(self, uow: UnitOfWork, sender: Sender) -> Actor:
        """Who acts in `sender`'s update (a consenting person; else ConsentRequired)."""
        return await self._dialogues.actors.of(uow, sender)

    async def person(self, uow: UnitOfWork, sender: Sender) -> Person:
        """The consenting person behind `sender`'s update (see `actor`)."""
        return (await self.actor(uow, sender)).person
