"""The `palaver` command line: run the bot, migrate the database, check an installation."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import click
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from telegram.error import InvalidToken, NetworkError

from bot import __version__
from bot.cli_flows import flows_group, try_command
from bot.cli_i18n import i18n_group
from bot.cli_programs import admins_group, demo_data_command, programs_group
from bot.cli_sandbox import sandbox
from bot.config import ConfigurationError, Settings, load_settings
from bot.engine.check import check_flow_files
from bot.engine.loader import FlowLoadError
from bot.i18n.catalogs import CatalogError, problems_in
from bot.logs import configure_logging
from bot.storage.database import create_engine
from bot.storage.migrator import MigrationState, migration_state, upgrade_to_head

log = logging.getLogger("palaver")
T = TypeVar("T")


class PalaverCliError(click.ClickException):
    """A one-line error for the operator, printed without a traceback."""

    def format_message(self) -> str:
        return self.message


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
main.add_command(sandbox)


@main.command()
@click.option(
    "--migrate/--no-migrate",
    default=True,
    show_default=True,
    help="Apply pending database migrations before starting.",
)
def run(migrate: bool) -> None:
    """Start the bot and serve people until stopped (Ctrl+C or SIGTERM).

    Palaver fetches updates from the Bot API by long polling. On stop it finishes the
    updates it is handling, then closes the database.
    """
    settings = _settings()
    token = _or_fail(settings.require_token)
    configure_logging(settings.log_level, secrets=[token])
    if migrate:
        _migrate(settings)

    try:
        asyncio.run(_serve(settings))
    except FlowLoadError as error:
        raise PalaverCliError(
            f"The dialogue flows have {len(error.problems)} error(s); run `palaver flows check` "
            "to see them, and fix them before starting."
        ) from None
    except CatalogError as error:
        raise PalaverCliError(f"A translation catalog cannot be read: {error}") from None
    except InvalidToken:
        raise PalaverCliError(
            "Telegram did not accept PALAVER_TELEGRAM_TOKEN. Check it with @BotFather "
            "(/mybots → your bot → API Token)."
        ) from None
    except NetworkError as error:
        raise PalaverCliError(
            f"Could not reach the Bot API at {settings.bot_api_url} ({error.message}). "
            "Check the network, or PALAVER_BOT_API_URL."
        ) from None
    log.info("Palaver stopped")


async def _serve(settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM, then finish in-flight updates and close everything."""
    from bot.telegram.application import build_palaver

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, stop.set)
    palaver = build_palaver(settings)
    try:
        await palaver.start()
        await stop.wait()
        log.info("stop requested; finishing the updates in hand")
    finally:
        await palaver.stop()


@main.command()
def migrate() -> None:
    """Bring the database up to date with this version of Palaver (Alembic upgrade to head)."""
    settings = _settings()
    configure_logging(settings.log_level)
    _migrate(settings)
    click.echo("The database is up to date.")


@main.command()
def doctor() -> None:
    """Check configuration, database, migrations, flows and catalogs; say how to fix problems.

    Exits with 0 only when everything is well.
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
    try:
        settings.require_token()
        yield DoctorCheck("token", True, "PALAVER_TELEGRAM_TOKEN is set and well-formed")
    except ConfigurationError as error:
        yield DoctorCheck("token", False, str(error))
    yield from _database_checks(settings)
    yield from _flow_checks(settings)
    yield from _catalog_checks(settings)


def _database_checks(settings: Settings) -> Iterator[DoctorCheck]:
    try:
        state = asyncio.run(_database_state(settings))
    except ConfigurationError as error:
        yield DoctorCheck("database", False, str(error))
        return
    except (SQLAlchemyError, OSError) as error:
        yield DoctorCheck(
            "database",
            False,
            f"cannot reach {_safe_url(settings)} ({_first_line(error)}); "
            "check PALAVER_DATABASE_URL and that the database server is running",
        )
        return
    yield DoctorCheck("database", True, f"reached {_safe_url(settings)}")
    if state.is_up_to_date:
        yield DoctorCheck("migrations", True, f"at the latest revision ({state.head})")
    else:
        yield DoctorCheck(
            "migrations",
            False,
            f"the database is at {state.current or 'no revision'}, the code expects "
            f"{state.head}; run `palaver migrate`",
        )


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
    if not problems:
        yield DoctorCheck("catalogs", True, f"catalogs in {settings.locales_dir} read")


def _migrate(settings: Settings) -> None:
    async def upgrade() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()

    try:
        asyncio.run(upgrade())
    except (DBAPIError, OSError) as error:
        raise PalaverCliError(
            f"Could not migrate {_safe_url(settings)}: {_first_line(error)}. "
            "Check PALAVER_DATABASE_URL and that the database server is running."
        ) from None


def _settings() -> Settings:
    return _or_fail(load_settings)


def _or_fail(read: Callable[[], T]) -> T:
    try:
        return read()
    except ConfigurationError as error:
        raise PalaverCliError(str(error)) from None


def _safe_url(settings: Settings) -> str:
    """The database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(settings.database_url).render_as_string(hide_password=True)
    except Exception:
        return "the database in PALAVER_DATABASE_URL"


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
