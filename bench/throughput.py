"""Palaver's cost per update: database work on the hot paths, and updates per second against
a bare python-telegram-bot echo bot on the same local Bot API, in the same run.

    .venv/bin/python -m bench.throughput [--people 50] [--messages 10]

Everything runs in this process (the local Bot API, the bot, the simulated people), for
both bots alike, with the rate limiter off, so the ratio compares like with like. Timings on
a shared machine are noisy: read the ratio, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, event
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.clock import system_clock
from bot.config import Settings
from bot.sandbox.botapi import LocalBotApi, SimulatedUser
from bot.storage.database import create_engine
from bot.storage.migrator import upgrade_to_head
from bot.storage.tables import Community, Membership, Program, Role, RoleName
from bot.telegram.application import Palaver, build_palaver
from tests.support import outbox_drained

TOKEN = "123456789:AAEhBP0av28-benchTOKENbenchTOKENbench1"


@dataclass
class DatabaseWork:
    """Statements and transactions seen on an engine while counting."""

    statements: int = 0
    transactions: int = 0

    def attach(self) -> None:
        # Every engine: the bookkeeping's quick writes have a connection of their own.
        event.listen(Engine, "before_cursor_execute", self._statement)
        event.listen(Engine, "begin", self._begin)

    def detach(self) -> None:
        event.remove(Engine, "before_cursor_execute", self._statement)
        event.remove(Engine, "begin", self._begin)

    def _statement(self, *_args: object) -> None:
        self.statements += 1

    def _begin(self, *_args: object) -> None:
        self.transactions += 1


async def migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


async def start_palaver(api: LocalBotApi, workdir: Path) -> Palaver:
    url = f"sqlite:///{workdir / 'bench.db'}"
    await migrated(url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=TOKEN,  # type: ignore[arg-type]
        database_url=url,
        bot_api_url=api.url,
        max_messages_per_second=0,
        pacing=0,
        flood_limit=10_000,
    )
    palaver = build_palaver(settings, clock=system_clock)
    await palaver.start()
    return palaver


async def onboarded(api: LocalBotApi, name: str) -> SimulatedUser:
    user = api.user(first_name=name, language_code="en")
    user.send("/start")
    await user.expect_message("Which language", timeout=30)
    user.press("English")
    await user.expect_message("what Palaver keeps", timeout=30)
    user.press("Accept")
    await user.expect_message("Welcome,", timeout=30)
    return user


async def hot_paths(api: LocalBotApi, palaver: Palaver) -> dict[str, DatabaseWork]:
    """Database work of one text answer and one button press in a story exchange."""
    async with palaver.database.unit_of_work() as uow:
        program = Program(name="Bench", languages=["en"], flows=["story-exchange"])
        uow.add(program)
        await uow.session.flush()
        communities = []
        for position, name in enumerate(("east", "west")):
            community = Community(program_id=program.id or 0, name=name, position=position)
            uow.add(community)
            communities.append(community)
        await uow.commit()
    amal, yael = await onboarded(api, "Amal"), await onboarded(api, "Yael")
    async with palaver.database.unit_of_work() as uow:
        for user, community in ((amal, communities[0]), (yael, communities[1])):
            person = await uow.people.by_telegram_id(user.id)
            assert person is not None and person.id is not None
            uow.add(
                Membership(
                    person_id=person.id,
                    program_id=program.id or 0,
                    community_id=community.id,
                    community_chosen=True,
                    languages=["en"],
                )
            )
            uow.add(
                Role(person_id=person.id, program_id=program.id or 0, name=RoleName.PARTICIPANT)
            )
        await uow.commit()
    amal.send("/partner")
    await amal.expect_message("looking for a partner", timeout=30)
    yael.send("/partner")
    await yael.expect_message("How warm or cold", timeout=30)
    await amal.expect_message("How warm or cold", timeout=30)

    async def measured(action: Callable[[], Awaitable[None]]) -> DatabaseWork:
        await api.wait_until_delivered()
        await palaver.application.update_queue.join()
        work = DatabaseWork()
        work.attach()
        await action()
        await api.wait_until_delivered()
        await palaver.application.update_queue.join()
        await outbox_drained(palaver.database)  # the last rows' deletion counts too
        await asyncio.sleep(0.2)  # and the handler's own end (the journal is settled last)
        work.detach()
        return work

    async def press_a_button() -> None:
        amal.press("70")
        await amal.expect_message("I can trust", timeout=30)

    async def answer_with_text() -> None:
        amal.send("/skip")
        await amal.expect_message("introductions", timeout=30)

    async def share_an_introduction() -> None:
        amal.send("I grow tomatoes on my balcony.")
        await amal.expect_message("passed this on", timeout=30)

    return {
        "button press (thermometer)": await measured(press_a_button),
        "command in a run (/skip)": await measured(answer_with_text),
        "text answer shared with the partner": await measured(share_an_introduction),
    }


async def flood(api: LocalBotApi, users: list[SimulatedUser], messages: int) -> float:
    """Every user sends `messages` texts at once; seconds until each got as many answers."""
    before = {user.id: len(api.messages_in(user.id)) for user in users}
    started = time.monotonic()
    for n in range(messages):
        for user in users:
            user.send(f"hello {n}")
    await api._wait_until(  # the local Bot API's own event-driven wait
        lambda: (
            True
            if all(len(api.messages_in(u.id)) >= before[u.id] + messages for u in users)
            else None
        ),
        timeout=600,
    )
    return time.monotonic() - started


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None and update.message is not None
    await context.bot.send_message(update.effective_chat.id, update.message.text or "")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--messages", type=int, default=10)
    args = parser.parse_args()
    updates = args.people * args.messages

    with tempfile.TemporaryDirectory() as workdir:
        async with LocalBotApi(token=TOKEN, bot_username="bench_bot") as api:
            palaver = await start_palaver(api, Path(workdir))
            try:
                work = await hot_paths(api, palaver)
                users = [await onboarded(api, f"P{n}") for n in range(args.people)]
                palaver_seconds = await flood(api, users, args.messages)
            finally:
                await palaver.stop()

        async with LocalBotApi(token=TOKEN, bot_username="echo_bot") as api:
            application = (
                Application.builder()
                .token(TOKEN)
                .base_url(f"{api.url}/bot")
                .concurrent_updates(32)
                .build()
            )
            application.add_handler(MessageHandler(filters.TEXT, echo))
            await application.initialize()
            assert application.updater is not None
            await application.updater.start_polling(timeout=30)
            await application.start()
            try:
                users = [api.user(first_name=f"E{n}") for n in range(args.people)]
                echo_seconds = await flood(api, users, args.messages)
            finally:
                await application.updater.stop()
                await application.stop()
                await application.shutdown()

    print("Database work per update (transactions begun, SQL statements sent):")
    for path, counted in work.items():
        print(f"  {path}: {counted.transactions} transactions, {counted.statements} statements")
    palaver_rate, echo_rate = updates / palaver_seconds, updates / echo_seconds
    print(
        f"Typed text with nothing asked, {args.people} people x {args.messages} messages: "
        f"Palaver {palaver_rate:.0f} updates/s, echo bot {echo_rate:.0f} updates/s, "
        f"ratio {palaver_rate / echo_rate:.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
