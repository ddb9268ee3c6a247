"""A problem found in a flow file, named by file, line and step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong (error) or suspicious (warning) in a flow file."""

    severity: Severity
    file: str
    line: int
    step_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"step '{self.step_id}': " if self.step_id else ""
        label = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {label}{where}{self.message}"


def has_errors(problems: list[Problem]) -> bool:
    """Whether any of the problems is an error (warnings alone do not fail a check)."""
    return any(problem.severity == "error" for problem in problems)
