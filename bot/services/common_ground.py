"""Common ground across a program: statements, private votes, moderation and results.

The organizers seed short statements and open the conversation; every participant is
offered them in their private chat a few at a time, one message per statement with
Agree / Disagree / Pass, in their own language (machine-translated when sent, the original
kept). Participants may add their own; a facilitator approves each before anyone sees it.
Which statement someone sees next is chosen by the database (`next_for`). Organizers see
what every community agrees on (bridging), what divides them, and never the figures of a
community smaller than the program's minimum.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Sequence

from bot.i18n.translator import N_, Translator
from bot.services.actors import Actor, Sender
from bot.services.authorization import Authorizer, Permission
from bot.services.common_ground_results import (
    AlreadyVoted,
    Ballot,
    CommonGroundScreen,
    CommonGroundSummary,
    ConversationOpened,
    PseudonymShown,
    Results,
    RewordStatement,
    StatementAlreadyHandled,
    StatementModerated,
    StatementReceived,
    StatementsOffered,
    StatementToModerate,
    StatementTooLongAgain,
    Voted,
    Words,
    WriteStatement,
    YourStatementEdited,
    YourStatementModerated,
    results,
)
from bot.services.dialogues import Dialogues
from bot.services.errors import NotAllowed, PalaverError, StaleButton
from bot.services.letters import Delivery
from bot.services.opinion_groups import OpinionGroups, available, opinion_groups
from bot.services.replies import Outcome, Reply, Views
from bot.storage.tables import (
    CommonGround,
    CommonGroundStatus,
    Person,
    Program,
    Statement,
    StatementStatus,
    VoteValue,
)
from bot.storage.types import utc_now
from bot.storage.unit_of_work import UnitOfWork

VOTE_BUTTON = "cgv"
"""A vote: `<statement id>.<a|d|p>`."""
COMMON_GROUND_BUTTON = "cg"
"""A participant's other buttons: `more.<conversation id>`, `add.<conversation id>`,
`name.<statement id>`."""
STATEMENT_MODERATION_BUTTON = "cgm"
"""A facilitator's decision: `ok.<statement id>` or `no.<statement id>`."""
STATEMENT_SETTING = "common_ground.statement"
"""The pending input of someone writing a statement (see PendingInput)."""
EDIT_SETTING = "common_ground.edit"
"""The pending input of a facilitator rewording a statement before approving it."""
STATEMENTS_AT_A_TIME = 3
MAX_STATEMENT_LENGTH = 280

VOTE_CODES = {"a": VoteValue.AGREE, "d": VoteValue.DISAGREE, "p": VoteValue.PASS}


class ConversationClosed(PalaverError):
    message = N_("The statements conversation is closed at the moment. Thank you for taking part.")


class NoConversation(PalaverError):
    message = N_("There are no statements to vote on at the moment.")


class StatementTooLong(PalaverError):
    message = N_("Please keep your statement under {limit} characters, and send it again.")


class Moderate(enum.StrEnum):
    APPROVE = "ok"
    EDIT = "ed"
    REJECT = "no"


# --- the organizers' side, shared by the command line and the chat ------------------------


async def conversation_of(uow: UnitOfWork, program: Program) -> CommonGround:
    """The program's statements conversation, made (closed) if it has none yet."""
    found = await uow.common_ground.of_program(program.id or 0, lock=True)
    if found is not None:
        return found
    return await uow.common_ground.add(
        CommonGround(program_id=program.id or 0, min_voters=program.min_group_size)
    )


async def seed(
    uow: UnitOfWork, program: Program, texts: Sequence[str], language: str, by: int | None
) -> list[Statement]:
    """The organizers' statements, approved at once; blank lines and repeats are skipped."""
    conversation = await conversation_of(uow, program)
    known = {s.text for s in await uow.common_ground.statements(conversation.id or 0)}
    added = []
    for text in texts:
        words = text.strip()
        if not words or words in known:
            continue
        if len(words) > MAX_STATEMENT_LENGTH:
            raise StatementTooLong(limit=MAX_STATEMENT_LENGTH)
        known.add(words)
        added.append(
            await uow.common_ground.add_statement(
                Statement(
                    common_ground_id=conversation.id or 0,
                    text=words,
                    language=language,
                    author_id=by,
                    status=StatementStatus.APPROVED,
                    seeded=True,
                )
            )
        )
    uow.audit.record(
        "common_ground.seeded",
        actor_id=by,
        subject_type="program",
        subject_id=program.id,
        statements=len(added),
    )
    return added


