"""What the moderation use cases show, as plain data without text (see dialogue_results)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportReasons:
    """/report: why, in one tap, or go on. Each button carries `action_kind`, and
    "<report_action>.<reason>" or "keep" (the kinds belong to the feature that asks)."""

    action_kind: str
    report_action: str


@dataclass(frozen=True)
class ReportReceived:
    """The reporter's receipt: a facilitator will look into it."""


@dataclass(frozen=True)
class ReportAlert:
    """A report, told to a facilitator with buttons to act on it.

    `reporter` and `reported` are pseudonyms (None when unknown); `reason` a ReportReason
    value; `last_messages` the exchange's last words as the reporter saw them: (written by
    the reporter, text or None when erased).
    """

    report_id: int
    reporter: str | None
    reported: str | None
    reason: str
    last_messages: tuple[tuple[bool, str | None], ...]


@dataclass(frozen=True)
class ReportAlreadyHandled:
    """A facilitator's button on a report someone has already handled."""


@dataclass(frozen=True)
class ReportHandled:
    """The facilitator's receipt; `action` is the ModerationAction taken."""

    action: str


@dataclass(frozen=True)
class ReportLookedAt:
    """Told to the reporter once a facilitator has handled the report; `acted`: something
    was done (not dismissed)."""

    acted: bool


@dataclass(frozen=True)
class FacilitatorWarning:
    """Told to a reported person a facilitator warned."""


@dataclass(frozen=True)
class ExchangeEndedByFacilitator:
    """Told to a reported person whose exchange a facilitator ended."""


@dataclass(frozen=True)
class RemovedFromProgram:
    """Told to a reported person a facilitator removed from the program."""


ModerationResult = (
    ReportReasons
    | ReportReceived
    | ReportAlert
    | ReportAlreadyHandled
    | ReportHandled
    | ReportLookedAt
    | FacilitatorWarning
    | ExchangeEndedByFacilitator
    | RemovedFromProgram
)
