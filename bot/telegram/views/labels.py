"""Names shown in more than one view (and by the command line): report reasons, circle
states and kinds, when a circle begins. Marked for translation here, worded where shown."""

from __future__ import annotations

from bot.i18n.translator import N_
from bot.services.moderation import ReportReason
from bot.storage.tables import CircleState, ConversationKind

REASON_LABELS = {
    ReportReason.HURTFUL: N_("Disrespectful or hurtful"),
    ReportReason.IDENTIFYING: N_("Shares who or where someone is"),
    ReportReason.THREAT: N_("Threatens someone"),
    ReportReason.SPAM: N_("Spam or advertising"),
    ReportReason.OTHER: N_("Something else"),
}
CIRCLE_STATE = {
    CircleState.FORMING: N_("forming"),
    CircleState.RUNNING: N_("running"),
    CircleState.PAUSED: N_("paused"),
    CircleState.ENDED: N_("ended"),
}
KIND_LABELS = {
    ConversationKind.RELAYED_CIRCLE: N_("Relayed: each member in their private chat"),
    ConversationKind.GROUP_CIRCLE: N_("In a Telegram group"),
}
KIND_NAMES = {
    ConversationKind.RELAYED_CIRCLE: N_("relayed"),
    ConversationKind.GROUP_CIRCLE: N_("in a group"),
}
START_LABELS = {
    "now": N_("When I begin it"),
    "1h": N_("In an hour"),
    "1d": N_("Tomorrow at this time"),
    "2d": N_("In two days"),
    "7d": N_("In a week"),
}
