"""The JSON export, following docs/export-schema.json."""

from __future__ import annotations

import json
from typing import Any

from bot.export.model import SCHEMA_VERSION, ExportReport
from bot.export.tidy import record

FREE_TEXT_POLICY = (
    "No free-text answers are exported: no flow marks a question as shareable in exports yet."
)
IDENTIFIER_POLICY = (
    "No identifiers of any kind: every row counts people; no row is about one person."
)


def report_document(report: ExportReport) -> dict[str, Any]:
    """The export as JSON-ready data."""
    program, period = report.program, report.period
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": report.generated_at.isoformat(),
        "language": report.language,
        "program": {
            "id": program.id,
            "name": program.name,
            "status": program.status,
            "created_on": program.created_on.isoformat(),
            "languages": list(program.languages),
            "communities": list(program.communities),
            "flows": [
                {"id": flow.id, "track": flow.track, "kind": flow.kind, "title": flow.title}
                for flow in program.flows
            ],
        },
        "period": {
            "requested_since": _day(period.requested_since),
            "requested_until": _day(period.requested_until),
            "first_joined": _day(period.first_joined),
            "last_joined": _day(period.last_joined),
        },
        "privacy": {
            "min_group_size": program.min_group_size,
            "identifiers": IDENTIFIER_POLICY,
            "free_text": FREE_TEXT_POLICY,
        },
        "figures": [record(figure) for figure in report.figures],
    }


def render_json(report: ExportReport) -> bytes:
    return json.dumps(report_document(report), ensure_ascii=False, indent=1).encode()


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
