"""Who acts: the sender of an update, and the one consent rule.

Nothing is done for or kept about a person until they have accepted the consent text in
force now (a changed text asks everyone again). Every entry point asks `consenting_person`.
"""

from __future__ import annotations

from dataclasses import dataclass

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
