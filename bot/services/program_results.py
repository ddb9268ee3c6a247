"""What the organizer console shows, as plain data without text (see dialogue_results)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.services.program_settings import ProgramSettings, Setting
from bot.storage.tables import (
    CircleState,
    FollowUpKind,
    FollowUpStatus,
    ProgramStatus,
    RoleName,
)


@dataclass(frozen=True)
class ProgramEntry:
    """One program in an organizer's list."""

    program_id: int
    name: str
    status: ProgramStatus


@dataclass(frozen=True)
class ProgramList:
    """/programs: the programs this person organizes, and "New program" if they may."""

    programs: tuple[ProgramEntry, ...]
    may_create: bool


@dataclass(frozen=True)
class SettingsShown:
    """A program's settings as shown: its languages by their own names ("Українська")."""

    settings: ProgramSettings
    language_names: tuple[str, ...]
    default_language_name: str


@dataclass(frozen=True)
class ProgramCard:
    """A program's card: its status, settings and what the organizer can do with it."""

    program_id: int
    name: str
    status: ProgramStatus
    settings: SettingsShown
    may_manage: bool
    replaces_pressed_message: bool = False


@dataclass(frozen=True)
class SettingOption:
    """An answer offered as a button under a question; `label` is a name, never a msgid."""

    value: str
    label: str
    chosen: bool = False


@dataclass(frozen=True)
class SettingQuestion:
    """The question for one setting; `options` are the choices that come from data
    (languages, dialogues, the consent version in force), the other buttons are fixed."""

    setting: Setting
    options: tuple[SettingOption, ...] = ()
    replace: bool = False


@dataclass(frozen=True)
class AnswerRefused:
    """A typed answer the console could not take; `message` is the error's msgid."""

    message: str
    params: Mapping[str, object]


@dataclass(frozen=True)
class NewProgramSummary:
    """Every setting of "New program", to confirm before creating it."""

    settings: SettingsShown
    replace: bool = False


@dataclass(frozen=True)
class ProgramCreated:
    """The program "New program" summarised exists now."""

    name: str


@dataclass(frozen=True)
class ConsoleStopped:
    """Cancel under a console question: nothing was changed."""


@dataclass(frozen=True)
class SettingsMenu:
    """The settings of a program, each a button that asks for it anew."""

    program_id: int
    name: str


@dataclass(frozen=True)
class SettingSaved:
    """One setting of an existing program was changed."""

    setting: Setting


@dataclass(frozen=True)
class ConfirmClose:
    """Closing a program is for good: asked again first."""

    program_id: int
    name: str


@dataclass(frozen=True)
class StatusChanged:
    """A short notice: the program is now `status`."""

    status: ProgramStatus


@dataclass(frozen=True)
class PeopleCounts:
    """How many people per community and status; never who they are."""

    program_id: int
    name: str
    per_community: tuple[tuple[str, int], ...]
    """Each community's name and its joined members, in the program's order."""
    undisclosed: int
    """Joined members who prefer not to say their community, or have not chosen yet."""
    joined: int
    consented: int
    in_exchange: int
    finished: int
    left: int
    follow_ups: Mapping[tuple[FollowUpKind, FollowUpStatus], int]
    circles: Mapping[CircleState, int]


@dataclass(frozen=True)
class RoleHolder:
    """A facilitator or organizer, by pseudonym; `is_reader` when it is the organizer
    looking (nobody revokes their own role here)."""

    role_id: int
    role: RoleName
    pseudonym: str | None
    is_reader: bool


@dataclass(frozen=True)
class RolesList:
    """The roles in a program, each revocable, and links that give a role."""

    program_id: int
    name: str
    closed: bool
    holders: tuple[RoleHolder, ...]


@dataclass(frozen=True)
class RoleRevoked:
    """A short notice: the role was taken away."""


ProgramResult = (
    ProgramList
    | ProgramCard
    | SettingQuestion
    | AnswerRefused
    | NewProgramSummary
    | ProgramCreated
    | ConsoleStopped
    | SettingsMenu
    | SettingSaved
    | ConfirmClose
    | StatusChanged
    | PeopleCounts
    | RolesList
    | RoleRevoked
)
"""The organizer console's messages: programs, "New program", settings, people, roles."""
