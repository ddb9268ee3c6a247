"""One message in several languages: for a circle whose members read different languages.

In an exchange each partner simply gets their own translator; a circle posts a shared prompt
once, so it shows the prompt in each of the circle's languages, one block per language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.i18n.catalogs import Catalogs
from bot.i18n.translator import Translator

BLOCK_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class LanguageText:
    """A text and the language it is written in."""

    language: str
    text: str


def render_in_languages(
    catalogs: Catalogs, languages: Iterable[str | None], render: Callable[[Translator], str]
) -> list[LanguageText]:
    """`render` once per language, each negotiated like a person's (so "uk-UA" is "uk").

    Languages that negotiate to the same catalog are rendered once, in the order given;
    identical texts (a language without its own catalog falls back to the default) are
    shown once too.
    """
    rendered: list[LanguageText] = []
    seen_languages: set[str] = set()
    seen_texts: set[str] = set()
    for requested in languages:
        language = catalogs.negotiate(requested)
        if language in seen_languages:
            continue
        seen_languages.add(language)
        text = render(catalogs.translator(language))
        if text not in seen_texts:
            seen_texts.add(text)
            rendered.append(LanguageText(language, text))
    return rendered


def gettext_in_languages(
    catalogs: Catalogs, languages: Iterable[str | None], message: str, /, **params: object
) -> list[LanguageText]:
    """One msgid, translated and filled in, in each of `languages`."""
    return render_in_languages(catalogs, languages, lambda t: t.gettext(message, **params))


def multilingual_text(texts: Iterable[LanguageText]) -> str:
    """The texts as one message: a block per language, separated by a blank line."""
    return BLOCK_SEPARATOR.join(item.text for item in texts)
