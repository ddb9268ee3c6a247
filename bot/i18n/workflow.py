"""The translators' workflow behind `palaver i18n`: extract, update and check the catalogs.

Extraction and updating do what `pybabel extract -F babel.cfg` and `pybabel update` do, with
Palaver's settings, so either way gives the same files. The check is what keeps every shipped
language complete: it reads the catalogs the way the bot does and reports each problem as
`file:line: message: what to do`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import babel
from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

import bot
from bot.i18n.catalogs import (
    DOMAIN,
    SOURCE_LANGUAGE,
    CatalogError,
    message_problems,
    read_catalog,
)

TEMPLATE_NAME = f"{DOMAIN}.pot"
KNOWN_FUZZY_NAME = "known-fuzzy.txt"
MAPPING_NAME = "babel.cfg"
PROJECT = "Palaver"
COPYRIGHT_HOLDER = "Palaver contributors"
BUGS_ADDRESS = "translations@palaver.invalid"


# --- extract and update ------------------------------------------------------------------


def extract_template(source_dir: Path, mapping: Path | None = None) -> Catalog:
    """Every message under `source_dir`, as `pybabel extract -F babel.cfg` finds them.

    Source references are relative to `source_dir`, with line numbers.
    """
    mapping = mapping or source_dir / MAPPING_NAME
    with mapping.open(encoding="utf-8") as mapping_file:
        # Babel's own babel.cfg reader, so both ways of extracting read the file alike.
        method_map, options_map = parse_mapping_cfg(  # type: ignore[no-untyped-call]
            mapping_file, filename=str(mapping)
        )
    template = Catalog(
        project=PROJECT,
        version=bot.__version__,
        copyright_holder=COPYRIGHT_HOLDER,
        msgid_bugs_address=BUGS_ADDRESS,
        fuzzy=False,
    )
    for filename, line, message, comments, context in extract_from_dir(
        source_dir, method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        reference = filename.replace(os.sep, "/")
        template.add(message, None, [(reference, line)], auto_comments=comments, context=context)
    return template


def write_catalog(catalog: Catalog, path: Path) -> None:
    """Write a .pot or .po the way the README's pybabel commands do (unwrapped, by file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po_file:
        write_po(po_file, catalog, width=0, sort_by_file=True)


def update_catalogs(locales_dir: Path, template: Catalog) -> list[Path]:
    """Merge the template into every language's .po, like `pybabel update`; the files changed.

    New messages arrive empty, changed ones fuzzy with the old translation as a suggestion,
    removed ones are kept as obsolete (`#~`) so no translator's work is lost.
    """
    updated = []
    for po_path in catalog_paths(locales_dir):
        catalog = read_catalog(po_path)
        catalog.update(template)
        write_catalog(catalog, po_path)
        updated.append(po_path)
    return updated


def catalog_paths(locales_dir: Path) -> list[Path]:
    """Every language's .po file, in language order."""
    return sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


# --- check ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageCompleteness:
    """How much of the template one language translates."""

    language: str
    total: int
    translated: int
    fuzzy: int

    @property
    def missing(self) -> int:
        return self.total - self.translated - self.fuzzy

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


@dataclass
class CatalogReport:
    """The outcome of `check_catalogs`: problems (each a line) and a row per language."""

    problems: list[str] = field(default_factory=list)
    languages: list[LanguageCompleteness] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_known_fuzzy(path: Path) -> set[tuple[str, str]]:
    """The fuzzy entries a maintainer accepted, as (language, msgid).

    One per line: a language code, a space, the msgid exactly (a newline written as \\n).
    Blank lines and lines starting with # are ignored; a missing file means none.
    """
    if not path.is_file():
        return set()
    known = set()
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        language, _, msgid = line.partition(" ")
        known.add((language, msgid.strip().replace("\\n", "\n")))
    return known


