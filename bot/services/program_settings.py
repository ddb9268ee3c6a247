"""A program's settings and how each is read and checked, from a phone or from program.yaml.

One parser per setting, used by the organizer console (typed answers and buttons) and by
`palaver programs create --from program.yaml`, so both accept exactly the same values.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from bot.engine import Flow, FlowLibrary
from bot.scheduling import time_zones
from bot.scheduling.quiet_hours import DEFAULT_QUIET_HOURS
from bot.services.errors import PalaverError
from bot.services.program_errors import (
    ChoiceExpected,
    CommunityNameLength,
    DuplicateCommunity,
    MalformedConsentVersion,
    MalformedQuietHours,
    NoFlowChosen,
    NoLanguageChosen,
    NumberOutOfRange,
    ProgramNameLength,
    TooFewCommunities,
    TooManyCommunities,
    UnknownFlow,
    UnknownProgramLanguage,
    UnknownTimeZone,
)
from bot.storage.tables import Program

NAME_LENGTH = (3, 100)
COMMUNITY_NAME_LENGTH = 60
MAX_COMMUNITIES = 8
MIN_GROUP_SIZE = (2, 100)
RETENTION_DAYS = (1, 3650)
DEFAULT_MIN_GROUP_SIZE = 5
DEFAULT_RETENTION_DAYS = 30
CONSENT_VERSION = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
QUIET_HOURS = re.compile(r"^\s*(\d{1,2})(?::00)?\s*[-–—]\s*(\d{1,2})(?::00)?\s*$")
NO_QUIET_HOURS = "none"
PENDING_INPUT_LIFETIME = timedelta(hours=12)
"""A console question unanswered this long is forgotten: later text is a dialogue's again."""
T = TypeVar("T")


class Setting(enum.StrEnum):
    """The settings "New program" asks for, in this order."""

    NAME = "name"
    COMMUNITIES = "communities"
    LANGUAGES = "languages"
    DEFAULT_LANGUAGE = "default_language"
    FLOWS = "flows"
    SAME_LANGUAGE_PAIRS = "same_language_pairs"
    TIME_ZONE = "time_zone"
    QUIET_HOURS = "quiet_hours"
    MIN_GROUP_SIZE = "min_group_size"
    RETENTION_DAYS = "retention_days"
    CONSENT_VERSION = "consent_version"


class SettingInput(enum.Enum):
    """How an organizer answers: typing (perhaps with shortcut buttons), one button, several."""

    TEXT = "text"
    CHOICE = "choice"
    MULTIPLE_CHOICE = "multiple_choice"


SETTING_INPUT: dict[Setting, SettingInput] = {
    Setting.NAME: SettingInput.TEXT,
    Setting.COMMUNITIES: SettingInput.TEXT,
    Setting.LANGUAGES: SettingInput.MULTIPLE_CHOICE,
    Setting.DEFAULT_LANGUAGE: SettingInput.CHOICE,
    Setting.FLOWS: SettingInput.MULTIPLE_CHOICE,
    Setting.SAME_LANGUAGE_PAIRS: SettingInput.CHOICE,
    Setting.TIME_ZONE: SettingInput.TEXT,
    Setting.QUIET_HOURS: SettingInput.TEXT,
    Setting.MIN_GROUP_SIZE: SettingInput.TEXT,
    Setting.RETENTION_DAYS: SettingInput.TEXT,
    Setting.CONSENT_VERSION: SettingInput.TEXT,
}


@dataclass(frozen=True)
class SettingChoices:
    """What this installation offers: its languages, its flows and the consent version."""

    languages: tuple[str, ...]
    flows: tuple[str, ...]
    consent_version: str


FLOW_KINDS_RUNNING_TODAY = frozenset({"solo", "pair"})
"""Solo flows are offered after joining and pair flows on /partner; circle flows wait for the
circles feature, so a program that lists one would promise something nobody is offered."""


