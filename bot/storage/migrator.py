"""Applying and inspecting Alembic migrations from inside Palaver (no alembic.ini needed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str = "") -> Config:
    """An Alembic configuration pointing at Palaver's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@dataclass(frozen=True)
class MigrationState:
    """Which revision the database is at, and which one the code expects."""

    current: str | None
    head: str

    @property
    def is_up_to_date(self) -> bool:
        return self.current == self.head


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Apply every pending migration, in one transaction where the database allows it."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, alembic_config())


def _upgrade(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def downgrade_to_base(engine: AsyncEngine) -> None:
    """Undo every migration (used by tests that prove migrations are reversible)."""
    async with engine.begin() as connection:
        await connection.run_sync(_downgrade, alembic_config())


def _downgrade(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def migration_state(engine: AsyncEngine) -> MigrationState:
    """The database's current revision and the code's head revision."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("Palaver ships no migrations; the installation is broken")
    async with engine.connect() as connection:
        current = await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
    return MigrationState(current=current, head=head)


class DatabaseNotMigrated(Exception):
    """The database is behind the code: `palaver migrate` brings it up to date."""

    def __init__(self, state: MigrationState) -> None:
        super().__init__(
            f"The database is at {state.current or 'no revision'}, this version of Palaver "
            f"expects {state.head}"
        )
        self.state = state


async def require_up_to_date(engine: AsyncEngine) -> None:
    """Return when the database is at the code's head revision; DatabaseNotMigrated otherwise."""
    state = await migration_state(engine)
    if not state.is_up_to_date:
        raise DatabaseNotMigrated(state)
