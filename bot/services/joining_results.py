"""What joining a program shows, as plain data without text (see dialogue_results)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.storage.tables import RoleName


@dataclass(frozen=True)
class JoiningStarted:
    """Someone opened a program's participant link: two short questions follow."""

    program: str


@dataclass(frozen=True)
class AlreadyTakingPart:
    """A participant link opened again by someone who has finished joining."""

    program: str


@dataclass(frozen=True)
class CommunityQuestion:
    """Which community they belong to; `communities` holds each one's id and name."""

    program_id: int
    program: str
    communities: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class CommunityChosen:
    """Their answer to the community question; None: they prefer not to say."""

    community: str | None


@dataclass(frozen=True)
class LanguagesQuestion:
    """Which languages they read; `languages` holds each one's code, name in itself and
    whether it is ticked. `replaces`: update the question just pressed."""

    program_id: int
    languages: tuple[tuple[str, str, bool], ...]
    replaces: bool = False


@dataclass(frozen=True)
class LanguagesChosen:
    """Their answer to the languages question: the names of the languages they read."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Joined:
    """Joining is complete: the welcome to the program."""

    program: str
    pseudonym: str | None


@dataclass(frozen=True)
class RoleHeld:
    """A role link opened by someone who already holds the role."""

    role: RoleName
    program: str


@dataclass(frozen=True)
class RoleGranted:
    """A role link gave them a role in the program."""

    role: RoleName
    program: str


@dataclass(frozen=True)
class InviteRefused:
    """A kept invite code that could not be used; `message` is the error's msgid."""

    message: str
    params: Mapping[str, object]


JoiningResult = (
    JoiningStarted
    | AlreadyTakingPart
    | CommunityQuestion
    | CommunityChosen
    | LanguagesQuestion
    | LanguagesChosen
    | Joined
    | RoleHeld
    | RoleGranted
    | InviteRefused
)
