"""Fixtures the journeys share."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.telegram.application import Palaver, build_palaver

CLOCK_START = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
async def on_a_clock(settings: Settings) -> AsyncIterator[tuple[Palaver, ManualClock]]:
    """Palaver on a clock the test moves by hand (timed rounds)."""
    clock = ManualClock(CLOCK_START)
    running = build_palaver(settings, clock=clock)
    await running.start()
    try:
        yield running, clock
    finally:
        await running.stop()
