"""A circle's agenda as it runs: rounds opened, answered and shown together (or in turn,
with the talking piece), timed rounds, pauses, the end; members admitted, agreeing,
leaving. Every change here is made under the circle's row lock, by the use case that
called it, and tells people through the outbox."""

from __future__ import annotations

from datetime import timedelta

from bot.engine.agenda import Round
from bot.engine.effects import Message, render_message
from bot.i18n.translator import Translator
from bot.services.actors import Sender
from bot.services.circle_rooms import (
    CIRCLE_BUTTON,
    LAST_MINUTE,
    MEMBER_BUTTON,
    CircleFull,
    CirclePaused,
    CircleRooms,
    MemberVerb,
    Room,
    Verb,
)
from bot.services.circle_statements import CircleStatements
from bot.services.errors import StaleButton
from bot.services.letters import Delivery, Posting
from bot.services.replies import Button, ButtonAction, Outcome, RelayedWords, Reply
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
        self._authorizer = kit.authorizer
        self._consent_version = kit.consent_version
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
                for facilitator in await self._kit.facilitators(uow, room.exchange):
                    ft = self._kit.t(facilitator)
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
            for seat in await self._kit.seats(uow, room):
                if seat.person.id in answered:
                    continue
                reader = self._kit.t(seat.person)
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

    async def contribute(
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
        if current.statements:
            await self._write_statement(uow, work, room, current, text)
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
            work.say(Reply(self._kit.render(t, current.thanks, person)))
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
            work.say(
                Reply(
                    t.gettext(
                        "That's fine: you need not write a statement. You can still vote on "
                        "the others'."
                    )
                )
            )
            return
        if len(text) > current.max_length:
            work.say(
                Reply(
                    t.gettext(
                        "Please keep your statement under {limit} characters, and send it again.",
                        limit=current.max_length,
                    )
                )
            )
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
            await self._kit.tell_members(
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
        reader = self._kit.t(speaker)
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

        await self._kit.tell_members(uow, work, room, complete)
        for facilitator in await self._kit.facilitators(uow, room.exchange):
            ft = self._kit.t(facilitator)
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
                        answers=answers,
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
                rt = self._kit.t(reader)
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

    async def pause(self, uow: UnitOfWork, work: Delivery, room: Room, by: Person) -> None:
        circle = room.circle
        if circle.state is not CircleState.RUNNING:
            return
        circle.state = CircleState.PAUSED
        if circle.round_deadline is not None:
            left = max(timedelta(0), circle.round_deadline - self._clock())
            circle.paused_seconds_left = int(left.total_seconds())
            circle.round_deadline = None
        await self._kit.tell_members(
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

    async def resume(self, uow: UnitOfWork, work: Delivery, room: Room) -> None:
        circle = room.circle
        if circle.state is not CircleState.PAUSED:
            return
        circle.state = CircleState.RUNNING
        if circle.paused_seconds_left is not None:
            circle.round_deadline = self._clock() + timedelta(seconds=circle.paused_seconds_left)
            circle.paused_seconds_left = None
        await self._kit.tell_members(
            uow,
            work,
            room,
            lambda reader: Reply(reader.gettext("We go on. Thank you for waiting.")),
        )

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
            await self._kit.tell_members(
                uow,
                work,
                room,
                lambda reader: Reply(
                    reader.gettext("The circle has ended. Thank you for listening and sharing.")
                ),
            )
            return
        for seat in await self._kit.seats(uow, room):
            reader = self._kit.t(seat.person)
            text = (
                self._kit.render(reader, goodbye, seat.person)
                if goodbye
                else reader.gettext("The circle has ended. Thank you for listening and sharing.")
            )
            work.write(seat.person.telegram_id, Reply(text))

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
                work.write(person.telegram_id, Reply(self._kit.render(reader, text, person)))
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
        text = room.agenda.agreements or reader.gettext(
            "Our agreements: listen to understand, speak for yourself, keep it short, and keep "
            "what others share in this circle."
        )
        agree = Button(
            reader.gettext("Yes, I agree"),
            ButtonAction(MEMBER_BUTTON, f"{MemberVerb.AGREE}.{room.id}"),
        )
        rendered = self._kit.render(reader, text, person) if room.agenda.agreements else text
        question = reader.gettext("Can you go along with these agreements?")
        if again:
            rendered = (
                reader.gettext("Everyone accepts the circle's agreements before speaking.")
                + f"\n\n{rendered}"
            )
        return Reply(f"{rendered}\n\n{question}", buttons=((agree,),))

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
        work.say(
            Reply(
                t.gettext("Thank you. You agreed to the circle's agreements."),
                replaces_pressed_message=True,
            )
        )
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
            work.say(
                Reply(
                    t.gettext(
                        "The circle begins when the facilitator opens the first round. I will "
                        "write to you here."
                    )
                )
            )

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
        await self._kit.tell_members(
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
