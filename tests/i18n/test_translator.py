"""The per-person translator: right-to-left isolates, plurals, dates in the person's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.config import REPOSITORY_ROOT
from bot.engine import Message, render_message
from bot.i18n.catalogs import Catalogs
from bot.i18n.translator import FIRST_STRONG_ISOLATE as FSI
from bot.i18n.translator import POP_DIRECTIONAL_ISOLATE as PDI

SHIPPED = Catalogs.load(REPOSITORY_ROOT / "locales")
PLURALS = Catalogs.load(Path(__file__).parent / "fixtures" / "plurals")


def test_latin_pseudonym_in_arabic_is_wrapped_in_isolates() -> None:
    text = SHIPPED.translator("ar").gettext(
        "Welcome back, {pseudonym}.", pseudonym="Quiet Heron 42"
    )
    assert f"{FSI}Quiet Heron 42{PDI}" in text
    assert text.startswith("أهلًا")


def test_hebrew_flow_text_rendered_by_the_engine_has_isolates() -> None:
    t = SHIPPED.translator("he")
    message = Message("{partner}'s story:")
    text = render_message(message, t.gettext, {"partner": "Calm River 17"})
    assert f"{FSI}Calm River 17{PDI}" in text


def test_bot_commands_in_right_to_left_text_are_isolated() -> None:
    text = SHIPPED.translator("ar").gettext(
        "I don't know the command {command}. Send /help to see what I can do.", command="/x"
    )
    assert f"{FSI}/help{PDI}" in text
    assert f"{FSI}/x{PDI}" in text


def test_left_to_right_languages_get_no_isolates() -> None:
    text = SHIPPED.translator("uk").gettext("Welcome back, {pseudonym}.", pseudonym="Kind Wren 10")
    assert text == "З поверненням, Kind Wren 10."
    assert not SHIPPED.translator("uk").is_rtl


@pytest.mark.parametrize(("language", "rtl"), [("ar", True), ("he", True), ("en", False)])
def test_translator_knows_its_direction(language: str, rtl: bool) -> None:
    assert SHIPPED.translator(language).is_rtl is rtl


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "1 participant"), (5, "5 participants"), (0, "0 participants")],
)
def test_english_plurals(count: int, expected: str) -> None:
    t = PLURALS.translator("en")
    assert t.ngettext("{count} participant", "{count} participants", count) == expected


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "1 учасник"),
        (21, "21 учасник"),
        (3, "3 учасники"),
        (24, "24 учасники"),
        (5, "5 учасників"),
        (11, "11 учасників"),
        (12, "12 учасників"),
    ],
)
def test_ukrainian_plurals_have_three_forms(count: int, expected: str) -> None:
    t = PLURALS.translator("uk")
    assert t.ngettext("{count} participant", "{count} participants", count) == expected


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "لا مشاركين"),
        (1, "مشارك واحد"),
        (2, "مشاركان"),
        (3, "3 مشاركين"),
        (10, "10 مشاركين"),
        (11, "11 مشاركًا"),
        (99, "99 مشاركًا"),
        (100, "100 مشارك"),
    ],
)
def test_arabic_plurals_have_six_forms(count: int, expected: str) -> None:
    t = PLURALS.translator("ar")
    text = t.ngettext("{count} participant", "{count} participants", count)
    assert text.replace(FSI, "").replace(PDI, "") == expected


SESSION = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(
    ("language", "zone", "expected"),
    [
        ("en", "America/New_York", "Tuesday, December 1, 11:00 AM"),
        ("uk", "Europe/Kyiv", "вівторок, 1 грудня, 18:00"),
        ("fr", "Europe/Paris", "mardi 1 décembre, 17:00"),
        ("es", "America/Bogota", "martes, 1 de diciembre, 11:00"),
        ("he", "Asia/Jerusalem", "יום שלישי, 1 בדצמבר, 18:00"),
    ],
)
def test_date_and_time_in_the_persons_locale_and_zone(
    language: str, zone: str, expected: str
) -> None:
    assert SHIPPED.translator(language).format_datetime(SESSION, zone) == expected


def test_arabic_date_names_the_weekday_and_month() -> None:
    text = SHIPPED.translator("ar").format_datetime(SESSION, "Asia/Amman")
    assert "الثلاثاء" in text and "ديسمبر" in text


def test_a_day_crossing_midnight_is_shown_in_the_persons_zone() -> None:
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert SHIPPED.translator("uk").format_datetime(late, "Europe/Kyiv").startswith("середа, 2")


def test_format_date_without_a_time() -> None:
    assert SHIPPED.translator("ru").format_date(date(2026, 12, 3)) == "четверг, 3 декабря"


def test_naive_datetimes_and_unknown_zones_are_refused() -> None:
    t = SHIPPED.translator("en")
    with pytest.raises(ValueError, match="timezone-aware"):
        t.format_datetime(datetime(2026, 12, 1, 16, 0), "Europe/Kyiv")
    with pytest.raises(ValueError, match="IANA"):
        t.format_datetime(SESSION, "Mars/Olympus")
