"""The per-person translator handed to services."""

from __future__ import annotations

from dataclasses import dataclass

from babel.support import NullTranslations


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated where shown)."""
    return message


@dataclass(frozen=True)
class Translator:
    """Translates Palaver's messages into one language, filling `{name}` placeholders."""

    language: str
    translations: NullTranslations

    def gettext(self, message: str, /, **params: object) -> str:
        text = self.translations.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, count: int, /, **params: object) -> str:
        text = self.translations.ngettext(singular, plural, count)
        return text.format(count=count, **params)
