"""A crowd arrives at once: N pairs join a program by its invite links and start story
exchanges, each person tapping and typing as fast as they can.

Checks that everyone is paired with exactly one person of the other community, and reports
the time from each action to the bot's first answer in that chat (median, p95, max) and the
bot process's CPU per action. Run from the repository root:

    .venv/bin/python -m bench.crowd --pairs 50            # SQLite, rate limiter off
    .venv/bin/python -m bench.crowd --pairs 50 --database postgresql://postgres@127.0.0.1/test
                                                          # (a fresh database beside `test`)

The load generator (the fake Bot API and the simulated people) runs in this process; Palaver
runs as a real `palaver run` child process, so the CPU figure is Palaver's own.

`--busy-cores N` keeps N more processes spinning during the crowd, as a slower or shared
machine would: with 2 on this 2-core machine, Palaver gets about half a core.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text
from sqlmodel import Session

from bench.follow_up_backlog import fresh_database
from bot.sandbox.botapi.models import ApiCall
from bot.services.invites import new_code
from bot.storage.tables import Community, Invite, InviteKind, Program
from tests.fakebot import FakeBotApi, FakeUser

TOKEN = "123456789:AAEhBP0av28-benchTOKENbenchTOKENbench1"
ANSWERS = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "copyMessage")
STEPS = ("/start", "language", "consent", "find partner", "thermometer", "agreement", "story")


class Watch:
    """Per-chat view of what the bot sent, cheap to wait on with a hundred people at once."""

    def __init__(self, api: FakeBotApi) -> None:
        self.calls: dict[int, list[ApiCall]] = defaultdict(list)
        self._changed: dict[int, asyncio.Event] = defaultdict(asyncio.Event)
        record = api._record  # the fake's one recording point

        def recording(call: ApiCall) -> None:
            record(call)
            chat = call.params.get("chat_id")
            if call.method in ANSWERS and isinstance(chat, int):
                self.calls[chat].append(call)
                self._changed[chat].set()

        api._record = recording  # type: ignore[method-assign]

    async def answer_after(self, chat: int, since: float, contains: str = "") -> ApiCall:
        """The first answer to `chat` after `since` (containing `contains`, if given)."""
        while True:
            for call in self.calls[chat]:
                if call.at >= since and contains in str(call.params.get("text", "")):
                    return call
            event = self._changed[chat]
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), timeout=60)
            except TimeoutError:
                seen = [str(c.params.get("text", ""))[:60] for c in self.calls[chat][-3:]]
                raise AssertionError(f"chat {chat}: no {contains!r} after {seen}") from None


async def person(
    api: FakeBotApi, watch: Watch, user: FakeUser, code: str, latencies: dict[str, list[float]]
) -> None:
    async def act(action: object, expect: str) -> None:
        started = time.monotonic()
        first = await watch.answer_after(user.id, started)
        latencies[STEPS[len(steps)]].append(first.at - started)
        steps.append(first.at)
        if expect:
            await watch.answer_after(user.id, started, expect)

    steps: list[float] = []
    await act(user.send(f"/start {code}"), "Which language")
    await act(user.press("English"), "what Palaver keeps")
    await act(user.press("Accept"), "introduce you to someone")
    await act(user.press("Find me a partner"), "")
    await watch.answer_after(user.id, 0, "How warm or cold")
    await act(user.send("50"), "I can trust")
    await act(user.press("Agree"), "introductions")
    await act(user.send("I grow tomatoes on my balcony."), "")


def prepare(database_url: str, workdir: Path) -> tuple[str, str]:
    """Migrate, and create a program with two communities and an invite link for each."""
    env = {**os.environ, "PALAVER_DATABASE_URL": database_url}
    palaver = [sys.executable, "-m", "bot"]
    subprocess.run([*palaver, "migrate"], env=env, cwd=workdir, check=True, capture_output=True)
    engine = create_sync_engine(sync_url(database_url))
    with Session(engine) as session:
        program = Program(name="Crowd", languages=["en"], flows=["story-exchange"])
        session.add(program)
        session.flush()
        codes = []
        for position, name in enumerate(("east", "west")):
            community = Community(program_id=program.id or 0, name=name, position=position)
            session.add(community)
            session.flush()
            code = new_code()  # random, as real links are (some prefixes name a circle's)
            session.add(
                Invite(
                    code=code,
                    program_id=program.id or 0,
                    kind=InviteKind.PARTICIPANT,
                    community_id=community.id,
                )
            )
            codes.append(code)
        session.commit()
    engine.dispose()
    return codes[0], codes[1]


def sync_url(url: str) -> str:
    """The URL for a plain (blocking) SQLAlchemy engine: psycopg 3 for PostgreSQL."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[int(fraction * (len(ordered) - 1))]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main() -> None:
    args = arguments()
    workdir = Path(tempfile.mkdtemp(prefix="palaver-crowd-"))
    async with fresh_database(args.database, workdir) as database:
        await crowd(database, workdir, args)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument(
        "--database",
        default="",
        help="a PostgreSQL URL: a fresh database is made beside it, and dropped afterwards "
        "(default: a fresh SQLite file)",
    )
    parser.add_argument("--profile", help="write a cProfile of Palaver to this file")
    parser.add_argument(
        "--busy-cores",
        type=int,
        default=0,
        help="processes that spin during the crowd, taking CPU from Palaver and the crowd",
    )
    return parser.parse_args()


