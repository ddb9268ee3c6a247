"""The conversation core's messages: flows' prompts, partners' words, conversations ending."""

from __future__ import annotations

from collections.abc import Mapping

from bot.engine import render_message
from bot.engine.effects import Message
from bot.i18n.translator import Translator
from bot.services.dialogue_results import (
    PARTNER_BUTTON,
    PARTNER_FIND,
    RUN_BUTTON,
    DialogueResult,
    FacilitatorAttention,
    FlowButtons,
    FlowButtonsChanged,
    FlowNotice,
    FlowPrompt,
    MediaFromPartner,
    NoConversation,
    PartnerGone,
    PartnerShared,
    SentToPartners,
)
from bot.services.replies import Button, ButtonAction, RelayedWords, Reply

SELECTED_MARK = "✓ "


def render_dialogue(result: DialogueResult, t: Translator) -> Reply:
    """The message for a result of the conversation core, in the reader's language."""
    match result:
        case FlowPrompt(run_id=run_id, text=text, hint=hint, buttons=buttons, context=context):
            body = _text(text, t, context)
            if hint is not None:
                body = f"{body}\n\n{_text(hint, t, context)}"
            return Reply(body, buttons=_run_buttons(run_id, buttons, t, context))
        case FlowButtonsChanged(run_id=run_id, buttons=buttons, context=context):
            return Reply(
                "",
                buttons=_run_buttons(run_id, buttons, t, context),
                replaces_pressed_message=True,
                buttons_only=True,
            )
        case FlowNotice(notice=notice, context=context):
            return Reply(_text(notice, t, context))
        case PartnerShared(heading=heading, context=context, words=words, source=source):
            return Reply(
                _text(heading, t, context), relayed=RelayedWords(words, source, t.language)
            )
        case MediaFromPartner(pseudonym=pseudonym):
            return Reply(t.gettext("{partner} sent you this:", partner=pseudonym))
        case SentToPartners(names=names):
            return Reply(t.gettext("Sent to {partner}.", partner=names))
        case PartnerGone():
            return _partner_gone(result, t)
        case FacilitatorAttention(pseudonym=pseudonym, reason=reason):
            return Reply(
                t.gettext(
                    "{pseudonym} may need a facilitator's attention in their dialogue "
                    "({reason}). Please check in with them.",
                    pseudonym=pseudonym,
                    reason=reason,
                )
            )
        case NoConversation():
            return Reply(t.gettext("There is no conversation going on right now."))


def _partner_gone(gone: PartnerGone, t: Translator) -> Reply:
    if gone.reason == "member_forgotten":
        text = t.gettext(
            "Your partner has left Palaver, so this exchange has ended. Thank "
            "you for what you shared. Send /partner to meet someone new."
        )
    elif gone.reason == "ended_by_facilitator":
        text = t.gettext(
            "A facilitator has ended this exchange. Thank you for what you shared. Would "
            "you like to meet someone new?"
        )
    else:
        text = t.gettext(
            "Your partner has ended the exchange. That can happen for many reasons, and it "
            "says nothing about you. Thank you for what you shared. Would you like to meet "
            "someone new?"
        )
    find = Button(
        t.gettext("Find me a new partner"),
        ButtonAction(PARTNER_BUTTON, f"{PARTNER_FIND}.{gone.program_id}"),
    )
    return Reply(text, buttons=((find,),))


def _text(message: Message, t: Translator, context: Mapping[str, str | int]) -> str:
    return render_message(message, t.gettext, context)


def _run_buttons(
    run_id: int, rows: FlowButtons, t: Translator, context: Mapping[str, str | int]
) -> tuple[tuple[Button, ...], ...]:
    return tuple(
        tuple(
            Button(
                (SELECTED_MARK if button.selected else "") + _text(button.label, t, context),
                ButtonAction(RUN_BUTTON, f"{run_id}.{button.turn}.{button.value}"),
            )
            for button in row
        )
        for row in rows
    )
