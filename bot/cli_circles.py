"""`palaver circles`: create circles and see how they are going, for operators.

The main CLI adds it with `main.add_command(circles_group)`. A circle is created by the
same use case as /circles in the chat (`Circles.create`), so who may facilitate, what is
audited and when a group circle needs a warning are decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import click

from bot.cli_errors import PalaverCliError, service_message
from bot.cli_programs import _bot_username, _find_program, _on_database, _with_database
from bot.clock import system_clock
from bot.config import Settings, load_settings
from bot.engine import FlowLibrary
from bot.i18n.catalogs import Catalogs
from bot.services.authorization import Authorizer
from bot.services.circle_rooms import (
    DEFAULT_SIZE,
    MAX_SIZE,
    MIN_SIZE,
    MembersWouldSeeEachOther,
    circle_flows,
)
from bot.services.circles import Circles
from bot.services.dialogues import Dialogues
from bot.services.errors import NotAllowed, PalaverError
from bot.storage.tables import Circle, ConversationKind, Exchange, Person, Program, RoleName
from bot.storage.unit_of_work import Database, UnitOfWork
from bot.telegram.views import TelegramViews

KINDS = {"relayed": ConversationKind.RELAYED_CIRCLE, "group": ConversationKind.GROUP_CIRCLE}
KIND_NAMES = {kind: name for name, kind in KINDS.items()}


@dataclass(frozen=True)
class CreatedCircle:
    """What the operator is told about a new circle."""

    circle_id: int
    program_id: int
    invite_link: str
    group_link: str | None
    facilitator_consented: bool


@click.group("circles")
def circles_group() -> None:
    """Create circles and list them (never who is in them or what was said).

    Facilitators run circles from their phone with /circles.
    """


@circles_group.command("create")
@click.option("--program", required=True, help="The program (id or exact name).")
@click.option(
    "--flow",
    "flow_id",
    required=True,
    help="A circle flow of the dialogues folder, e.g. dialogue-circle.",
)
@click.option(
    "--kind",
    required=True,
    type=click.Choice(list(KINDS)),
    help="relayed: each member in their private chat, under a pseudonym; group: in a "
    "Telegram group, where members see each other's profiles.",
)
@click.option(
    "--size",
    type=click.IntRange(MIN_SIZE, MAX_SIZE),
    default=DEFAULT_SIZE,
    show_default=True,
    help="How many members at most (facilitators not counted).",
)
@click.option(
    "--starts-at",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]),
    help="When it starts, in UTC (YYYY-MM-DDTHH:MM).",
)
@click.option(
    "--facilitator",
    "facilitator_id",
    type=int,
    help="Telegram user id of its first co-host, a facilitator or organizer of the program. "
    "Default: the program's first organizer.",
)
@click.option(
    "--yes-members-see-each-other",
    "members_see_each_other",
    is_flag=True,
    help="Create a group circle in a program of several communities, knowing that in a "
    "Telegram group every member sees the others' name, photo and username.",
)
@click.option(
    "--bot-username",
    help="The bot's @username, for the t.me links. Default: PALAVER_BOT_USERNAME, or else "
    "Palaver asks Telegram with PALAVER_TELEGRAM_TOKEN.",
)
def create_command(
    program: str,
    flow_id: str,
    kind: str,
    size: int,
    starts_at: datetime | None,
    facilitator_id: int | None,
    members_see_each_other: bool,
    bot_username: str | None,
) -> None:
    """Create a circle and print its invite link (and, for a group circle, the link that
    adds the bot to the group).

    The facilitator runs it from their phone with /circles: admits the people who ask for a
    seat, then begins the rounds.
    """
    settings = load_settings()
    library = FlowLibrary.from_directory(settings.dialogues_dir)
    choices = ", ".join(circle_flows(library)) or "none in PALAVER_DIALOGUES_DIR"
    if flow_id not in library.flow_ids():
        raise PalaverCliError(
            f"no flow {flow_id!r} in {settings.dialogues_dir}; circle flows: {choices}"
        )
    if flow_id not in circle_flows(library):
        raise PalaverCliError(
            f"“{flow_id}” is a {library.latest(flow_id).kind} flow, not a circle flow; "
            f"choose one of: {choices}"
        )
    start = starts_at.replace(tzinfo=UTC) if starts_at is not None else None
    if start is not None and start <= system_clock():
        raise PalaverCliError(f"--starts-at {start:%Y-%m-%d %H:%M} UTC is already past")
    # Before the circle is stored: a circle nobody can be invited to is no use.
    username = bot_username.lstrip("@") if bot_username else _bot_username(settings)
    conversation_kind = KINDS[kind]

    async def create(database: Database) -> CreatedCircle:
        circles = _circles(settings, database, library, username)
        async with database.unit_of_work() as uow:
            found = await _find_program(uow, program)
            facilitator = await _first_co_host(uow, found, facilitator_id)
            try:
                circle = await circles.console.create(
                    uow,
                    facilitator,
                    found,
                    flow_id,
                    conversation_kind,
                    size,
                    start,
                    members_see_each_other=members_see_each_other,
                )
            except NotAllowed:
                raise PalaverCliError(_not_facilitating(found, facilitator_id)) from None
            except MembersWouldSeeEachOther as error:
                raise PalaverCliError(
                    f"{service_message(error)} Pass --yes-members-see-each-other to create "
                    "it anyway, or --kind relayed."
                ) from None
            except PalaverError as error:
                raise PalaverCliError(service_message(error)) from None
            await uow.commit()
            return CreatedCircle(
                circle_id=circle.exchange_id or 0,
                program_id=found.id or 0,
                invite_link=circles.kit.invite_link(circle),
                group_link=circles.kit.group_link(circle),
                facilitator_consented=facilitator.has_consented(settings.consent_version),
            )

    created = _on_database(settings, create)
    click.echo(
        f"Created circle {created.circle_id} in program {created.program_id} ({kind}, "
        f"{flow_id}, at most {size} members)."
    )
    click.echo(f"Invite link: {created.invite_link}")
    if created.group_link is not None:
        click.echo(
            f"Add the bot to the circle's Telegram group with: {created.group_link}\n"
            "then make it an admin who can delete messages and restrict members."
        )
    if not created.facilitator_consented:
        click.echo(
            "Note: its facilitator has not accepted Palaver's note about data yet; they admit "
            "people once they send /start to the bot and accept it."
        )


@circles_group.command("list")
@click.option("--program", help="Only this program's circles (id or exact name).")
def list_command(program: str | None) -> None:
    """List circles, newest first: kind, state, seats taken and round (never who or what)."""
    settings = load_settings()

    async def listing(uow: UnitOfWork) -> list[tuple[Circle, Exchange]]:
        programs = [await _find_program(uow, program)] if program else await uow.programs.every()
        return await uow.circles.of_programs([p.id or 0 for p in programs])

    rows = _with_database(settings, listing)
    if not rows:
        click.echo("No circles yet; create one with `palaver circles create`.")
        return
    click.echo(
        f"{'id':>6}  {'program':>7}  {'kind':<7}  {'state':<7}  {'members':>7}  {'round':>5}  "
        "starts (UTC)"
    )
    for circle, exchange in rows:
        kind = KIND_NAMES.get(exchange.kind, exchange.kind.value)
        members = f"{exchange.member_count}/{exchange.capacity}"
        # Round 0: the circle has not begun.
        round_number = str(circle.round_number) if circle.round_number else "-"
        starts = f"{circle.starts_at:%Y-%m-%d %H:%M}" if circle.starts_at else "-"
        click.echo(
            f"{exchange.id:>6}  {exchange.program_id:>7}  {kind:<7}  {circle.state.value:<7}  "
            f"{members:>7}  {round_number:>5}  {starts}"
        )


def _circles(
    settings: Settings, database: Database, library: FlowLibrary, username: str
) -> Circles:
    catalogs = Catalogs.load(settings.locales_dir, settings.default_locale)
    dialogues = Dialogues(database, catalogs, library, settings.consent_version, TelegramViews())
    return Circles(
        dialogues,
        Authorizer(settings.admins),
        system_clock,
        bot_username=username,
    )


async def _first_co_host(uow: UnitOfWork, program: Program, telegram_id: int | None) -> Person:
    """The person named by --facilitator, or else the program's first organizer."""
    if telegram_id is not None:
        person = await uow.people.by_telegram_id(telegram_id)
        if person is None:
            raise PalaverCliError(_not_facilitating(program, telegram_id))
        return person
    organizers = await uow.role_holders.holders(program.id or 0, (RoleName.ORGANIZER,))
    if not organizers:
        raise PalaverCliError(
            f"program {program.id} has no organizer to facilitate the circle; pass "
            "--facilitator TELEGRAM_ID of one of its facilitators, or make an organizer link "
            f"with `palaver programs invite {program.id} --organizer`"
        )
    return organizers[0][1]


def _not_facilitating(program: Program, telegram_id: int | None) -> str:
    who = f"Telegram user {telegram_id}" if telegram_id is not None else "its first organizer"
    return (
        f"{who} is not a facilitator or organizer of program {program.id}; make them one with "
        f"a one-time link from `palaver programs invite {program.id} --facilitator`"
    )
