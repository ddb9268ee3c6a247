"""Gettext catalogs: loaded from the .po files in locales/, compiled in memory.

Compiling at start-up means a fresh clone speaks every language it has catalogs for, with no
build step and no compiled files in the repository.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from bot.i18n.translator import Translator

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"
DOMAIN = "messages"


class CatalogError(Exception):
    """A catalog file cannot be read."""


@dataclass
class Catalogs:
    """Every language Palaver can speak, and a Translator for each."""

    default_language: str = SOURCE_LANGUAGE
    _translations: dict[str, NullTranslations] = field(default_factory=dict)
    _translated: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, locales_dir: Path, default_language: str = SOURCE_LANGUAGE) -> Catalogs:
        """Read `locales/<lang>/LC_MESSAGES/messages.po` for every language present."""
        catalogs = cls(default_language=default_language)
        catalogs._translations[SOURCE_LANGUAGE] = NullTranslations()
        for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            language = po_path.parent.parent.name
            catalog = read_catalog(po_path)
            catalogs._translations[language] = compile_catalog(catalog)
            catalogs._translated[language] = {
                str(message.id if isinstance(message.id, str) else message.id[0])
                for message in catalog
                if message.id and message.string and not message.fuzzy
            }
        if default_language not in catalogs._translations:
            log.warning("default locale %s has no catalog; using English", default_language)
            catalogs.default_language = SOURCE_LANGUAGE
        return catalogs

    def translated_msgids(self) -> dict[str, set[str]]:
        """For each language with a catalog, the messages it translates (not fuzzy ones)."""
        return {language: set(ids) for language, ids in self._translated.items()}

    @property
    def languages(self) -> list[str]:
        """Language codes, English first, then alphabetical."""
        others = sorted(code for code in self._translations if code != SOURCE_LANGUAGE)
        return [SOURCE_LANGUAGE, *others]

    def translator(self, language: str | None) -> Translator:
        """A translator for `language` (already negotiated), or the default one."""
        code = language if language in self._translations else self.default_language
        return Translator(code, self._translations[code])

    def negotiate(self, requested: str | None, *fallbacks: str | None) -> str:
        """The language to use for someone who asked for `requested` (e.g. Telegram's "uk-UA").

        Only the same language matches ("pt-br" may become "pt"); otherwise the fallbacks
        in order (a program's default), then the configured default, then English. Never
        a "neighbouring" language: Ukrainian does not fall back to Russian, Hebrew not to
        Arabic.
        """
        for candidate in (requested, *fallbacks, self.default_language):
            match = self._same_language(candidate)
            if match is not None:
                return match
        return SOURCE_LANGUAGE

    def _same_language(self, requested: str | None) -> str | None:
        if not requested:
            return None
        normalised = requested.replace("-", "_")
        base = normalised.split("_", 1)[0].lower()
        for candidate in (normalised, base):
            if candidate in self._translations:
                return candidate
        return None

    def display_name(self, language: str) -> str:
        """The language's name in itself: "English", "Українська", "العربية"."""
        try:
            name = Locale.parse(language).get_display_name(language) or language
        except (ValueError, UnknownLocaleError):
            return language
        return name[:1].upper() + name[1:]


def read_catalog(po_path: Path) -> Catalog:
    """Read one .po file; CatalogError if it cannot be read."""
    try:
        with po_path.open("rb") as po_file:
            return read_po(po_file, locale=po_path.parent.parent.name)
    except (OSError, ValueError, UnknownLocaleError) as error:
        raise CatalogError(f"{po_path}: {error}") from error


def compile_catalog(catalog: Catalog) -> Translations:
    """Compile a catalog into gettext translations, in memory (fuzzy entries left out)."""
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


_PLACEHOLDER = re.compile(r"{([^{}]*)}")


def placeholders_differ(source: str | Sequence[str], translation: str | Sequence[str]) -> bool:
    """Whether a translation uses other `{name}` placeholders than its source."""
    sources = (source,) if isinstance(source, str) else source
    translations = (translation,) if isinstance(translation, str) else translation
    expected = set().union(*(_PLACEHOLDER.findall(text) for text in sources))
    # Plural forms may leave out {count} (e.g. "one" spelled as a word) but add nothing new.
    return any(
        (text and not (set(_PLACEHOLDER.findall(text)) <= expected))
        or (text and not (expected - {"count"}) <= set(_PLACEHOLDER.findall(text)))
        for text in translations
    )


def message_problems(message: Message, catalog: Catalog) -> list[str]:
    """What is wrong with one translated entry, one phrase each (empty when nothing is)."""
    if not message.id or not message.string:
        return []
    problems = [str(error) for error in message.check(catalog)]
    if placeholders_differ(message.id, message.string):
        problems.append(
            "the translation's placeholders differ from the source's; copy every {name} "
            "exactly as written in the source"
        )
    # Babel pads missing msgstr[n] with "", so a short plural shows up as empty forms (the
    # count itself is Babel's num_plurals check above).
    if message.pluralizable and any(message.string) and not all(message.string):
        problems.append("some plural forms are empty; translate every msgstr[n]")
    return list(dict.fromkeys(problems))


def problems_in(locales_dir: Path) -> Iterable[str]:
    """What prevents the catalogs from loading, one line each (for `palaver doctor`)."""
    if not locales_dir.is_dir():
        yield f"the catalog folder {locales_dir} does not exist; set PALAVER_LOCALES_DIR"
        return
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        try:
            catalog = read_catalog(po_path)
        except CatalogError as error:
            yield f"the catalog {po_path} cannot be read ({error.__cause__}); fix or remove it"
            continue
        for message in catalog:
            for problem in message_problems(message, catalog):
                yield f"{po_path}: {message.id!r}: {problem}"
