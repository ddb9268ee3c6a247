"""Command-line tools for operators: programs, invite links, admins and demo data.

The main CLI adds them with `main.add_command(programs_group)`, `main.add_command(admins_group)`
and `main.add_command(demo_data_command)`. They work on the database in PALAVER_DATABASE_URL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml
from pydantic import ValidationError

from bot.cli_errors import PalaverCliError
from bot.config import Settings, load_settings
from bot.engine import FlowLibrary
from bot.i18n.catalogs import Catalogs
from bot.services.demo import (
    DEMO_PARTICIPANTS_PER_COMMUNITY,
    DemoAlreadyExists,
    remove_demo,
    seed_demo,
)
from bot.services.invites import invite_link, make_invite, qr_png
from bot.services.program_settings import (
    ProgramFile,
    SettingChoices,
    offered_flows,
    runs_today,
)
from bot.services.programs import create_program, grant_role
from bot.storage.migrator import require_up_to_date
from bot.storage.tables import InviteKind, MembershipStatus, Person, Program, RoleName
from bot.storage.types import utc_now
from bot.storage.unit_of_work import Database, UnitOfWork
from bot.telegram.bot_identity import who_the_bot_is

T = TypeVar("T")


# --- programs -----------------------------------------------------------------------------


@click.group("programs")
def programs_group() -> None:
    """Set up dialogue programs and make their invite links.

    Organizers can do the same from their phone with /programs.
    """


@programs_group.command("create")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A program.yaml with name, communities, languages, flows and the other settings.",
)
def create_command(source: Path) -> None:
    """Create a program from a YAML file.

    A program's name is how people and commands tell it apart, so a second program with
    the same name is refused (change `name:` to make another one).

    \b
    Example program.yaml:
      name: Neighbours across the river, spring 2027
      communities: [east bank, west bank]
      languages: [en, uk]
      default_language: en          # optional, the first language otherwise
      flows: [story-exchange]       # solo and pair flows of the dialogues folder
      same_language_pairs: true     # optional
      time_zone: Europe/Kyiv        # optional, UTC otherwise
      quiet_hours: "22-7"           # optional: no reminders from 22:00 to 7:00
      min_group_size: 5             # optional: smaller groups are hidden in exports
      retention_days: 30            # optional: relayed words are deleted after this
      consent_version: "2026-11"    # optional, PALAVER_CONSENT_VERSION otherwise
      organizers: [123456789]       # optional Telegram user ids who manage it
    """
    settings = load_settings()
    catalogs = Catalogs.load(settings.locales_dir, settings.default_locale)
    library = FlowLibrary.from_directory(settings.dialogues_dir)
    choices = SettingChoices(
        languages=tuple(catalogs.languages),
        flows=tuple(library.flow_ids()),
        consent_version=settings.consent_version,
    )
    program_file = read_program_file(source, choices, library)

    async def create(uow: UnitOfWork) -> Program:
        namesakes = await uow.programs.by_name(program_file.name)
        if namesakes:
            existing = namesakes[0].id
            raise PalaverCliError(
                f"program {existing} is already called {program_file.name!r}, so {source} "
                f"was not created again; to make another program, change `name:` in {source}; "
                f"to invite people to program {existing}: `palaver programs invite {existing}`"
            )
        program = await create_program(
            uow, program_file.to_settings(settings.consent_version), creator=None
        )
        assert program.id is not None
        for telegram_id in program_file.organizers:
            person = await _person(uow, telegram_id, settings)
            grant_role(uow, person, program.id, RoleName.ORGANIZER, granted_by_id=None)
        await uow.commit()
        return program

    program = _with_database(settings, create)
    click.echo(f"Created program {program.id}: {program.name}")
    if not program_file.organizers:
        invite = f"`palaver programs invite {program.id} --organizer`"
        if settings.bot_username is None and settings.telegram_token is None:
            invite += f" once {BOT_USERNAME_SOURCES} is set"
        click.echo(f"Nobody organizes it yet: make a one-time organizer link with {invite}.")


@programs_group.command("list")
def list_command() -> None:
    """List every program with its id, status and number of participants."""
    settings = load_settings()

    async def listing(uow: UnitOfWork) -> list[tuple[Program, int]]:
        return [
            (
                program,
                (await uow.memberships.count_by_status(program.id or 0))[MembershipStatus.JOINED],
            )
            for program in await uow.programs.every()
        ]

    programs = _with_database(settings, listing)
    if not programs:
        click.echo(
            "No programs yet. Write a program.yaml (`palaver programs create --help` shows "
            "one), then create it with `palaver programs create --from program.yaml`."
        )
        return
    click.echo(f"{'ID':>4}  {'STATUS':<7}  {'PEOPLE':>6}  NAME")
    for program, joined in programs:
        demo = "  [demo]" if program.is_demo else ""
        click.echo(f"{program.id:>4}  {program.status.value:<7}  {joined:>6}  {program.name}{demo}")


@programs_group.command("invite")
@click.argument("program")
@click.option("--community", help="Make a participant link for this community only.")
@click.option(
    "--facilitator",
    "kind",
    flag_value=InviteKind.FACILITATOR.value,
    help="A one-time link that makes whoever opens it a facilitator.",
)
@click.option(
    "--organizer",
    "kind",
    flag_value=InviteKind.ORGANIZER.value,
    help="A one-time link that makes whoever opens it an organizer.",
)
@click.option(
    "--expires-in-days",
    type=click.IntRange(1, 365),
    help="The link stops working after this many days (one-time links: 7 unless given).",
)
@click.option(
    "--bot-username",
    help=(
        "The bot's @username, for the t.me link. Default: PALAVER_BOT_USERNAME, or else "
        "Palaver asks Telegram with PALAVER_TELEGRAM_TOKEN."
    ),
)
@click.option(
    "--qr",
    "qr_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the link as a QR code PNG to this file, for posters.",
)
def invite_command(
    program: str,
    community: str | None,
    kind: str | None,
    expires_in_days: int | None,
    bot_username: str | None,
    qr_path: Path | None,
) -> None:
    """Make an invite link for PROGRAM (its id or its exact name) and print it.

    Without options: a participant link anyone may use. Revoke links from the phone
    (/programs → the program → Invite links).
    """
    settings = load_settings()
    invite_kind = InviteKind(kind) if kind else InviteKind.PARTICIPANT
    if community is not None and invite_kind is not InviteKind.PARTICIPANT:
        raise click.UsageError("--community is only for participant links")
    # Before the invite is stored: a link nobody can print is no use.
    username = bot_username.lstrip("@") if bot_username else _bot_username(settings)

    async def make(uow: UnitOfWork) -> str:
        found = await _find_program(uow, program)
        chosen = None
        if community is not None:
            communities = await uow.communities.of_program(found.id or 0)
            chosen = next((c for c in communities if c.name == community), None)
            if chosen is None:
                names = ", ".join(c.name for c in communities)
                raise PalaverCliError(
                    f"program {found.id} has no community {community!r}; it has: {names}"
                )
        expires_at = utc_now() + timedelta(days=expires_in_days) if expires_in_days else None
        invite = await make_invite(
            uow, found, invite_kind, community=chosen, created_by_id=None, expires_at=expires_at
        )
        await uow.commit()
        return invite.code

    code = _with_database(settings, make)
    link = invite_link(username, code)
    click.echo(link)
    if qr_path is not None:
        qr_path.write_bytes(qr_png(link))
        click.echo(f"QR code written to {qr_path}")


BOT_USERNAME_SOURCES = "PALAVER_BOT_USERNAME (or PALAVER_TELEGRAM_TOKEN)"


def _bot_username(settings: Settings) -> str:
    """The bot's username from the settings, or from Telegram (getMe) when a token is set."""
    if settings.bot_username is not None:
        return settings.bot_username
    if settings.telegram_token is None:
        raise PalaverCliError(
            "The link needs the bot's @username: set PALAVER_BOT_USERNAME=your_bot "
            "(in .env or the environment), or set PALAVER_TELEGRAM_TOKEN so Palaver can ask "
            "Telegram, or pass --bot-username your_bot."
        )
    me = asyncio.run(who_the_bot_is(settings))
    if not me.username:
        raise PalaverCliError(
            "Telegram knows this bot without a @username; set one with @BotFather."
        )
    return me.username


