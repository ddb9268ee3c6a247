"""The /export messages: which program, which people, which kind of file, and the file."""

from __future__ import annotations

from bot.export import ExportFormat
from bot.i18n.translator import N_, Translator
from bot.services.export_results import (
    ChooseExportFormat,
    ChooseExportPeriod,
    ExportablePrograms,
    ExportFile,
    ExportReady,
    ExportResult,
)
from bot.services.exports import WHOLE_PROGRAM, ExportAction
from bot.services.replies import Button, ButtonAction, Document, Reply
from bot.telegram.views.program import short_label

PERIOD_LABELS = {
    WHOLE_PROGRAM: N_("Whole program"),
    "30": N_("Joined in the last 30 days"),
    "90": N_("Joined in the last 90 days"),
}
FORMAT_LABELS = {
    ExportFormat.HTML.value: N_("Report with charts (HTML)"),
    ExportFormat.CSV.value: N_("Table (CSV)"),
    ExportFormat.JSON.value: N_("Data (JSON)"),
    ExportFormat.MARKDOWN.value: N_("Summary (Markdown)"),
}


def render_export(result: ExportResult, t: Translator) -> Reply:
    """The message for a result of /export, in the reader's language."""
    match result:
        case ExportablePrograms(programs=programs):
            buttons = tuple(
                (Button(short_label(name), ButtonAction(ExportAction.PROGRAM, str(number))),)
                for number, name in programs
            )
            return Reply(t.gettext("Which program do you want to export?"), buttons)
        case ChooseExportPeriod(program_id=program_id, program=program, periods=periods):
            buttons = tuple(
                (
                    Button(
                        t.gettext(PERIOD_LABELS[key]),
                        ButtonAction(ExportAction.PERIOD, f"{program_id}.{key}"),
                    ),
                )
                for key in periods
            )
            text = t.gettext("Export “{program}”: which people?", program=program)
            return Reply(text, buttons, replaces_pressed_message=True)
        case ChooseExportFormat(program_id=program_id, period=period, formats=formats):
            buttons = tuple(
                (
                    Button(
                        t.gettext(FORMAT_LABELS[value]),
                        ButtonAction(ExportAction.FORMAT, f"{program_id}.{period}.{value}"),
                    ),
                )
                for value in formats
            )
            return Reply(t.gettext("Which kind of file?"), buttons, replaces_pressed_message=True)
        case ExportFile(program=program, min_group_size=size, filename=filename, content=content):
            return Reply(
                t.gettext(
                    "Figures of “{program}”. They are about groups only: any group smaller "
                    "than {size} people is hidden, so nobody can be singled out. Please keep "
                    "the file as carefully as the people in it deserve.",
                    program=program,
                    size=size,
                ),
                document=Document(filename, content),
            )
        case ExportReady():
            return Reply(t.gettext("Your export is ready."))
