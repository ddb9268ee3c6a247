"""Alembic environment: runs migrations over Palaver's async engine."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from bot.storage import tables  # noqa: F401  (registers the tables on the metadata)
from bot.storage.database import create_engine

target_metadata = SQLModel.metadata


def _run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as async_connection:
        await async_connection.run_sync(_run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()
elif context.config.attributes.get("connection") is not None:
    # Palaver's own migrator passes a connection it opened on its async engine.
    _run_migrations(context.config.attributes["connection"])
else:
    # The plain `alembic` command line, for developers writing migrations.
    asyncio.run(_run_online())
