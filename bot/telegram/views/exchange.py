"""The exchange use cases' messages: looking for a partner, ending, nudges, offers."""

from __future__ import annotations

from bot.i18n.translator import Translator
from bot.services.exchange_results import (
    AlreadyInExchange,
    AnswerAwaited,
    ConfirmEnding,
    ExchangeEnded,
    ExchangeResult,
    GoingOn,
    NotInExchange,
    PartnerOffer,
    PartnerQuiet,
    SoloOffers,
    StillLooking,
)
from bot.services.exchanges import EXCHANGE_BUTTON, SOLO_BUTTON, ExchangeAction
from bot.services.replies import Button, ButtonAction, Reply


def render_exchange(result: ExchangeResult, t: Translator) -> Reply:
    """The message for a result of the exchange use cases, in the reader's language."""
    match result:
        case StillLooking():
            return Reply(
                t.gettext(
                    "I'm looking for a partner for you from another community. I'll write as "
                    "soon as I find someone; it can take a while. You don't need to stay in "
                    "this chat."
                )
            )
        case AlreadyInExchange():
            return Reply(t.gettext("You are already in an exchange. Send /end to end it first."))
        case NotInExchange():
            return Reply(t.gettext("You are not in an exchange at the moment."))
        case ConfirmEnding(action=action):
            return _confirm_ending(action, t)
        case GoingOn():
            return Reply(t.gettext("All right, let's go on."), replaces_pressed_message=True)
        case ExchangeEnded():
            return Reply(
                t.gettext("The exchange has ended. Thank you for taking part."),
                replaces_pressed_message=True,
            )
        case AnswerAwaited():
            return Reply(
                t.gettext(
                    "Your partner is waiting for your answer. Take your time; when "
                    "you are ready, just reply here. You can also pause or leave "
                    "with /leave."
                )
            )
        case PartnerQuiet():
            return Reply(
                t.gettext(
                    "Your partner has not answered for a while. You can keep waiting, or meet "
                    "someone new."
                ),
                buttons=(
                    (
                        Button(
                            t.gettext("Find me a new partner"),
                            ButtonAction(EXCHANGE_BUTTON, ExchangeAction.NEW_PARTNER),
                        ),
                        _keep(t.gettext("Keep waiting")),
                    ),
                ),
            )
        case SoloOffers(program_id=program_id, flows=flows):
            return Reply(
                t.gettext("You can also take part on your own, whenever it suits you:"),
                buttons=tuple(
                    (Button(t.gettext(title), ButtonAction(SOLO_BUTTON, f"{program_id}.{id_}")),)
                    for id_, title in flows
                ),
            )
        case PartnerOffer(program_id=program_id):
            find = ButtonAction(EXCHANGE_BUTTON, f"{ExchangeAction.FIND}.{program_id}")
            return Reply(
                t.gettext(
                    "When you are ready, I can introduce you to someone from another community "
                    "for a written exchange of stories."
                ),
                buttons=((Button(t.gettext("Find me a partner"), find),),),
            )


def _confirm_ending(action: str, t: Translator) -> Reply:
    if action == ExchangeAction.NEW_PARTNER:
        question = t.gettext(
            "Do you want a new partner? This exchange will end, and I will look for someone "
            "else from another community."
        )
        yes = t.gettext("Yes, find someone new")
    else:
        question = t.gettext(
            "Do you want to end this exchange? Your partner will be told, kindly, that it "
            "has ended."
        )
        yes = t.gettext("Yes, end it")
    buttons = ((Button(yes, ButtonAction(EXCHANGE_BUTTON, action)), _keep(t.gettext("No, go on"))),)
    return Reply(question, buttons=buttons)


def _keep(label: str) -> Button:
    """The button that keeps the exchange going, under its translated `label`."""
    return Button(label, ButtonAction(EXCHANGE_BUTTON, ExchangeAction.KEEP))
