"""Common ground: a program's statements conversation, its statements and votes.

Everything that grows with the number of people is asked of the database: which statement
someone sees next, and the tallies per community. Nothing loads every vote into memory
except the Polis export, which writes them all out, and the opinion groups, which need the
whole vote matrix (three numbers a vote, read in one query).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.tables import (
    CommonGround,
    CommonGroundStatus,
    Membership,
    MembershipStatus,
    Statement,
    StatementStatus,
    Vote,
    VoteValue,
)


@dataclass(frozen=True)
class VoteCount:
    """How many votes of one value one statement got from one community (None: not said)."""

    statement_id: int
    community_id: int | None
    value: VoteValue
    count: int


@dataclass(frozen=True)
class CastVote:
    """One vote as the Polis export writes it: never who, only a number per voter."""

    statement_id: int
    person_id: int
    community_id: int | None
    value: VoteValue
    voted_at: datetime


@dataclass(frozen=True)
class Ballot:
    """One vote as the opinion groups read it: a number per voter, never their community."""

    person_id: int
    statement_id: int
    value: VoteValue


class CommonGroundRepository:
    """The `common_ground`, `statement` and `vote` tables."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- the conversation ----------------------------------------------------------------

    async def of_program(self, program_id: int, *, lock: bool = False) -> CommonGround | None:
        """The program-wide conversation (not a circle's statements round)."""
        statement = select(CommonGround).where(
            col(CommonGround.program_id) == program_id, col(CommonGround.exchange_id).is_(None)
        )
        if lock:
            statement = statement.with_for_update()
        return (await self._session.exec(statement)).first()

    async def of_circle(self, circle_id: int) -> CommonGround | None:
        """A circle's statements round (one per circle)."""
        statement = select(CommonGround).where(col(CommonGround.exchange_id) == circle_id)
        return (await self._session.exec(statement)).first()

    async def get(self, common_ground_id: int) -> CommonGround | None:
        return await self._session.get(CommonGround, common_ground_id)

    async def add(self, conversation: CommonGround) -> CommonGround:
        self._session.add(conversation)
        await self._session.flush()
        return conversation

    async def open_for(self, person_id: int) -> list[CommonGround]:
        """The open conversations of the programs this person takes part in, oldest first."""
        statement = (
            select(CommonGround)
            .join(Membership, col(Membership.program_id) == col(CommonGround.program_id))
            .where(
                col(Membership.person_id) == person_id,
                col(Membership.status) == MembershipStatus.JOINED,
                col(CommonGround.status) == CommonGroundStatus.OPEN,
                col(CommonGround.exchange_id).is_(None),
            )
            .order_by(col(CommonGround.id))
        )
        return list((await self._session.exec(statement)).all())

    # --- statements ----------------------------------------------------------------------

    async def add_statement(self, statement: Statement) -> Statement:
        self._session.add(statement)
        await self._session.flush()
        return statement

    async def statement(self, statement_id: int) -> Statement | None:
        return await self._session.get(Statement, statement_id)

    async def statements(
        self, common_ground_id: int, statuses: Sequence[StatementStatus] | None = None
    ) -> list[Statement]:
        """A conversation's statements, in the order they were written."""
        query = select(Statement).where(col(Statement.common_ground_id) == common_ground_id)
        if statuses is not None:
            query = query.where(col(Statement.status).in_(statuses))
        return list((await self._session.exec(query.order_by(col(Statement.id)))).all())

    async def moderate(
        self, statement_id: int, status: StatementStatus, by: int | None, at: datetime
    ) -> bool:
        """Approve or reject a pending statement; False if someone already did (one update
        that only changes a pending row, so two moderators never both act)."""
        result = await self._session.exec(
            update(Statement)
            .where(
                col(Statement.id) == statement_id,
                col(Statement.status) == StatementStatus.PENDING,
            )
            .values(status=status, moderated_by_id=by, moderated_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

    async def show_author(self, statement_id: int, author_id: int) -> bool:
        """The author agrees to be shown by pseudonym with their statement."""
        result = await self._session.exec(
            update(Statement)
            .where(col(Statement.id) == statement_id, col(Statement.author_id) == author_id)
            .values(show_author=True)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

    async def next_for(self, common_ground_id: int, person_id: int, limit: int) -> list[Statement]:
        """The approved statements this person has neither voted on nor written, fewest
        votes first (so new statements catch up), in one query however many vote."""
        votes = (
            select(col(Vote.statement_id), func.count().label("votes"))
            .join(Statement, col(Statement.id) == col(Vote.statement_id))
            .where(col(Statement.common_ground_id) == common_ground_id)
            .group_by(col(Vote.statement_id))
            .subquery()
        )
        mine = (
            select(Vote.id)
            .where(col(Vote.statement_id) == col(Statement.id), col(Vote.person_id) == person_id)
            .exists()
        )
        query = (
            select(Statement)
            .outerjoin(votes, votes.c.statement_id == col(Statement.id))
            .where(
                col(Statement.common_ground_id) == common_ground_id,
                col(Statement.status) == StatementStatus.APPROVED,
                (col(Statement.author_id).is_(None)) | (col(Statement.author_id) != person_id),
                ~mine,
            )
            .order_by(func.coalesce(votes.c.votes, 0), col(Statement.id))
            .limit(limit)
        )
        return list((await self._session.exec(query)).all())

    # --- votes ---------------------------------------------------------------------------

    async def vote_once(
        self, statement_id: int, person_id: int, value: VoteValue, at: datetime
    ) -> bool:
        """Keep a vote unless this person already voted on this statement; True if new.

        An insert that does nothing on conflict, so a double tap or two processes count one
        vote, without aborting either transaction.
        """
        dialect = self._session.bind.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(Vote)
            .values(statement_id=statement_id, person_id=person_id, value=value, voted_at=at)
            .on_conflict_do_nothing(index_elements=["statement_id", "person_id"])
            .returning(col(Vote.id))
        )
        return (await self._session.exec(statement)).first() is not None

    async def vote_of(self, statement_id: int, person_id: int) -> Vote | None:
        query = select(Vote).where(
            col(Vote.statement_id) == statement_id, col(Vote.person_id) == person_id
        )
        return (await self._session.exec(query)).first()

    async def tallies(self, conversation: CommonGround) -> list[VoteCount]:
        """Votes per statement, voter's community and value, counted by the database."""
        community = col(Membership.community_id)
        query = (
            select(col(Vote.statement_id), community, col(Vote.value), func.count())
            .join(Statement, col(Statement.id) == col(Vote.statement_id))
            .outerjoin(Membership, self._membership_of_voter(conversation))
            .where(col(Statement.common_ground_id) == conversation.id)
            .group_by(col(Vote.statement_id), community, col(Vote.value))
        )
        return [
            VoteCount(statement_id, community_id, VoteValue(value), int(count))
            for statement_id, community_id, value, count in await self._session.exec(query)
        ]

    async def voters_per_community(self, conversation: CommonGround) -> dict[int | None, int]:
        """How many different people voted at all, per community (None: not said)."""
        community = col(Membership.community_id)
        query = (
            select(community, func.count(func.distinct(col(Vote.person_id))))
            .join(Statement, col(Statement.id) == col(Vote.statement_id))
            .outerjoin(Membership, self._membership_of_voter(conversation))
            .where(col(Statement.common_ground_id) == conversation.id)
            .group_by(community)
        )
        return {community_id: int(count) for community_id, count in await self._session.exec(query)}

    async def votes(self, conversation: CommonGround) -> list[CastVote]:
        """Every vote with the voter's community, oldest first (for the Polis export)."""
        query = (
            select(Vote, col(Membership.community_id))
            .join(Statement, col(Statement.id) == col(Vote.statement_id))
            .outerjoin(Membership, self._membership_of_voter(conversation))
            .where(col(Statement.common_ground_id) == conversation.id)
            .order_by(col(Vote.voted_at), col(Vote.id))
        )
        return [
            CastVote(vote.statement_id, vote.person_id, community_id, vote.value, vote.voted_at)
            for vote, community_id in await self._session.exec(query)
        ]

    async def ballots(self, conversation: CommonGround) -> list[Ballot]:
        """Every vote on an approved statement, three columns each, in one query (the vote
        matrix the opinion groups are found from)."""
        query = (
            select(col(Vote.person_id), col(Vote.statement_id), col(Vote.value))
            .join(Statement, col(Statement.id) == col(Vote.statement_id))
            .where(
                col(Statement.common_ground_id) == conversation.id,
                col(Statement.status) == StatementStatus.APPROVED,
            )
            .order_by(col(Vote.person_id), col(Vote.statement_id))
        )
        return [
            Ballot(person_id, statement_id, VoteValue(value))
            for person_id, statement_id, value in await self._session.exec(query)
        ]

    @staticmethod
    def _membership_of_voter(conversation: CommonGround) -> ColumnElement[bool]:
        return and_(
            col(Membership.person_id) == col(Vote.person_id),
            col(Membership.program_id) == conversation.program_id,
        )
