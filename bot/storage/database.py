"""The async database engine: one per process, tuned for SQLite or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import ConfigurationError, to_async_database_url
from bot.storage.sqlite_in_loop import in_loop_connector

CONTENTION_ATTEMPTS = 5
CONTENTION_PAUSE_SECONDS = 0.02


def is_contention(error: DBAPIError) -> bool:
    """SQLite's busy database, PostgreSQL's deadlock or serialization failure: try again."""
    text = str(error.orig).lower()
    return any(sign in text for sign in ("locked", "deadlock", "could not serialize"))


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine for an ordinary URL (sqlite:///… or postgresql://…)."""
    async_url = to_async_database_url(database_url)
    # Parameters can be people's words or Telegram ids: keep them out of errors and logs.
    if async_url.startswith("sqlite"):
        _require_sqlite_folder(async_url)
        database = make_url(async_url).database or ":memory:"
        engine = create_async_engine(
            async_url,
            async_creator=in_loop_connector(database, uri=database.startswith("file:")),
            hide_parameters=True,
        )
        event.listen(engine.sync_engine, "connect", tune_sqlite_connection)
        return engine
    return create_async_engine(
        async_url, pool_size=5, max_overflow=10, pool_pre_ping=True, hide_parameters=True
    )


def _require_sqlite_folder(async_url: str) -> None:
    # SQLite creates the file but not its folder. Said before connecting, because a failed
    # aiosqlite connection can report from its thread after the event loop has closed.
    database = make_url(async_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    folder = Path(database).expanduser().parent
    if not folder.is_dir():
        raise ConfigurationError(
            f"The folder {folder} for the SQLite database in PALAVER_DATABASE_URL does not "
            f"exist; create it (mkdir -p {folder}) or change the URL."
        )


def tune_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while one writer writes; a second writer waits for the first
    # without blocking the event loop (sqlite_in_loop); SQLite enforces foreign keys only
    # when asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (we read them to reply)."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
