"""Shared fixtures: databases (SQLite and PostgreSQL), the fake Bot API, a running Palaver."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

from bot.config import Settings
from bot.sandbox.botapi.server import REFUSED_AS_NOT_THE_BOT_API
from bot.storage.database import create_engine
from bot.storage.migrator import upgrade_to_head
from bot.telegram.application import Palaver, build_palaver
from tests.fakebot import FakeBotApi

POSTGRES_SERVER = os.environ.get("PALAVER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
POSTGRES_MAINTENANCE_DB = "test"
TEST_TOKEN = "123456789:AAEhBP0av28-testTOKENtestTOKENtest12"
ADMIN_ID = 900_001


def _postgres_available() -> bool:
    try:
        with psycopg.connect(f"{POSTGRES_SERVER}/{POSTGRES_MAINTENANCE_DB}", connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL server URL; in CI its absence is a failure, elsewhere a skip."""
    if not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_SERVER} (required in CI)")
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_SERVER}")
    return POSTGRES_SERVER


def _new_postgres_database(server: str) -> Iterator[str]:
    name = f"palaver_test_{uuid.uuid4().hex[:12]}"
    maintenance = f"{server}/{POSTGRES_MAINTENANCE_DB}"
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind Palaver supports, removed after the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'palaver.db'}"
    else:
        server = request.getfixturevalue("postgres_server")
        yield from _new_postgres_database(server)


@pytest.fixture
async def database_url(empty_database_url: str) -> str:
    """A database of each kind, migrated to the latest revision."""
    engine = create_engine(empty_database_url)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()
    return empty_database_url


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    """The fake Telegram Bot API server on 127.0.0.1."""
    async with FakeBotApi(token=TEST_TOKEN, bot_username="palaver_test_bot") as api:
        yield api
    refused = [call for call in api.calls if call.note == REFUSED_AS_NOT_THE_BOT_API]
    assert not refused, f"Palaver made calls Telegram's Bot API would refuse: {refused}"


@pytest.fixture
def settings(database_url: str, fake_api: FakeBotApi, tmp_path: Path) -> Settings:
    """Settings for a Palaver that talks to the fake Bot API (no .env file is read)."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=TEST_TOKEN,  # type: ignore[arg-type]
        database_url=database_url,
        bot_api_url=fake_api.url,
        admins=frozenset({ADMIN_ID}),
        # Flows' reading pauses are tested with a hand-moved clock (test_pacing); elsewhere
        # they would only make the journeys wait.
        pacing=0,
        # One message a second per chat is Telegram's rule, kept in production; here it would
        # only slow the journeys (tests/unit/test_rate_limits.py covers it).
        private_chat_messages_per_second=0,
        # Likewise a group's 20 messages a minute (test_rate_limits covers it).
        group_messages_per_minute=0,
    )


@pytest.fixture
async def palaver(settings: Settings) -> AsyncIterator[Palaver]:
    """The real Palaver application, polling the fake Bot API."""
    running = build_palaver(settings)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