# --- admins -------------------------------------------------------------------------------


@click.group("admins")
def admins_group() -> None:
    """Choose who may create programs (besides PALAVER_ADMINS)."""


@admins_group.command("add")
@click.argument("telegram_id", type=int)
def admins_add(telegram_id: int) -> None:
    """Let the Telegram user TELEGRAM_ID create programs (kept in the database).

    Find your own id by messaging @userinfobot on Telegram.
    """
    settings = load_settings()
    _positive(telegram_id)

    async def add(uow: UnitOfWork) -> None:
        person = await _person(uow, telegram_id, settings)
        if not person.is_admin:
            person.is_admin = True
            uow.audit.record(
                "admin.added", actor_id=None, subject_type="person", subject_id=person.id
            )
        await uow.commit()

    _with_database(settings, add)
    click.echo(f"{telegram_id} may now create programs: they send /programs to the bot.")


@admins_group.command("remove")
@click.argument("telegram_id", type=int)
def admins_remove(telegram_id: int) -> None:
    """Stop TELEGRAM_ID from creating new programs (their existing roles stay)."""
    settings = load_settings()

    async def remove(uow: UnitOfWork) -> bool:
        person = await uow.people.by_telegram_id(telegram_id)
        if person is None or not person.is_admin:
            return False
        person.is_admin = False
        uow.audit.record(
            "admin.removed", actor_id=None, subject_type="person", subject_id=person.id
        )
        await uow.commit()
        return True

    if not _with_database(settings, remove):
        raise PalaverCliError(f"{telegram_id} is not an admin in the database")
    click.echo(f"{telegram_id} is no longer an admin.")
    if telegram_id in settings.admins:
        click.echo("They are still in PALAVER_ADMINS; remove them there too.")


