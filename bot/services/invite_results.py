"""What the invite screens show, as plain data without text (see dialogue_results)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.tables import InviteKind


@dataclass(frozen=True)
class ListedInvite:
    """One working link in the list: `community` is the name a participant link names."""

    invite_id: int
    kind: InviteKind
    community: str | None
    uses: int
    expires_at: datetime | None


@dataclass(frozen=True)
class InviteList:
    """A program's links that still work, and buttons to make new ones (also for each of
    `communities`: their ids and names); expiry is shown in the program's `time_zone`."""

    program_id: int
    program: str
    time_zone: str
    invites: tuple[ListedInvite, ...]
    communities: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class InviteLinkShown:
    """One link, with its QR code and what it does."""

    program_id: int
    program: str
    kind: InviteKind
    link: str
    community: str | None


@dataclass(frozen=True)
class LinkWithdrawn:
    """An organizer revoked a link."""


InviteResult = InviteList | InviteLinkShown | LinkWithdrawn
