"""/export: an organizer picks a program, a period and a format, and gets the file.

Every step asks the one Authorizer for Permission.EXPORT in the program the button names,
so a forged or stale button for someone else's program is refused like any other action
one may not take. The file is built in a worker thread with its own database connection:
the event loop keeps serving everyone else while a large program is read.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.export import ExportFormat, ExportRequest, build_export, export_filename
from bot.services.actors import Actor, Sender
from bot.services.authorization import Authorizer, Permission
from bot.services.console_actions import button_id
from bot.services.errors import NotAllowed, StaleButton
from bot.services.export_results import (
    ChooseExportFormat,
    ChooseExportPeriod,
    ExportablePrograms,
    ExportFile,
    ExportReady,
)
from bot.services.replies import Outcome, Views
from bot.storage.tables import Program
from bot.storage.types import utc_now
from bot.storage.unit_of_work import Database, UnitOfWork

if TYPE_CHECKING:
    from bot.services.programs import ProgramConsole

WHOLE_PROGRAM = "all"
PERIODS: tuple[str, ...] = (WHOLE_PROGRAM, "30", "90")
"""The periods offered: the whole program, or who joined in the last so many days."""
FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat.HTML,
    ExportFormat.CSV,
    ExportFormat.JSON,
    ExportFormat.MARKDOWN,
)


class ExportAction:
    """Button kinds of /export."""

    PROGRAM = "export_program"  # "<program id>"
    PERIOD = "export_period"  # "<program id>.<period>"
    FORMAT = "export_format"  # "<program id>.<period>.<format>"


class ExportDesk:
    """The organizer's way to an export file, one button at a time."""

    def __init__(
        self, database: Database, console: ProgramConsole, authorizer: Authorizer, views: Views
    ) -> None:
        self._database = database
        self._console = console
        self._authorizer = authorizer
        self._views = views

    async def start(self, sender: Sender) -> Outcome:
        """/export: the programs this person may export, as buttons."""
        async with self._database.unit_of_work() as uow:
            actor = await self._console.organizer(uow, sender)
            programs = [
                program
                for program in await uow.programs.organized_by(actor.person_id)
                if await self._authorizer.allows(uow, actor.person, Permission.EXPORT, program.id)
            ]
        if not programs:
            raise NotAllowed()
        shown = ExportablePrograms(tuple((program.id or 0, program.name) for program in programs))
        return Outcome(replies=(self._views.render(shown, actor.translator),))

    async def choose_program(self, sender: Sender, value: str) -> Outcome:
        """Ask for the period, once the program is one they may export."""
        async with self._database.unit_of_work() as uow:
            actor, program = await self._exportable(uow, sender, value)
        shown = ChooseExportPeriod(program.id or 0, program.name, PERIODS)
        return Outcome(replies=(self._views.render(shown, actor.translator),))

    async def choose_period(self, sender: Sender, value: str) -> Outcome:
        """Ask for the format."""
        program_value, _, period = value.partition(".")
        _days(period)
        async with self._database.unit_of_work() as uow:
            actor, program = await self._exportable(uow, sender, program_value)
        shown = ChooseExportFormat(program.id or 0, period, tuple(f.value for f in FORMATS))
        return Outcome(replies=(self._views.render(shown, actor.translator),))

    async def make(self, sender: Sender, value: str) -> Outcome:
        """Build the file off the event loop and send it as a document."""
        program_value, _, rest = value.partition(".")
        period, _, format_value = rest.partition(".")
        days = _days(period)
        try:
            export_format = ExportFormat(format_value)
        except ValueError:
            raise StaleButton() from None
        async with self._database.unit_of_work() as uow:
            actor, program = await self._exportable(uow, sender, program_value)
        t = actor.translator
        assert program.id is not None
        request = ExportRequest(
            program_id=program.id,
            format=export_format,
            since=(utc_now() - timedelta(days=days)).date() if days else None,
            language=t.language,
        )
        # The file is a document for the organizer: bot/export writes it in their language.
        content = await asyncio.to_thread(build_export, self._database.url, request, t)
        shown = ExportFile(program.name, program.min_group_size, export_filename(request), content)
        return Outcome(
            replies=(self._views.render(shown, t),),
            notice=self._views.render(ExportReady(), t).text,
        )

    async def _exportable(
        self, uow: UnitOfWork, sender: Sender, program_value: str
    ) -> tuple[Actor, Program]:
        actor = await self._console.organizer(uow, sender)
        program_id = button_id(program_value)
        # Permission first, so a stranger cannot tell which program ids exist.
        await self._authorizer.require(uow, actor.person, Permission.EXPORT, program_id)
        program = await uow.programs.get(program_id)
        if program is None:
            raise StaleButton()
        return actor, program


def _days(period: str) -> int | None:
    """The days a period button means (None: the whole program); StaleButton otherwise."""
    if period == WHOLE_PROGRAM:
        return None
    if period in PERIODS:
        return int(period)
    raise StaleButton()