def check_catalogs(
    locales_dir: Path,
    known_fuzzy: set[tuple[str, str]] | None = None,
    extracted: Catalog | None = None,
) -> CatalogReport:
    """Check the template and every language's catalog in `locales_dir`.

    Every message of the template must be translated (not fuzzy, unless listed in
    `known_fuzzy`), with the source's placeholders and the language's number of plural
    forms. Given `extracted` (a fresh extraction from the sources), the template must hold
    exactly its messages.
    """
    report = CatalogReport()
    known = known_fuzzy if known_fuzzy is not None else set()
    template_path = locales_dir / TEMPLATE_NAME
    try:
        with template_path.open("rb") as template_file:
            template = read_po(template_file)
    except (OSError, ValueError) as error:
        report.problems.append(
            f"{template_path}: cannot be read ({error}); run `palaver i18n extract`"
        )
        return report
    expected = _msgids(template)
    if extracted is not None:
        report.problems.extend(_stale_template_problems(template_path, template, extracted))
    report.languages.append(LanguageCompleteness(SOURCE_LANGUAGE, len(expected), len(expected), 0))
    fuzzy_entries: set[tuple[str, str]] = set()
    for po_path in catalog_paths(locales_dir):
        language = po_path.parent.parent.name
        try:
            catalog = read_catalog(po_path)
        except CatalogError as error:
            report.problems.append(f"{error}; fix or remove the file")
            continue
        fuzzy_entries |= {(language, _msgid(m)) for m in catalog if m.id and m.fuzzy}
        report.problems.extend(_catalog_header_problems(po_path, catalog, language))
        completeness, problems = _check_language(po_path, catalog, language, expected, known)
        report.languages.append(completeness)
        report.problems.extend(problems)
    unused = sorted(
        f"{KNOWN_FUZZY_NAME}: '{language} {_short(msgid)}' is listed as known fuzzy, but is "
        "not a fuzzy entry any more; remove the line"
        for language, msgid in known - fuzzy_entries
    )
    report.problems.extend(unused)
    return report


def _msgids(catalog: Catalog) -> set[str]:
    return {_msgid(message) for message in catalog if message.id}


def _msgid(message: Message) -> str:
    return message.id if isinstance(message.id, str) else str(message.id[0])


def _short(text: str, limit: int = 60) -> str:
    flat = text.replace("\n", "\\n")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _stale_template_problems(
    template_path: Path, template: Catalog, extracted: Catalog
) -> Iterable[str]:
    in_sources, in_template = _msgids(extracted), _msgids(template)
    for msgid in sorted(in_sources - in_template):
        message = extracted[msgid]
        where = ", ".join(f"{path}:{line}" for path, line in message.locations) or "the sources"
        yield (
            f"{template_path}: '{_short(msgid)}' ({where}) is not in the template; "
            "run `palaver i18n extract` and `palaver i18n update`"
        )
    for msgid in sorted(in_template - in_sources):
        yield (
            f"{template_path}: '{_short(msgid)}' is no longer in the sources; "
            "run `palaver i18n extract` and `palaver i18n update`"
        )


def _catalog_header_problems(po_path: Path, catalog: Catalog, language: str) -> Iterable[str]:
    try:
        expected = get_plural(Locale.parse(language)).num_plurals
    except (ValueError, UnknownLocaleError):
        yield f"{po_path}: '{language}' is not a language code Babel knows; rename the folder"
        return
    if catalog.num_plurals != expected:
        yield (
            f"{po_path}: the Plural-Forms header says nplurals={catalog.num_plurals}, but "
            f"{language} has {expected} plural forms; copy the header from "
            f"`pybabel init -l {language}`"
        )
        return
    # Same count, different rule: Babel's CLDR data decides which number takes which form,
    # so the header must be exactly what the installed (locked) Babel writes.
    babel_header = Catalog(locale=language).plural_forms
    if catalog.plural_forms != babel_header:
        yield (
            f"{po_path}: the Plural-Forms header is '{catalog.plural_forms}', but Babel "
            f"{babel.__version__} writes '{babel_header}' for {language}; copy it from "
            f"`pybabel init -l {language}`"
        )


def _check_language(
    po_path: Path,
    catalog: Catalog,
    language: str,
    expected: set[str],
    known_fuzzy: set[tuple[str, str]],
) -> tuple[LanguageCompleteness, list[str]]:
    problems: list[str] = []
    translated = fuzzy = 0
    seen: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        msgid = _msgid(message)
        seen.add(msgid)
        where = f"{po_path}:{message.lineno}: '{_short(msgid)}'"
        problems.extend(f"{where}: {problem}" for problem in message_problems(message, catalog))
        if msgid not in expected:
            continue  # left over from an older template; `update` marks it obsolete
        forms = message.string if isinstance(message.string, tuple | list) else [message.string]
        has_text = all(forms)
        if message.fuzzy and has_text:
            fuzzy += 1
            if (language, msgid) not in known_fuzzy:
                problems.append(
                    f"{where}: fuzzy; check the translation and remove the fuzzy flag (or "
                    f"list it in {KNOWN_FUZZY_NAME} if it must stay unsure for now)"
                )
        elif has_text:
            translated += 1
        elif language != SOURCE_LANGUAGE:
            problems.append(f"{where}: not translated")
    for msgid in sorted(expected - seen):
        problems.append(
            f"{po_path}: '{_short(msgid)}' is missing; run `palaver i18n update`, then translate it"
        )
    if language == SOURCE_LANGUAGE:
        translated = len(expected) - fuzzy
    return LanguageCompleteness(language, len(expected), translated, fuzzy), problems