def runs_today(flow: Flow) -> bool:
    """Whether Palaver can run this flow for a program's people in Telegram today."""
    return flow.kind in FLOW_KINDS_RUNNING_TODAY


def offered_flows(library: FlowLibrary) -> tuple[str, ...]:
    """Ids of the flows a program may offer: those that run today."""
    return tuple(flow_id for flow_id in library.flow_ids() if runs_today(library.latest(flow_id)))


@dataclass(frozen=True)
class ProgramSettings:
    """Everything an organizer decides about a program, checked."""

    name: str
    communities: tuple[str, ...]
    languages: tuple[str, ...]
    default_language: str
    flows: tuple[str, ...]
    same_language_pairs: bool = True
    time_zone: str = "UTC"
    quiet_hours: tuple[int, int] | None = (DEFAULT_QUIET_HOURS.start, DEFAULT_QUIET_HOURS.end)
    """No reminders from 21:00 to 9:00 people's time unless the organizer chooses otherwise."""
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    retention_days: int = DEFAULT_RETENTION_DAYS
    consent_version: str = ""
    is_demo: bool = field(default=False)

    def to_program(self) -> Program:
        """A new Program row with these settings (communities are rows of their own)."""
        start, end = self.quiet_hours if self.quiet_hours else (None, None)
        return Program(
            name=self.name,
            languages=list(self.languages),
            default_language=self.default_language,
            flows=list(self.flows),
            same_language_pairs=self.same_language_pairs,
            time_zone=self.time_zone,
            quiet_hours_start=start,
            quiet_hours_end=end,
            min_group_size=self.min_group_size,
            retention_days=self.retention_days,
            consent_version=self.consent_version,
            is_demo=self.is_demo,
        )


# --- one parser per setting -----------------------------------------------------------------


def parse_name(text: str) -> str:
    name = " ".join(text.split())
    low, high = NAME_LENGTH
    if not low <= len(name) <= high:
        raise ProgramNameLength(low=low, high=high)
    return name


def parse_communities(text: str | Sequence[str]) -> tuple[str, ...]:
    """Two or more distinct names, from one per line, commas, or a list."""
    parts = re.split(r"[\n,;]", text) if isinstance(text, str) else list(text)
    names = [" ".join(str(part).split()) for part in parts]
    names = [name for name in names if name]
    if len(names) < 2:
        raise TooFewCommunities()
    if len(names) > MAX_COMMUNITIES:
        raise TooManyCommunities(high=MAX_COMMUNITIES)
    seen: set[str] = set()
    for name in names:
        if len(name) > COMMUNITY_NAME_LENGTH:
            raise CommunityNameLength(high=COMMUNITY_NAME_LENGTH)
        if name.casefold() in seen:
            raise DuplicateCommunity(name=name)
        seen.add(name.casefold())
    return tuple(names)


def parse_languages(codes: Sequence[str], choices: SettingChoices) -> tuple[str, ...]:
    chosen = [code.strip() for code in codes if code.strip()]
    if not chosen:
        raise NoLanguageChosen()
    for code in chosen:
        if code not in choices.languages:
            raise UnknownProgramLanguage(value=code, known=", ".join(choices.languages))
    return tuple(dict.fromkeys(chosen))


def parse_default_language(code: str, languages: Sequence[str]) -> str:
    if code not in languages:
        raise UnknownProgramLanguage(value=code, known=", ".join(languages))
    return code


def parse_flows(ids: Sequence[str], choices: SettingChoices) -> tuple[str, ...]:
    chosen = [flow.strip() for flow in ids if flow.strip()]
    if not chosen:
        raise NoFlowChosen()
    for flow in chosen:
        if flow not in choices.flows:
            raise UnknownFlow(value=flow, known=", ".join(choices.flows))
    return tuple(dict.fromkeys(chosen))


def parse_yes_no(text: str) -> bool:
    answer = text.strip().lower()
    if answer in {"yes", "true"}:
        return True
    if answer in {"no", "false"}:
        return False
    raise ChoiceExpected()


