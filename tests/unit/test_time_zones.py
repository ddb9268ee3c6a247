"""Time zones as people type them on a phone: IANA names, cities and offsets from UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

import pytest
from babel.support import NullTranslations

from bot.i18n.translator import Translator
from bot.scheduling.time_zones import UnknownTimeZone, describe_offset, parse_time_zone, zone_of
from bot.services import program_errors
from bot.services.program_settings import parse_time_zone as parse_program_time_zone

SUMMER = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Europe/Kyiv", "Europe/Kyiv"),
        ("europe/kyiv", "Europe/Kyiv"),
        ("  AMERICA/NEW_YORK ", "America/New_York"),
        ("America/New York", "America/New_York"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Etc/GMT-3", "Etc/GMT-3"),
        ("Asia/Tel_Aviv", "Asia/Tel_Aviv"),
    ],
)
def test_an_iana_name_is_read_in_any_case(typed: str, key: str) -> None:
    assert parse_time_zone(typed) == key


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("kyiv", "Europe/Kyiv"),
        ("Kyiv", "Europe/Kyiv"),
        ("New York", "America/New_York"),
        ("new-york", "America/New_York"),
        ("NEWYORK", "America/New_York"),
        ("sao paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("port au prince", "America/Port-au-Prince"),
        ("Dumont d'Urville", "Antarctica/DumontDUrville"),
        ("beirut", "Asia/Beirut"),
        ("kolkata", "Asia/Kolkata"),
        ("Auckland", "Pacific/Auckland"),
    ],
)
def test_a_city_is_read_whatever_its_case_spaces_hyphens_or_accents(typed: str, key: str) -> None:
    assert parse_time_zone(typed) == key


def test_tel_aviv_is_the_zone_zoneinfo_keeps_for_it() -> None:
    key = parse_time_zone("tel aviv")
    assert key in {"Asia/Tel_Aviv", "Asia/Jerusalem"}
    assert zone_of(key).utcoffset(SUMMER) == timedelta(hours=3)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("buenos aires", "America/Argentina/Buenos_Aires"),
        ("Indianapolis", "America/Indiana/Indianapolis"),
        ("istanbul", "Europe/Istanbul"),
        ("Singapore", "Asia/Singapore"),
        ("hongkong", "Asia/Hong_Kong"),
    ],
)
def test_a_city_with_an_old_alias_goes_to_its_canonical_zone(typed: str, key: str) -> None:
    assert parse_time_zone(typed) == key


@pytest.mark.parametrize("typed", ["Pacific", "west", "Eastern"])
def test_a_region_name_that_two_countries_use_is_refused_as_ambiguous(typed: str) -> None:
    with pytest.raises(UnknownTimeZone):
        parse_time_zone(typed)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("UTC+0", "UTC"),
        ("-0", "UTC"),
        ("+3", "UTC+03:00"),
        ("-5", "UTC-05:00"),
        ("UTC+3", "UTC+03:00"),
        ("utc +03:00", "UTC+03:00"),
        ("GMT-05:30", "UTC-05:30"),
        ("+0530", "UTC+05:30"),
        ("+5:45", "UTC+05:45"),
        ("−3", "UTC-03:00"),
        ("+14", "UTC+14:00"),
        ("-12:00", "UTC-12:00"),
        ("UTC+03:00", "UTC+03:00"),
    ],
)
def test_an_offset_from_utc_becomes_a_fixed_offset_key(typed: str, key: str) -> None:
    assert parse_time_zone(typed) == key


@pytest.mark.parametrize(
    "typed",
    [
        "+15",
        "-13",
        "+14:30",
        "-12:30",
        "+05:20",
        "+3:0",
        "UTC+",
        "3",
        "",
        "   ",
        "Mars/Olympus",
        "Mars/Kyiv",
        "Europe",
        "Atlantis",
        "../etc/passwd",
        "/etc/passwd",
        "localtime",
        "posix/Europe/Berlin",
    ],
)
def test_text_that_names_no_zone_is_refused(typed: str) -> None:
    with pytest.raises(UnknownTimeZone) as refused:
        parse_time_zone(typed)
    assert refused.value.value == typed.strip()


def test_the_refused_text_is_kept_to_64_characters() -> None:
    with pytest.raises(UnknownTimeZone) as refused:
        parse_time_zone("x" * 200)
    assert refused.value.value == "x" * 64


def test_every_zone_zoneinfo_knows_reads_back_to_a_key_that_loads() -> None:
    for name in available_timezones():
        if name.startswith(("posix/", "right/", "SystemV/")) or name in {
            "localtime",
            "posixrules",
            "Factory",
        }:
            continue
        key = parse_time_zone(name)
        assert parse_time_zone(key) == key, name
        if "/" in name and not name.startswith("Etc/GMT"):
            assert key == name
        zone_of(key)


def test_a_fixed_offset_key_is_a_fixed_offset_zone() -> None:
    assert zone_of("UTC+05:30") == timezone(timedelta(hours=5, minutes=30))
    assert zone_of("UTC-03:00").utcoffset(SUMMER) == timedelta(hours=-3)
    assert zone_of("UTC").utcoffset(SUMMER) == timedelta(0)


def test_an_iana_key_is_its_zoneinfo_zone() -> None:
    assert zone_of("Europe/Kyiv") == ZoneInfo("Europe/Kyiv")


@pytest.mark.parametrize(
    "key", ["europe/kyiv", "UTC+3", "UTC+00:00", "UTC+15:00", "UTC+05:20", "Nowhere", "../x"]
)
def test_only_keys_in_their_stored_form_turn_into_zones(key: str) -> None:
    with pytest.raises(UnknownTimeZone):
        zone_of(key)


def test_the_offset_shown_follows_daylight_saving() -> None:
    assert describe_offset("Europe/Berlin", SUMMER) == "UTC+02:00"
    assert describe_offset("Europe/Berlin", WINTER) == "UTC+01:00"
    assert describe_offset("America/New_York", WINTER) == "UTC-05:00"
    assert describe_offset("Asia/Kolkata", WINTER) == "UTC+05:30"
    assert describe_offset("Europe/London", WINTER) == "UTC"


def test_the_offset_shown_for_a_fixed_offset_key_is_the_key_itself() -> None:
    for key in ("UTC+03:00", "UTC-05:30", "UTC+14:00", "UTC"):
        assert describe_offset(key, SUMMER) == key


def test_the_offset_shown_needs_a_moment_with_a_time_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        describe_offset("Europe/Berlin", datetime(2026, 1, 15, 12, 0))


def test_a_program_reads_its_time_zone_by_the_same_rule() -> None:
    assert parse_program_time_zone("Europe/Kyiv") == "Europe/Kyiv"
    assert parse_program_time_zone("kyiv") == "Europe/Kyiv"
    assert parse_program_time_zone("UTC+3") == "UTC+03:00"


def test_a_program_time_zone_that_names_no_zone_raises_the_error_the_wizard_shows() -> None:
    with pytest.raises(program_errors.UnknownTimeZone) as refused:
        parse_program_time_zone(" Mars/Olympus ")
    assert refused.value.params == {"value": "Mars/Olympus"}


def test_dates_are_shown_in_a_fixed_offset_zone_too() -> None:
    shown = Translator("en", NullTranslations()).format_datetime(WINTER, "UTC+03:00")
    assert shown == "Thursday, January 15, 3:00 PM"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Київ", "Europe/Kyiv"),
        ("Киев", "Europe/Kyiv"),
        ("القدس", "Asia/Jerusalem"),
        ("ירושלים", "Asia/Jerusalem"),
        ("Londres", "Europe/London"),
    ],
)
def test_a_city_typed_in_the_persons_own_language_and_script_is_understood(
    typed: str, key: str
) -> None:
    assert parse_time_zone(typed) == key
