"""`palaver followups`: what is owed to people later, for operators.

The main CLI adds it with `main.add_command(followups_group)`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from bot.cli_errors import PalaverCliError, service_message
from bot.cli_programs import _find_program, _with_database
from bot.clock import system_clock
from bot.config import load_settings
from bot.i18n.catalogs import Catalogs
from bot.services.errors import PalaverError
from bot.services.owed import FollowUpBook
from bot.storage.tables import FollowUp, FollowUpKind, FollowUpStatus
from bot.storage.unit_of_work import UnitOfWork
from bot.telegram.views import TelegramViews

LIST_LIMIT = 500


@click.group("followups")
def followups_group() -> None:
    """See, cancel and schedule follow-ups: reminders, check-ins, surveys, announcements."""


@followups_group.command("list")
@click.option("--program", "program", help="Only this program (id or exact name).")
@click.option(
    "--status",
    type=click.Choice([s.value for s in FollowUpStatus]),
    help="Only follow-ups in this status (pending: still owed).",
)
@click.option("--kind", type=click.Choice([k.value for k in FollowUpKind]), help="Only this kind.")
def list_command(program: str | None, status: str | None, kind: str | None) -> None:
    """List follow-ups, soonest first (never their words or who they are for beyond an id)."""
    settings = load_settings()

    async def listing(uow: UnitOfWork) -> list[FollowUp]:
        program_ids = [(await _find_program(uow, program)).id or 0] if program else None
        return await uow.follow_ups.listing(
            program_ids=program_ids,
            status=FollowUpStatus(status) if status else None,
            kind=FollowUpKind(kind) if kind else None,
            limit=LIST_LIMIT,
        )

    rows = _with_database(settings, listing)
    if not rows:
        click.echo("No follow-ups.")
        return
    click.echo(
        f"{'id':>6}  {'program':>7}  {'kind':<18}  {'status':<9}  {'next try (UTC)':<16}  note"
    )
    for row in rows:
        note = row.last_error or (row.flow_id or "")
        click.echo(
            f"{row.id:>6}  {row.program_id or '-':>7}  {row.kind.value:<18}  "
            f"{row.status.value:<9}  {row.not_before:%Y-%m-%d %H:%M}  {note}"
        )
    if len(rows) == LIST_LIMIT:
        click.echo(f"(the first {LIST_LIMIT}; narrow with --program, --status or --kind)")


@followups_group.command("cancel")
@click.argument("follow_up_id", type=int)
def cancel_command(follow_up_id: int) -> None:
    """Cancel a pending follow-up by its id (see `palaver followups list`)."""
    settings = load_settings()

    async def cancel(uow: UnitOfWork) -> bool:
        cancelled = await uow.follow_ups.cancel(follow_up_id, "cancelled by the operator")
        if cancelled:
            uow.audit.record(
                "follow_up.cancelled",
                actor_id=None,
                subject_type="follow_up",
                subject_id=follow_up_id,
            )
            await uow.commit()
        return cancelled

    if not _with_database(settings, cancel):
        raise PalaverCliError(
            f"no pending follow-up {follow_up_id}; see `palaver followups list --status pending`"
        )
    click.echo(f"Follow-up {follow_up_id} cancelled.")


@followups_group.command("announce")
@click.option("--program", "program", required=True, help="The program (id or exact name).")
@click.option(
    "--circle",
    "circle",
    type=int,
    help="Only to the members of this circle of the program (see `palaver circles list`).",
)
@click.option(
    "--at",
    "at",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]),
    help="When, in UTC (YYYY-MM-DDTHH:MM); each person gets it outside their quiet hours.",
)
@click.option("--text", required=True, help="The words, as the organizers would write them.")
@click.option("--language", help="The language of the words (the program's default otherwise).")
def announce_command(
    program: str, circle: int | None, at: datetime, text: str, language: str | None
) -> None:
    """Schedule an announcement to every participant of a program, or of one circle."""
    settings = load_settings()
    catalogs = Catalogs.load(settings.locales_dir, settings.default_locale)
    book = FollowUpBook(catalogs, TelegramViews())

    async def announce(uow: UnitOfWork) -> int:
        found = await _find_program(uow, program)
        if circle is not None:
            circle_found = await uow.circles.get(circle)
            if circle_found is None or circle_found[1].program_id != found.id:
                raise PalaverCliError(
                    f"no circle {circle} in that program; see `palaver circles list`"
                )
        try:
            count = await book.announce(
                uow,
                found,
                at.replace(tzinfo=UTC),
                text,
                language or found.default_language,
                author_id=None,
                now=system_clock(),
                circle_id=circle,
            )
        except PalaverError as error:
            raise PalaverCliError(service_message(error)) from None
        await uow.commit()
        return count

    count = _with_database(settings, announce)
    click.echo(f"Announcement scheduled for {count} people at {at:%Y-%m-%d %H:%M} UTC.")
