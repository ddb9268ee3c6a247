"""How every `palaver` command reports problems an operator can fix: one line, no traceback.

`PalaverGroup` is the class of the top-level `palaver` group. Any configuration, database
or Bot API problem raised by any command under it becomes one line on stderr and exit
code 1, so commands themselves need no try/except for these.
"""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from bot.config import ConfigurationError, load_settings
from bot.engine.loader import FlowLoadError
from bot.i18n.catalogs import CatalogError
from bot.services.errors import PalaverError
from bot.storage.migrator import DatabaseNotMigrated
from bot.telegram.bot_identity import BotApiProblem

# Problems the operator causes and can fix by changing a setting or starting a server.
# Anything else is a bug in Palaver and keeps its traceback.
OPERATOR_PROBLEMS = (
    ConfigurationError,
    BotApiProblem,
    FlowLoadError,
    CatalogError,
    DatabaseNotMigrated,
    ArgumentError,
    OperationalError,
    InterfaceError,
)

# What the database server's refusal means for the operator, by a phrase in its message.
_DATABASE_HINTS = (
    ("password authentication failed", "check the user and password in PALAVER_DATABASE_URL"),
    ('role "', "check the user name in PALAVER_DATABASE_URL"),
    ("no password supplied", "add the password to PALAVER_DATABASE_URL"),
    ('database "', "create that database (createdb NAME) or fix its name in PALAVER_DATABASE_URL"),
)
_UNREACHABLE_HINT = "check PALAVER_DATABASE_URL and that the database server is running"


class PalaverCliError(click.ClickException):
    """A one-line error for the operator, printed without a traceback."""

    def format_message(self) -> str:
        return self.message


class PalaverGroup(click.Group):
    """The `palaver` group: turns operator problems from any subcommand into one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OPERATOR_PROBLEMS as error:
            raise PalaverCliError(operator_message(error)) from None


def service_message(error: PalaverError) -> str:
    """A use case's refusal in English, with its details filled in."""
    return str(error.message).format(**error.params)


def operator_message(error: Exception) -> str:
    """One line saying what is wrong and how to fix it."""
    if isinstance(error, FlowLoadError):
        return (
            f"The dialogue flows have {len(error.problems)} error(s); run `palaver flows check` "
            "to see them, and fix them first."
        )
    if isinstance(error, CatalogError):
        return f"A translation catalog cannot be read: {error}"
    if isinstance(error, DatabaseNotMigrated):
        return f"{error}; run `palaver migrate` first."
    if isinstance(error, ArgumentError):
        return (
            f"PALAVER_DATABASE_URL cannot be used ({first_line(error)}). "
            "Use sqlite:///palaver.db or postgresql://user@host/database."
        )
    if isinstance(error, OperationalError | InterfaceError):
        return database_problem(error, _configured_database_url())
    return str(error)


def database_problem(error: Exception, database_url: str) -> str:
    """Why the database at `database_url` cannot be used, and what to do about it."""
    reason = first_line(getattr(error, "orig", None) or error)
    hint = next((hint for phrase, hint in _DATABASE_HINTS if phrase in reason), _UNREACHABLE_HINT)
    return f"cannot use the database {safe_url(database_url)} ({reason}); {hint}"


def safe_url(database_url: str) -> str:
    """The database URL without its password, for messages."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "in PALAVER_DATABASE_URL"


def first_line(error: BaseException) -> str:
    """The first line of an error's message (drivers add lines of background)."""
    return " ".join((str(error).strip().splitlines() or [type(error).__name__])[0].split())


def _configured_database_url() -> str:
    try:
        return load_settings().database_url
    except ConfigurationError:
        return "PALAVER_DATABASE_URL"
