"""What an export contains: tidy figures about groups of people, and the report around them.

A figure is one observation about a group (a count of people, or a mean over people), so
every figure says how many people it is about and can be hidden when that is too few.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

SCHEMA_VERSION = "1.0"
"""The version of docs/export-schema.json the JSON export follows (major.minor)."""


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSON = "json"
    MARKDOWN = "md"
    HTML = "html"


class Section(enum.StrEnum):
    """What a figure is about; docs/export-dictionary.csv explains each."""

    PARTICIPANTS = "participants"
    LEFT = "left"
    PARTICIPATION = "participation"
    FLOW_STARTED = "flow_started"
    FLOW_FINISHED = "flow_finished"
    STEP_STOPPED = "step_stopped"
    EXCHANGES = "exchanges"
    MEASURE = "measure"
    CHANGE = "change"
    ANSWER = "answer"
    COMMITMENTS = "commitments"
    COMMITMENT_OUTCOME = "commitment_outcome"
    FOLLOW_UPS = "follow_ups"
    MODERATION = "moderation"


@dataclass(frozen=True)
class ExportRequest:
    """Which program, which joining period (inclusive dates, UTC) and which file."""

    program_id: int
    format: ExportFormat
    since: date | None = None
    until: date | None = None
    language: str = "en"


@dataclass
class Figure:
    """One observation. `people` is how many people it is about (n for a mean)."""

    section: Section
    people: int
    community: str | None = None
    flow_id: str | None = None
    step_id: str | None = None
    measure: str | None = None
    wave: str | None = None
    key: str | None = None
    option: str | None = None
    day: date | None = None
    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    suppressed: bool = False

    def hide(self) -> None:
        """Hide the numbers (they stay in memory only to decide what else to hide)."""
        self.suppressed = True


@dataclass(frozen=True)
class FlowInfo:
    id: str
    track: str
    kind: str
    title: str


@dataclass(frozen=True)
class ProgramInfo:
    id: int
    name: str
    status: str
    created_on: date
    languages: tuple[str, ...]
    communities: tuple[str, ...]
    flows: tuple[FlowInfo, ...]
    min_group_size: int


@dataclass(frozen=True)
class Period:
    """The period asked for, and the joining dates of the people the export is about."""

    requested_since: date | None
    requested_until: date | None
    first_joined: date | None
    last_joined: date | None


@dataclass
class ExportReport:
    """Everything an export says; every format renders this and nothing else."""

    program: ProgramInfo
    period: Period
    generated_at: datetime
    language: str
    figures: list[Figure] = field(default_factory=list)

    def published(self) -> list[Figure]:
        """The figures that may be shown."""
        return [figure for figure in self.figures if not figure.suppressed]


NOT_STATED = "(not stated)"
"""The group of participants who chose not to say which community they belong to."""
