"""First contact: /start, choosing a language, informed consent, and the home message."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy.exc import IntegrityError

from bot.i18n.catalogs import Catalogs
from bot.i18n.translator import Translator
from bot.services.actors import Actors, Sender
from bot.services.errors import ConsentRequired, PalaverError, UnknownLanguage
from bot.services.letters import Delivery, OutboxPolicy, Postbox, worker_name
from bot.services.onboarding_results import (
    AlreadyAgreed,
    Apology,
    ConsentDeclined,
    ConsentGiven,
    ConsentQuestion,
    FollowUpsResumed,
    HelpShown,
    Home,
    LanguageChosen,
    LanguageQuestion,
    NoQuestionWaiting,
    Refused,
    SlowDown,
    UnexpectedMessage,
    UnknownCommand,
)
from bot.services.pseudonyms import random_pseudonym
from bot.services.replies import Outcome, Reply, Views
from bot.storage.tables import Person
from bot.storage.types import utc_now
from bot.storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)

# Invite codes travel in t.me/<bot>?start=<code>; Telegram allows 1-64 of these characters.
INVITE_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PSEUDONYM_ATTEMPTS = 20


class LanguageAction:
    """Button kinds handled by onboarding."""

    CHOOSE = "language"


class ConsentAction:
    KIND = "consent"
    ACCEPT = "accept"
    DECLINE = "decline"


class InviteRedeemer(Protocol):
    """Uses the invite code kept in `pending_invite` once the person has consented."""

    async def redeem_pending_invite(self, uow: UnitOfWork, work: Delivery, person: Person) -> None:
        """Join, or take the role, the code stands for, in the caller's transaction; clears
        the code either way (what it says goes into `work`, after what is there)."""
        ...


class Resumer(Protocol):
    """Shows a returning person the question they were at, if a dialogue is under way."""

    async def resume(self, person_id: int) -> tuple[Reply, ...]:
        """The current question of their most recent open dialogue, or nothing."""
        ...


class Onboarding:
    """The use cases of a person's first minutes with Palaver."""

    def __init__(
        self,
        database: Database,
        catalogs: Catalogs,
        consent_version: str,
        views: Views,
        invite_redeemer: InviteRedeemer | None = None,
        resumer: Resumer | None = None,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
        postbox: Postbox | None = None,
    ) -> None:
        self._database = database
        self._catalogs = catalogs
        self._consent_version = consent_version
        self._actors = Actors(catalogs, consent_version)
        self._views = views
        self._invite_redeemer = invite_redeemer
        self._resumer = resumer
        self._on_blocked = on_blocked
        self._postbox = postbox or Postbox(utc_now, OutboxPolicy(worker_name()))

    def _work(self, sender: Sender) -> Delivery:
        """What this update's change will say, posted to the outbox with the change."""
        return Delivery(
            actor_id=0,
            pressed_button=sender.pressed_button,
            postbox=self._postbox,
            actor_chat_id=sender.chat_id,
            pressed_message_id=sender.pressed_message_id,
        )

    async def start(self, sender: Sender, invite_code: str | None = None) -> Outcome:
        """/start (optionally from an invite link): remember them and take the next step."""
        async with self._database.unit_of_work() as uow:
            person = await self._find_or_add(uow, sender)
            if invite_code and INVITE_CODE_PATTERN.match(invite_code):
                # Kept only until they accept or decline consent: the invite flow needs it.
                person.pending_invite = invite_code
            person.blocked_bot_at = None
            person.updated_at = utc_now()
            t = self.translator_for(person)
            work = self._work(sender)
            if not person.language_chosen:
                work.say(self._views.render(self._language_question(), t))
                return await work.seal(uow)
            if not person.has_consented(self._consent_version):
                work.say(self._views.render(ConsentQuestion(), t))
                return await work.seal(uow)
            work.say(self._views.render(Home(person.pseudonym, returning=True), t))
            if person.follow_ups_paused_at is not None:
                person.follow_ups_paused_at = None  # /stop is undone by /start
                work.say(self._views.render(FollowUpsResumed(), t))
            await self._redeem_pending_invite(uow, work, person)
            welcomed = await work.seal(uow)
        # "/start: see where you are": also the way back after a lost message or a restart.
        resumed = await self._resumer.resume(person.id or 0) if self._resumer else ()
        return welcomed + Outcome(replies=resumed)

    async def offer_languages(self, sender: Sender) -> Outcome:
        """/language: show the language choice."""
        t = await self.translator_for_sender(sender)
        return Outcome(replies=(self._views.render(self._language_question(), t),))

    async def choose_language(self, sender: Sender, language: str) -> Outcome:
        """A language button: store the choice, then continue where they were."""
        if language not in self._catalogs.languages:
            raise UnknownLanguage()
        async with self._database.unit_of_work() as uow:
            person = await self._find_or_add(uow, sender)
            person.language = language
            person.language_chosen = True
            person.updated_at = utc_now()
            t = self.translator_for(person)
            work = self._work(sender)
            work.say(self._views.render(LanguageChosen(self._catalogs.display_name(language)), t))
            if not person.has_consented(self._consent_version):
                work.say(self._views.render(ConsentQuestion(), t))
            return await work.seal(uow)

    async def answer_consent(self, sender: Sender, answer: str) -> Outcome:
        """Accept or Decline on the consent question."""
        async with self._database.unit_of_work() as uow:
            person = await self._find_or_add(uow, sender)
            t = self.translator_for(person)
            if person.has_consented(self._consent_version):
                return Outcome(notice=self._views.render(AlreadyAgreed(), t).text)
            work = self._work(sender)
            if answer == ConsentAction.ACCEPT:
                await self._record_consent(uow, person)
                work.say(self._views.render(ConsentGiven(), t))
                work.say(self._views.render(Home(person.pseudonym, returning=False), t))
                await self._redeem_pending_invite(uow, work, person)
            else:
                self._record_refusal(uow, person)
                work.say(self._views.render(ConsentDeclined(), t))
            return await work.seal(uow)

    async def help(self, sender: Sender) -> Outcome:
        """/help: what Palaver is and what this person can do now."""
        t = await self.translator_for_sender(sender)
        return Outcome(replies=(self._views.render(HelpShown(), t),))

    async def unknown_command(self, sender: Sender, command: str) -> Outcome:
        """A command Palaver does not have."""
        t = await self.translator_for_sender(sender)
        return Outcome(replies=(self._views.render(UnknownCommand(command), t),))

    async def unexpected_message(self, sender: Sender) -> Outcome:
        """A sticker, photo, voice note or anything else that is not text."""
        t = await self.translator_for_sender(sender)
        return Outcome(replies=(self._views.render(UnexpectedMessage(), t),))

    async def text_without_question(self, sender: Sender) -> Outcome:
        """Text when no question is waiting for an answer."""
        t = await self.translator_for_sender(sender)
        return Outcome(replies=(self._views.render(NoQuestionWaiting(), t),))

    async def slow_down(self, sender: Sender) -> Outcome:
        """They sent many messages within seconds; the extra ones were not read."""
        t = self._actors.translator_for_stranger(sender)
        reply = self._views.render(SlowDown(), t)
        return Outcome(notice=reply.text) if sender.pressed_button else Outcome(replies=(reply,))

    async def apology(self, sender: Sender) -> Outcome:
        """Something failed on Palaver's side while handling their update.

        Uses Telegram's language, not the database: the failure may be the database.
        """
        t = self._actors.translator_for_stranger(sender)
        return Outcome(replies=(self._views.render(Apology(), t),))

    async def refusal(self, sender: Sender, error: PalaverError) -> Outcome:
        """A failure they caused (a stale button, an unknown language), in their language."""
        t = await self.translator_for_sender(sender)
        text = self._views.render(Refused(error.message, error.params), t).text
        if isinstance(error, ConsentRequired):
            # New here, or the consent text changed since they agreed: ask (again) first.
            return Outcome(notice=text if sender.pressed_button else None) + await self.start(
                sender
            )
        return Outcome(notice=text) if sender.pressed_button else Outcome(replies=(Reply(text),))

    async def require_consent(self, sender: Sender) -> Person:
        """The person, if they have agreed to the current consent text; else ConsentRequired."""
        async with self._database.unit_of_work() as uow:
            return (await self._actors.of(uow, sender)).person

    async def mark_blocked(self, telegram_id: int) -> None:
        """Telegram said this person blocked the bot: stop writing to them until they return,
        and let whoever they were talking with know."""
        async with self._database.unit_of_work() as uow:
            person = await uow.people.by_telegram_id(telegram_id, for_update=True)
            if person is None or person.blocked_bot_at is not None:
                return
            person.blocked_bot_at = utc_now()
            await uow.follow_ups.cancel_pending_of(person.id or 0, "blocked the bot")
            uow.audit.record(
                "person.blocked_bot",
                actor_id=person.id,
                subject_type="person",
                subject_id=person.id,
            )
            await uow.commit()
        if self._on_blocked is not None and person.id is not None:
            await self._on_blocked(person.id)

    async def translator_for_sender(self, sender: Sender) -> Translator:
        """The translator for whoever sent an update, known to Palaver or not."""
        async with self._database.unit_of_work() as uow:
            return await self._actors.translator_for_sender(uow, sender)

    def translator_for(self, person: Person) -> Translator:
        return self._actors.translator_for(person)

    # --- the steps -------------------------------------------------------------------

    async def _redeem_pending_invite(self, uow: UnitOfWork, work: Delivery, person: Person) -> None:
        if self._invite_redeemer is not None and person.pending_invite:
            await self._invite_redeemer.redeem_pending_invite(uow, work, person)

    async def _find_or_add(self, uow: UnitOfWork, sender: Sender) -> Person:
        # Before any consent: this is where they are asked for it.
        known = await self._actors.known(uow, sender, for_update=True)
        if known is not None:
            return known.person
        person = Person(
            telegram_id=sender.telegram_id,
            language=self._catalogs.negotiate(sender.telegram_language),
        )
        uow.people.add(person)
        try:
            await uow.people.flush()
        except IntegrityError:
            # Another process added them a moment ago; theirs is the row to use.
            raise PersonAddedConcurrently() from None
        return person

    async def _record_consent(self, uow: UnitOfWork, person: Person) -> None:
        if person.pseudonym is None:
            # Chosen first: looking for a free name would write the consent already, and the
            # name after it, as two updates of the person instead of one.
            person.pseudonym = await self._unused_pseudonym(uow)
        person.consent_given_at = utc_now()
        person.consent_version = self._consent_version
        person.consent_declined_at = None
        uow.audit.record(
            "consent.given",
            actor_id=person.id,
            subject_type="person",
            subject_id=person.id,
            version=self._consent_version,
        )

    def _record_refusal(self, uow: UnitOfWork, person: Person) -> None:
        # Declining keeps only what is needed to remember the refusal.
        person.consent_declined_at = utc_now()
        person.consent_given_at = None
        person.consent_version = self._consent_version
        person.pending_invite = None
        person.pseudonym = None
        uow.audit.record(
            "consent.declined",
            actor_id=person.id,
            subject_type="person",
            subject_id=person.id,
            version=self._consent_version,
        )

    async def _unused_pseudonym(self, uow: UnitOfWork) -> str:
        for _ in range(PSEUDONYM_ATTEMPTS):
            pseudonym = random_pseudonym()
            if not await uow.people.pseudonym_taken(pseudonym):
                return pseudonym
        raise RuntimeError("could not find an unused pseudonym; add words to the lists")

    # --- the messages ----------------------------------------------------------------

    def _language_question(self) -> LanguageQuestion:
        return LanguageQuestion(
            tuple(
                (language, self._catalogs.display_name(language))
                for language in self._catalogs.languages
            )
        )


class PersonAddedConcurrently(Exception):
    """Two updates from a new person raced to add them; retrying the update resolves it."""
