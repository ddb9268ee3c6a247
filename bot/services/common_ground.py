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
from bot.services.actors import Sender, consenting_person
from bot.services.authorization import Authorizer, Permission
from bot.services.common_ground_results import Results, StatementResult, results
from bot.services.dialogues import Dialogues
from bot.services.errors import NotAllowed, PalaverError, StaleButton
from bot.services.letters import Delivery
from bot.services.opinion_groups import GROUP_NAMES, OpinionGroups, available, opinion_groups
from bot.services.replies import Button, ButtonAction, Outcome, RelayedWords, Reply
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
RESULTS_SHOWN = 5
"""How many bridging and divisive statements the organizer's screen lists."""
NO_ANALYSIS = N_(
    "Opinion groups found from the votes need the optional analysis extra: ask whoever runs "
    "Palaver to install it (pip install 'palaver[analysis]') and restart the bot."
)

VOTE_CODES = {"a": VoteValue.AGREE, "d": VoteValue.DISAGREE, "p": VoteValue.PASS}
VOTE_LABELS = {
    VoteValue.AGREE: N_("Agree"),
    VoteValue.DISAGREE: N_("Disagree"),
    VoteValue.PASS: N_("Pass"),
}
VOTED = {
    VoteValue.AGREE: N_("You agree with this statement:"),
    VoteValue.DISAGREE: N_("You disagree with this statement:"),
    VoteValue.PASS: N_("You passed on this statement:"),
}


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
        for person in await uow.follow_ups.participants_of(program.id or 0):
            t = translator_for(person)
            work.write(
                person.telegram_id,
                Reply(
                    t.gettext(
                        "{program} asks what you think of a few short statements. Vote "
                        "agree, disagree or pass on each, in private: only totals are ever "
                        "shown, never who voted what. You can add your own statements too, "
                        "and stop whenever you like.",
                        program=program.name,
                    ),
                    buttons=(
                        (
                            Button(
                                t.gettext("Show me statements"),
                                ButtonAction(COMMON_GROUND_BUTTON, f"more.{conversation.id}"),
                            ),
                        ),
                    ),
                ),
            )
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

    def __init__(self, dialogues: Dialogues, authorizer: Authorizer, consent_version: str):
        self._dialogues = dialogues
        self._authorizer = authorizer
        self._consent_version = consent_version

    # --- participants --------------------------------------------------------------------

    async def offer(self, sender: Sender) -> Outcome:
        """/vote: the next few statements this person has not voted on."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            person = await consenting_person(uow, sender, self._consent_version)
            found = await uow.common_ground.open_for(person.id or 0)
            if not found:
                raise NoConversation()
            work = self._dialogues.new_work(person, sender)
            await self._offer(uow, work, person, found[0])
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
            person = await consenting_person(uow, sender, self._consent_version)
            conversation = await self._open_conversation(uow, person, int(number))
            work = self._dialogues.new_work(person, sender)
            if action == "more":
                await self._offer(uow, work, person, conversation)
            else:
                await uow.pending_inputs.put(
                    person.id or 0, STATEMENT_SETTING, {}, conversation.program_id
                )
                t = self._dialogues.translator_for(person)
                work.say(
                    Reply(
                        t.gettext(
                            "Write your statement in one short message: something people on "
                            "every side might agree or disagree with, in a sentence. No names "
                            "or anything that identifies someone. A facilitator reads it "
                            "before others see it."
                        )
                    )
                )
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def vote(self, sender: Sender, value: str) -> Outcome:
        """Agree, disagree or pass on a statement: kept once, however often it is pressed."""
        number, _, code = value.partition(".")
        if not number.isdigit() or code not in VOTE_CODES:
            raise StaleButton()
        chosen = VOTE_CODES[code]

        async def use_case(uow: UnitOfWork) -> Outcome:
            person = await consenting_person(uow, sender, self._consent_version)
            statement = await uow.common_ground.statement(int(number))
            if statement is None or statement.status != StatementStatus.APPROVED:
                raise StaleButton()
            if statement.author_id == person.id:
                raise StaleButton()
            await self._open_conversation(uow, person, statement.common_ground_id)
            t = self._dialogues.translator_for(person)
            work = self._dialogues.new_work(person, sender)
            if not await uow.common_ground.vote_once(
                statement.id or 0, person.id or 0, chosen, self._dialogues.now()
            ):
                work.notice = t.gettext("You have already voted on this statement.")
                return work.outcome()
            work.say(
                Reply(
                    t.gettext(VOTED[chosen]),
                    relayed=self._words(statement, person),
                    replaces_pressed_message=True,
                )
            )
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def take_text(self, sender: Sender, text: str) -> Outcome | None:
        """A statement typed after "Add my own"; None when none was asked for."""
        async with self._dialogues.database.unit_of_work() as uow:
            person = await uow.people.by_telegram_id(sender.telegram_id)
            if person is None or person.id is None:
                return None
            pending = await uow.pending_inputs.of(person.id)
            if pending is not None and pending.setting == EDIT_SETTING:
                editing = True
            elif pending is None or pending.setting != STATEMENT_SETTING:
                return None
            else:
                editing = False
        if editing:
            return await self._edited(sender, text)

        async def use_case(uow: UnitOfWork) -> Outcome:
            person = await consenting_person(uow, sender, self._consent_version, for_update=True)
            pending = await uow.pending_inputs.of(person.id or 0)
            if pending is None or pending.setting != STATEMENT_SETTING:
                raise StaleButton()
            t = self._dialogues.translator_for(person)
            words = text.strip()
            if len(words) > MAX_STATEMENT_LENGTH:
                error = StatementTooLong(limit=MAX_STATEMENT_LENGTH)
                return Outcome(replies=(Reply(t.gettext(error.message, **error.params)),))
            await uow.pending_inputs.clear(person.id or 0)
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
            work = self._dialogues.new_work(person, sender)
            for moderator in await uow.exchanges.facilitators_of(conversation.program_id):
                if moderator.id != person.id and moderator.blocked_bot_at is None:
                    work.write(moderator.telegram_id, self._to_moderate(moderator, statement))
            work.say(
                Reply(
                    t.gettext(
                        "Thank you. A facilitator will read your statement before others are "
                        "offered it. It is shown without your name; you may show your "
                        "pseudonym with it if you like."
                    ),
                    buttons=(
                        (
                            Button(
                                t.gettext("Show my pseudonym with it"),
                                ButtonAction(COMMON_GROUND_BUTTON, f"name.{statement.id}"),
                            ),
                        ),
                    ),
                )
            )
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
            person = await consenting_person(uow, sender, self._consent_version)
            statement = await uow.common_ground.statement(int(number))
            conversation = (
                await uow.common_ground.get(statement.common_ground_id) if statement else None
            )
            if statement is None or conversation is None:
                raise StaleButton()
            await self._authorizer.require(
                uow, person, Permission.FACILITATE, conversation.program_id
            )
            t = self._dialogues.translator_for(person)
            work = self._dialogues.new_work(person, sender)
            if decision is Moderate.EDIT:
                if statement.status != StatementStatus.PENDING:
                    work.notice = t.gettext("This statement has already been handled.")
                    return work.outcome()
                await uow.pending_inputs.put(
                    person.id or 0,
                    EDIT_SETTING,
                    {"statement": statement.id},
                    conversation.program_id,
                )
                work.say(
                    Reply(
                        t.gettext(
                            "Send the statement as it should read, in one message. It is "
                            "offered in your words, and its author is told it was edited."
                        )
                    )
                )
                return await work.seal(uow)
            status = (
                StatementStatus.APPROVED
                if decision is Moderate.APPROVE
                else StatementStatus.REJECTED
            )
            if not await uow.common_ground.moderate(
                statement.id or 0, status, person.id, self._dialogues.now()
            ):
                work.notice = t.gettext("This statement has already been handled.")
                return work.outcome()
            uow.audit.record(
                "statement.moderated",
                actor_id=person.id,
                subject_type="statement",
                subject_id=statement.id,
                status=status.value,
            )
            author = await uow.people.by_id(statement.author_id) if statement.author_id else None
            if author is not None and author.blocked_bot_at is None:
                at = self._dialogues.translator_for(author)
                told = (
                    at.gettext("Your statement is now offered to others to vote on. Thank you.")
                    if status is StatementStatus.APPROVED
                    else at.gettext(
                        "A facilitator chose not to offer your statement to others. Thank you "
                        "for writing it; you are welcome to write another."
                    )
                )
                work.write(author.telegram_id, Reply(told))
            if status is StatementStatus.APPROVED:
                await self._offer_to_circle(uow, work, conversation, statement)
            done = (
                t.gettext("Approved: participants are offered it now.")
                if status is StatementStatus.APPROVED
                else t.gettext("Rejected: nobody else will see it.")
            )
            work.say(
                Reply(done, relayed=self._words(statement, person), replaces_pressed_message=True)
            )
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
            person = await consenting_person(uow, sender, self._consent_version, for_update=True)
            pending = await uow.pending_inputs.of(person.id or 0)
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
            t = self._dialogues.translator_for(person)
            words = text.strip()
            if not words or len(words) > MAX_STATEMENT_LENGTH:
                error = StatementTooLong(limit=MAX_STATEMENT_LENGTH)
                return Outcome(replies=(Reply(t.gettext(error.message, **error.params)),))
            await uow.pending_inputs.clear(person.id or 0)
            work = self._dialogues.new_work(person, sender)
            original = statement.text
            statement.text, statement.language = words, person.language
            if not await uow.common_ground.moderate(
                statement.id or 0, StatementStatus.APPROVED, person.id, self._dialogues.now()
            ):
                statement.text = original
                work.say(Reply(t.gettext("This statement has already been handled.")))
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
                at = self._dialogues.translator_for(author)
                work.write(
                    author.telegram_id,
                    Reply(
                        at.gettext(
                            "A facilitator edited your statement a little and offered it to "
                            "others to vote on. It now reads:"
                        ),
                        relayed=self._words(statement, author),
                    ),
                )
            await self._offer_to_circle(uow, work, conversation, statement)
            work.say(
                Reply(
                    t.gettext("Approved: participants are offered it now."),
                    relayed=self._words(statement, person),
                )
            )
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    # --- organizers -----------------------------------------------------------------------

    async def results(self, sender: Sender) -> Outcome:
        """/commonground: what each program's conversation found, for its organizers."""
        async with self._dialogues.database.unit_of_work() as uow:
            person = await consenting_person(uow, sender, self._consent_version)
            t = self._dialogues.translator_for(person)
            screens = []
            organized = await uow.programs.organized_by(person.id or 0)
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
                lines = self._screen(t, program, conversation, statements, found, communities)
                lines += ["", *self._opinion_groups(t, groups, statements)]
                screens.append(Reply("\n".join(lines)))
            if not screens:
                raise NoConversation()
            return Outcome(replies=tuple(screens))

    # --- the parts ------------------------------------------------------------------------

    async def _offer(
        self, uow: UnitOfWork, work: Delivery, person: Person, conversation: CommonGround
    ) -> None:
        t = self._dialogues.translator_for(person)
        found = await uow.common_ground.next_for(
            conversation.id or 0, person.id or 0, STATEMENTS_AT_A_TIME
        )
        for statement in found:
            work.say(await self.ballot(uow, statement, person))
        more = Button(
            t.gettext("More statements"),
            ButtonAction(COMMON_GROUND_BUTTON, f"more.{conversation.id}"),
        )
        add = Button(
            t.gettext("Add my own statement"),
            ButtonAction(COMMON_GROUND_BUTTON, f"add.{conversation.id}"),
        )
        if found:
            work.say(
                Reply(
                    t.gettext(
                        "Vote on each in private: only totals are shown, never who voted "
                        "what. When you are done, ask for more, or add a statement of your own."
                    ),
                    buttons=((more,), (add,)),
                )
            )
        else:
            work.say(
                Reply(
                    t.gettext(
                        "You have voted on every statement for now. Come back later with "
                        "/vote: new ones arrive as people write them. You can also add your own."
                    ),
                    buttons=((add,),),
                )
            )

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
            person = await consenting_person(uow, sender, self._consent_version)
            if not await uow.common_ground.show_author(statement_id, person.id or 0):
                raise StaleButton()
            t = self._dialogues.translator_for(person)
            work = self._dialogues.new_work(person, sender)
            work.say(
                Reply(
                    t.gettext(
                        "Thank you. Your pseudonym, {pseudonym}, will be shown with your "
                        "statement.",
                        pseudonym=person.pseudonym or "?",
                    ),
                    replaces_pressed_message=True,
                )
            )
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def ballot(self, uow: UnitOfWork, statement: Statement, reader: Person) -> Reply:
        """One statement to vote on, with Agree / Disagree / Pass, in the reader's language."""
        t = self._dialogues.translator_for(reader)
        return Reply(
            self._heading(t, await self._author(uow, statement)),
            relayed=self._words(statement, reader),
            buttons=(
                tuple(
                    Button(t.gettext(label), ButtonAction(VOTE_BUTTON, f"{statement.id}.{code}"))
                    for code, label in (
                        (code, VOTE_LABELS[value]) for code, value in VOTE_CODES.items()
                    )
                ),
            ),
        )

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
        return "\n".join(self._screen(t, program, conversation, statements, found, communities))

    async def _author(self, uow: UnitOfWork, statement: Statement) -> str | None:
        """The pseudonym to show with a statement, only if its author agreed to it."""
        if not statement.show_author or statement.author_id is None or statement.seeded:
            return None
        author = await uow.people.by_id(statement.author_id)
        return author.pseudonym if author is not None else None

    def _heading(self, t: Translator, author: str | None) -> str:
        if author:
            return t.gettext("A statement by {pseudonym}:", pseudonym=author)
        return t.gettext("A statement:")

    def _words(self, statement: Statement, reader: Person) -> RelayedWords:
        return RelayedWords(statement.text, statement.language, reader.language)

    def _to_moderate(self, moderator: Person, statement: Statement) -> Reply:
        t = self._dialogues.translator_for(moderator)
        return Reply(
            t.gettext(
                "A participant wrote a new statement. Offer it to everyone to vote on? "
                "Approve it if it is short, fair and identifies nobody."
            ),
            relayed=self._words(statement, moderator),
            buttons=(
                (
                    Button(
                        t.gettext("Approve"),
                        ButtonAction(STATEMENT_MODERATION_BUTTON, f"ok.{statement.id}"),
                    ),
                    Button(
                        t.gettext("Edit"),
                        ButtonAction(STATEMENT_MODERATION_BUTTON, f"ed.{statement.id}"),
                    ),
                    Button(
                        t.gettext("Reject"),
                        ButtonAction(STATEMENT_MODERATION_BUTTON, f"no.{statement.id}"),
                    ),
                ),
            ),
        )

    def _screen(
        self,
        t: Translator,
        program: Program,
        conversation: CommonGround,
        statements: dict[int, Statement],
        found: Results,
        communities: dict[int, str],
    ) -> list[str]:
        status = (
            t.gettext("open")
            if conversation.status == CommonGroundStatus.OPEN
            else t.gettext("closed")
        )
        approved = sum(1 for s in statements.values() if s.status == StatementStatus.APPROVED)
        pending = sum(1 for s in statements.values() if s.status == StatementStatus.PENDING)
        lines = [
            t.gettext("Common ground in {program} ({status})", program=program.name, status=status),
            t.gettext(
                "{approved} statements offered, {pending} waiting for a facilitator.",
                approved=approved,
                pending=pending,
            ),
        ]
        for community_id, voters in sorted(found.counted.items()):
            lines.append(
                t.gettext(
                    "{community}: {voters} voters",
                    community=communities.get(community_id, "?"),
                    voters=voters,
                )
            )
        if found.hidden:
            lines.append(
                t.gettext(
                    "Communities with fewer than {minimum} voters are not shown.",
                    minimum=found.min_voters,
                )
            )
        lines += ["", t.gettext("Agreed across every community:")]
        lines += self._listed(t, found.bridging, statements, communities) or [
            t.gettext(
                "Nothing yet: each community needs {minimum} votes on a statement.",
                minimum=found.min_voters,
            )
        ]
        lines += ["", t.gettext("Where communities differ most:")]
        lines += self._listed(t, found.divisive, statements, communities) or [
            t.gettext("Nothing stands out yet.")
        ]
        return lines

    def _opinion_groups(
        self, t: Translator, found: OpinionGroups | None, statements: dict[int, Statement]
    ) -> list[str]:
        """The groups found from the votes: sizes and what each agrees with more than the
        others, never who is in them."""
        if found is None:
            return [t.gettext(NO_ANALYSIS)]
        lines = [
            t.gettext(
                "Opinion groups found from the votes (of everyone with {votes} votes or more):",
                votes=found.min_votes,
            )
        ]
        if not found.groups:
            lines.append(
                t.gettext(
                    "None yet: a group needs {minimum} people whose votes differ from the others'.",
                    minimum=found.min_members,
                )
            )
        for name, group in zip(GROUP_NAMES, found.groups, strict=False):
            lines.append(
                t.ngettext(
                    "Group {name}: {count} person. Agrees more than the others with:",
                    "Group {name}: {count} people. Agree more than the others with:",
                    group.size,
                    name=name,
                )
            )
            for r in group.representative:
                statement = statements.get(r.statement_id)
                if statement is None:
                    continue
                shares = t.gettext(
                    "{inside}% agree in the group, {outside}% among the others",
                    inside=round(100 * r.inside.agrees / r.inside.votes),
                    outside=round(100 * r.outside.agrees / r.outside.votes),
                )
                lines.append(f"• {statement.text} ({shares})")
            if not group.representative:
                lines.append(t.gettext("Nothing stands out yet."))
        if found.hidden:
            lines.append(
                t.gettext(
                    "Opinion groups with fewer than {minimum} people are not shown.",
                    minimum=found.min_members,
                )
            )
        return lines

    def _listed(
        self,
        t: Translator,
        found: Sequence[StatementResult],
        statements: dict[int, Statement],
        communities: dict[int, str],
    ) -> list[str]:
        lines = []
        for result in found[:RESULTS_SHOWN]:
            statement = statements.get(result.statement_id)
            if statement is None:
                continue
            shares = ", ".join(
                t.gettext(
                    "{community} {agreed}% agree",
                    community=communities.get(community_id, "?"),
                    agreed=round(100 * tally.agrees / tally.votes) if tally.votes else 0,
                )
                for community_id, tally in sorted(result.by_community.items())
            )
            lines.append(f"• {statement.text} ({shares})")
        return lines
