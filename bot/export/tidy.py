"""Figures as tidy records: one observation per row, the same columns in CSV and JSON."""

from __future__ import annotations

from typing import Any

from bot.export.model import Figure

COLUMNS: tuple[tuple[str, str], ...] = (
    ("section", "What the row counts or measures; see the list of sections below."),
    ("community", "The community the row is about; empty: all communities together."),
    ("flow_id", "The dialogue flow (e.g. story-exchange), where the row is about one."),
    ("step_id", "The step of the flow where people stopped (section step_stopped)."),
    ("measure", "What a survey scale measures (e.g. thermometer, trust)."),
    ("wave", "pre: before; post: right after; later: about a month later."),
    ("key", "The question (answer key in the flow) whose answers are counted."),
    ("option", "The answer option, exchange outcome, follow-up status or moderation kind."),
    ("date", "For participation: the day the running total reached this number (UTC)."),
    ("people", "How many people the row is about (n for a mean); empty when suppressed."),
    ("mean", "The mean over those people (change: after minus before, same people)."),
    ("ci_low", "Lower end of the 95% confidence interval of the mean (Student's t)."),
    ("ci_high", "Upper end of the 95% confidence interval of the mean."),
    ("suppressed", "true: hidden because it is about too few people, or would reveal such a row."),
)

SECTIONS: tuple[tuple[str, str], ...] = (
    ("participants", "People in the export's cohort (joined the program in the period)."),
    ("left", "Of those, people who have left the program."),
    ("participation", "Running total of the cohort by joining date (grows in whole blocks)."),
    ("flow_started", "People who started the flow."),
    ("flow_finished", "People whose latest run of the flow is finished."),
    ("step_stopped", "People whose latest run of the flow is not finished and rests at the step."),
    ("exchanges", "People who were in an exchange; with option: how their latest one ended."),
    ("measure", "A survey scale in one wave: people, mean, confidence interval."),
    ("change", "Change of a scale from pre to the wave, among people who answered both."),
    ("answer", "People who answered a choice question; with option: who chose that option."),
    ("commitments", "People who made at least one commitment."),
    ("follow_ups", "People with a follow-up in that status."),
    (
        "moderation",
        "People who took a moderation action of that kind (report: reported a partner).",
    ),
)


def record(figure: Figure) -> dict[str, Any]:
    """A figure as a flat record; a suppressed figure keeps its labels and loses its numbers."""
    hidden = figure.suppressed
    return {
        "section": figure.section.value,
        "community": figure.community,
        "flow_id": figure.flow_id,
        "step_id": figure.step_id,
        "measure": figure.measure,
        "wave": figure.wave,
        "key": figure.key,
        "option": figure.option,
        "date": figure.day.isoformat() if figure.day else None,
        "people": None if hidden else figure.people,
        "mean": None if hidden else figure.mean,
        "ci_low": None if hidden else figure.ci_low,
        "ci_high": None if hidden else figure.ci_high,
        "suppressed": hidden,
    }