async def set_open(
    uow: UnitOfWork,
    work: Delivery,
    program: Program,
    is_open: bool,
    by: int | None,
    translator_for: Callable[[Person], Translator],
    views: Views,
) -> bool:
    """Open or close the conversation; False if it already was. Opening tells every
    participant (through the outbox, left to the dispatcher's pace)."""
    conversation = await conversation_of(uow, program)
    wanted = CommonGroundStatus.OPEN if is_open else CommonGroundStatus.CLOSED
    if conversation.status == wanted:
        return False
    conversation.status = wanted
    if is_open:
        conversation.opened_at = utc_now()
    else:
        conversation.closed_at = utc_now()
    uow.add(conversation)
    uow.audit.record(
        "common_ground.opened" if is_open else "common_ground.closed",
        actor_id=by,
        subject_type="program",
        subject_id=program.id,
    )
    if is_open:
        invitation = ConversationOpened(program.name, conversation.id or 0)
        for person in await uow.follow_ups.participants_of(program.id or 0):
            work.write(person.telegram_id, views.render(invitation, translator_for(person)))
    return True


async def results_of(uow: UnitOfWork, conversation: CommonGround) -> Results:
    """Bridging and divisive statements, counted by the database, small communities hidden."""
    counts = await uow.common_ground.tallies(conversation)
    voters = await uow.common_ground.voters_per_community(conversation)
    return results(counts, voters, conversation.min_voters)


async def opinion_groups_of(uow: UnitOfWork, conversation: CommonGround) -> OpinionGroups | None:
    """The opinion groups in the votes on approved statements (read in one query, grouped in
    a worker thread); None when the `analysis` extra is not installed."""
    if not available():
        return None
    ballots = await uow.common_ground.ballots(conversation)
    return await asyncio.to_thread(opinion_groups, ballots, conversation.min_voters)


# --- the chat ------------------------------------------------------------------------------


