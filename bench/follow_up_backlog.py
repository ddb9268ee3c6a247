"""A backlog of follow-ups, as after downtime: N consenting participants are each owed an
announcement that is already due when Palaver starts, and Palaver drains it.

Checks that the backlog leaves at the configured rate and never above it (the local Bot
API audits Telegram's sending limits at that rate), that nobody gets the announcement twice
and that every follow-up ends done; reports the wall time, the rate achieved (against the
configured one), the busiest second and this process's peak memory. Exits non-zero on a
limit broken, a duplicate, or a backlog not drained in count / rate * 2 + 60 seconds. Run
from the repository root:

    .venv/bin/python -m bench.follow_up_backlog --count 600            # SQLite, 30 a second
    .venv/bin/python -m bench.follow_up_backlog --count 10000 --rate 200
    .venv/bin/python -m bench.follow_up_backlog --database postgresql://postgres@127.0.0.1/test

With `--database`, the benchmark creates a fresh database beside the one named (on the same
PostgreSQL server, as the tests do) and drops it at the end; the one named is not touched.
Everything runs in this process (the local Bot API and a real Palaver, as in
bench.throughput), so the CPU and memory figures are both together.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel, col

from bot.clock import system_clock
from bot.config import Settings
from bot.i18n.catalogs import Catalogs
from bot.sandbox.botapi import LocalBotApi
from bot.sandbox.botapi.rate_audit import RateAudit, SendingLimits
from bot.services.owed import FollowUpBook
from bot.storage.database import create_engine
from bot.storage.migrator import upgrade_to_head
from bot.storage.tables import (
    Community,
    FollowUpStatus,
    Membership,
    Person,
    Program,
    Role,
    RoleName,
)
from bot.storage.types import utc_now
from bot.storage.unit_of_work import Database
from bot.telegram.application import Palaver, build_palaver

TOKEN = "123456789:AAEhBP0av28-benchTOKENbenchTOKENbench1"
FIRST_TELEGRAM_ID = 100_000_001
ANNOUNCEMENT = "The spring gathering moves to the library hall; see you there on Saturday."
PROGRESS_EVERY = 10.0
SETTLED = (FollowUpStatus.PENDING, FollowUpStatus.QUEUED)
"""Statuses of a follow-up still on its way; every other one is final."""


@asynccontextmanager
async def fresh_database(database: str, workdir: Path) -> AsyncIterator[str]:
    """A new, migrated database: a SQLite file in `workdir`, or a PostgreSQL database made
    beside `database` (which is only connected to) and dropped afterwards."""
    if not database:
        url = f"sqlite:///{workdir / 'backlog.db'}"
        await migrated(url)
        yield url
        return
    named = make_url(database)
    if not named.drivername.startswith("postgres"):
        raise SystemExit("--database takes a PostgreSQL URL (SQLite is the default)")
    maintenance = named.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"palaver_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        fresh = named.set(drivername="postgresql", database=name).render_as_string(
            hide_password=False
        )
        await migrated(fresh)
        yield fresh
    finally:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


def values(rows: Iterable[SQLModel]) -> list[dict[str, Any]]:
    """Rows as column values for one bulk insert (defaults applied by the models)."""
    return [
        {
            column.name: getattr(row, column.name)
            for column in type(row).__table__.columns  # type: ignore[attr-defined]
            if column.name != "id"
        }
        for row in rows
    ]


async def participants(database: Database, count: int, consent_version: str) -> Program:
    """A program without quiet hours, one community, and `count` consenting participants who
    chose English and their time zone, written straight into the tables in bulk."""
    now = utc_now()
    async with database.unit_of_work() as uow:
        program = Program(
            name="Backlog",
            languages=["en"],
            flows=["story-exchange"],
            quiet_hours_start=None,
            quiet_hours_end=None,
        )
        uow.add(program)
        await uow.session.flush()
        community = Community(program_id=program.id or 0, name="riverside", position=0)
        uow.add(community)
        await uow.commit()
    people = [
        Person(
            telegram_id=FIRST_TELEGRAM_ID + n,
            language="en",
            language_chosen=True,
            time_zone="UTC",
            time_zone_chosen=True,
            consent_version=consent_version,
            consent_given_at=now,
        )
        for n in range(count)
    ]
    async with database.engine.begin() as connection:
        await connection.execute(insert(Person), values(people))
        found = (await connection.execute(select(col(Person.id)))).scalars()
        ids = [person_id for person_id in found if person_id is not None]
        await connection.execute(
            insert(Role),
            values(
                Role(person_id=person_id, program_id=program.id or 0, name=RoleName.PARTICIPANT)
                for person_id in ids
            ),
        )
        await connection.execute(
            insert(Membership),
            values(
                Membership(
                    person_id=person_id,
                    program_id=program.id or 0,
                    community_id=community.id,
                    community_chosen=True,
                    languages=["en"],
                )
                for person_id in ids
            ),
        )
    return program


async def owe_announcement(database: Database, book: FollowUpBook, program: Program) -> int:
    """Every participant is owed the announcement now, through the operators' own path."""
    now = system_clock()
    async with database.unit_of_work() as uow:
        people = await book.announce(uow, program, now, ANNOUNCEMENT, "en", author_id=None, now=now)
        await uow.commit()
    return people


