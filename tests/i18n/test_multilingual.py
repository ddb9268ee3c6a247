"""Circles post shared prompts in each of their members' languages."""

from __future__ import annotations

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs
from bot.i18n.multilingual import gettext_in_languages, multilingual_text, render_in_languages

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")


def test_a_shared_prompt_in_each_language_of_the_circle() -> None:
    texts = gettext_in_languages(
        CATALOGS, ["uk", "ru", "en"], "Take a moment to read what the others wrote before we go on."
    )
    assert [item.language for item in texts] == ["uk", "ru", "en"]
    assert texts[0].text.startswith("Знайдіть хвилинку")
    assert texts[1].text.startswith("Найдите минутку")
    assert texts[2].text.startswith("Take a moment")


def test_each_language_once_and_fallbacks_not_repeated() -> None:
    # "uk-UA" is Ukrainian again; "de" has no catalog and falls back to English, already there.
    texts = gettext_in_languages(CATALOGS, ["uk", "en", "uk-UA", "de"], "Skip")
    assert [item.text for item in texts] == ["Пропустити", "Skip"]


def test_parameters_are_filled_and_isolated_per_language() -> None:
    texts = gettext_in_languages(CATALOGS, ["he", "fr"], "{partner} wrote:", partner="Kind Wren 12")
    assert "\u2068Kind Wren 12\u2069" in texts[0].text
    assert texts[1].text == "Kind Wren 12 a écrit :"


def test_one_message_with_a_block_per_language() -> None:
    texts = render_in_languages(CATALOGS, ["es", "ar"], lambda t: t.gettext("Dialogue circle"))
    assert multilingual_text(texts) == "Círculo de diálogo\n\nدائرة حوار"
