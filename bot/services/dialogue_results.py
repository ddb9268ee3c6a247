"""What the conversation core shows, as plain data without text.

A use case says what happened (a flow's prompt, a partner gone, words sent on); the views
in bot/telegram/views put it into words and buttons in each reader's own language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.engine import Button as FlowButton
from bot.engine.effects import Message

# Kinds of the buttons the conversation core offers (see bot/telegram/callback_data.py).
RUN_BUTTON = "r"
"""A button of a run: "<run id>.<turn>.<choice>"."""
PARTNER_BUTTON = "x"
"""The exchange feature's buttons (owned by services/exchanges.py; offered here too)."""
PARTNER_FIND = "find"

FlowButtons = tuple[tuple[FlowButton, ...], ...]


@dataclass(frozen=True)
class FlowPrompt:
    """A flow's message (a question, a thank-you), with its hint and buttons."""

    run_id: int
    text: Message
    hint: Message | None
    buttons: FlowButtons
    context: Mapping[str, str | int]
    """What the flow's messages may name (the person, their partners)."""


@dataclass(frozen=True)
class FlowButtonsChanged:
    """The buttons of the message just pressed, changed (e.g. a ticked option)."""

    run_id: int
    buttons: FlowButtons
    context: Mapping[str, str | int]


@dataclass(frozen=True)
class FlowNotice:
    """A flow's short word about a press it could not take."""

    notice: Message
    context: Mapping[str, str | int]


@dataclass(frozen=True)
class PartnerShared:
    """A partner's words, under the flow's heading; `source` is their language."""

    heading: Message
    context: Mapping[str, str | int]
    words: str
    source: str


@dataclass(frozen=True)
class MediaFromPartner:
    """The heading of a photo or voice note a partner sent."""

    pseudonym: str


@dataclass(frozen=True)
class SentToPartners:
    """The sender's receipt: their photo or voice note went to these partners."""

    names: str


@dataclass(frozen=True)
class PartnerGone:
    """A conversation ended early, told to a member who stays; `reason` says how it ended
    ("left", "ended_by_member", "new_partner", "member_forgotten", "blocked_bot",
    "ended_by_facilitator")."""

    program_id: int
    reason: str


@dataclass(frozen=True)
class FacilitatorAttention:
    """A flow asks a facilitator to check in with someone."""

    pseudonym: str
    reason: str


@dataclass(frozen=True)
class NoConversation:
    """A command for the current run, with no run going on."""


DialogueResult = (
    FlowPrompt
    | FlowButtonsChanged
    | FlowNotice
    | PartnerShared
    | MediaFromPartner
    | SentToPartners
    | PartnerGone
    | FacilitatorAttention
    | NoConversation
)
