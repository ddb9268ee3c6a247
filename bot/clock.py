"""Palaver's sense of time: the machine's clock in production, a hand-moved one in rehearsal.

Everything that decides *when* (pacing, timers, nudges, follow-ups) asks a `Clock` instead of
the machine, so tests and the sandbox can jump ahead an hour or a week without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware UTC."""


def system_clock() -> datetime:
    """The machine's time, in UTC."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (tests, the sandbox's "jump ahead")."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or system_clock()
        if self._now.tzinfo is None:
            raise ValueError("a clock keeps timezone-aware UTC times")

    def __call__(self) -> datetime:
        return self._now

    def advance(self, by: timedelta) -> datetime:
        """Move the clock forward (never back: time in storage only grows)."""
        if by < timedelta(0):
            raise ValueError("the clock only moves forward")
        self._now += by
        return self._now


class JumpingClock:
    """The machine's time, jumped ahead by hand: runs on its own, and `advance` skips ahead.

    The sandbox's clock: paced messages arrive after their real pauses, and a trainer can
    still jump a day or a week to rehearse reminders and follow-ups.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = (start - system_clock()) if start is not None else timedelta(0)

    def __call__(self) -> datetime:
        return system_clock() + self._offset

    def advance(self, by: timedelta) -> datetime:
        """Jump forward (never back: time in storage only grows)."""
        if by < timedelta(0):
            raise ValueError("the clock only moves forward")
        self._offset += by
        return self()
