"""The moderation use cases' messages: /report, facilitators' alerts and what they do."""

from __future__ import annotations

from bot.i18n.translator import N_, Translator
from bot.services.moderation import (
    CONTEXT_LENGTH,
    MODERATION_BUTTON,
    ModerationAction,
    ReportReason,
)
from bot.services.moderation_results import (
    ExchangeEndedByFacilitator,
    FacilitatorWarning,
    ModerationResult,
    RemovedFromProgram,
    ReportAlert,
    ReportAlreadyHandled,
    ReportHandled,
    ReportLookedAt,
    ReportReasons,
    ReportReceived,
)
from bot.services.replies import Button, ButtonAction, Reply
from bot.telegram.views.labels import REASON_LABELS

ACTION_LABELS = {
    ModerationAction.DISMISS: N_("Dismiss"),
    ModerationAction.WARN: N_("Warn"),
    ModerationAction.END: N_("End the exchange"),
    ModerationAction.REMOVE: N_("Remove from the program"),
}


def render_moderation(result: ModerationResult, t: Translator) -> Reply:
    """The message for a result of the moderation use cases, in the reader's language."""
    match result:
        case ReportReasons(action_kind=kind, report_action=report_action):
            rows = tuple(
                (Button(t.gettext(label), ButtonAction(kind, f"{report_action}.{reason}")),)
                for reason, label in REASON_LABELS.items()
            )
            return Reply(
                t.gettext(
                    "Do you want to report your partner to the facilitators? Tap what happened. "
                    "They will see your exchange's last messages and pseudonyms, and look into "
                    "it. Your partner is not told who reported."
                ),
                buttons=(*rows, (Button(t.gettext("No, go on"), ButtonAction(kind, "keep")),)),
            )
        case ReportReceived():
            return Reply(
                t.gettext(
                    "Thank you for telling us. A facilitator will look into it. You can end the "
                    "exchange with /end, or ask for a new partner with /newpartner."
                ),
                replaces_pressed_message=True,
            )
        case ReportAlert():
            return _alert(result, t)
        case ReportAlreadyHandled():
            return Reply(
                t.gettext("This report has already been handled."), replaces_pressed_message=True
            )
        case ReportHandled(action=action):
            return Reply(
                t.gettext(
                    "Done: {outcome}.",
                    outcome=t.gettext(ACTION_LABELS[ModerationAction(action)]),
                ),
                replaces_pressed_message=True,
            )
        case ReportLookedAt(acted=acted):
            return Reply(
                t.gettext(
                    "A facilitator has looked at your report and acted on it. Thank "
                    "you for telling us."
                )
                if acted
                else t.gettext("A facilitator has looked at your report. Thank you for telling us.")
            )
        case FacilitatorWarning():
            return Reply(
                t.gettext(
                    "A message from the facilitators: please keep to the agreements of "
                    "this exchange. Be respectful, and never share anything that could "
                    "identify anyone. Thank you."
                )
            )
        case ExchangeEndedByFacilitator():
            return Reply(t.gettext("A facilitator has ended this exchange."))
        case RemovedFromProgram():
            return Reply(
                t.gettext("A facilitator has ended this exchange and removed you from the program.")
            )


def _alert(alert: ReportAlert, t: Translator) -> Reply:
    reporter = alert.reporter or "?"
    reported = alert.reported or "?"
    lines = [
        t.gettext(
            "Report: {reporter} reported their exchange partner {reported}.",
            reporter=reporter,
            reported=reported,
        ),
        t.gettext("Reason: {reason}", reason=t.gettext(REASON_LABELS[ReportReason(alert.reason)])),
        "",
    ]
    if alert.last_messages:
        lines.append(t.gettext("The last messages, as {reporter} saw them:", reporter=reporter))
        for by_reporter, text in alert.last_messages:
            author = reporter if by_reporter else reported
            shown = (
                t.gettext("(erased)")
                if text is None
                else text[:CONTEXT_LENGTH] + ("…" if len(text) > CONTEXT_LENGTH else "")
            )
            lines.append(f"— {author}: {shown}")
    else:
        lines.append(t.gettext("They have not written to each other yet."))
    rows = tuple(
        (Button(t.gettext(label), ButtonAction(MODERATION_BUTTON, f"{action}.{alert.report_id}")),)
        for action, label in ACTION_LABELS.items()
    )
    return Reply("\n".join(lines), buttons=rows)
