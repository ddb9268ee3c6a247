"""Reading a time zone as a person types it: an IANA name, a city, or an offset from UTC.

`parse_time_zone` returns a key to store: an IANA name ("Europe/Kyiv") or Palaver's own
fixed-offset form ("UTC+03:00", "UTC-05:30", "UTC"). `zone_of` turns a key into a tzinfo.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections import defaultdict
from datetime import datetime, timedelta, timezone, tzinfo
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale

_FIXED_OFFSET_KEY = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")
_OFFSET = re.compile(
    r"^(?:(?:utc|gmt)\s*)?(?:([+\-−])\s*(\d{1,2})(?::?(\d{2}))?)?$",
    re.IGNORECASE,
)
_LOWEST_OFFSET = timedelta(hours=-12)
_HIGHEST_OFFSET = timedelta(hours=14)
_OFFSET_MINUTES = (0, 15, 30, 45)
# Leap-second ("right/") and duplicate ("posix/", "SystemV/") trees some systems install,
# and files that are not zones of any place.
_NOT_ZONES = ("right/", "posix/", "SystemV/")
_NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})
# Etc/GMT+3 and the like are offsets with inverted signs, never a place to match a city on.
_NOT_CITIES = ("Etc/", *_NOT_ZONES)


CITY_NAME_LANGUAGES = ("ar", "he", "uk", "ru", "es", "fr", "de", "tr", "fa", "pt", "it", "am")
"""Languages whose city names (CLDR's, through Babel) are understood besides English."""


class UnknownTimeZone(Exception):
    """The text names no time zone Palaver knows."""

    def __init__(self, value: str) -> None:
        self.value = value[:64]
        super().__init__(f"unknown time zone {self.value!r}")


def parse_time_zone(text: str) -> str:
    """The zone key for an IANA name, a city or a UTC offset typed in any case.

    "europe/kyiv" -> "Europe/Kyiv", "São Paulo" -> "America/Sao_Paulo",
    "utc +03:00" -> "UTC+03:00", "GMT" -> "UTC".
    """
    typed = text.strip()
    if typed:
        key = _offset_key(typed)
        if key is None and "/" in typed:
            key = _iana_key(typed)
        elif key is None:
            # A city first, so an old country-wide alias ("Singapore", "Hongkong") gives
            # way to the city's canonical zone (Asia/Singapore, Asia/Hong_Kong).
            key = _city_key(typed) or _iana_key(typed)
        if key is not None:
            return key
    raise UnknownTimeZone(typed)


def zone_of(key: str) -> tzinfo:
    """The tzinfo for a key from `parse_time_zone`."""
    fixed = _FIXED_OFFSET_KEY.match(key)
    if fixed is not None:
        sign, hours, minutes = fixed.groups()
        offset = _checked_offset(sign, int(hours), int(minutes))
        if offset is None or not offset:
            raise UnknownTimeZone(key)
        return timezone(offset)
    if key not in _zone_keys():
        raise UnknownTimeZone(key)
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownTimeZone(key) from None


def describe_offset(key: str, moment: datetime) -> str:
    """The zone's offset from UTC at `moment`, as "UTC+02:00" ("UTC" when none)."""
    if moment.tzinfo is None:
        raise ValueError("describe_offset needs a timezone-aware moment (Palaver keeps UTC)")
    offset = moment.astimezone(zone_of(key)).utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    hours, rest = divmod(int(abs(offset).total_seconds()), 3600)
    minutes, seconds = divmod(rest, 60)
    # Offsets before standard time (local mean time) can have seconds: show them, not a lie.
    return f"UTC{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


def _offset_key(typed: str) -> str | None:
    match = _OFFSET.match(typed)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    if sign is None:
        # Without a sign only a bare "UTC" or "GMT" (or nothing at all) matches.
        return "UTC" if typed else None
    offset = _checked_offset(sign, int(hours), int(minutes or 0))
    if offset is None:
        return None
    if not offset:
        return "UTC"
    return f"UTC{'-' if offset < timedelta(0) else '+'}{int(hours):02d}:{int(minutes or 0):02d}"


def _checked_offset(sign: str, hours: int, minutes: int) -> timedelta | None:
    """The offset, if it is one some place on Earth could keep (-12:00 to +14:00)."""
    if minutes not in _OFFSET_MINUTES:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    offset = -offset if sign in "-−" else offset
    return offset if _LOWEST_OFFSET <= offset <= _HIGHEST_OFFSET else None


def _iana_key(typed: str) -> str | None:
    """The IANA key written, in any case and with spaces or hyphens for underscores."""
    keys = _keys_by_lowercase()
    exact = keys.get(typed.casefold())
    if exact is not None:
        return exact
    candidates = _keys_by_spelling().get(_spelling_of_key(typed), [])
    return _one_place(candidates)


def _city_key(typed: str) -> str | None:
    """The zone named after the city typed, preferring a canonical zone over an old alias."""
    return _one_place(_keys_by_city().get(_spelling(typed), []))


def _one_place(candidates: list[str]) -> str | None:
    """The one canonical zone among candidates; None where the name is ambiguous.

    "Buenos Aires" is America/Argentina/Buenos_Aires (America/Buenos_Aires is its alias),
    but "West" (Brazil/West, Australia/West) names no place, so it is refused.
    """
    if len(candidates) == 1:
        return candidates[0]
    canonical = [key for key in candidates if key not in _aliases()]
    return canonical[0] if len(canonical) == 1 else None


def _spelling(name: str) -> str:
    """A name as a phone may type it: no case, accents, spaces, hyphens or underscores."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if char.isalnum())


def _spelling_of_key(name: str) -> str:
    return "/".join(_spelling(part) for part in name.split("/"))


@cache
def _zone_keys() -> frozenset[str]:
    """Every IANA key zoneinfo can load here, without duplicate trees and non-places."""
    return frozenset(
        key
        for key in available_timezones()
        if not key.startswith(_NOT_ZONES) and key not in _NOT_PLACES
    )


@cache
def _keys_by_lowercase() -> dict[str, str]:
    return {key.casefold(): key for key in _zone_keys()}


@cache
def _keys_by_spelling() -> dict[str, list[str]]:
    """Area/City keys by their loose spelling; one-word keys (GB, EST) only match exactly."""
    found: dict[str, list[str]] = defaultdict(list)
    for key in sorted(_zone_keys()):
        if "/" in key and not key.startswith(_NOT_CITIES):
            found[_spelling_of_key(key)].append(key)
    return dict(found)


@cache
def _keys_by_city() -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for key in sorted(_zone_keys()):
        if "/" in key and not key.startswith(_NOT_CITIES):
            found[_spelling(key.rsplit("/", 1)[1])].append(key)
    # People type their city in their own language and script ("Київ", "القدس", "Londres"):
    # CLDR's city names for each zone, in the languages people use with Palaver.
    for language in CITY_NAME_LANGUAGES:
        for key, names in Locale.parse(language).time_zones.items():
            city = names.get("city")
            if city and key in _zone_keys():
                spelled = _spelling(city)
                if key not in found[spelled]:
                    found[spelled].append(key)
    return dict(found)


@cache
def _aliases() -> frozenset[str]:
    """Keys that are links to another zone (old or alternative names)."""
    # Link lines of the database's source read "L TARGET LINK-NAME".
    return frozenset(line.split()[2] for line in _tzdata_zi().splitlines() if line.startswith("L "))


def _tzdata_zi() -> str:
    """The database's source, from the tzdata package, else from the system's database.

    Without one every key counts as canonical, and only a city with two zones is refused.
    """
    with contextlib.suppress(ModuleNotFoundError, FileNotFoundError):
        source = resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi")
        return source.read_text(encoding="utf-8")
    for root in TZPATH:
        path = Path(root) / "tzdata.zi"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return ""