async def backlog(settings: Settings, count: int) -> tuple[int, Program]:
    """The people, and the announcement each is owed; how many people, and their program."""
    database = Database(settings.database_url)
    try:
        program = await participants(database, count, settings.consent_version)
        book = FollowUpBook(Catalogs.load(settings.locales_dir, settings.default_locale))
        return await owe_announcement(database, book, program), program
    finally:
        await database.dispose()


async def statuses(palaver: Palaver, program: Program) -> Counter[FollowUpStatus]:
    async with palaver.database.unit_of_work() as uow:
        counts = await uow.follow_ups.counts(program.id or 0)
    by_status: Counter[FollowUpStatus] = Counter()
    for (_kind, status), count in counts.items():
        by_status[status] += count
    return by_status


async def drained(
    api: LocalBotApi, palaver: Palaver, program: Program, within: float
) -> tuple[Counter[FollowUpStatus], bool]:
    """Poll once a second until no follow-up is pending or queued, or `within` seconds passed."""
    started = time.monotonic()
    next_report = started + PROGRESS_EVERY
    while True:
        counts = await statuses(palaver, program)
        now = time.monotonic()
        if not any(counts[status] for status in SETTLED):
            return counts, True
        if now - started > within:
            return counts, False
        if now >= next_report:
            next_report += PROGRESS_EVERY
            print(
                f"  {now - started:5.0f} s: done {counts[FollowUpStatus.DONE]}, "
                f"queued {counts[FollowUpStatus.QUEUED]}, "
                f"pending {counts[FollowUpStatus.PENDING]}; "
                f"sent {api.rate_audit().messages}",
                flush=True,
            )
        await asyncio.sleep(1)


def duplicates(api: LocalBotApi, chats: range) -> tuple[int, int]:
    """Chats that got more than one message, and how many messages too many."""
    per_chat = Counter(
        call.chat_id for call in api.calls if call.method == "sendMessage" and call.ok
    )
    over = [per_chat[chat] - 1 for chat in chats if per_chat[chat] > 1]
    return len(over), sum(over)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Timing:
    wall: float
    """Seconds from starting Palaver until no follow-up was pending or queued."""
    first: float
    """Seconds from starting Palaver to its first message."""
    cpu: float
    """CPU seconds of this process meanwhile."""


@dataclass(frozen=True)
class Stop:
    seconds: float
    """How long stopping Palaver took."""
    audit: RateAudit
    """The audit of the whole run, stopping included."""


@dataclass(frozen=True)
class Measured:
    database: str
    audit: RateAudit
    """The drain's audit: from starting Palaver until the backlog was drained."""
    counts: Counter[FollowUpStatus]
    finished: bool
    timing: Timing
    stopped: Stop
    repeated: tuple[int, int]