def parse_time_zone(text: str) -> str:
    """A program's time zone, read by the same rule as a person's (IANA name, city, offset)."""
    try:
        return time_zones.parse_time_zone(text)
    except time_zones.UnknownTimeZone as unknown:
        raise UnknownTimeZone(value=unknown.value) from None


def parse_quiet_hours(text: str) -> tuple[int, int] | None:
    """ "22-7" (no messages from 22:00 to 7:00), or "none"."""
    if text.strip().lower() == NO_QUIET_HOURS:
        return None
    match = QUIET_HOURS.match(text)
    if match is None:
        raise MalformedQuietHours()
    start, end = int(match.group(1)), int(match.group(2))
    if start > 23 or end > 23 or start == end:
        raise MalformedQuietHours()
    return start, end


def parse_whole_number(text: str, bounds: tuple[int, int]) -> int:
    low, high = bounds
    try:
        number = int(text.strip())
    except ValueError:
        raise NumberOutOfRange(low=low, high=high) from None
    if not low <= number <= high:
        raise NumberOutOfRange(low=low, high=high)
    return number


def parse_consent_version(text: str) -> str:
    version = text.strip()
    if not CONSENT_VERSION.match(version):
        raise MalformedConsentVersion()
    return version


def parse_typed(setting: Setting, text: str) -> Any:
    """A typed answer (or a shortcut button's value) to a text setting, as stored in a draft."""
    if setting is Setting.NAME:
        return parse_name(text)
    if setting is Setting.COMMUNITIES:
        return list(parse_communities(text))
    if setting is Setting.TIME_ZONE:
        return parse_time_zone(text)
    if setting is Setting.QUIET_HOURS:
        hours = parse_quiet_hours(text)
        return list(hours) if hours else None
    if setting is Setting.MIN_GROUP_SIZE:
        return parse_whole_number(text, MIN_GROUP_SIZE)
    if setting is Setting.RETENTION_DAYS:
        return parse_whole_number(text, RETENTION_DAYS)
    if setting is Setting.CONSENT_VERSION:
        return parse_consent_version(text)
    raise ChoiceExpected()


def settings_from_draft(draft: dict[str, Any], choices: SettingChoices) -> ProgramSettings:
    """The settings a finished "New program" draft describes, checked once more."""
    languages = parse_languages(draft.get(Setting.LANGUAGES, []), choices)
    quiet_hours = draft.get(Setting.QUIET_HOURS)
    return ProgramSettings(
        name=parse_name(str(draft.get(Setting.NAME, ""))),
        communities=parse_communities(draft.get(Setting.COMMUNITIES, [])),
        languages=languages,
        default_language=parse_default_language(
            str(draft.get(Setting.DEFAULT_LANGUAGE, languages[0])), languages
        ),
        flows=parse_flows(draft.get(Setting.FLOWS, []), choices),
        same_language_pairs=bool(draft.get(Setting.SAME_LANGUAGE_PAIRS, True)),
        time_zone=parse_time_zone(str(draft.get(Setting.TIME_ZONE, "UTC"))),
        quiet_hours=(quiet_hours[0], quiet_hours[1]) if quiet_hours else None,
        min_group_size=int(draft.get(Setting.MIN_GROUP_SIZE, DEFAULT_MIN_GROUP_SIZE)),
        retention_days=int(draft.get(Setting.RETENTION_DAYS, DEFAULT_RETENTION_DAYS)),
        consent_version=parse_consent_version(
            str(draft.get(Setting.CONSENT_VERSION, choices.consent_version))
        ),
    )


