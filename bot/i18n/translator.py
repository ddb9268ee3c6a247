"""The per-person translator handed to services: messages, plurals, dates, text direction."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import cached_property

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.dates import tokenize_pattern, untokenize_pattern
from babel.support import NullTranslations

from bot.scheduling.time_zones import UnknownTimeZone, zone_of

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated where shown)."""
    return message


def isolate(text: str) -> str:
    """`text` between FSI and PDI, so it keeps its own direction inside right-to-left text."""
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}"


# A bot command such as /leave: its slash is a neutral character, which right-to-left text
# would otherwise show on the wrong side ("leave/").
_BOT_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]+")


def isolate_placeholders(template: str) -> str:
    """Wrap every `{name}` and /command of a str.format template in isolates.

    `{{` and `}}` stay as they are; a template that str.format could not read (a stray
    brace) is returned unchanged.
    """
    pieces: list[str] = []
    try:
        for literal, field_name, format_spec, conversion in string.Formatter().parse(template):
            escaped = literal.replace("{", "{{").replace("}", "}}")
            pieces.append(_BOT_COMMAND.sub(lambda match: isolate(match.group()), escaped))
            if field_name is None:
                continue
            field = field_name
            if conversion:
                field += f"!{conversion}"
            if format_spec:
                field += f":{format_spec}"
            pieces.append(isolate("{" + field + "}"))
    except ValueError:
        return template
    return "".join(pieces)


@dataclass(frozen=True)
class Translator:
    """Speaks to one person in one language: messages with `{name}` placeholders, plurals,
    dates and times in their locale.

    In right-to-left languages every filled-in value (a pseudonym, a number, a Latin word) is
    wrapped in Unicode isolates, so callers never have to remember to do it.
    """

    language: str
    translations: NullTranslations

    @cached_property
    def locale(self) -> Locale:
        """The Babel locale used for plurals, dates and text direction (English if unknown)."""
        try:
            return Locale.parse(self.language.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            return Locale("en")

    @property
    def is_rtl(self) -> bool:
        """Whether the language is written right to left (Arabic, Hebrew, ...)."""
        return self.locale.character_order == "right-to-left"

    def template(self, message: str) -> str:
        """The translation of `message` with its placeholders still in it (isolated in RTL).

        Fill it with `str.format`; the engine's `render_message` takes this as `translate`.
        """
        return self._directional(self.translations.gettext(message))

    def gettext(self, message: str, /, **params: object) -> str:
        """The translation of `message`, with `params` filled into its `{name}` placeholders."""
        text = self.template(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, count: int, /, **params: object) -> str:
        """The plural form for `count` (Arabic has six), with `{count}` and `params` filled."""
        text = self._directional(self.translations.ngettext(singular, plural, count))
        return text.format(count=count, **params)

    def format_date(self, day: date) -> str:
        """A day without the year, as the locale writes it: "Tuesday, December 1"."""
        return babel_format_date(day, self._day_pattern, locale=self.locale)

    def format_time(self, moment: datetime, time_zone: str | tzinfo) -> str:
        """The time of day in the person's zone, the locale's usual way ("18:00", "6:00 PM")."""
        return babel_format_time(
            moment, "short", tzinfo=_zone(time_zone), locale=self.locale
        ).replace("\u202f", " ")

    def format_datetime(self, moment: datetime, time_zone: str | tzinfo) -> str:
        """Day and time in the person's zone, e.g.
        "Tuesday, December 1, 6:00 PM", "mardi 1 décembre, 18:00".

        `moment` must be timezone-aware (Palaver keeps UTC); `time_zone` is a zone key such
        as "Europe/Kyiv" or "UTC+03:00" (see `bot.scheduling.time_zones`) or a tzinfo.
        """
        if moment.tzinfo is None:
            raise ValueError("format_datetime needs a timezone-aware datetime (Palaver keeps UTC)")
        local = moment.astimezone(_zone(time_zone))
        pattern = str(self.locale.datetime_formats.get("medium", "{1}, {0}"))
        return pattern.replace("{1}", self.format_date(local.date())).replace(
            "{0}", self.format_time(local, local.tzinfo or _zone(time_zone))
        )

    @cached_property
    def _day_pattern(self) -> str:
        return _weekday_day_month_pattern(self.locale)

    def _directional(self, text: str) -> str:
        return isolate_placeholders(text) if self.is_rtl else text


def _zone(time_zone: str | tzinfo) -> tzinfo:
    if not isinstance(time_zone, str):
        return time_zone
    try:
        return zone_of(time_zone)
    except UnknownTimeZone:
        raise ValueError(
            f"unknown time zone {time_zone!r}; use an IANA name such as 'Europe/Kyiv' "
            "or a fixed offset such as 'UTC+03:00'"
        ) from None


def _weekday_day_month_pattern(locale: Locale) -> str:
    """The locale's "weekday, day month" pattern with the full weekday and month names.

    CLDR rarely has that exact skeleton, so take the locale's weekday-day-month pattern
    (abbreviated or not) and widen its weekday and month fields: the order, the commas
    and words like Spanish "de" stay the locale's own.
    """
    skeletons = locale.datetime_skeletons
    for skeleton in ("MMMMEEEEd", "MMMMEd", "MMMEd"):
        if skeleton in skeletons:
            pattern = str(skeletons[skeleton])
            break
    else:
        return str(locale.date_formats["full"])
    widened: list[tuple[str, str | tuple[str, int]]] = []
    for kind, value in tokenize_pattern(pattern):
        if kind == "field" and isinstance(value, tuple):
            letter, width = value
            if letter in "Ec" or (letter in "ML" and width == 3):
                value = (letter, 4)
        widened.append((kind, value))
    return str(untokenize_pattern(widened))
