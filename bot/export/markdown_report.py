"""The Markdown summary: the report's tables as text, for a mail or a wiki page."""

from __future__ import annotations

from bot.export.model import ExportReport
from bot.export.presentation import Table, report_view
from bot.i18n.translator import Translator


def render_markdown(report: ExportReport, t: Translator) -> bytes:
    view = report_view(report, t)
    lines = [f"# {view.title}", ""]
    lines += [f"{line}  " for line in view.lines]
    lines += ["", f"> {view.privacy}", ""]
    for table in view.tables:
        if table.rows:
            lines += _table(table)
    return "\n".join(lines).encode()


def _table(table: Table) -> list[str]:
    def row(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    align = "| --- |" + " ---: |" * (len(table.header) - 1)
    return [f"## {table.title}", "", row(table.header), align, *map(row, table.rows), ""]
