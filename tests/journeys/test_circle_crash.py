"""A `palaver run` killed with SIGKILL while a circle's round is being shown loses nothing:
after the restart every member has each answer of the round exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage.unit_of_work import Database
from tests.fakebot import FakeBotApi
from tests.journeys.test_circles import a_formed_circle
from tests.journeys.test_crash import PalaverProcess, settle_quietly
from tests.journeys.test_process import STARTUP_SECONDS

pytestmark = pytest.mark.slow


async def test_a_kill_while_a_round_is_shown_delivers_every_answer_once(
    fake_api: FakeBotApi, empty_database_url: str, tmp_path: Path
) -> None:
    bot = PalaverProcess(fake_api, empty_database_url, tmp_path)
    await bot.start()
    database = Database(empty_database_url)
    try:
        scene = await a_formed_circle(fake_api, database)
        scene.faro.send("/next")
        for member in scene.members:
            await member.expect_message("Round 1", timeout=STARTUP_SECONDS)
        *first, last = scene.members
        for number, member in enumerate(first):
            member.send(f"Answer number {number}.")
            await member.expect_message("Your answer will be shown", timeout=STARTUP_SECONDS)

        # The last answer closes the round: its commit holds 35 relayed copies, and the
        # process dies while Telegram holds one of them.
        fake_api.delay_next("sendMessage", seconds=120, chat_id=first[2].id)
        last.send("Answer number 5.")
        await fake_api.wait_until_held(timeout=STARTUP_SECONDS)
        await bot.kill()
        await bot.start()

        for member in scene.members:
            await member.expect_message("Round 1 is complete", timeout=STARTUP_SECONDS)
        for member in scene.members:
            await settle_quietly(member)
        for index, member in enumerate(scene.members):
            for number in range(6):
                if number == index:
                    continue
                shown = [m for m in member.messages if f"Answer number {number}." in (m.text or "")]
                assert len(shown) == 1, f"{member.first_name} got answer {number} once"
            complete = [m for m in member.messages if "Round 1 is complete" in (m.text or "")]
            assert len(complete) == 1
    finally:
        await database.dispose()
        await bot.stop()
