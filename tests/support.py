"""Small helpers for reading what Palaver stored, used by the end-to-end tests."""

from __future__ import annotations

import asyncio
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.cli import main
from bot.config import Settings
from bot.storage.database import create_engine
from bot.storage.tables import OutboxMessage, Person
from bot.storage.types import utc_now
from bot.storage.unit_of_work import Database
from bot.telegram.application import Palaver
from tests.fakebot import FakeBotApi, FakeUser


async def person_row(palaver: Palaver, telegram_id: int) -> Person | None:
    """What Palaver stored about a Telegram user, or None."""
    async with palaver.database.unit_of_work() as uow:
        return await uow.people.by_telegram_id(telegram_id)


async def rows(palaver: Palaver, statement: SelectOfScalar[Any]) -> list[Any]:
    """Every row a query returns, read in a session of its own."""
    async with AsyncSession(palaver.database.engine) as session:
        return list((await session.exec(statement)).all())


async def settle(fake_api: FakeBotApi, palaver: Palaver) -> None:
    """Wait until Palaver has fetched and fully handled every update injected so far, and
    sent what it owed because of them (messages left to the outbox dispatcher included)."""
    await fake_api.wait_until_delivered()
    await palaver.application.update_queue.join()
    await outbox_drained(palaver.database, due_only=True)


async def run_job(palaver: Palaver, name: str) -> None:
    """Run a scheduled job now (e.g. "outbox", "silent-partners"), as the job queue would."""
    job_queue = palaver.application.job_queue
    assert job_queue is not None
    [job] = job_queue.get_jobs_by_name(name)
    await job.run(palaver.application)


async def onboarded(
    fake_api: FakeBotApi,
    first_name: str,
    *,
    language: str = "en",
    user_id: int | None = None,
    username: str | None = None,
    last_name: str | None = None,
) -> FakeUser:
    """A person who has started the bot, chosen English and accepted consent."""
    person = fake_api.user(
        first_name=first_name,
        language_code=language,
        user_id=user_id,
        username=username,
        last_name=last_name,
    )
    person.send("/start")
    await person.expect_message("Which language")
    person.press("English")
    await person.expect_message("what Palaver keeps")
    person.press("Accept")
    await person.expect_message("Welcome,")
    return person


async def outbox_drained(database: Database, within: float = 10.0, due_only: bool = False) -> None:
    """Wait until a (perhaps separate) Palaver process has sent everything it owes (with
    `due_only`, everything due by now: paced messages for later may stay)."""
    deadline = asyncio.get_running_loop().time() + within
    owed_now = select(func.count()).select_from(OutboxMessage)
    if due_only:
        owed_now = owed_now.where(col(OutboxMessage.not_before) <= utc_now())
    while True:
        async with database.unit_of_work() as uow:
            owed = (await uow.session.exec(owed_now)).one()
        if not owed:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{owed} message(s) still in the outbox after {within}s")
        await asyncio.sleep(0.02)


async def sends_finished(database: Database, within: float = 10.0) -> None:
    """Wait until no outbox row is being sent: every message a handler took to send itself
    has been marked sent. (A test that then moves a manual clock past the claims' lease
    would otherwise see the dispatcher take a row whose mark is still on its way, and send
    it again: the documented window for a duplicate, stretched from milliseconds to a day.)"""
    deadline = asyncio.get_running_loop().time() + within
    claimed = select(func.count()).select_from(OutboxMessage)
    claimed = claimed.where(col(OutboxMessage.claimed_by).is_not(None))
    while True:
        async with database.unit_of_work() as uow:
            sending = (await uow.session.exec(claimed)).one()
        if not sending:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{sending} message(s) still being sent after {within}s")
        await asyncio.sleep(0.02)


async def invoke_cli(runner: CliRunner, args: list[str], **options: Any) -> Result:
    """Run a `palaver` command in a worker thread, so a FakeBotApi in this loop can answer it."""
    return await asyncio.to_thread(runner.invoke, main, args, **options)


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment a `palaver` command needs to work on a running Palaver's database."""
    return {
        "PALAVER_DATABASE_URL": settings.database_url,
        "PALAVER_DIALOGUES_DIR": str(settings.dialogues_dir),
    }


def stored(database_url: str, statement: SelectOfScalar[Any]) -> list[Any]:
    """Rows a command left in the database, read outside any event loop."""

    async def read() -> list[Any]:
        engine = create_engine(database_url)
        try:
            async with AsyncSession(engine) as session:
                return list((await session.exec(statement)).all())
        finally:
            await engine.dispose()

    return asyncio.run(read())


async def refuse_inserts(palaver: Palaver, table: str, *, refuse: bool) -> None:
    """A fault in the database itself: every new row of `table` is refused while `refuse`."""
    engine = palaver.database.engine
    trigger = f"refuse_{table}"
    if engine.dialect.name == "sqlite":
        statements = (
            [
                f"CREATE TRIGGER {trigger} BEFORE INSERT ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} refused'); END"
            ]
            if refuse
            else [f"DROP TRIGGER {trigger}"]
        )
    else:
        statements = (
            [
                f"CREATE FUNCTION {trigger}() RETURNS trigger AS "
                f"$$ BEGIN RAISE EXCEPTION '{table} refused'; END $$ LANGUAGE plpgsql",
                f"CREATE TRIGGER {trigger} BEFORE INSERT ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {trigger}()",
            ]
            if refuse
            else [f"DROP TRIGGER {trigger} ON {table}", f"DROP FUNCTION {trigger}()"]
        )
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))