def report(args: argparse.Namespace, measured: Measured) -> None:
    audit, timing, stopped = measured.audit, measured.timing, measured.stopped
    counts = measured.counts
    wall, whole, repeated = timing.wall, stopped.audit, measured.repeated
    average = audit.average_per_second or 0.0
    print(
        f"database: {measured.database}; follow-ups: {args.count}; "
        f"rate: {args.rate} messages/s (one a second per chat)"
    )
    print(
        f"wall {wall:.1f} s from start to the last follow-up done "
        f"({args.count / args.rate:.1f} s at the configured rate); first message after "
        f"{timing.first:.1f} s; CPU {timing.cpu:.1f} s (Palaver and the local Bot API)"
    )
    print(
        f"messages: {audit.messages} in {audit.duration:.1f} s; "
        f"{average:.1f}/s average = {average / args.rate:.2f} of the configured rate "
        f"({audit.messages / wall:.1f}/s over the wall time); "
        f"peak {audit.peak_per_second} in one second"
    )
    print(
        f"over the limits: {whole.over_limits} (overall {whole.overall_violations}, "
        f"private {whole.private_violations}, group {whole.group_violations}), "
        "stopping included"
    )
    print(
        f"stopping Palaver took {stopped.seconds:.1f} s "
        f"({whole.messages - audit.messages} messages sent meanwhile)"
    )
    print(f"duplicates: {repeated[1]} extra messages in {repeated[0]} chats")
    print(
        "follow-ups: " + ", ".join(f"{status.value} {counts[status]}" for status in FollowUpStatus)
    )
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_rss:.0f} MB")


async def measure(count: int, rate: int, database_url: str, within: float) -> Measured:
    """Set the backlog up, start Palaver, wait until it is drained, stop Palaver."""
    with tempfile.TemporaryDirectory(prefix="palaver-backlog-") as workdir:
        async with fresh_database(database_url, Path(workdir)) as database:
            limits = SendingLimits(overall_per_second=rate)
            async with LocalBotApi(
                token=TOKEN, bot_username="backlog_bot", sending_limits=limits
            ) as api:
                settings = Settings(
                    _env_file=None,  # type: ignore[call-arg]
                    telegram_token=TOKEN,  # type: ignore[arg-type]
                    database_url=database,
                    bot_api_url=api.url,
                    max_messages_per_second=rate,
                    private_chat_messages_per_second=1,
                    pacing=0,
                )
                setup_started = time.monotonic()
                owed, program = await backlog(settings, count)
                chats = range(FIRST_TELEGRAM_ID, FIRST_TELEGRAM_ID + count)
                for chat in chats:
                    api.mark_known(chat)
                print(
                    f"{owed} people owed an announcement, due now "
                    f"(set up in {time.monotonic() - setup_started:.1f} s); starting Palaver",
                    flush=True,
                )
                palaver = build_palaver(settings, clock=system_clock)
                api.reset_rate_audit()
                cpu_before, started = cpu_seconds(), time.monotonic()
                await palaver.start()
                try:
                    counts, finished = await drained(api, palaver, program, within)
                    wall = time.monotonic() - started
                    audit = api.rate_audit()
                    cpu = cpu_seconds() - cpu_before
                finally:
                    stopping = time.monotonic()
                    await palaver.stop()
                    stopped = Stop(time.monotonic() - stopping, api.rate_audit())
                first = (audit.first_sent_at or started) - started
                return Measured(
                    database.split(":")[0],
                    audit,
                    counts,
                    finished,
                    Timing(wall, first, cpu),
                    stopped,
                    duplicates(api, chats),
                )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="people owed a follow-up")
    parser.add_argument("--rate", type=int, default=30, help="PALAVER_MAX_MESSAGES_PER_SECOND")
    parser.add_argument("--database", default="", help="default: a fresh SQLite file")
    args = parser.parse_args()
    if args.count < 1 or not 1 <= args.rate <= 1000:
        parser.error("--count must be at least 1 and --rate between 1 and 1000")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    within = args.count / args.rate * 2 + 60
    measured = await measure(args.count, args.rate, args.database, within)
    report(args, measured)
    whole = measured.stopped.audit
    failed = []
    if not measured.finished:
        failed.append(f"not drained within {timedelta(seconds=round(within))}")
    if not whole.within_limits:
        failed.append(f"{whole.over_limits} messages over Telegram's limits")
    if measured.repeated[1]:
        failed.append(f"{measured.repeated[1]} duplicate messages")
    if failed:
        print("FAILED: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