@admins_group.command("list")
def admins_list() -> None:
    """List admins: those in the database and those in PALAVER_ADMINS."""
    settings = load_settings()

    async def listing(uow: UnitOfWork) -> list[int]:
        return await uow.people.admin_telegram_ids()

    stored = _with_database(settings, listing)
    for telegram_id in sorted(set(stored) | settings.admins):
        where = [
            label
            for label, present in (
                ("database", telegram_id in stored),
                ("PALAVER_ADMINS", telegram_id in settings.admins),
            )
            if present
        ]
        click.echo(f"{telegram_id}  ({', '.join(where)})")
    if not stored and not settings.admins:
        click.echo("No admins yet. Add one with `palaver admins add TELEGRAM_ID`.")


# --- demo data ----------------------------------------------------------------------------


@click.command("demo-data")
@click.option("--remove", is_flag=True, help="Delete the demo program and its simulated people.")
@click.option(
    "--participants",
    type=click.IntRange(2, 1_000_000),
    default=2 * DEMO_PARTICIPANTS_PER_COMMUNITY,
    show_default=True,
    help="How many simulated participants, half in each community (e.g. 10000 for a benchmark).",
)
@click.option(
    "--answers-per-participant",
    type=click.IntRange(0, 1000),
    default=0,
    help="Give everyone at least this many answers (extra ones are repeated check-ins); "
    "e.g. 20 with --participants 10000 for 200 000 answers.",
)
@click.option("--seed", type=int, help="Make the simulated answers the same on every run.")
def demo_data_command(
    remove: bool, participants: int, answers_per_participant: int, seed: int | None
) -> None:
    """Create a demo program with simulated people and answers, to try exports and reports.

    Everything it creates is marked as demo data; `palaver demo-data --remove` deletes it
    and nothing else.
    """
    settings = load_settings()
    if remove:

        async def unseed(uow: UnitOfWork) -> int:
            removed = await remove_demo(uow)
            await uow.commit()
            return removed

        if _with_database(settings, unseed):
            click.echo("Demo data removed.")
        else:
            click.echo("There was no demo data.")
        return
    flows = FlowLibrary.from_directory(settings.dialogues_dir)

    async def create_demo(uow: UnitOfWork) -> Any:
        summary = await seed_demo(
            uow,
            flows,
            settings.consent_version,
            seed=seed,
            per_community=participants // 2,
            answers_per_participant=answers_per_participant,
        )
        await uow.commit()
        return summary

    try:
        summary = _with_database(settings, create_demo)
    except DemoAlreadyExists:
        raise PalaverCliError(
            "Demo data exists already; remove it first with `palaver demo-data --remove`."
        ) from None
    click.echo(
        f"Demo program {summary.program_id} created (marked as demo): two communities, "
        f"a facilitator, {summary.participants} simulated participants, "
        f"{summary.exchanges} exchanges and {summary.answers} answers."
    )
    click.echo("Remove it with `palaver demo-data --remove`.")


