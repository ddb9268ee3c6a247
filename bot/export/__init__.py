"""Organizer exports: what a program did and whether it helped, without exposing anyone.

`collect_report` reads a program into figures about groups (small ones hidden, see
`suppression`); the renderers turn the same report into CSV, JSON, Markdown or HTML.
`build_export` does both in a worker thread with its own database connection, so the bot's
event loop keeps serving people while a large program is exported.
"""

from __future__ import annotations

import asyncio

from bot.export.collect import ProgramNotFound, Progress, collect_report
from bot.export.csv_report import data_dictionary_csv, render_csv
from bot.export.html_report import render_html
from bot.export.json_report import render_json
from bot.export.markdown_report import render_markdown
from bot.export.model import ExportFormat, ExportReport, ExportRequest
from bot.i18n.translator import Translator
from bot.storage.unit_of_work import Database

__all__ = [
    "ExportFormat",
    "ExportReport",
    "ExportRequest",
    "ProgramNotFound",
    "build_export",
    "collect_report",
    "data_dictionary_csv",
    "export_filename",
    "render",
]


def render(report: ExportReport, export_format: ExportFormat, translator: Translator) -> bytes:
    """The report as a file of `export_format`; Markdown and HTML in the translator's language."""
    if export_format is ExportFormat.JSON:
        return render_json(report)
    if export_format is ExportFormat.CSV:
        return render_csv(report)
    if export_format is ExportFormat.MARKDOWN:
        return render_markdown(report, translator)
    return render_html(report, translator)


def export_filename(request: ExportRequest) -> str:
    """A file name that says what is in the file (never who asked for it)."""
    period = ""
    if request.since or request.until:
        period = f"-{request.since or 'start'}-to-{request.until or 'now'}"
    return f"palaver-program-{request.program_id}{period}.{request.format.value}"


def build_export(
    database_url: str,
    request: ExportRequest,
    translator: Translator,
    progress: Progress | None = None,
) -> bytes:
    """Collect and render an export with a database connection of its own.

    Blocking: call it from a worker thread (asyncio.to_thread) or a command-line process.
    """

    async def build() -> bytes:
        database = Database(database_url)
        try:
            async with database.unit_of_work() as uow:
                report = await collect_report(uow, request, progress)
        finally:
            await database.dispose()
        return render(report, request.format, translator)

    return asyncio.run(build())
