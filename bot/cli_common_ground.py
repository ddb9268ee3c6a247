"""`palaver commonground`: seed a program's statements, open and close its conversation.

The main CLI adds it with `main.add_command(commonground_group)`.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli_errors import PalaverCliError
from bot.cli_programs import _find_program, _with_database
from bot.clock import system_clock
from bot.config import load_settings
from bot.i18n.catalogs import Catalogs
from bot.i18n.translator import Translator
from bot.services.common_ground import seed, set_open
from bot.services.errors import PalaverError
from bot.services.letters import Delivery, OutboxPolicy, Postbox, worker_name
from bot.storage.tables import Person
from bot.storage.unit_of_work import UnitOfWork
from bot.telegram.views import TelegramViews


@click.group("commonground")
def commonground_group() -> None:
    """A program's statements conversation: people vote on statements, in private."""


@commonground_group.command("seed")
@click.option("--program", "program", required=True, help="The program (id or exact name).")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A UTF-8 text file, one statement a line (blank lines are skipped).",
)
@click.option("--language", help="The statements' language (the program's default otherwise).")
def seed_command(program: str, path: Path, language: str | None) -> None:
    """Add the organizers' statements, offered at once (repeats are skipped)."""
    settings = load_settings()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise PalaverCliError(f"could not read {path}: {error}; save it as UTF-8 text") from None

    async def seeding(uow: UnitOfWork) -> int:
        found = await _find_program(uow, program)
        try:
            added = await seed(uow, found, lines, language or found.default_language, by=None)
        except PalaverError as error:
            raise PalaverCliError(str(error.message).format(**error.params)) from None
        await uow.commit()
        return len(added)

    count = _with_database(settings, seeding)
    click.echo(f"{count} statements added.")


@commonground_group.command("open")
@click.option("--program", "program", required=True, help="The program (id or exact name).")
def open_command(program: str) -> None:
    """Open the conversation and tell every participant."""
    _set_open(program, True)


@commonground_group.command("close")
@click.option("--program", "program", required=True, help="The program (id or exact name).")
def close_command(program: str) -> None:
    """Close the conversation: nobody is offered statements until it opens again."""
    _set_open(program, False)


def _set_open(program: str, is_open: bool) -> None:
    settings = load_settings()
    catalogs = Catalogs.load(settings.locales_dir, settings.default_locale)

    def translator_for(person: Person) -> Translator:
        return catalogs.translator(catalogs.negotiate(person.language))

    async def change(uow: UnitOfWork) -> bool:
        found = await _find_program(uow, program)
        work = Delivery(
            actor_id=0,
            pressed_button=False,
            postbox=Postbox(system_clock, OutboxPolicy(worker_name())),
        )
        changed = await set_open(uow, work, found, is_open, None, translator_for, TelegramViews())
        # The running bot sends the invitations at its pace (claim=False).
        await work.seal(uow, claim=False)
        return changed

    changed = _with_database(settings, change)
    state = "open" if is_open else "closed"
    click.echo(f"The conversation is {state}." if changed else f"It was already {state}.")
