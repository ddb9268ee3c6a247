"""Who acts: the sender of an update, the one consent rule, and the actor context.

Nothing is done for or kept about a person until they have accepted the consent text in
force now (a changed text asks everyone again). Every entry point asks `consenting_person`;
the conversation core asks it once per update, through `Actors.of`, and passes the `Actor`
down.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n.catalogs import Catalogs
from bot.i18n.translator import Translator
from bot.services.errors import ConsentRequired
from bot.storage.tables import Person
from bot.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Sender:
    """Who sent an update, and from where."""

    telegram_id: int
    telegram_language: str | None = None
    pressed_button: bool = False
    chat: int | None = None
    """The chat the update came from (None: their private chat)."""
    pressed_message_id: int | None = None
    """The message whose button was pressed, if it can still be edited."""

    @property
    def chat_id(self) -> int:
        """Where replies go: the update's chat, or the person's private chat."""
        return self.chat if self.chat is not None else self.telegram_id


async def consenting_person(
    uow: UnitOfWork, sender: Sender, consent_version: str, *, for_update: bool = False
) -> Person:
    """The person behind an update, if they accepted the current consent text; else
    ConsentRequired (turned into the consent question at the edge)."""
    person = await uow.people.by_telegram_id(sender.telegram_id, for_update=for_update)
    if person is None or not person.has_consented(consent_version):
        raise ConsentRequired()
    return person


@dataclass(frozen=True)
class Actor:
    """The person acting in an update, looked up once: consenting (unless it comes from
    `Actors.known`), with their translator, and the sender of the update (None when Palaver
    acts for them, e.g. resuming)."""

    person: Person
    translator: Translator
    sender: Sender | None = None

    @property
    def person_id(self) -> int:
        assert self.person.id is not None
        return self.person.id


class Actors:
    """Builds the actor context of an update, and translators for the people in it."""

    def __init__(self, catalogs: Catalogs, consent_version: str) -> None:
        self._catalogs = catalogs
        self._consent_version = consent_version

    async def of(self, uow: UnitOfWork, sender: Sender, *, for_update: bool = False) -> Actor:
        """The consenting person behind `sender`'s update; else ConsentRequired.

        `for_update`: lock their row, for a change that must not race another update of
        theirs (e.g. taking a pending input)."""
        person = await consenting_person(uow, sender, self._consent_version, for_update=for_update)
        return self.acting(person, sender)

    async def consenting(self, uow: UnitOfWork, sender: Sender) -> Actor | None:
        """`of`, or None when the sender is unknown or has not consented: for updates that
        are then another use case's to answer (a circle takes words only from its members)."""
        try:
            return await self.of(uow, sender)
        except ConsentRequired:
            return None

    async def known(
        self, uow: UnitOfWork, sender: Sender, *, for_update: bool = False
    ) -> Actor | None:
        """The person behind `sender`'s update whether or not they accepted the consent
        text; None if Palaver does not know them.

        Only for what must work without consent: seeing and erasing what Palaver keeps
        (/mydata, /forget), leaving a circle, and the consent question itself."""
        person = await uow.people.by_telegram_id(sender.telegram_id, for_update=for_update)
        return self.acting(person, sender) if person is not None else None

    async def translator_for_sender(self, uow: UnitOfWork, sender: Sender) -> Translator:
        """The translator for whoever sent an update: their chosen language if Palaver
        knows them (consenting or not), else their Telegram language."""
        known = await self.known(uow, sender)
        return known.translator if known is not None else self.translator_for_stranger(sender)

    def acting(self, person: Person, sender: Sender | None = None) -> Actor:
        """The actor context of a person already looked up (and known to have consented)."""
        return Actor(person, self.translator_for(person), sender)

    def translator_for(self, person: Person) -> Translator:
        """The translator for a person Palaver knows: their chosen language."""
        return self._catalogs.translator(self._catalogs.negotiate(person.language))

    def translator_for_stranger(self, sender: Sender) -> Translator:
        """The translator for someone Palaver does not know: their Telegram language."""
        return self._catalogs.translator(self._catalogs.negotiate(sender.telegram_language))