async def crowd(database: str, workdir: Path, args: argparse.Namespace) -> None:
    """Run the crowd against a fresh, migrated `database` and print what was measured."""
    east, west = prepare(database, Path.cwd())
    async with FakeBotApi(token=TOKEN, bot_username="crowd_bot") as api:
        watch = Watch(api)
        env = {
            **os.environ,
            "PALAVER_TELEGRAM_TOKEN": TOKEN,
            "PALAVER_DATABASE_URL": database,
            "PALAVER_BOT_API_URL": api.url,
            "PALAVER_MAX_MESSAGES_PER_SECOND": "0",
            "PALAVER_PACING": "0",
            "PALAVER_LOG_LEVEL": "WARNING",
        }
        log_file = (workdir / "palaver.log").open("w")
        profile = ["-m", "cProfile", "-o", args.profile] if args.profile else []
        bot = await asyncio.create_subprocess_exec(
            sys.executable,
            *profile,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=Path.cwd(),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log_file,
        )
        spinners: list[asyncio.subprocess.Process] = []
        try:
            await api.wait_until_polling(timeout=30)
            for _ in range(args.busy_cores):
                spinners.append(
                    await asyncio.create_subprocess_exec(sys.executable, "-c", "while True: pass")
                )
            people = [
                api.user(first_name=f"P{n}", language_code="en") for n in range(args.pairs * 2)
            ]
            by_step: dict[str, list[float]] = {step: [] for step in STEPS}
            cpu_before = cpu_seconds(bot.pid)
            started = time.monotonic()
            await asyncio.gather(
                *(
                    person(api, watch, user, east if n % 2 else west, by_step)
                    for n, user in enumerate(people)
                )
            )
            elapsed = time.monotonic() - started
            sent = [c for c in api.calls if c.method == "sendMessage" and c.ok]
            repeats = len(sent) - len({(c.params["chat_id"], c.params["text"]) for c in sent})
            cpu = cpu_seconds(bot.pid) - cpu_before
        finally:
            for spinner in spinners:
                spinner.kill()
                await spinner.wait()
            if bot.returncode is None:
                bot.terminate()
            await bot.wait()
            print((workdir / "palaver.log").read_text()[-2000:], file=sys.stderr)
    engine = create_sync_engine(sync_url(database))
    with engine.connect() as connection:
        sizes = (
            connection.execute(text("SELECT COUNT(*) FROM exchange_member GROUP BY exchange_id"))
            .scalars()
            .all()
        )
        mixed = connection.execute(
            text(
                "SELECT COUNT(*) FROM (SELECT m.exchange_id FROM exchange_member m "
                "JOIN membership s ON s.person_id = m.person_id GROUP BY m.exchange_id "
                "HAVING COUNT(DISTINCT s.community_id) = 2) AS across"
            )
        ).scalar_one()
    engine.dispose()
    latencies = sorted(latency for step in STEPS for latency in by_step[step])
    p95 = percentile(latencies, 0.95)
    print(f"database: {database.split(':')[0]}; people: {len(people)}; actions: {len(latencies)}")
    print(f"messages sent: {len(sent)} (same text to the same chat again: {repeats})")
    print(f"exchanges: {len(sizes)} (sizes {sorted(set(sizes))}); across the divide: {mixed}")
    print(
        f"action -> first answer: median {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
    )
    for step in STEPS:
        each = sorted(by_step[step])
        print(
            f"  {step:>12}: median {statistics.median(each) * 1000:.0f} ms, "
            f"p95 {percentile(each, 0.95) * 1000:.0f} ms"
        )
    print(
        f"wall {elapsed:.1f} s; Palaver CPU {cpu:.1f} s = {cpu / len(latencies) * 1000:.1f} "
        "ms per action"
    )


if __name__ == "__main__":
    asyncio.run(main())