def draft_from_program(program: Program, communities: Sequence[str]) -> dict[str, Any]:
    """A program's current settings in the shape of a draft (to edit one of them)."""
    quiet_hours = (
        [program.quiet_hours_start, program.quiet_hours_end]
        if program.quiet_hours_start is not None and program.quiet_hours_end is not None
        else None
    )
    return {
        Setting.NAME: program.name,
        Setting.COMMUNITIES: list(communities),
        Setting.LANGUAGES: list(program.languages),
        Setting.DEFAULT_LANGUAGE: program.default_language,
        Setting.FLOWS: list(program.flows),
        Setting.SAME_LANGUAGE_PAIRS: program.same_language_pairs,
        Setting.TIME_ZONE: program.time_zone,
        Setting.QUIET_HOURS: quiet_hours,
        Setting.MIN_GROUP_SIZE: program.min_group_size,
        Setting.RETENTION_DAYS: program.retention_days,
        Setting.CONSENT_VERSION: program.consent_version or "",
    }


# --- program.yaml -------------------------------------------------------------------------


class ProgramFile(BaseModel):
    """The contents of a program.yaml for `palaver programs create --from`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    communities: list[str]
    languages: list[str]
    default_language: str | None = None
    flows: list[str]
    same_language_pairs: bool = True
    time_zone: str = "UTC"
    quiet_hours: str | None = None
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    retention_days: int = DEFAULT_RETENTION_DAYS
    consent_version: str | None = None
    organizers: list[int] = []

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _checked(parse_name, value)

    @field_validator("communities")
    @classmethod
    def _communities(cls, value: list[str]) -> list[str]:
        return list(_checked(parse_communities, value))

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        return _checked(parse_time_zone, value)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str | None) -> str | None:
        if value is not None:
            _checked(parse_quiet_hours, value)
        return value

    @field_validator("min_group_size")
    @classmethod
    def _min_group_size(cls, value: int) -> int:
        return _checked(parse_whole_number, str(value), MIN_GROUP_SIZE)

    @field_validator("retention_days")
    @classmethod
    def _retention_days(cls, value: int) -> int:
        return _checked(parse_whole_number, str(value), RETENTION_DAYS)

    @field_validator("consent_version")
    @classmethod
    def _consent_version(cls, value: str | None) -> str | None:
        return None if value is None else _checked(parse_consent_version, value)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str], info: ValidationInfo) -> list[str]:
        choices = _choices_in(info)
        if choices is None:
            return value
        return list(_checked(parse_languages, value, choices))

    @field_validator("default_language")
    @classmethod
    def _default_language(cls, value: str | None, info: ValidationInfo) -> str | None:
        languages = info.data.get("languages")
        if value is None or languages is None:
            return value
        return _checked(parse_default_language, value, languages)

    @field_validator("flows")
    @classmethod
    def _flows(cls, value: list[str], info: ValidationInfo) -> list[str]:
        choices = _choices_in(info)
        if choices is None:
            return value
        return list(_checked(parse_flows, value, choices))

    def to_settings(self, consent_version: str) -> ProgramSettings:
        """The settings, with the installation's consent version unless the file names one."""
        return ProgramSettings(
            name=self.name,
            communities=tuple(self.communities),
            languages=tuple(self.languages),
            default_language=self.default_language or self.languages[0],
            flows=tuple(self.flows),
            same_language_pairs=self.same_language_pairs,
            time_zone=self.time_zone,
            quiet_hours=parse_quiet_hours(self.quiet_hours) if self.quiet_hours else None,
            min_group_size=self.min_group_size,
            retention_days=self.retention_days,
            consent_version=self.consent_version or consent_version,
        )


def _choices_in(info: ValidationInfo) -> SettingChoices | None:
    # Validate with `context={"choices": ...}` to check languages and flows against what
    # this installation offers.
    context = info.context if isinstance(info.context, dict) else {}
    choices = context.get("choices")
    return choices if isinstance(choices, SettingChoices) else None


def english(error: PalaverError) -> str:
    """The untranslated message of a PalaverError, for the command line."""
    return error.message.format(**error.params)


def _checked(parse: Callable[..., T], *args: Any) -> T:
    # pydantic reports ValueErrors with the field's location; the message stays the one the
    # phone shows, in English.
    try:
        return parse(*args)
    except PalaverError as error:
        raise ValueError(english(error)) from None
