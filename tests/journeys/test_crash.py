"""A `palaver run` killed with SIGKILL mid-journey resumes every person where they were."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest
from sqlmodel import select

from bot.storage.tables import Answer
from bot.storage.unit_of_work import Database
from tests.conftest import TEST_TOKEN
from tests.fakebot import FakeBotApi, FakeUser
from tests.i18n.fake_libretranslate import fake_libretranslate
from tests.journeys.test_exchange import a_program, join
from tests.journeys.test_process import STARTUP_SECONDS, palaver_command
from tests.support import onboarded, outbox_drained

pytestmark = pytest.mark.slow


class PalaverProcess:
    """`palaver run` as a child process against the fake Bot API."""

    def __init__(
        self,
        fake_api: FakeBotApi,
        database_url: str,
        workdir: Path,
        machine_translation_url: str = "",
        *,
        send_only: bool = False,
        environment: dict[str, str] | None = None,
    ) -> None:
        self._environment = {
            **os.environ,
            "PALAVER_TELEGRAM_TOKEN": TEST_TOKEN,
            "PALAVER_DATABASE_URL": database_url,
            "PALAVER_BOT_API_URL": fake_api.url,
            "PALAVER_MACHINE_TRANSLATION_URL": machine_translation_url,
            "PALAVER_PACING": "0",
            "PALAVER_PRIVATE_CHAT_MESSAGES_PER_SECOND": "0",
            # A killed process's claims on outbox rows run out this fast, so the restarted
            # one sends them within the test's patience.
            "PALAVER_OUTBOX_LEASE_SECONDS": "2",
            **(environment or {}),
        }
        self._send_only = send_only
        self._fake_api = fake_api
        self._workdir = workdir
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        started = time.monotonic()
        self.process = await asyncio.create_subprocess_exec(
            *palaver_command(),
            "run",
            *(["--send-only"] if self._send_only else []),
            cwd=self._workdir,
            env=self._environment,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        if not self._send_only:
            await self._fake_api.wait_until_polling(timeout=STARTUP_SECONDS)
            return

        # A send-only process never polls: it is up once it has asked who the bot is twice
        # (the command's check, then the Application's own start).
        def asked_twice() -> bool | None:
            asked = [c for c in self._fake_api.calls_to("getMe") if c.at > started]
            return True if len(asked) >= 2 else None

        assert await self._fake_api.wait_until(asked_twice, STARTUP_SECONDS), "not started"

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), timeout=30)


async def test_sigkill_mid_exchange_then_restart_resumes_everyone(
    fake_api: FakeBotApi, empty_database_url: str, tmp_path: Path
) -> None:
    bot = PalaverProcess(fake_api, empty_database_url, tmp_path)
    await bot.start()
    try:
        database = Database(empty_database_url)
        try:
            amal, yael = await paired_live(fake_api, database)
            await amal.expect_message("How warm or cold", timeout=STARTUP_SECONDS)
            await yael.expect_message("How warm or cold", timeout=STARTUP_SECONDS)
            amal.send("70")
            await amal.expect_message("I can trust", timeout=STARTUP_SECONDS)
            # Killed between two steps. (Killed the instant Telegram accepts a message, before
            # its outbox row is deleted, that one message goes twice: see the test below.)
            await outbox_drained(database)

            await bot.kill()
            sent_before_restart = len(fake_api.calls_to("sendMessage"))
            await bot.start()

            # Nothing already sent is sent again on start-up.
            await yael.expect_no_message(within=0.5)
            assert len(fake_api.calls_to("sendMessage")) == sent_before_restart

            # /start shows each person where they are; each goes on from that step.
            yael.send("/start")
            await yael.expect_message("Welcome back", timeout=STARTUP_SECONDS)
            await yael.expect_message("How warm or cold", timeout=STARTUP_SECONDS)
            yael.send("30")
            await yael.expect_message("I can trust", timeout=STARTUP_SECONDS)
            amal.send("4")
            await amal.expect_message("Let's start with introductions", timeout=STARTUP_SECONDS)

            async with database.unit_of_work() as uow:
                answers = list((await uow.session.exec(select(Answer))).all())
            thermometers = sorted(a.value for a in answers if a.measure == "thermometer")
            assert thermometers == [30, 70], "no answer lost, none recorded twice"
        finally:
            await database.dispose()
    finally:
        await bot.stop()


@pytest.mark.parametrize(
    "held",
    [
        "before any send",  # the step is saved; the process dies on its very first message
        "sending to the partner",
        "sending to the person acting",  # the issue: Amal never saw Yael's released words
    ],
)
async def test_every_message_of_a_step_arrives_once_after_a_crash_at_any_point(
    fake_api: FakeBotApi, empty_database_url: str, tmp_path: Path, held: str
) -> None:
    bot = PalaverProcess(fake_api, empty_database_url, tmp_path)
    await bot.start()
    database = Database(empty_database_url)
    try:
        amal, yael = await paired_live(fake_api, database)
        for person in (amal, yael):
            await person.expect_message("How warm or cold", timeout=STARTUP_SECONDS)
            person.send("/skip")
            await person.expect_message("I can trust", timeout=STARTUP_SECONDS)
            person.send("/skip")
            await person.expect_message("introductions", timeout=STARTUP_SECONDS)
        yael.send("I fix bicycles.")
        await yael.expect_message("passed this on", timeout=STARTUP_SECONDS)

        # Amal's introduction releases Yael's to her and hers to Yael, in one step; the
        # process dies while Telegram holds one of that step's messages.
        chat = {"before any send": None, "sending to the partner": yael.id}.get(held, amal.id)
        fake_api.delay_next("sendMessage", seconds=120, chat_id=chat)
        amal.send("I play the oud.")
        await fake_api.wait_until_held(timeout=STARTUP_SECONDS)
        await bot.kill()
        await bot.start()

        # Without /start, each gets what the step owed them, once.
        shown = await yael.expect_message("I play the oud.", timeout=STARTUP_SECONDS)
        assert "introduces themselves" in (shown.text or "")
        await yael.expect_message("Now a story", timeout=STARTUP_SECONDS)
        await yael.expect_message("about that moment", timeout=STARTUP_SECONDS)
        await amal.expect_message("I fix bicycles.", timeout=STARTUP_SECONDS)
        await amal.expect_message("Now a story", timeout=STARTUP_SECONDS)
        await amal.expect_message("about that moment", timeout=STARTUP_SECONDS)
        await settle_quietly(yael)
        await settle_quietly(amal)
        for person, words in ((yael, "I play the oud."), (amal, "I fix bicycles.")):
            delivered = [m for m in person.messages if words in (m.text or "")]
            assert len(delivered) == 1, f"{person.first_name} got {words!r} once"
        # And they go on from there.
        amal.send("The day the bridge reopened.")
        await amal.expect_message(timeout=STARTUP_SECONDS)
    finally:
        await database.dispose()
        await bot.stop()


async def paired_live(
    fake_api: FakeBotApi,
    database: Database,
    second: str = "Yael",
    second_language: str | None = None,
) -> tuple[FakeUser, FakeUser]:
    """Amal (east) and a second person (west) who both asked the running bot for a partner."""
    program = await a_program(database)
    amal = await onboarded(fake_api, "Amal")
    other = await onboarded(fake_api, second)
    await join(database, program, amal, "east")
    await join(database, program, other, "west")
    if second_language is not None:
        async with database.unit_of_work() as uow:
            person = await uow.people.by_telegram_id(other.id)
            assert person is not None
            person.language = second_language
            await uow.commit()
    amal.send("/partner")
    await amal.expect_message("looking for a partner", timeout=STARTUP_SECONDS)
    other.send("/partner")
    return amal, other


async def settle_quietly(user: FakeUser) -> None:
    """Nothing more arrives for `user` (a restart must not send anything twice)."""
    await user.expect_no_message(within=1.0)


async def test_sigkill_in_the_middle_of_handling_an_answer_loses_nothing(
    fake_api: FakeBotApi, empty_database_url: str, tmp_path: Path
) -> None:
    """The bot dies while handling Amal's introduction (stuck translating it, nothing saved
    yet); after the restart the introduction is handled once and reaches her partner."""
    async with fake_libretranslate() as translator:
        bot = PalaverProcess(
            fake_api,
            empty_database_url,
            tmp_path,
            machine_translation_url=translator.url,
        )
        await bot.start()
        database = Database(empty_database_url)
        try:
            amal, olena = await paired_live(
                fake_api, database, second="Olena", second_language="uk"
            )
            for person, skip in ((amal, "/skip"), (olena, "/skip")):
                await person.expect_message(timeout=STARTUP_SECONDS)
                person.send(skip)
                person.send(skip)
            await amal.expect_message("introductions", timeout=STARTUP_SECONDS)
            olena.send("Я печу хліб.")
            await olena.expect_message("Це передано", timeout=STARTUP_SECONDS)

            translator.hold = asyncio.Event()
            translator.arrived.clear()
            amal.send("I play the oud.")
            await asyncio.wait_for(translator.arrived.wait(), timeout=STARTUP_SECONDS)
            await bot.kill()
            translator.hold.set()
            translator.hold = None
            await bot.start()

            shown = await olena.expect_message("I play the oud.", timeout=STARTUP_SECONDS)
            assert "[uk] I play the oud." in (shown.text or "")
            await amal.expect_message("Я печу хліб.", timeout=STARTUP_SECONDS)
            async with database.unit_of_work() as uow:
                answers = list((await uow.session.exec(select(Answer))).all())
            assert [a.value for a in answers if a.key == "intro"].count("I play the oud.") == 1
        finally:
            await database.dispose()
            await bot.stop()


async def test_a_kill_just_after_telegram_accepts_a_message_repeats_at_most_that_one(
    fake_api: FakeBotApi, empty_database_url: str, tmp_path: Path
) -> None:
    """The one window the outbox leaves: Telegram has a message, its row is not yet deleted.

    Killed right as a message arrives, the restarted process may send that message again,
    and nothing else.
    """
    bot = PalaverProcess(fake_api, empty_database_url, tmp_path)
    await bot.start()
    database = Database(empty_database_url)
    try:
        amal, _yael = await paired_live(fake_api, database)
        await amal.expect_message("How warm or cold", timeout=STARTUP_SECONDS)
        amal.send("70")
        await amal.expect_message("I can trust", timeout=STARTUP_SECONDS)
        await bot.kill()
        before = [(c.chat_id, c.params.get("text")) for c in fake_api.calls_to("sendMessage")]
        await bot.start()
        await outbox_drained(database)
        await fake_api.wait_until_delivered()
        after = [(c.chat_id, c.params.get("text")) for c in fake_api.calls_to("sendMessage")]
        # What the restart sent is the rest of what was owed, plus perhaps, for each chat
        # a message was leaving for at the kill, that one message again.
        repeated = [message for message in after[len(before) :] if message in before]
        last_per_chat = {chat: (chat, text) for chat, text in before}
        assert all(message == last_per_chat[message[0]] for message in repeated), repeated
        assert len(repeated) == len(set(repeated))
    finally:
        await database.dispose()
        await bot.stop()
