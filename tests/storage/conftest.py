"""Fixtures for storage tests that play several processes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.storage.unit_of_work import Database


@pytest.fixture
async def databases(database_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two connection pools to one database, as two Palaver processes would have."""
    first, second = Database(database_url), Database(database_url)
    try:
        yield first, second
    finally:
        await first.dispose()
        await second.dispose()
