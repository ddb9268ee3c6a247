"""Circles that meet in a Telegram group: linking the group with the one-time startgroup
code, members' words in the group, /report as a reply, and what happens to the group
(the bot removed or its rights changed, members leaving, a new supergroup id)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from bot.services.actors import Sender
from bot.services.circle_agenda import CircleAgenda
from bot.services.circle_moderation import CircleModeration
from bot.services.circle_results import (
    GroupLinked,
    GroupRights,
    RemovedFromGroup,
    ReportNeedsReply,
    TalkingPieceHeld,
    WayIntoCircle,
)
from bot.services.circle_rooms import (
    REPORTED_WORDS_LENGTH,
    CircleClosed,
    CircleRooms,
    GroupLinkUnknown,
    NotInACircle,
    Room,
)
from bot.services.letters import Posting
from bot.services.moderation import ReportReason
from bot.services.replies import Outcome, Reply
from bot.storage.tables import (
    Admission,
    CircleState,
    Contribution,
    MemberRole,
    OutboxOp,
)
from bot.storage.unit_of_work import UnitOfWork

TOLD_STRANGERS_KEPT = 10_000
"""Who was shown the way in is remembered for this many (circle, round, person) at most."""


class CircleGroups:
    """The Telegram-group side of circles."""

    def __init__(
        self, kit: CircleRooms, agenda: CircleAgenda, moderation: CircleModeration
    ) -> None:
        self._kit = kit
        self._dialogues = kit.dialogues
        self._actors = kit.dialogues.actors
        self._views = kit.views
        self._authorizer = kit.authorizer
        self._clock = kit.clock
        self._agenda = agenda
        self._moderation = moderation
        self._told_strangers: set[tuple[int, int, int]] = set()
        """Who was shown the way in, per round (in memory: after a restart, once more)."""

    async def link_group(
        self, sender: Sender, code: str, chat_id: int, can_moderate: bool
    ) -> Outcome:
        """A facilitator added the bot to a group with the circle's startgroup link (or
        typed /start CODE there): the group now holds the circle. The code works once."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            found = await uow.circles.by_link_code(code)
            if found is None:
                raise GroupLinkUnknown()
            room = await self._kit.facilitating(uow, sender, found[1].id or 0, lock=True)
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
            work = self._kit.work(room.person, sender)
            group = await self._kit.group_t(uow, room)
            flow = self._dialogues.library.latest(room.exchange.flow_id)
            linked = GroupLinked(
                room.id, flow.title, self._kit.invite_link(room.circle), can_moderate
            )
            work.say(self._views.render(linked, group))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

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
            actor = await self._actors.consenting(uow, sender)
            room_id = found[1].id or 0
            if actor is None:
                return await self._stranger_in_group(uow, sender, room_id)
            person = actor.person
            room = await self._kit.room(uow, person, room_id, lock=True)
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
            work = self._kit.work_for(actor)
            group = await self._kit.group_t(uow, room)
            if current.talking_piece and circle.speaker_id != person.id:
                speaker = await uow.people.by_id(circle.speaker_id) if circle.speaker_id else None
                held = TalkingPieceHeld(speaker.pseudonym if speaker else None)
                work.say(self._views.render(held, group))
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
                await self._agenda.pass_the_piece(uow, work, room)
            elif await self._agenda.everyone_answered(uow, room):
                await self._agenda.close_round(uow, work, room, circle.round_number)
            return await work.seal(uow)

        return await self._dialogues.retrying_if_mine(use_case)

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
        if len(self._told_strangers) >= TOLD_STRANGERS_KEPT:
            self._told_strangers.clear()  # at worst someone is shown the way in once more
        self._told_strangers.add(key)
        group = await self._kit.program_t(uow, exchange.program_id)
        way_in = WayIntoCircle(self._kit.invite_link(circle))
        return Outcome(replies=(self._views.render(way_in, group),))

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
            actor = await self._kit.actor(uow, sender)
            person = actor.person
            found = await uow.circles.by_chat(chat_id)
            if found is None:
                raise NotInACircle()
            room = await self._kit.room(uow, person, found[1].id or 0, lock=True)
            work = self._kit.work_for(actor)
            if reported_message_id is None:
                work.say(self._views.render(ReportNeedsReply(), actor.translator))
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
            await self._moderation.report(
                uow, work, person, contribution.id or 0, ReportReason.OTHER.value, in_private=True
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
                await self._kit.creator(uow, circle),
                circle,
                exchange,
                self._kit.agenda(exchange),
                await self._kit.program_t(uow, exchange.program_id),
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
                removed = RemovedFromGroup(room.id, self._kit.group_link(circle))
                for host in await self._kit.facilitators(uow, exchange):
                    work.write(host.telegram_id, self._views.render(removed, self._kit.t(host)))
            else:
                group = await self._kit.group_t(uow, room)
                work.write(chat_id, self._views.render(GroupRights(can_moderate), group))
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
            room = await self._kit.room(uow, person, found[1].id or 0, lock=True)
            work = self._dialogues.new_system_work()
            await self._agenda.without(uow, work, room, member, person, removed=False)
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