# --- program.yaml ---------------------------------------------------------------------------


def read_program_file(path: Path, choices: SettingChoices, library: FlowLibrary) -> ProgramFile:
    """A checked program.yaml; PalaverCliError naming the file, line and field otherwise.

    Flows that do not run today (circle flows) are refused: the program would list them,
    but nobody would ever be offered them.
    """
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise PalaverCliError(f"{path}{where}: {problem}") from None
    if not isinstance(data, dict):
        raise PalaverCliError(
            f"{path}, line 1: expected settings such as `name:` and `communities:`, one per line"
        )
    try:
        program_file = ProgramFile.model_validate(data, context={"choices": choices})
    except ValidationError as error:
        problems = []
        for issue in error.errors():
            location = tuple(issue["loc"])
            field = ".".join(str(part) for part in location) or "(top level)"
            message = str(issue["msg"]).removeprefix("Value error, ")
            line = _line_of(root, location)
            problems.append(f"{path}, line {line}, {field}: {message}")
        raise PalaverCliError("\n".join(problems)) from None
    for index, flow_id in enumerate(program_file.flows):
        flow = library.latest(flow_id)
        if not runs_today(flow):
            raise PalaverCliError(
                f"{path}, line {_line_of(root, ('flows', index))}, flows.{index}: "
                f"“{flow_id}” is a {flow.kind} flow, and {flow.kind} flows do not run in "
                f"Telegram yet; choose among the flows that do: {', '.join(offered_flows(library))}"
            )
    return program_file


def _line_of(node: yaml.Node | None, location: tuple[Any, ...]) -> int:
    """The 1-based line of the YAML node at `location` (its parent's, if it is missing)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in location:
        if isinstance(node, yaml.MappingNode):
            found = next(
                (value for key, value in node.value if getattr(key, "value", None) == part), None
            )
            if found is None:
                return line
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
        else:
            return line
        line = node.start_mark.line + 1
    return line


# --- the database -------------------------------------------------------------------------


def _with_database(settings: Settings, use: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run `use` in one unit of work on the migrated database (it commits if it wants to)."""

    async def in_unit_of_work(database: Database) -> T:
        async with database.unit_of_work() as uow:
            return await use(uow)

    return _on_database(settings, in_unit_of_work)


def _on_database(settings: Settings, use: Callable[[Database], Awaitable[T]]) -> T:
    """Run `use` with the migrated database, for commands that build services on it."""

    async def run() -> T:
        database = Database(settings.database_url)
        try:
            await require_up_to_date(database.engine)
            return await use(database)
        finally:
            await database.dispose()

    return asyncio.run(run())


async def _find_program(uow: UnitOfWork, name_or_id: str) -> Program:
    if name_or_id.isdigit():
        program = await uow.programs.get(int(name_or_id))
        if program is not None:
            return program
    matches = await uow.programs.by_name(name_or_id)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        ids = ", ".join(str(p.id) for p in matches)
        raise PalaverCliError(f"several programs are called {name_or_id!r} (ids {ids}); use its id")
    raise PalaverCliError(f"no program {name_or_id!r}; see `palaver programs list`")


async def _person(uow: UnitOfWork, telegram_id: int, settings: Settings) -> Person:
    """The person with this Telegram id, added (language not yet chosen) if Palaver lacks them."""
    _positive(telegram_id)
    person = await uow.people.by_telegram_id(telegram_id)
    if person is None:
        person = Person(telegram_id=telegram_id, language=settings.default_locale)
        uow.people.add(person)
        await uow.people.flush()
    return person


def _positive(telegram_id: int) -> None:
    if telegram_id <= 0:
        raise PalaverCliError(
            f"{telegram_id} is not a Telegram user id (a positive number; ask @userinfobot)"
        )
