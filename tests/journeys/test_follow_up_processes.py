"""Follow-ups owed by real `palaver run` processes: killed mid-backlog, or two of them on one
PostgreSQL database, each person still gets each follow-up exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import col, select

from bot.storage.tables import FollowUp, FollowUpStatus
from bot.storage.unit_of_work import Database
from tests.fakebot import FakeBotApi, FakeUser
from tests.journeys.test_crash import PalaverProcess
from tests.journeys.test_exchange import a_program, join
from tests.journeys.test_process import STARTUP_SECONDS
from tests.support import invoke_cli, onboarded

pytestmark = pytest.mark.slow

WORDS = "The spring gathering is on Saturday at the library."


async def a_backlog(
    fake_api: FakeBotApi, database: Database, database_url: str, people: int
) -> list[FakeUser]:
    """`people` participants, each owed one announcement a moment from now (by the CLI)."""
    program = await a_program(database)
    users = []
    for number in range(people):
        user = await onboarded(fake_api, f"Person {number}")
        await join(database, program, user, ("east", "west")[number % 2])
        users.append(user)
    later = datetime.now(UTC) + timedelta(minutes=2)  # the CLI takes future minutes only
    arguments = ["followups", "announce", "--program", str(program.id)]
    arguments += ["--at", f"{later:%Y-%m-%dT%H:%M}", "--text", WORDS]
    result = await invoke_cli(CliRunner(env={"PALAVER_DATABASE_URL": database_url}), arguments)
    assert result.exit_code == 0, result.output
    # Brought forward to a moment from now, as if the minutes had passed.
    soon = datetime.now(UTC) + timedelta(seconds=2)
    async with database.unit_of_work() as uow:
        for follow_up in (await uow.session.exec(select(FollowUp))).all():
            follow_up.due_at = follow_up.not_before = soon
            uow.add(follow_up)
        await uow.commit()
    return users


def received(fake_api: FakeBotApi, user: FakeUser) -> int:
    """How many times Telegram accepted the announcement for this person."""
    return sum(
        WORDS in str(call.params.get("text", ""))
        for call in fake_api.calls_to("sendMessage")
        if call.status == 200 and call.params.get("chat_id") in (user.id, str(user.id))
    )


async def all_done(database: Database, within: float) -> list[FollowUp]:
    async def statuses() -> list[FollowUp] | None:
        async with database.unit_of_work() as uow:
            rows = list((await uow.session.exec(select(FollowUp).order_by(col(FollowUp.id)))).all())
        return rows if rows and all(r.status == FollowUpStatus.DONE for r in rows) else None

    import asyncio

    deadline = asyncio.get_running_loop().time() + within
    while (done := await statuses()) is None:
        if asyncio.get_running_loop().time() > deadline:
            async with database.unit_of_work() as uow:
                left = (await uow.session.exec(select(FollowUp))).all()
            raise AssertionError(f"follow-ups not all done: {[(f.id, f.status) for f in left]}")
        await asyncio.sleep(0.1)
    return done


async def test_a_kill_in_the_middle_of_a_backlog_sends_each_follow_up_once(
    fake_api: FakeBotApi, empty_database_url: str, tmp_path: Path
) -> None:
    bot = PalaverProcess(fake_api, empty_database_url, tmp_path)
    await bot.start()
    database = Database(empty_database_url)
    try:
        users = await a_backlog(fake_api, database, empty_database_url, people=8)
        # One send is held in flight when the process dies: Telegram never accepted it.
        fake_api.delay_next("sendMessage", 20, chat_id=users[3].id)
        await fake_api.wait_for_call(
            "sendMessage",
            lambda call: call.params.get("chat_id") in (users[3].id, str(users[3].id)),
            timeout=STARTUP_SECONDS,
        )
        await bot.kill()
        assert received(fake_api, users[3]) == 0

        await bot.start()
        await all_done(database, within=STARTUP_SECONDS)
        for user in users:
            assert received(fake_api, user) == 1, user.label
    finally:
        await database.dispose()
        await bot.stop()


@pytest.mark.postgres
async def test_two_processes_on_one_postgresql_database_send_each_follow_up_once(
    fake_api: FakeBotApi, empty_database_url: str, tmp_path: Path
) -> None:
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("several processes share one database on PostgreSQL only")
    # A slow overall rate makes each round small, so both processes take part in the drain.
    slow = {"PALAVER_MAX_MESSAGES_PER_SECOND": "4"}
    receiving = PalaverProcess(fake_api, empty_database_url, tmp_path, environment=slow)
    sending = PalaverProcess(
        fake_api, empty_database_url, tmp_path, send_only=True, environment=slow
    )
    await receiving.start()
    database = Database(empty_database_url)
    try:
        users = await a_backlog(fake_api, database, empty_database_url, people=16)
        await sending.start()
        done = await all_done(database, within=STARTUP_SECONDS)
        for user in users:
            assert received(fake_api, user) == 1, user.label
        workers = {follow_up.claimed_by for follow_up in done}
        print(f"follow-ups started by {len(workers)} process(es)")
    finally:
        await database.dispose()
        await sending.stop()
        await receiving.stop()