class CommonGroundDesk:
    """Participants' votes and statements; facilitators' moderation; organizers' results."""

    def __init__(self, dialogues: Dialogues, authorizer: Authorizer):
        self._dialogues = dialogues
        self._authorizer = authorizer
        self._actors = dialogues.actors
        self._views = dialogues.views

    # --- participants --------------------------------------------------------------------

    async def offer(self, sender: Sender) -> Outcome:
        """/vote: the next few statements this person has not voted on."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actors.of(uow, sender)
            found = await uow.common_ground.open_for(actor.person_id)
            if not found:
                raise NoConversation()
            work = self._dialogues.work_for(actor)
            await self._offer(uow, work, actor, found[0])
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def press(self, sender: Sender, value: str) -> Outcome:
        """More statements, write one, or show my pseudonym with the one I wrote."""
        action, _, number = value.partition(".")
        if not number.isdigit() or action not in {"more", "add", "name"}:
            raise StaleButton()
        if action == "name":
            return await self._show_author(sender, int(number))

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actors.of(uow, sender)
            conversation = await self._open_conversation(uow, actor.person, int(number))
            work = self._dialogues.work_for(actor)
            if action == "more":
                await self._offer(uow, work, actor, conversation)
            else:
                await uow.pending_inputs.put(
                    actor.person_id, STATEMENT_SETTING, {}, conversation.program_id
                )
                work.say(self._views.render(WriteStatement(), actor.translator))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def vote(self, sender: Sender, value: str) -> Outcome:
        """Agree, disagree or pass on a statement: kept once, however often it is pressed."""
        number, _, code = value.partition(".")
        if not number.isdigit() or code not in VOTE_CODES:
            raise StaleButton()
        chosen = VOTE_CODES[code]

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actors.of(uow, sender)
            person = actor.person
            statement = await uow.common_ground.statement(int(number))
            if statement is None or statement.status != StatementStatus.APPROVED:
                raise StaleButton()
            if statement.author_id == person.id:
                raise StaleButton()
            await self._open_conversation(uow, person, statement.common_ground_id)
            t = actor.translator
            work = self._dialogues.work_for(actor)
            if not await uow.common_ground.vote_once(
                statement.id or 0, actor.person_id, chosen, self._dialogues.now()
            ):
                work.notice = self._views.render(AlreadyVoted(), t).text
                return work.outcome()
            work.say(self._views.render(Voted(chosen, self._words(statement, person)), t))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def take_text(self, sender: Sender, text: str) -> Outcome | None:
        """A statement typed after "Add my own"; None when none was asked for."""
        async with self._dialogues.database.unit_of_work() as uow:
            # Only which input is pending, to route the text: the use case asks for consent.
            known = await self._actors.known(uow, sender)
            if known is None or known.person.id is None:
                return None
            pending = await uow.pending_inputs.of(known.person.id)
            if pending is not None and pending.setting == EDIT_SETTING:
                editing = True
            elif pending is None or pending.setting != STATEMENT_SETTING:
                return None
            else:
                editing = False
        if editing:
            return await self._edited(sender, text)

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actors.of(uow, sender, for_update=True)
            person, t = actor.person, actor.translator
            pending = await uow.pending_inputs.of(actor.person_id)
            if pending is None or pending.setting != STATEMENT_SETTING:
                raise StaleButton()
            words = text.strip()
            if len(words) > MAX_STATEMENT_LENGTH:
                too_long = StatementTooLongAgain(MAX_STATEMENT_LENGTH)
                return Outcome(replies=(self._views.render(too_long, t),))
            await uow.pending_inputs.clear(actor.person_id)
            conversation = await uow.common_ground.of_program(pending.program_id or 0)
            if conversation is None or conversation.status != CommonGroundStatus.OPEN:
                raise ConversationClosed()
            await self._authorizer.require(
                uow, person, Permission.PARTICIPATE, conversation.program_id
            )
            statement = await uow.common_ground.add_statement(
                Statement(
                    common_ground_id=conversation.id or 0,
                    text=words,
                    language=person.language,
                    author_id=person.id,
                )
            )
            work = self._dialogues.work_for(actor)
            for moderator in await uow.exchanges.facilitators_of(conversation.program_id):
                if moderator.id != person.id and moderator.blocked_bot_at is None:
                    work.write(moderator.telegram_id, self._to_moderate(moderator, statement))
            work.say(self._views.render(StatementReceived(statement.id or 0), t))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    # --- facilitators ---------------------------------------------------------------------

    async def moderate(self, sender: Sender, value: str) -> Outcome:
        """A facilitator approves, edits (then approves) or rejects a participant's
        statement (once, by one)."""
        code, _, number = value.partition(".")
        if code not in {m.value for m in Moderate} or not number.isdigit():
            raise StaleButton()
        decision = Moderate(code)

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actors.of(uow, sender)
            person, t = actor.person, actor.translator
            statement = await uow.common_ground.statement(int(number))
            conversation = (
                await uow.common_ground.get(statement.common_ground_id) if statement else None
            )
            if statement is None or conversation is None:
                raise StaleButton()
            await self._authorizer.require(
                uow, person, Permission.FACILITATE, conversation.program_id
            )
            work = self._dialogues.work_for(actor)
            if decision is Moderate.EDIT:
                if statement.status != StatementStatus.PENDING:
                    work.notice = self._views.render(StatementAlreadyHandled(), t).text
                    return work.outcome()
                await uow.pending_inputs.put(
                    actor.person_id,
                    EDIT_SETTING,
                    {"statement": statement.id},
                    conversation.program_id,
                )
                work.say(self._views.render(RewordStatement(), t))
                return await work.seal(uow)
            status = (
                StatementStatus.APPROVED
                if decision is Moderate.APPROVE
                else StatementStatus.REJECTED
            )
            if not await uow.common_ground.moderate(
                statement.id or 0, status, person.id, self._dialogues.now()
            ):
                work.notice = self._views.render(StatementAlreadyHandled(), t).text
                return work.outcome()
            uow.audit.record(
                "statement.moderated",
                actor_id=person.id,
                subject_type="statement",
                subject_id=statement.id,
                status=status.value,
            )
            approved = status is StatementStatus.APPROVED
            author = await uow.people.by_id(statement.author_id) if statement.author_id else None
            if author is not None and author.blocked_bot_at is None:
                told = self._views.render(
                    YourStatementModerated(approved), self._dialogues.translator_for(author)
                )
                work.write(author.telegram_id, told)
            if approved:
                await self._offer_to_circle(uow, work, conversation, statement)
            done = StatementModerated(approved, self._words(statement, person), replaces=True)
            work.say(self._views.render(done, t))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _offer_to_circle(
        self, uow: UnitOfWork, work: Delivery, conversation: CommonGround, statement: Statement
    ) -> None:
        """A circle's approved statement: every other member of the circle votes on it now
        (a program's waits for people to ask with /vote)."""
        if conversation.exchange_id is None:
            return
        members = await uow.follow_ups.members_of_circle(
            conversation.exchange_id, conversation.program_id
        )
        for member in members:
            if member.id != statement.author_id and member.blocked_bot_at is None:
                work.write(member.telegram_id, await self.ballot(uow, statement, member))

    async def _edited(self, sender: Sender, text: str) -> Outcome:
        """The facilitator's rewording of a statement: kept, approved and offered."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actors.of(uow, sender, for_update=True)
            person, t = actor.person, actor.translator
            pending = await uow.pending_inputs.of(actor.person_id)
            if pending is None or pending.setting != EDIT_SETTING:
                raise StaleButton()
            statement = await uow.common_ground.statement(int(pending.draft.get("statement", 0)))
            conversation = (
                await uow.common_ground.get(statement.common_ground_id) if statement else None
            )
            if statement is None or conversation is None:
                raise StaleButton()
            await self._authorizer.require(
                uow, person, Permission.FACILITATE, conversation.program_id
            )
            words = text.strip()
            if not words or len(words) > MAX_STATEMENT_LENGTH:
                too_long = StatementTooLongAgain(MAX_STATEMENT_LENGTH)
                return Outcome(replies=(self._views.render(too_long, t),))
            await uow.pending_inputs.clear(actor.person_id)
            work = self._dialogues.work_for(actor)
            original = statement.text
            statement.text, statement.language = words, person.language
            if not await uow.common_ground.moderate(
                statement.id or 0, StatementStatus.APPROVED, person.id, self._dialogues.now()
            ):
                statement.text = original
                work.say(self._views.render(StatementAlreadyHandled(), t))
                return await work.seal(uow)
            uow.audit.record(
                "statement.moderated",
                actor_id=person.id,
                subject_type="statement",
                subject_id=statement.id,
                status="edited",
            )
            author = await uow.people.by_id(statement.author_id) if statement.author_id else None
            if author is not None and author.blocked_bot_at is None:
                edited = YourStatementEdited(self._words(statement, author))
                work.write(
                    author.telegram_id,
                    self._views.render(edited, self._dialogues.translator_for(author)),
                )
            await self._offer_to_circle(uow, work, conversation, statement)
            done = StatementModerated(True, self._words(statement, person))
            work.say(self._views.render(done, t))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    # --- organizers -----------------------------------------------------------------------

    async def results(self, sender: Sender) -> Outcome:
        """/commonground: what each program's conversation found, for its organizers."""
        async with self._dialogues.database.unit_of_work() as uow:
            actor = await self._actors.of(uow, sender)
            person = actor.person
            screens = []
            organized = await uow.programs.organized_by(actor.person_id)
            if not organized:
                raise NotAllowed()
            for program in organized:
                await self._authorizer.require(
                    uow, person, Permission.VIEW_PROGRAM, program.id or 0
                )
                conversation = await uow.common_ground.of_program(program.id or 0)
                if conversation is None:
                    continue
                statements = {
                    s.id or 0: s for s in await uow.common_ground.statements(conversation.id or 0)
                }
                found = await results_of(uow, conversation)
                groups = await opinion_groups_of(uow, conversation)
                communities = {
                    c.id or 0: c.name for c in await uow.communities.of_program(program.id or 0)
                }
                summary = _summary(program, conversation, statements, found, communities)
                screen = CommonGroundScreen(summary, groups)
                screens.append(self._views.render(screen, actor.translator))
            if not screens:
                raise NoConversation()
            return Outcome(replies=tuple(screens))

    # --- the parts ------------------------------------------------------------------------

    async def _offer(
        self, uow: UnitOfWork, work: Delivery, actor: Actor, conversation: CommonGround
    ) -> None:
        found = await uow.common_ground.next_for(
            conversation.id or 0, actor.person_id, STATEMENTS_AT_A_TIME
        )
        for statement in found:
            work.say(await self.ballot(uow, statement, actor.person))
        offered = StatementsOffered(conversation.id or 0, any_left=bool(found))
        work.say(self._views.render(offered, actor.translator))

    async def _open_conversation(
        self, uow: UnitOfWork, person: Person, conversation_id: int
    ) -> CommonGround:
        """The conversation a participant's button names, if open and theirs."""
        conversation = await uow.common_ground.get(conversation_id)
        if conversation is None:
            raise StaleButton()
        await self._authorizer.require(uow, person, Permission.PARTICIPATE, conversation.program_id)
        if conversation.status != CommonGroundStatus.OPEN:
            raise ConversationClosed()
        return conversation

    async def _show_author(self, sender: Sender, statement_id: int) -> Outcome:
        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actors.of(uow, sender)
            if not await uow.common_ground.show_author(statement_id, actor.person_id):
                raise StaleButton()
            work = self._dialogues.work_for(actor)
            shown = PseudonymShown(actor.person.pseudonym or "?")
            work.say(self._views.render(shown, actor.translator))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def ballot(self, uow: UnitOfWork, statement: Statement, reader: Person) -> Reply:
        """One statement to vote on, with Agree / Disagree / Pass, in the reader's language."""
        shown = Ballot(
            statement.id or 0, await self._author(uow, statement), self._words(statement, reader)
        )
        return self._views.render(shown, self._dialogues.translator_for(reader))

    def to_moderate(self, moderator: Person, statement: Statement) -> Reply:
        """A new statement, for a facilitator to approve or reject."""
        return self._to_moderate(moderator, statement)

    def summary(
        self,
        t: Translator,
        program: Program,
        conversation: CommonGround,
        statements: dict[int, Statement],
        found: Results,
        communities: dict[int, str],
    ) -> str:
        """What a conversation found, as the organizers' screen shows it (bridging and
        divisive statements; opinion groups are the program-wide screen's)."""
        summary = _summary(program, conversation, statements, found, communities)
        return self._views.render(summary, t).text

    async def _author(self, uow: UnitOfWork, statement: Statement) -> str | None:
        """The pseudonym to show with a statement, only if its author agreed to it."""
        if not statement.show_author or statement.author_id is None or statement.seeded:
            return None
        author = await uow.people.by_id(statement.author_id)
        return author.pseudonym if author is not None else None

    def _words(self, statement: Statement, reader: Person) -> Words:
        return Words(statement.text, statement.language, reader.language)

    def _to_moderate(self, moderator: Person, statement: Statement) -> Reply:
        shown = StatementToModerate(statement.id or 0, self._words(statement, moderator))
        return self._views.render(shown, self._dialogues.translator_for(moderator))


def _summary(
    program: Program,
    conversation: CommonGround,
    statements: dict[int, Statement],
    found: Results,
    communities: dict[int, str],
) -> CommonGroundSummary:
    """What a conversation found, for the organizers: counts, and every statement's words."""
    return CommonGroundSummary(
        program=program.name,
        is_open=conversation.status == CommonGroundStatus.OPEN,
        approved=sum(1 for s in statements.values() if s.status == StatementStatus.APPROVED),
        pending=sum(1 for s in statements.values() if s.status == StatementStatus.PENDING),
        found=found,
        statements={number: s.text for number, s in statements.items()},
        communities=communities,
    )
