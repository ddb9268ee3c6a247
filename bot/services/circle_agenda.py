"""A circle's agenda as it runs: rounds opened, answered and shown together (or in turn,
with the talking piece), timed rounds, pauses, the end; members admitted, agreeing,
leaving. Every change here is made under the circle's row lock, by the use case that
called it, and tells people through the outbox."""

from __future__ import annotations

from datetime import timedelta

from bot.engine.agenda import Round
from bot.i18n.translator import Translator
from bot.services.actors import Sender
from bot.services.circle_agenda_results import (
    Agreed,
    AlreadyAnswered,
    AnswerPassedOn,
    AnswerShown,
    AnswerTooLong,
    AnswerWaitsForTurn,
    CircleAgendaResult,
    CircleAgreements,
    CircleBeginsLater,
    CircleEndedForMembers,
    CirclePausedForMembers,
    CircleResumedForMembers,
    FlowWords,
    LastMinute,
    MemberLeft,
    NoSeat,
    NoStatementNeeded,
    PassedRound,
    RoundComplete,
    RoundCompleteForHosts,
    RoundQuestion,
    StatementTooLong,
    TalkingPieceNow,
    TimeIsUp,
    WordsNotShared,
    YourTurn,
)
from bot.services.circle_rooms import (
    LAST_MINUTE,
    CircleFull,
    CirclePaused,
    CircleRooms,
    Room,
)
from bot.services.circle_statements import CircleStatements
from bot.services.errors import StaleButton
from bot.services.letters import Delivery, Posting
from bot.services.replies import Outcome, Reply
from bot.storage.tables import (
    Admission,
    CircleState,
    Contribution,
    ConversationKind,
    ExchangeMember,
    MemberRole,
    Person,
)
from bot.storage.unit_of_work import UnitOfWork


