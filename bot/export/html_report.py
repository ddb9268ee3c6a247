"""The HTML report: one self-contained file (inline CSS and SVG) that prints on A4.

It loads nothing: no fonts, scripts, images or styles from anywhere, and its Content
Security Policy forbids the browser to try. It is written in the organizer's language,
right to left where that language is.
"""

from __future__ import annotations

from html import escape

from bot.export.charts import render_chart
from bot.export.model import ExportReport
from bot.export.presentation import Table, report_view
from bot.i18n.translator import Translator

STYLE = """
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body { font-family: system-ui, "Segoe UI", "Noto Sans", Arial, sans-serif; color: #1d1d1f;
  max-width: 180mm; margin: 0 auto; padding: 12px; line-height: 1.45; font-size: 11pt; }
h1 { font-size: 20pt; margin: 0 0 4px; }
h2 { font-size: 14pt; margin: 22px 0 6px; border-bottom: 1px solid #ccc; }
.meta { color: #555; margin: 0; }
.privacy { background: #f3f6f9; border-inline-start: 4px solid #3b6ea5; padding: 8px 12px;
  margin: 14px 0; }
figure { margin: 12px 0; break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg { width: 100%; height: auto; font-size: 11px; }
svg .axis { stroke: #888; }
svg text:not(.value) { fill: #333; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; break-inside: avoid; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: start; }
td.n { text-align: end; font-variant-numeric: tabular-nums; }
.empty { color: #777; font-style: italic; }
@media print { body { padding: 0; } h2 { break-after: avoid; } }
"""

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def render_html(report: ExportReport, t: Translator) -> bytes:
    view = report_view(report, t)
    direction = "rtl" if view.is_rtl else "ltr"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(view.language)}" dir="{direction}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(view.title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(view.title)}</h1>",
        *(f'<p class="meta">{escape(line)}</p>' for line in view.lines),
        f'<p class="privacy">{escape(view.privacy)}</p>',
    ]
    nothing = escape(t.gettext("Nothing to show: too few people."))
    for chart in view.charts:
        parts.append(f"<h2>{escape(chart.title)}</h2>")
        if chart.has_data:
            parts.append(f"<figure>{render_chart(chart)}</figure>")
        else:
            parts.append(f'<p class="empty">{nothing}</p>')
    parts += [_table(table) for table in view.tables if table.rows]
    parts += ["</body>", "</html>"]
    return "\n".join(parts).encode()


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in table.header)
    body = "".join(
        "<tr>"
        + "".join(
            (f'<td class="n">{escape(cell)}</td>' if index else f"<td>{escape(cell)}</td>")
            for index, cell in enumerate(row)
        )
        + "</tr>"
        for row in table.rows
    )
    return (
        f"<h2>{escape(table.title)}</h2>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
