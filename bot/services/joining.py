"""Joining a program through an invite link: membership or role, community, languages.

Onboarding keeps the deep-link code as `pending_invite` until the person has agreed to the
consent text, then hands it here (`redeem_pending_invite`). A participant is asked for their
community (unless the link named it) and the languages they read; then `AfterJoining` may
add what comes next (e.g. finding a partner).
"""

from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy.exc import DBAPIError

from bot.i18n.catalogs import Catalogs
from bot.i18n.translator import Translator
from bot.services.actors import Actor, Actors, Sender
from bot.services.console_actions import NO_COMMUNITY, button_id
from bot.services.errors import PalaverError, StaleButton
from bot.services.joining_results import (
    AlreadyTakingPart,
    CommunityChosen,
    CommunityQuestion,
    InviteRefused,
    Joined,
    JoiningStarted,
    LanguagesChosen,
    LanguagesQuestion,
    RoleGranted,
    RoleHeld,
)
from bot.services.letters import Delivery, OutboxPolicy, Postbox, worker_name
from bot.services.onboarding_results import Apology
from bot.services.program_errors import (
    InviteExpired,
    InviteRevoked,
    InviteUnknown,
    InviteUsedUp,
    NoLanguageChosen,
    NotAMember,
    ProgramNotOpen,
    ProgramPaused,
)
from bot.services.programs import grant_role
from bot.services.replies import Outcome, Reply, Views
from bot.storage.database import is_contention
from bot.storage.tables import (
    Community,
    Invite,
    InviteKind,
    Membership,
    MembershipStatus,
    Person,
    Program,
    ProgramStatus,
    RoleName,
)
from bot.storage.types import utc_now
from bot.storage.unit_of_work import Database, UnitOfWork

ROLE_OF_INVITE: dict[InviteKind, RoleName] = {
    InviteKind.PARTICIPANT: RoleName.PARTICIPANT,
    InviteKind.FACILITATOR: RoleName.FACILITATOR,
    InviteKind.ORGANIZER: RoleName.ORGANIZER,
}

log = logging.getLogger(__name__)


class AfterJoining(Protocol):
    """What a participant is offered once they have finished joining (e.g. "find me a
    partner"), sent with the change that completes their joining."""

    def after_joining(self, person: Person, program: Program) -> tuple[Reply, ...]: ...


class CircleDoor(Protocol):
    """Circle invite links: a seat request, or None when the code is no circle's."""

    async def knock(
        self, uow: UnitOfWork, work: Delivery, person: Person, code: str
    ) -> tuple[Reply, ...] | None: ...


class NothingMoreAfterJoining:
    """The default: joining ends with the welcome."""

    def after_joining(self, person: Person, program: Program) -> tuple[Reply, ...]:
        return ()


