"""A circle's statements round: members write short statements (a co-host approves each
first, unless the flow lets them through) and vote agree / disagree / pass on everyone
else's, in private, one message per statement in their own language. When the round
closes, the co-hosts see what the circle agrees on, across its communities, and figures of
a community with fewer voters than the program's minimum are never shown.

It is a common-ground conversation of its own (`common_ground.exchange_id` is the circle),
so votes, moderation buttons and results are the program-wide conversation's.
"""

from __future__ import annotations

from bot.engine.agenda import Round
from bot.services.circle_results import (
    StatementReceived,
    StatementsRoundOpened,
    StatementsRoundResults,
)
from bot.services.circle_rooms import CircleRooms, Room
from bot.services.common_ground import CommonGroundDesk, results_of
from bot.services.letters import Delivery
from bot.services.replies import Reply
from bot.storage.tables import (
    CommonGround,
    CommonGroundStatus,
    Person,
    Statement,
    StatementStatus,
)
from bot.storage.unit_of_work import UnitOfWork

OFFERED_TO_LATECOMERS = 10
"""How many statements someone admitted mid-round is offered at once."""


class CircleStatements:
    """Statements rounds of circles."""

    def __init__(self, kit: CircleRooms, desk: CommonGroundDesk) -> None:
        self._kit = kit
        self._views = kit.views
        self._desk = desk
        self._clock = kit.clock

    async def open(self, uow: UnitOfWork, work: Delivery, room: Room, current: Round) -> None:
        """The round's conversation opens; members are invited to write."""
        conversation = await uow.common_ground.of_circle(room.id)
        if conversation is None:
            program = await uow.programs.get(room.exchange.program_id)
            conversation = await uow.common_ground.add(
                CommonGround(
                    program_id=room.exchange.program_id,
                    exchange_id=room.id,
                    min_voters=program.min_group_size if program else 5,
                    created_by_id=room.person.id,
                )
            )
        conversation.status = CommonGroundStatus.OPEN
        conversation.opened_at = self._clock()
        for seat in await self._kit.seats(uow, room):
            work.write(seat.person.telegram_id, self.invitation(seat.person, current))
        if self._kit.in_group(room) and room.exchange.chat_id is not None:
            group = await self._kit.group_t(uow, room)
            opened = StatementsRoundOpened(
                current.number, current.question, room.person.pseudonym, in_group=True
            )
            work.write(room.exchange.chat_id, self._views.render(opened, group))

    def invitation(self, person: Person, current: Round) -> Reply:
        """The round's question, with how a statements round works."""
        opened = StatementsRoundOpened(current.number, current.question, person.pseudonym)
        return self._views.render(opened, self._kit.t(person))

    async def write(
        self,
        uow: UnitOfWork,
        work: Delivery,
        room: Room,
        person: Person,
        text: str,
        moderated: bool,
    ) -> None:
        """A member's statement: to the co-hosts first, or straight to the others' votes."""
        t = self._kit.t(person)
        conversation = await uow.common_ground.of_circle(room.id)
        if conversation is None or conversation.status != CommonGroundStatus.OPEN:
            return
        statement = await uow.common_ground.add_statement(
            Statement(
                common_ground_id=conversation.id or 0,
                text=text.strip(),
                language=person.language,
                author_id=person.id,
                status=StatementStatus.PENDING if moderated else StatementStatus.APPROVED,
            )
        )
        uow.audit.record(
            "circle.statement_written",
            actor_id=person.id,
            subject_type="circle",
            subject_id=room.id,
            statement_id=statement.id,
        )
        if moderated:
            for host in await self._kit.facilitators(uow, room.exchange):
                work.write(host.telegram_id, self._desk.to_moderate(host, statement))
            work.say(self._views.render(StatementReceived(moderated=True), t))
            return
        for seat in await self._kit.seats(uow, room):
            if seat.person.id != person.id:
                work.write(
                    seat.person.telegram_id,
                    await self._desk.ballot(uow, statement, seat.person),
                )
        work.say(self._views.render(StatementReceived(moderated=False), t))

    async def offer_unvoted(
        self, uow: UnitOfWork, work: Delivery, room: Room, person: Person
    ) -> None:
        """Someone who joins while the round is open gets the statements not yet voted on."""
        conversation = await uow.common_ground.of_circle(room.id)
        if conversation is None or conversation.status != CommonGroundStatus.OPEN:
            return
        for statement in await uow.common_ground.next_for(
            conversation.id or 0, person.id or 0, OFFERED_TO_LATECOMERS
        ):
            work.say(await self._desk.ballot(uow, statement, person))

    async def writers(self, uow: UnitOfWork, room: Room) -> int:
        """How many members wrote a statement in the circle's round."""
        conversation = await uow.common_ground.of_circle(room.id)
        if conversation is None:
            return 0
        statements = await uow.common_ground.statements(conversation.id or 0)
        return len({s.author_id for s in statements if s.author_id is not None})

    async def close(self, uow: UnitOfWork, work: Delivery, room: Room) -> None:
        """The round is over: votes stop, and the co-hosts see what the circle found."""
        conversation = await uow.common_ground.of_circle(room.id)
        if conversation is None:
            return
        conversation.status = CommonGroundStatus.CLOSED
        conversation.closed_at = self._clock()
        program = await uow.programs.get(room.exchange.program_id)
        if program is None:
            return
        statements = {
            s.id or 0: s for s in await uow.common_ground.statements(conversation.id or 0)
        }
        found = await results_of(uow, conversation)
        communities = {c.id or 0: c.name for c in await uow.communities.of_program(program.id or 0)}
        for host in await self._kit.facilitators(uow, room.exchange):
            t = self._kit.t(host)
            summary = self._desk.summary(t, program, conversation, statements, found, communities)
            work.write(
                host.telegram_id,
                self._views.render(StatementsRoundResults(room.id, summary), t),
            )
