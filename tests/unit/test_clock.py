"""The sandbox's clock runs with the machine's and jumps ahead by hand, never back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import JumpingClock, system_clock


def test_the_jumping_clock_keeps_running_and_jumps_ahead() -> None:
    clock = JumpingClock()
    before = clock()
    assert abs(before - system_clock()) < timedelta(seconds=1)
    after = clock.advance(timedelta(days=1))
    assert timedelta(days=1) <= after - before < timedelta(days=1, seconds=5)
    assert clock() >= after
    assert after.tzinfo is not None


def test_the_jumping_clock_never_goes_back() -> None:
    with pytest.raises(ValueError, match="forward"):
        JumpingClock().advance(timedelta(hours=-1))
