"""Relayed words, translated for their reader at the moment they are sent.

Machine translation is a network call: made here, after the change is committed and outside
any transaction, it can neither hold the database's locks nor run twice for one change.
"""

from __future__ import annotations

from bot.i18n.catalogs import Catalogs
from bot.i18n.machine_translation import MachineTranslator, translate_relayed
from bot.services.replies import Reply


class RelayTranslator:
    """Translates the relayed words of a message for its reader, just before it is sent."""

    def __init__(self, catalogs: Catalogs, machine_translator: MachineTranslator) -> None:
        self._catalogs = catalogs
        self._machine_translator = machine_translator

    async def complete(self, reply: Reply) -> Reply:
        """`reply` as sent: its relayed words (if any) under it, translated when on."""
        relayed = reply.relayed
        if relayed is None:
            return reply
        reader = self._catalogs.translator(relayed.target)
        words = await translate_relayed(
            relayed.words, relayed.source, reader, self._machine_translator
        )
        return reply.with_words(words)
