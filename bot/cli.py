"""The `palaver` command line: run the bot, migrate the database, check an installation."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import click
from sqlalchemy import text
from telegram.error import InvalidToken, NetworkError

from bot import __version__
from bot.cli_circles import circles_group
from bot.cli_common_ground import commonground_group
from bot.cli_errors import (
    OPERATOR_PROBLEMS,
    PalaverGroup,
    database_problem,
    operator_message,
    safe_url,
)
from bot.cli_export import export_command
from bot.cli_flows import flows_group, try_command
from bot.cli_follow_ups import followups_group
from bot.cli_i18n import i18n_group
from bot.cli_programs import admins_group, demo_data_command, programs_group
from bot.cli_sandbox import sandbox
from bot.config import ConfigurationError, Settings, load_settings
from bot.engine.check import check_flow_files
from bot.i18n.catalogs import Catalogs, problems_in
from bot.logs import configure_logging
from bot.storage.database import create_engine
from bot.storage.migrator import (
    DatabaseNotMigrated,
    MigrationState,
    migration_state,
    upgrade_to_head,
)
from bot.telegram.bot_identity import BotApiProblem, bot_api_problem, who_the_bot_is

log = logging.getLogger("palaver")


@click.group(cls=PalaverGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="palaver")
def main() -> None:
    """Palaver: a Telegram bot for structured dialogue between communities in conflict.

    Settings come from PALAVER_* environment variables or a .env file in the current folder
    (see .env.example).
    """


main.add_command(flows_group)
main.add_command(try_command)
main.add_command(programs_group)
main.add_command(admins_group)
main.add_command(demo_data_command)
main.add_command(i18n_group)
main.add_command(export_command)
main.add_command(followups_group)
main.add_command(circles_group)
main.add_command(commonground_group)
main.add_command(sandbox)


@main.command()
@click.option(
    "--migrate/--no-migrate",
    default=True,
    show_default=True,
    help="Apply pending database migrations before starting.",
)
@click.option(
    "--send-only",
    is_flag=True,
    help="Receive no updates; only send what is owed (the outbox and follow-ups). Run such "
    "processes beside one `palaver run` on PostgreSQL to share the sending.",
)
def run(migrate: bool, send_only: bool) -> None:
    """Start the bot and serve people until stopped (Ctrl+C or SIGTERM).

    Palaver fetches updates from the Bot API by long polling. On stop it finishes the
    updates it is handling, then closes the database.
    """
    settings = load_settings()
    token = settings.require_token()
    # Checked before logging starts, so that each problem is one line: the database answers
    # (and is migrated, unless we are about to), and Telegram knows the token.
    state = asyncio.run(_database_state(settings))
    if not migrate and not state.is_up_to_date:
        raise DatabaseNotMigrated(state)
    asyncio.run(who_the_bot_is(settings))
    configure_logging(settings.log_level, secrets=[token])
    if migrate:
        _migrate(settings)

    try:
        with asyncio.Runner(loop_factory=_fastest_event_loop()) as runner:
            runner.run(_serve(settings, receive_updates=not send_only))
    except (InvalidToken, NetworkError) as error:
        raise bot_api_problem(error, settings.bot_api_url) from None
    log.info("Palaver stopped")


def _fastest_event_loop() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (it takes about a tenth off the CPU each
    update costs under a crowd); else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _tune_garbage_collector() -> None:
    """Collect cyclic garbage less often, and never look again at what start-up loaded.

    Every update makes thousands of short-lived objects (Telegram's, the ORM's), and
    Python's default thresholds then walk the whole heap — modules, flows, catalogs — over
    and over. Frozen after start-up and with a larger first generation, Palaver spends about
    a tenth less CPU per update under a crowd (bench.crowd, back to back: 7.0 → 6.0–6.2 ms
    per action, p95 1.06–1.09 → 0.86–0.92 s); memory still comes back, a little later.
    """
    gc.freeze()
    gc.set_threshold(5_000, 50, 100)


async def _serve(settings: Settings, *, receive_updates: bool = True) -> None:
    """Serve until SIGINT or SIGTERM, then finish in-flight updates and close everything."""
    from bot.telegram.application import build_palaver

    palaver = build_palaver(settings, receive_updates=receive_updates)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, stop.set)
    try:
        await palaver.start()
        _tune_garbage_collector()
        await stop.wait()
        log.info("stop requested; finishing the updates in hand")
    finally:
        await palaver.stop()


@main.command()
def migrate() -> None:
    """Bring the database up to date with this version of Palaver (Alembic upgrade to head)."""
    settings = load_settings()
    configure_logging(settings.log_level)
    _migrate(settings)
    click.echo("The database is up to date.")


@main.command()
def doctor() -> None:
    """Check configuration, token, Bot API, database, migrations, flows and catalogs.

    Asks the Bot API who the bot is (getMe), so a refused token or an unreachable server
    shows here rather than in `palaver run`. Says how to fix each problem, and exits with 0
    only when `palaver run` would start and serve.
    """
    problems = 0
    for check in _doctor_checks():
        mark = "ok " if check.ok else "FAIL"
        click.echo(f"[{mark}] {check.subject}: {check.message}")
        problems += 0 if check.ok else 1
    if problems:
        click.echo(f"{problems} problem(s) found.", err=True)
        sys.exit(1)
    click.echo("All is well.")


@dataclass(frozen=True)
class DoctorCheck:
    subject: str
    ok: bool
    message: str


def _doctor_checks() -> Iterator[DoctorCheck]:
    try:
        settings = load_settings()
    except ConfigurationError as error:
        yield DoctorCheck("configuration", False, str(error))
        return
    yield DoctorCheck("configuration", True, "settings read")
    yield from _bot_api_checks(settings)
    yield from _database_checks(settings)
    yield from _flow_checks(settings)
    yield from _catalog_checks(settings)


def _bot_api_checks(settings: Settings) -> Iterator[DoctorCheck]:
    try:
        settings.require_token()
    except ConfigurationError as error:
        yield DoctorCheck("token", False, str(error))
        return
    yield DoctorCheck("token", True, "PALAVER_TELEGRAM_TOKEN is set and well-formed")
    try:
        me = asyncio.run(who_the_bot_is(settings))
    except BotApiProblem as error:
        yield DoctorCheck("Bot API", False, str(error))
        return
    yield DoctorCheck("Bot API", True, f"{settings.bot_api_url} knows this bot as @{me.username}")


def _database_checks(settings: Settings) -> Iterator[DoctorCheck]:
    try:
        state = asyncio.run(_database_state(settings))
    except OPERATOR_PROBLEMS as error:
        yield DoctorCheck("database", False, operator_message(error))
        return
    except OSError as error:
        yield DoctorCheck("database", False, database_problem(error, settings.database_url))
        return
    yield DoctorCheck("database", True, f"reached {safe_url(settings.database_url)}")
    if state.is_up_to_date:
        yield DoctorCheck("migrations", True, f"at the latest revision ({state.head})")
    else:
        yield DoctorCheck("migrations", False, operator_message(DatabaseNotMigrated(state)))


async def _database_state(settings: Settings) -> MigrationState:
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return await migration_state(engine)
    finally:
        await engine.dispose()


def _flow_checks(settings: Settings) -> Iterator[DoctorCheck]:
    folder = settings.dialogues_dir
    if not folder.is_dir():
        yield DoctorCheck(
            "flows", False, f"{folder} does not exist; set PALAVER_DIALOGUES_DIR to the flows"
        )
        return
    files = sorted(folder.glob("*.yaml"))
    errors = [
        problem
        for problem in check_flow_files([folder], {path.stem for path in files})
        if problem.severity == "error"
    ]
    for problem in errors:
        yield DoctorCheck("flows", False, f"{problem}; run `palaver flows check` for details")
    if not errors:
        yield DoctorCheck("flows", True, f"{len(files)} flow(s) in {folder} are valid")


def _catalog_checks(settings: Settings) -> Iterator[DoctorCheck]:
    problems = list(problems_in(settings.locales_dir))
    for problem in problems:
        yield DoctorCheck("catalogs", False, problem)
    if problems:
        return
    yield DoctorCheck("catalogs", True, f"catalogs in {settings.locales_dir} read")
    languages = Catalogs.load(settings.locales_dir, settings.default_locale).languages
    if settings.default_locale in languages:
        yield DoctorCheck("default locale", True, f"{settings.default_locale} has a catalog")
    else:
        yield DoctorCheck(
            "default locale",
            False,
            f"PALAVER_DEFAULT_LOCALE is {settings.default_locale!r}, which has no catalog; "
            f"use one of: {', '.join(languages)}",
        )


def _migrate(settings: Settings) -> None:
    async def upgrade() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()

    asyncio.run(upgrade())
