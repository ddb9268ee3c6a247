"""Reports in circles: the reasons a member taps, the co-hosts' alerts and what they decide,
told to each person concerned."""

from __future__ import annotations

from bot.i18n.translator import N_, Translator
from bot.services.circle_results import (
    AgreementsReminder,
    CircleModerationResult,
    CircleReportAlert,
    CircleReportAlreadyHandled,
    CircleReportHandled,
    CircleReportLookedAt,
    CircleReportReasons,
    CircleReportReceived,
    DeletedEverywhere,
    MessageTakenDown,
    MutedInCircle,
    RemovedFromCircle,
)
from bot.services.circle_rooms import CIRCLE_BUTTON, MEMBER_BUTTON, MemberVerb, Moderation, Verb
from bot.services.moderation import ReportReason
from bot.services.replies import Button, ButtonAction, Reply
from bot.telegram.views.labels import REASON_LABELS

MODERATION_LABELS = {
    Moderation.DISMISS: N_("Dismiss"),
    Moderation.DELETE: N_("Delete it everywhere"),
    Moderation.WARN: N_("Warn"),
    Moderation.MUTE: N_("Mute for 10 minutes"),
    Moderation.REMOVE: N_("Remove from the circle"),
}
EARLIER_WORDS_SHOWN = 200
"""How much of each answer before a reported one a co-host's alert shows."""


def render_circle_moderation(result: CircleModerationResult, t: Translator) -> Reply:
    """The message for a result of circle moderation, in the reader's language."""
    match result:
        case CircleReportReasons(contribution_id=contribution_id):
            return Reply(
                t.gettext(
                    "Report this message to the facilitators? Tap what is wrong with it. They "
                    "will see it and who wrote it (by pseudonym), never who reported it."
                ),
                buttons=tuple(
                    (
                        Button(
                            t.gettext(label),
                            ButtonAction(
                                MEMBER_BUTTON,
                                f"{MemberVerb.REASON}.{contribution_id}.{reason.value}",
                            ),
                        ),
                    )
                    for reason, label in REASON_LABELS.items()
                ),
            )
        case CircleReportAlert():
            return _alert(result, t)
        case CircleReportReceived(replaces=replaces):
            return Reply(
                t.gettext(
                    "Thank you. The facilitators will look at it. I will tell you what they did."
                ),
                replaces_pressed_message=replaces,
            )
        case CircleReportAlreadyHandled():
            return Reply(t.gettext("A co-host has already handled this report."))
        case CircleReportHandled(action=action):
            return Reply(
                t.gettext("Done: {action}.", action=_label(action, t)),
                replaces_pressed_message=True,
            )
        case CircleReportLookedAt(action=action):
            if action == Moderation.DISMISS:
                return Reply(
                    t.gettext(
                        "A facilitator looked at the message you reported and decided to leave "
                        "it. Thank you for telling us; you can always call /timeout."
                    )
                )
            return Reply(
                t.gettext(
                    "A facilitator looked at the message you reported and acted on it "
                    "({action}). Thank you for telling us.",
                    action=_label(action, t),
                )
            )
        case MessageTakenDown():
            return Reply(
                t.gettext(
                    "A facilitator removed one of your messages from the circle because it "
                    "went against the circle's agreements. Please keep to them."
                )
            )
        case AgreementsReminder():
            return Reply(
                t.gettext(
                    "A facilitator asks you to keep to the circle's agreements: listen to "
                    "understand, speak for yourself, and respect everyone here."
                )
            )
        case MutedInCircle():
            return Reply(
                t.gettext(
                    "A facilitator has paused your messages in this circle for 10 minutes, "
                    "because of a message that went against the agreements. You can still "
                    "read."
                )
            )
        case RemovedFromCircle():
            return Reply(
                t.gettext(
                    "A facilitator has removed you from the circle because of messages that "
                    "went against its agreements."
                )
            )
        case DeletedEverywhere():
            return Reply(t.gettext("Deleted from every chat."))


def _label(action: str, t: Translator) -> str:
    return t.gettext(MODERATION_LABELS[Moderation(action)])


def _alert(alert: CircleReportAlert, t: Translator) -> Reply:
    lines = [
        t.gettext(
            "{reporter} reported a message in circle {circle} ({reason}). It was written by "
            "{author}:",
            reporter=alert.reporter or "?",
            circle=alert.circle_id,
            reason=t.gettext(REASON_LABELS[ReportReason(alert.reason)]),
            author=alert.author or "?",
        ),
        f"“{alert.words}”",
    ]
    if alert.earlier:
        context = "\n".join(
            f"• {author}: {words[:EARLIER_WORDS_SHOWN]}" for author, words in alert.earlier
        )
        lines += [t.gettext("Before it in this round:"), context]
    return Reply(
        "\n\n".join(lines),
        buttons=tuple(
            (
                Button(
                    t.gettext(label),
                    ButtonAction(CIRCLE_BUTTON, f"{Verb.MODERATE}.{alert.report_id}.{action}"),
                ),
            )
            for action, label in MODERATION_LABELS.items()
        ),
    )
