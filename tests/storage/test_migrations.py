"""The migrations build the schema the code expects, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from bot.storage.database import create_engine
from bot.storage.migrator import downgrade_to_base, migration_state, upgrade_to_head
from bot.storage.tables import Person, Program, Role, RoleName
from bot.storage.unit_of_work import Database
from bot.telegram.handlers import describe_database_error

EXPECTED_TABLES = {"person", "program", "role", "audit_entry", "alembic_version"}


async def test_migrations_run_from_empty_to_head(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        before = await migration_state(engine)
        assert before.current is None and not before.is_up_to_date
        await upgrade_to_head(engine)
        after = await migration_state(engine)
        assert after.is_up_to_date
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        assert tables >= EXPECTED_TABLES
    finally:
        await engine.dispose()


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}),
                    SQLModel.metadata,
                )
            )
    finally:
        await engine.dispose()
    assert differences == [], "a model changed without a migration: run alembic revision"


async def test_migrations_downgrade_to_empty_and_up_again(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await downgrade_to_base(engine)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        assert tables <= {"alembic_version"}
        await upgrade_to_head(engine)
        assert (await migration_state(engine)).is_up_to_date
    finally:
        await engine.dispose()


async def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade_to_head(engine)
        assert (await migration_state(engine)).is_up_to_date
    finally:
        await engine.dispose()


async def test_times_come_back_timezone_aware_in_utc(database_url: str) -> None:
    database = Database(database_url)
    kyiv_evening = datetime(2026, 12, 3, 18, 0, tzinfo=timezone(timedelta(hours=2)))
    try:
        async with database.unit_of_work() as uow:
            person = Person(telegram_id=42, language="uk", consent_given_at=kyiv_evening)
            uow.people.add(person)
            await uow.commit()
        async with database.unit_of_work() as uow:
            stored = await uow.people.by_telegram_id(42)
        assert stored is not None and stored.consent_given_at is not None
        assert stored.consent_given_at.tzinfo is not None
        assert stored.consent_given_at == kyiv_evening
        assert stored.consent_given_at.utcoffset() == UTC.utcoffset(None)
    finally:
        await database.dispose()


async def test_naive_datetimes_are_refused(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.unit_of_work() as uow:
            uow.people.add(
                Person(telegram_id=7, language="en", consent_given_at=datetime(2026, 1, 1))
            )
            with pytest.raises(Exception, match="timezone-aware"):
                await uow.commit()
    finally:
        await database.dispose()


async def test_roles_are_unique_per_person_program_and_name(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.unit_of_work() as uow:
            person = Person(telegram_id=1, language="en")
            program = Program(name="Neighbours across the river")
            uow.people.add(person)
            uow.programs.add(program)
            await uow.people.flush()
            assert person.id is not None and program.id is not None
            uow.roles.add(
                Role(person_id=person.id, program_id=program.id, name=RoleName.FACILITATOR)
            )
            await uow.commit()
            assert await uow.roles.holds(person.id, RoleName.FACILITATOR, program.id)
            assert not await uow.roles.holds(person.id, RoleName.ORGANIZER, program.id)
        with pytest.raises(Exception, match=r"(?i)unique"):
            async with database.unit_of_work() as uow:
                uow.roles.add(
                    Role(person_id=person.id, program_id=program.id, name=RoleName.FACILITATOR)
                )
                await uow.commit()
    finally:
        await database.dispose()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: object) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/wal.db")
    try:
        async with engine.connect() as connection:
            journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
            foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
        assert journal == "wal"
        assert foreign_keys == 1
    finally:
        await engine.dispose()


async def test_a_second_sqlite_writer_waits_without_blocking_the_event_loop(
    tmp_path: object,
) -> None:
    # Two engines stand for two processes: the second writer must wait for the first to
    # commit, and while it waits everyone else's work on the event loop goes on.
    first, second = (create_engine(f"sqlite:///{tmp_path}/busy.db") for _ in range(2))
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(ticking())
    try:
        async with first.begin() as connection:
            await connection.execute(text("CREATE TABLE note (words TEXT)"))
        async with first.connect() as holder:
            await holder.execute(text("BEGIN IMMEDIATE"))
            await holder.execute(text("INSERT INTO note VALUES ('first')"))
            waiting = asyncio.create_task(_insert(second, "second"))
            await asyncio.sleep(0.3)
            assert not waiting.done()
            ticks_while_waiting = ticks
            await holder.execute(text("COMMIT"))
        await asyncio.wait_for(waiting, timeout=5)
        async with second.connect() as connection:
            rows = (await connection.execute(text("SELECT words FROM note"))).scalars().all()
        assert rows == ["first", "second"]
        assert ticks_while_waiting >= 10
    finally:
        ticker.cancel()
        await first.dispose()
        await second.dispose()


async def _insert(engine: AsyncEngine, words: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO note VALUES (:words)"), {"words": words})


async def test_logged_database_errors_never_quote_peoples_data(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.unit_of_work() as uow:
            uow.people.add(Person(telegram_id=555_000_111, language="en", pseudonym="Calm Wren 12"))
            await uow.commit()
        with pytest.raises(Exception) as raised:
            async with database.unit_of_work() as uow:
                uow.people.add(Person(telegram_id=555_000_111, language="en"))
                await uow.commit()
        assert isinstance(raised.value, DBAPIError)
        described = describe_database_error(raised.value)
        assert "555000111" not in described and "Calm Wren" not in described
        assert "IntegrityError" in described or "UniqueViolation" in described
    finally:
        await database.dispose()