class CircleAgenda:
    """Runs the circle flow's agenda for every kind of circle."""

    def __init__(self, kit: CircleRooms, statements: CircleStatements) -> None:
        self._kit = kit
        self._statements = statements
        self._dialogues = kit.dialogues
        self._views = kit.dialogues.views
        self._authorizer = kit.authorizer
        self._clock = kit.clock

    async def check_timers(self) -> tuple[Outcome, ...]:
        """Warn of the last minute, and act when a timed round's time is up."""
        async with self._dialogues.database.unit_of_work() as uow:
            circle_ids = await uow.circles.due_timers(self._clock() + LAST_MINUTE)
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
                    await self._kit.creator(uow, circle),
                    circle,
                    exchange,
                    self._kit.agenda(exchange),
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
                await self.close_round(uow, work, room, circle.round_number)
            elif not circle.time_up_asked:
                circle.time_up_asked = True
                time_is_up = TimeIsUp(room.id, circle.round_number)
                for facilitator in await self._kit.facilitators(uow, room.exchange):
                    work.write(facilitator.telegram_id, self._shown(time_is_up, facilitator))
        elif left <= LAST_MINUTE and not circle.time_warned:
            circle.time_warned = True
            answered = {
                c.author_id for c in await uow.circles.contributions(room.id, circle.round_number)
            }
            for seat in await self._kit.seats(uow, room):
                if seat.person.id in answered:
                    continue
                work.write(seat.person.telegram_id, self._shown(LastMinute(), seat.person))

    # ================================================================ the agenda

    async def open_round(self, uow: UnitOfWork, work: Delivery, room: Room, number: int) -> None:
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
        seats = await self._kit.seats(uow, room)
        circle.speaker_id = seats[0].person.id if current.talking_piece and seats else None
        uow.audit.record(
            "circle.round_opened",
            actor_id=room.person.id,
            subject_type="circle",
            subject_id=room.id,
            round=number,
        )
        speaker = seats[0].person if current.talking_piece and seats else None
        if current.statements:
            await self._statements.open(uow, work, room, current)
            return
        if self._kit.in_group(room):
            if room.exchange.chat_id is not None:
                group = await self._kit.group_t(uow, room)
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
        reader = group if person is None else self._kit.t(person)
        assert reader is not None
        minutes = (
            max(1, int(current.time_limit.total_seconds() // 60))
            if current.time_limit is not None
            else None
        )
        question = RoundQuestion(
            number=current.number,
            question=current.question,
            minutes=minutes,
            in_turn=speaker is not None,
            speaker=speaker.pseudonym if speaker is not None else None,
            reader_speaks_first=(
                speaker is not None and person is not None and speaker.id == person.id
            ),
            for_group=person is None,
        )
        return self._views.render(question, reader)

    async def contribute(
        self, uow: UnitOfWork, work: Delivery, room: Room, member: ExchangeMember, text: str | None
    ) -> None:
        """A member's answer (None: they pass) to the open round."""
        t, circle, person = room.t, room.circle, room.person
        current = room.agenda.round(circle.round_number)
        assert current is not None
        if member.muted_until is not None and member.muted_until > self._clock():
            work.say(self._views.render(WordsNotShared(), t))
            return
        if current.statements:
            await self._write_statement(uow, work, room, current, text)
            return
        mine = [
            c
            for c in await uow.circles.contributions(room.id, circle.round_number)
            if c.author_id == person.id
        ]
        if mine:
            work.say(self._views.render(AlreadyAnswered(), t))
            return
        if text is not None and len(text) > current.max_length:
            work.say(self._views.render(AnswerTooLong(current.max_length, len(text)), t))
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
        received: CircleAgendaResult = (
            PassedRound()
            if text is None
            else AnswerWaitsForTurn()
            if current.talking_piece and circle.speaker_id != person.id
            else FlowWords(current.thanks, person.pseudonym)
        )
        work.say(self._views.render(received, t))
        if current.talking_piece:
            if circle.speaker_id == person.id:
                await self.pass_the_piece(uow, work, room)
            return
        if await self.everyone_answered(uow, room):
            await self.close_round(uow, work, room, circle.round_number)

    async def _write_statement(
        self, uow: UnitOfWork, work: Delivery, room: Room, current: Round, text: str | None
    ) -> None:
        """In a statements round each message is a statement (and /skip writes none)."""
        t, person = room.t, room.person
        if text is None:
            work.say(self._views.render(NoStatementNeeded(), t))
            return
        if len(text) > current.max_length:
            work.say(self._views.render(StatementTooLong(current.max_length), t))
            return
        await self._statements.write(uow, work, room, person, text, current.moderated)

    async def pass_the_piece(self, uow: UnitOfWork, work: Delivery, room: Room) -> None:
        """Show the speaker's answer, then hand the piece on (showing what the next ones
        already wrote) until someone has yet to speak, or the round is complete."""
        circle = room.circle
        seats = await self._kit.seats(uow, room)
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
            await self.close_round(uow, work, room, circle.round_number)
            return
        speaker = next(seat.person for seat in seats if seat.person.id == circle.speaker_id)
        if self._kit.in_group(room):
            await self._tell_members(uow, work, room, TalkingPieceNow(speaker.pseudonym))
            return
        work.write(speaker.telegram_id, self._shown(YourTurn(speaker.pseudonym), speaker))

    async def everyone_answered(self, uow: UnitOfWork, room: Room) -> bool:
        answered = {
            c.author_id for c in await uow.circles.contributions(room.id, room.circle.round_number)
        }
        seats = await self._kit.seats(uow, room)
        return bool(seats) and all(seat.person.id in answered for seat in seats)

    async def close_round(self, uow: UnitOfWork, work: Delivery, room: Room, number: int) -> None:
        """Close the round (once, whoever gets here first) and show everyone what was said."""
        if not await uow.circles.close_round(room.circle, number):
            return
        pending = [
            c
            for c in await uow.circles.contributions(room.id, number)
            if c.released_at is None and c.deleted_at is None
        ]
        current = room.agenda.round(number)
        if current is not None and current.statements:
            await self._statements.close(uow, work, room)
            answers = await self._statements.writers(uow, room)
        else:
            if not self._kit.in_group(room):  # in a group, everyone read it as it was said
                await self._release(uow, work, room, pending)
            answers = sum(1 for c in pending if not c.passed)
        uow.audit.record(
            "circle.round_closed",
            actor_id=room.person.id,
            subject_type="circle",
            subject_id=room.id,
            round=number,
            answers=answers,
        )
        last = room.agenda.round(number + 1) is None
        await self._tell_members(uow, work, room, RoundComplete(number, last))
        for_hosts = RoundCompleteForHosts(room.id, number, answers, last)
        for facilitator in await self._kit.facilitators(uow, room.exchange):
            work.write(facilitator.telegram_id, self._shown(for_hosts, facilitator))

    async def _release(
        self, uow: UnitOfWork, work: Delivery, room: Room, contributions: list[Contribution]
    ) -> None:
        """Show answers to the circle: each to every other member (and the co-hosts), under
        the author's pseudonym, in the reader's language, with a button to report it."""
        current = room.agenda.round(room.circle.round_number)
        assert current is not None
        if self._kit.in_group(room):  # everyone read it in the group as it was said
            for contribution in contributions:
                contribution.released_at = self._clock()
            return
        roster = await uow.circles.roster(room.id)
        authors = {person.id: person for _member, person in roster}
        readers = [s.person for s in await self._kit.seats(uow, room)]
        facilitators = await self._kit.facilitators(uow, room.exchange)
        now = self._clock()
        for contribution in contributions:
            contribution.released_at = now
            author = authors.get(contribution.author_id)
            name = author.pseudonym if author is not None else "?"
            for reader in [*readers, *facilitators]:
                if reader.id == contribution.author_id:
                    continue
                if contribution.passed or contribution.text is None:
                    passed = AnswerPassedOn(current.passed, name)
                    work.write(reader.telegram_id, self._shown(passed, reader))
                    continue
                shown = AnswerShown(
                    heading=current.heading,
                    author=name,
                    contribution_id=contribution.id,
                    words=contribution.text,
                    source=contribution.language or reader.language,
                    for_host=reader in facilitators,
                )
                reply = self._shown(shown, reader)
                work.postings.append(Posting(reader.telegram_id, reply, copy_of=contribution.id))

    async def pause(self, uow: UnitOfWork, work: Delivery, room: Room, by: Person) -> None:
        circle = room.circle
        if circle.state is not CircleState.RUNNING:
            return
        circle.state = CircleState.PAUSED
        if circle.round_deadline is not None:
            left = max(timedelta(0), circle.round_deadline - self._clock())
            circle.paused_seconds_left = int(left.total_seconds())
            circle.round_deadline = None
        await self._tell_members(uow, work, room, CirclePausedForMembers())

    async def resume(self, uow: UnitOfWork, work: Delivery, room: Room) -> None:
        circle = room.circle
        if circle.state is not CircleState.PAUSED:
            return
        circle.state = CircleState.RUNNING
        if circle.paused_seconds_left is not None:
            circle.round_deadline = self._clock() + timedelta(seconds=circle.paused_seconds_left)
            circle.paused_seconds_left = None
        await self._tell_members(uow, work, room, CircleResumedForMembers())

    async def end(self, uow: UnitOfWork, work: Delivery, room: Room) -> None:
        circle, exchange = room.circle, room.exchange
        if circle.round_open:
            await self.close_round(uow, work, room, circle.round_number)
        circle.state = CircleState.ENDED
        circle.round_deadline = None
        self._dialogues.conversation_completed(exchange)
        uow.audit.record(
            "circle.ended", actor_id=room.person.id, subject_type="circle", subject_id=room.id
        )
        goodbye = room.agenda.goodbye
        if self._kit.in_group(room):
            await self._tell_members(uow, work, room, CircleEndedForMembers())
            return
        for seat in await self._kit.seats(uow, room):
            ended = (
                FlowWords(goodbye, seat.person.pseudonym) if goodbye else CircleEndedForMembers()
            )
            work.write(seat.person.telegram_id, self._shown(ended, seat.person))

    async def admit(
        self, uow: UnitOfWork, work: Delivery, room: Room, person_id: int, admit: bool
    ) -> None:
        member = await uow.circles.member(room.id, person_id)
        person = await uow.people.by_id(person_id)
        if member is None or person is None or member.role is not MemberRole.MEMBER:
            raise StaleButton()
        if member.admission is not Admission.REQUESTED:
            return  # another co-host answered first
        reader = self._kit.t(person)
        if not admit:
            member.admission = Admission.DECLINED
            work.write(person.telegram_id, self._views.render(NoSeat(), reader))
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
                opening = FlowWords(text, person.pseudonym)
                work.write(person.telegram_id, self._views.render(opening, reader))
            work.write(person.telegram_id, self.agreements(reader, room, person))
        uow.audit.record(
            "circle.admitted" if admit else "circle.declined",
            actor_id=room.person.id,
            subject_type="circle",
            subject_id=room.id,
            person_id=person_id,
        )

    def agreements(
        self, reader: Translator, room: Room, person: Person, *, again: bool = False
    ) -> Reply:
        """The circle's agreements for `person` to accept (`again`: before speaking)."""
        agreements = CircleAgreements(
            room.id, room.agenda.agreements or None, person.pseudonym, again
        )
        return self._views.render(agreements, reader)

    async def agree(self, uow: UnitOfWork, work: Delivery, person: Person, circle_id: int) -> None:
        room = await self._kit.room(uow, person, circle_id, lock=True)
        member = await uow.circles.member(circle_id, person.id or 0)
        if member is None or member.admission is not Admission.ADMITTED or member.left_at:
            raise StaleButton()
        t = room.t
        if member.agreed_at is None:
            member.agreed_at = self._clock()
            uow.audit.record(
                "circle.agreed", actor_id=person.id, subject_type="circle", subject_id=circle_id
            )
        work.say(self._views.render(Agreed(), t))
        circle = room.circle
        current = room.agenda.round(circle.round_number)
        if circle.round_open and current is not None and current.statements:
            work.say(self._statements.invitation(person, current))
            await self._statements.offer_unvoted(uow, work, room, person)
        elif circle.round_open and current is not None and self._kit.in_group(room):
            pass  # the round's question is in the group, where the answers are given
        elif circle.round_open and current is not None:
            speaker = await uow.people.by_id(circle.speaker_id) if circle.speaker_id else None
            work.say(self._question(person, current, speaker))
        else:
            work.say(self._views.render(CircleBeginsLater(), t))

    async def without(
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
        await self._tell_members(uow, work, room, MemberLeft(person.pseudonym), also_hosts=True)
        circle = room.circle
        if not circle.round_open:
            return
        current = room.agenda.round(circle.round_number)
        if current is not None and current.talking_piece and circle.speaker_id == person.id:
            seats = [s.person.id for s in await self._kit.seats(uow, room)]
            said = {
                c.author_id for c in await uow.circles.contributions(room.id, circle.round_number)
            }
            circle.speaker_id = next((pid for pid in seats if pid not in said), None)
            if circle.speaker_id is not None:
                await self.pass_the_piece(uow, work, room)
            else:
                await self.close_round(uow, work, room, circle.round_number)
        elif await self.everyone_answered(uow, room):
            await self.close_round(uow, work, room, circle.round_number)

    # ================================================================ moderation

    async def open_seat(
        self, uow: UnitOfWork, person: Person
    ) -> tuple[Room, ExchangeMember] | None:
        """The person's circle whose round takes their words in private now, if any: a
        relayed circle's round, or any circle's statements round."""
        for circle, exchange, member in await uow.circles.seated_in(person.id or 0):
            room = await self._kit.room(uow, person, circle.exchange_id or 0, lock=True)
            current = room.agenda.round(room.circle.round_number)
            in_private = exchange.kind is ConversationKind.RELAYED_CIRCLE or (
                current is not None and current.statements
            )
            if not in_private:
                continue
            if room.circle.state is CircleState.PAUSED and room.circle.round_open:
                raise CirclePaused()
            if room.circle.round_open:
                return room, member
        return None

    # ================================================================ helpers

    def _shown(self, result: CircleAgendaResult, person: Person) -> Reply:
        """`result` in `person`'s language."""
        return self._views.render(result, self._kit.t(person))

    async def _tell_members(
        self,
        uow: UnitOfWork,
        work: Delivery,
        room: Room,
        result: CircleAgendaResult,
        *,
        also_hosts: bool = False,
    ) -> None:
        """Tell the circle (see `CircleRooms.tell_members`) `result`, in each reader's
        language."""
        await self._kit.tell_members(
            uow,
            work,
            room,
            lambda reader: self._views.render(result, reader),
            also_hosts=also_hosts,
        )
