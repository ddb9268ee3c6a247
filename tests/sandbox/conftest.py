"""A whole sandbox (local Bot API, real Palaver, prepared program, page) on a free port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.sandbox.server import SandboxServer


@pytest.fixture
async def sandbox_server() -> AsyncIterator[SandboxServer]:
    """`palaver sandbox --port 0` in-process, with its throwaway SQLite database."""
    server = SandboxServer(Settings(_env_file=None), port=0)  # type: ignore[call-arg]
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