class Joining:
    """Redeeming invite links and the questions a new participant answers."""

    def __init__(
        self,
        database: Database,
        catalogs: Catalogs,
        consent_version: str,
        views: Views,
        after_joining: AfterJoining | None = None,
        postbox: Postbox | None = None,
        circle_door: CircleDoor | None = None,
    ) -> None:
        self._circle_door = circle_door
        self._database = database
        self._catalogs = catalogs
        self._consent_version = consent_version
        self._actors = Actors(catalogs, consent_version)
        self._views = views
        self._after_joining = after_joining or NothingMoreAfterJoining()
        self._postbox = postbox or Postbox(utc_now, OutboxPolicy(worker_name()))

    async def redeem_pending_invite(self, uow: UnitOfWork, work: Delivery, person: Person) -> None:
        """Use the invite code kept at /start, if any, and forget it whatever happens; in the
        caller's transaction (the consent, or /start), its messages after the caller's.

        Inside a savepoint: should it fail unexpectedly, only the redemption is undone (the
        code stays for the next /start), never the consent given with it."""
        if not person.pending_invite or not person.has_consented(self._consent_version):
            return
        redeemed = self._work(person.telegram_id)
        try:
            async with uow.savepoint():
                await self._redeem_kept_code(uow, redeemed, person)
        except Exception as error:
            if isinstance(error, DBAPIError) and is_contention(error):
                raise  # the whole update is tried again
            log.exception("a kept invite code could not be used; it is kept for the next /start")
            await uow.people.refresh(person)
            # Said, not swallowed: opening the link again (or /start) tries it once more.
            work.say(self._views.render(Apology(), self._translator_for(person)))
            return
        work.take_over(redeemed)

    async def _redeem_kept_code(self, uow: UnitOfWork, work: Delivery, person: Person) -> None:
        assert person.pending_invite is not None
        code, person.pending_invite = person.pending_invite, None
        t = self._translator_for(person)
        joined: Program | None = None
        try:
            knocked = (
                await self._circle_door.knock(uow, work, person, code)
                if self._circle_door is not None
                else None
            )
            if knocked is not None:
                replies = knocked
            else:
                replies, joined = await self._redeem(uow, person, code, t)
        except PalaverError as error:
            replies = (self._views.render(InviteRefused(error.message, error.params), t),)
        if joined is not None:
            replies = (*replies, *self._after_joining.after_joining(person, joined))
        for reply in replies:
            work.say(reply)

    async def choose_community(self, sender: Sender, value: str) -> Outcome:
        """A community button (or "Prefer not to say") while joining."""
        program_value, _, community_value = value.partition(".")
        async with self._database.unit_of_work() as uow:
            actor, program, membership = await self._member(uow, sender, program_value)
            person, t = actor.person, actor.translator
            if community_value == NO_COMMUNITY:
                community: Community | None = None
            else:
                community = await uow.communities.get(button_id(community_value))
                if community is None or community.program_id != program.id:
                    raise StaleButton()
            membership.community_id = community.id if community else None
            membership.community_chosen = True
            confirmation = self._views.render(
                CommunityChosen(community.name if community else None), t
            )
            replies, joined = await self._next_question(uow, t, person, program, membership)
            offers = self._after_joining.after_joining(person, program) if joined else ()
            return await self._post(uow, sender, (confirmation, *replies, *offers))

    async def toggle_language(self, sender: Sender, value: str) -> Outcome:
        """Tick or untick a language while joining."""
        program_value, _, language = value.partition(".")
        async with self._database.unit_of_work() as uow:
            actor, program, membership = await self._member(uow, sender, program_value)
            if language not in program.languages:
                raise StaleButton()
            chosen = list(membership.languages)
            chosen = (
                [c for c in chosen if c != language] if language in chosen else [*chosen, language]
            )
            # A new list, so the JSON column is seen as changed.
            membership.languages = [code for code in program.languages if code in chosen]
            question = self._languages_question(program, membership, replace=True)
            return await self._post(uow, sender, (self._views.render(question, actor.translator),))

    async def finish_languages(self, sender: Sender, value: str) -> Outcome:
        """Done under the languages question: joining is complete."""
        async with self._database.unit_of_work() as uow:
            actor, program, membership = await self._member(uow, sender, value)
            person, t = actor.person, actor.translator
            if not membership.languages:
                raise NoLanguageChosen()
            membership.languages_chosen = True
            names = tuple(self._catalogs.display_name(code) for code in membership.languages)
            confirmation = self._views.render(LanguagesChosen(names), t)
            replies, joined = await self._next_question(uow, t, person, program, membership)
            offers = self._after_joining.after_joining(person, program) if joined else ()
            return await self._post(uow, sender, (confirmation, *replies, *offers))

    # --- the outbox ------------------------------------------------------------------

    def _work(self, chat_id: int, sender: Sender | None = None) -> Delivery:
        return Delivery(
            actor_id=0,
            pressed_button=sender.pressed_button if sender else False,
            postbox=self._postbox,
            actor_chat_id=chat_id,
            pressed_message_id=sender.pressed_message_id if sender else None,
        )

    async def _post(self, uow: UnitOfWork, sender: Sender, replies: tuple[Reply, ...]) -> Outcome:
        """Keep the replies in the outbox and commit them with the answer they follow."""
        work = self._work(sender.chat_id, sender)
        for reply in replies:
            work.say(reply)
        return await work.seal(uow)

    # --- the steps -------------------------------------------------------------------

    async def _redeem(
        self, uow: UnitOfWork, person: Person, code: str, t: Translator
    ) -> tuple[tuple[Reply, ...], Program | None]:
        """The answer to a kept invite code, and the program it completed joining of."""
        invite = await uow.invites.by_code(code)
        if invite is None:
            raise InviteUnknown()
        if invite.revoked_at is not None:
            raise InviteRevoked()
        if invite.expires_at is not None and invite.expires_at <= utc_now():
            raise InviteExpired()
        program = await uow.programs.get(invite.program_id)
        if program is None:
            raise InviteUnknown()
        if program.status is ProgramStatus.PAUSED:
            raise ProgramPaused(program=program.name)
        if program.status is ProgramStatus.CLOSED:
            raise ProgramNotOpen(program=program.name)
        if invite.kind is InviteKind.PARTICIPANT:
            return await self._join(uow, person, program, invite, t)
        return await self._take_role(uow, person, program, invite, t), None

    async def _join(
        self, uow: UnitOfWork, person: Person, program: Program, invite: Invite, t: Translator
    ) -> tuple[tuple[Reply, ...], Program | None]:
        assert person.id is not None and program.id is not None
        membership = await uow.memberships.of(person.id, program.id)
        if membership is not None and membership.status is MembershipStatus.JOINED:
            # Opening the link again: carry on where they stopped, or say they are in.
            replies, joined = await self._next_question(uow, t, person, program, membership)
            if joined:
                return (self._views.render(AlreadyTakingPart(program.name), t),), None
            return replies, None
        if not await uow.invites.use(invite):
            raise InviteUsedUp()
        # Asked before the membership changes, so that it is written once, complete.
        participant = await uow.roles.holds(person.id, RoleName.PARTICIPANT, program.id)
        if membership is None:
            membership = Membership(person_id=person.id, program_id=program.id)
            uow.memberships.add(membership)
        membership.status = MembershipStatus.JOINED
        membership.joined_at = utc_now()
        membership.left_at = None
        membership.community_id = invite.community_id
        membership.community_chosen = invite.community_id is not None
        # Their own language is ticked already; they add the others they read.
        membership.languages = [person.language] if person.language in program.languages else []
        membership.languages_chosen = False
        if not participant:
            grant_role(
                uow,
                person,
                program.id,
                RoleName.PARTICIPANT,
                granted_by_id=invite.created_by_id,
                invite_id=invite.id,
            )
        uow.audit.record(
            "membership.joined",
            actor_id=person.id,
            subject_type="person",
            subject_id=person.id,
            program_id=program.id,
            invite_id=invite.id,
        )
        welcome = self._views.render(JoiningStarted(program.name), t)
        replies, joined = await self._next_question(uow, t, person, program, membership)
        return (welcome, *replies), program if joined else None

    async def _take_role(
        self, uow: UnitOfWork, person: Person, program: Program, invite: Invite, t: Translator
    ) -> tuple[Reply, ...]:
        assert person.id is not None and program.id is not None
        role = ROLE_OF_INVITE[invite.kind]
        if await uow.roles.holds(person.id, role, program.id):
            return (self._views.render(RoleHeld(role, program.name), t),)
        if not await uow.invites.use(invite):
            raise InviteUsedUp()
        grant_role(
            uow, person, program.id, role, granted_by_id=invite.created_by_id, invite_id=invite.id
        )
        return (self._views.render(RoleGranted(role, program.name), t),)

    async def _next_question(
        self,
        uow: UnitOfWork,
        t: Translator,
        person: Person,
        program: Program,
        membership: Membership,
    ) -> tuple[tuple[Reply, ...], bool]:
        """The next joining question, or the welcome and True when joining is complete."""
        if not membership.community_chosen:
            communities = await uow.communities.of_program(program.id or 0)
            question = CommunityQuestion(
                program.id or 0, program.name, tuple((c.id or 0, c.name) for c in communities)
            )
            return (self._views.render(question, t),), False
        if not membership.languages_chosen:
            if len(program.languages) > 1:
                return (
                    self._views.render(self._languages_question(program, membership), t),
                ), False
            # With one language there is nothing to ask.
            membership.languages = list(program.languages)
            membership.languages_chosen = True
        return (self._views.render(Joined(program.name, person.pseudonym), t),), True

    def _languages_question(
        self, program: Program, membership: Membership, *, replace: bool = False
    ) -> LanguagesQuestion:
        chosen = set(membership.languages)
        return LanguagesQuestion(
            program.id or 0,
            tuple(
                (code, self._catalogs.display_name(code), code in chosen)
                for code in program.languages
            ),
            replaces=replace,
        )

    async def _member(
        self, uow: UnitOfWork, sender: Sender, program_value: str
    ) -> tuple[Actor, Program, Membership]:
        """The person pressing, the program, and their membership in it (else refused)."""
        actor = await self._actors.of(uow, sender, for_update=True)
        program = await uow.programs.get(button_id(program_value))
        if program is None or actor.person.id is None:
            raise NotAMember()
        membership = await uow.memberships.of(actor.person.id, program.id or 0)
        if membership is None or membership.status is not MembershipStatus.JOINED:
            raise NotAMember()
        return actor, program, membership

    def _translator_for(self, person: Person) -> Translator:
        return self._actors.translator_for(person)
