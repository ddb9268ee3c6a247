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
from bot.i18n.translator import N_, Translator
from bot.services.actors import Sender
from bot.services.authorization import Authorizer, Permission
from bot.services.console_actions import button_id
from bot.services.errors import NotAllowed, StaleButton
from bot.services.replies import Button, ButtonAction, Document, Outcome, Reply
from bot.storage.tables import Person, Program
from bot.storage.types import utc_now
from bot.storage.unit_of_work import Database, UnitOfWork

if TYPE_CHECKING:
    from bot.services.programs import ProgramConsole

WHOLE_PROGRAM = "all"
PERIODS: tuple[tuple[str, str], ...] = (
    (WHOLE_PROGRAM, N_("Whole program")),
    ("30", N_("Joined in the last 30 days")),
    ("90", N_("Joined in the last 90 days")),
)
FORMATS: tuple[tuple[ExportFormat, str], ...] = (
    (ExportFormat.HTML, N_("Report with charts (HTML)")),
    (ExportFormat.CSV, N_("Table (CSV)")),
    (ExportFormat.JSON, N_("Data (JSON)")),
    (ExportFormat.MARKDOWN, N_("Summary (Markdown)")),
)
BUTTON_LABEL_LENGTH = 40


class ExportAction:
    """Button kinds of /export."""

    PROGRAM = "export_program"  # "<program id>"
    PERIOD = "export_period"  # "<program id>.<period>"
    FORMAT = "export_format"  # "<program id>.<period>.<format>"


class ExportDesk:
    """The organizer's way to an export file, one button at a time."""

    def __init__(self, database: Database, console: ProgramConsole, authorizer: Authorizer) -> None:
        self._database = database
        self._console = console
        self._authorizer = authorizer

    async def start(self, sender: Sender) -> Outcome:
        """/export: the programs this person may export, as buttons."""
        async with self._database.unit_of_work() as uow:
            person = await self._console.organizer(uow, sender)
            programs = [
                program
                for program in await uow.programs.organized_by(_id(person))
                if await self._authorizer.allows(uow, person, Permission.EXPORT, program.id)
            ]
        if not programs:
            raise NotAllowed()
        t = self._console.translator_for(person)
        buttons = tuple(
            (Button(_short(program.name), ButtonAction(ExportAction.PROGRAM, str(program.id))),)
            for program in programs
        )
        return Outcome(replies=(Reply(t.gettext("Which program do you want to export?"), buttons),))

    async def choose_program(self, sender: Sender, value: str) -> Outcome:
        """Ask for the period, once the program is one they may export."""
        async with self._database.unit_of_work() as uow:
            person, program = await self._exportable(uow, sender, value)
        t = self._console.translator_for(person)
        buttons = tuple(
            (Button(t.gettext(label), ButtonAction(ExportAction.PERIOD, f"{program.id}.{key}")),)
            for key, label in PERIODS
        )
        text = t.gettext("Export “{program}”: which people?", program=program.name)
        return Outcome(replies=(Reply(text, buttons, replaces_pressed_message=True),))

    async def choose_period(self, sender: Sender, value: str) -> Outcome:
        """Ask for the format."""
        program_value, _, period = value.partition(".")
        _days(period)
        async with self._database.unit_of_work() as uow:
            person, program = await self._exportable(uow, sender, program_value)
        t = self._console.translator_for(person)
        buttons = tuple(
            (
                Button(
                    t.gettext(label),
                    ButtonAction(ExportAction.FORMAT, f"{program.id}.{period}.{fmt.value}"),
                ),
            )
            for fmt, label in FORMATS
        )
        text = t.gettext("Which kind of file?")
        return Outcome(replies=(Reply(text, buttons, replaces_pressed_message=True),))

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
            person, program = await self._exportable(uow, sender, program_value)
        t = self._console.translator_for(person)
        assert program.id is not None
        request = ExportRequest(
            program_id=program.id,
            format=export_format,
            since=(utc_now() - timedelta(days=days)).date() if days else None,
            language=t.language,
        )
        content = await asyncio.to_thread(build_export, self._database.url, request, t)
        return Outcome(
            replies=(
                Reply(
                    _caption(t, program),
                    document=Document(export_filename(request), content),
                ),
            ),
            notice=t.gettext("Your export is ready."),
        )

    async def _exportable(
        self, uow: UnitOfWork, sender: Sender, program_value: str
    ) -> tuple[Person, Program]:
        person = await self._console.organizer(uow, sender)
        program_id = button_id(program_value)
        # Permission first, so a stranger cannot tell which program ids exist.
        await self._authorizer.require(uow, person, Permission.EXPORT, program_id)
        program = await uow.programs.get(program_id)
        if program is None:
            raise StaleButton()
        return person, program


def _caption(t: Translator, program: Program) -> str:
    return t.gettext(
        "Figures of “{program}”. They are about groups only: any group smaller than {size} "
        "people is hidden, so nobody can be singled out. Please keep the file as carefully "
        "as the people in it deserve.",
        program=program.name,
        size=program.min_group_size,
    )


def _days(period: str) -> int | None:
    """The days a period button means (None: the whole program); StaleButton otherwise."""
    if period == WHOLE_PROGRAM:
        return None
    if period in {key for key, _ in PERIODS}:
        return int(period)
    raise StaleButton()


def _short(label: str) -> str:
    return label if len(label) <= BUTTON_LABEL_LENGTH else label[: BUTTON_LABEL_LENGTH - 1] + "…"


def _id(person: Person) -> int:
    assert person.id is not None
    return person.id
