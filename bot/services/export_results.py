"""What /export shows, as plain data without text (see dialogue_results).

The file itself is a document built by bot/export in the organizer's language; these are
only the chat messages around it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExportablePrograms:
    """/export: the programs this person may export, each its id and name."""

    programs: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class ChooseExportPeriod:
    """Which people of `program` to export: `periods` are the period keys offered."""

    program_id: int
    program: str
    periods: tuple[str, ...]


@dataclass(frozen=True)
class ChooseExportFormat:
    """Which kind of file, for the program and period chosen; `formats` are ExportFormat
    values."""

    program_id: int
    period: str
    formats: tuple[str, ...]


@dataclass(frozen=True)
class ExportFile:
    """The export of `program`, whose groups under `min_group_size` people are hidden."""

    program: str
    min_group_size: int
    filename: str
    content: bytes


@dataclass(frozen=True)
class ExportReady:
    """The short notice on the pressed button once the file is on its way."""


ExportResult = (
    ExportablePrograms | ChooseExportPeriod | ChooseExportFormat | ExportFile | ExportReady
)
"""The /export messages."""
