"""The CSV export: one tidy table of figures, and its data dictionary."""

from __future__ import annotations

import csv
import io

from bot.export.model import ExportReport
from bot.export.tidy import COLUMNS, SECTIONS, record


def render_csv(report: ExportReport) -> bytes:
    """One row per figure, columns as in `data_dictionary_csv`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([name for name, _ in COLUMNS])
    for figure in report.figures:
        row = record(figure)
        writer.writerow(["" if row[name] is None else _cell(row[name]) for name, _ in COLUMNS])
    return out.getvalue().encode()


def data_dictionary_csv() -> bytes:
    """What each column and each section of the CSV export means."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "name", "meaning"])
    writer.writerows(("column", name, meaning) for name, meaning in COLUMNS)
    writer.writerows(("section", name, meaning) for name, meaning in SECTIONS)
    return out.getvalue().encode()


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
