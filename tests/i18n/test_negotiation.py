"""Choosing a person's language: their own, else the program's, the configured, English.

Never a "neighbouring" language: Ukrainian is not Russian, Hebrew is not Arabic.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs

SHIPPED_LANGUAGES = {"en", "ar", "he", "uk", "ru", "es", "fr"}


def catalogs_with(tmp_path: Path, *languages: str, default: str = "en") -> Catalogs:
    for language in languages:
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text(
            f'msgid ""\nmsgstr ""\n"Language: {language}\\n"\n'
            '"Content-Type: text/plain; charset=utf-8\\n"\n',
            encoding="utf-8",
        )
    return Catalogs.load(tmp_path, default_language=default)


def test_every_shipped_language_is_offered() -> None:
    assert set(Catalogs.load(REPOSITORY_ROOT / "locales").languages) == SHIPPED_LANGUAGES


@pytest.mark.parametrize(
    ("requested", "expected"),
    [("uk", "uk"), ("uk-UA", "uk"), ("he", "he"), ("ar-EG", "ar"), ("ru", "ru"), ("fr-CA", "fr")],
)
def test_telegram_language_codes_match_the_same_language(requested: str, expected: str) -> None:
    assert Catalogs.load(REPOSITORY_ROOT / "locales").negotiate(requested) == expected


def test_ukrainian_never_falls_back_to_russian(tmp_path: Path) -> None:
    catalogs = catalogs_with(tmp_path, "ru")
    assert catalogs.negotiate("uk") == "en"
    assert catalogs.negotiate("uk-UA") == "en"


def test_russian_never_falls_back_to_ukrainian(tmp_path: Path) -> None:
    assert catalogs_with(tmp_path, "uk").negotiate("ru") == "en"


def test_hebrew_never_falls_back_to_arabic(tmp_path: Path) -> None:
    assert catalogs_with(tmp_path, "ar").negotiate("he") == "en"


def test_arabic_never_falls_back_to_hebrew(tmp_path: Path) -> None:
    assert catalogs_with(tmp_path, "he").negotiate("ar") == "en"


def test_brazilian_portuguese_becomes_portuguese_only_if_there_is_portuguese(
    tmp_path: Path,
) -> None:
    assert catalogs_with(tmp_path / "with", "pt").negotiate("pt-BR") == "pt"
    assert catalogs_with(tmp_path / "without", "es").negotiate("pt-BR") == "en"


def test_fallback_goes_to_the_programs_language_then_the_configured_default(
    tmp_path: Path,
) -> None:
    catalogs = catalogs_with(tmp_path, "fr", "ar", default="fr")
    assert catalogs.negotiate("uk", "ar") == "ar"
    assert catalogs.negotiate("uk", None) == "fr"
    assert catalogs.negotiate(None) == "fr"


def test_a_configured_default_without_a_catalog_means_english(tmp_path: Path) -> None:
    catalogs = catalogs_with(tmp_path, "fr", default="de")
    assert catalogs.negotiate("uk") == "en"
