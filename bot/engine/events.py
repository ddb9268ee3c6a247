"""Events: what happened to a run. Time always arrives with the event, never from a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.engine.schema import DEFAULT_SHARE_HEADING


@dataclass(frozen=True)
class Start:
    """Start the run, or, when it is under way, show the current question again."""

    now: datetime


@dataclass(frozen=True)
class TextReceived:
    """The person sent a text message."""

    text: str
    now: datetime


@dataclass(frozen=True)
class ButtonPressed:
    """The person pressed a button the engine offered (see `effects.Button`)."""

    step_id: str
    turn: int
    value: str
    now: datetime


@dataclass(frozen=True)
class PartnerShared:
    """A partner's `share` arrived (the shell turns their `ShareWithPartner` into this).

    `text` is the partner's own words (None when they skipped), or `message` a fixed msgid
    written for the reader. `sender` is the partner's pseudonym, filled into `{partner}` of
    the heading; in a circle it tells the members apart.

    `completes`: whether this share lets a waiting run move on. Between two partners it is
    always true. In a circle the shell, which alone knows who is in it, relays each member's
    share as it comes with `completes=False` and marks the last one of the round true, so
    every member sees everyone's words before the next round.
    """

    key: str
    text: str | None
    now: datetime
    heading: str = DEFAULT_SHARE_HEADING
    message: str | None = None
    sender: str = ""
    completes: bool = True


@dataclass(frozen=True)
class Skip:
    """The person asked to skip the current question (/skip)."""

    now: datetime


@dataclass(frozen=True)
class Leave:
    """The person left the flow (/leave); the run ends and never resumes."""

    now: datetime


Event = Start | TextReceived | ButtonPressed | PartnerShared | Skip | Leave
