"""The views: what the services show, worded in the reader's language, without I/O."""

from __future__ import annotations

from bot.config import REPOSITORY_ROOT
from bot.engine import Button as FlowButton
from bot.engine.effects import Message
from bot.i18n.catalogs import Catalogs
from bot.services.dialogue_results import FlowPrompt, PartnerGone
from bot.services.exchange_results import ConfirmEnding
from bot.services.exchanges import ExchangeAction
from bot.services.replies import ButtonAction
from bot.telegram.views import TelegramViews

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")


def test_a_partner_gone_is_told_in_their_own_language_with_a_way_on() -> None:
    reply = TelegramViews().render(PartnerGone(7, "left"), CATALOGS.translator("fr"))
    [[find]] = reply.buttons
    assert find.label == "Rencontrer quelqu'un d'autre"
    assert find.action == ButtonAction("x", "find.7")


def test_a_flow_prompt_names_the_partner_and_marks_the_chosen_option() -> None:
    prompt = FlowPrompt(
        run_id=12,
        text=Message("Hello {partner}", verbatim=True),
        hint=None,
        buttons=(
            (
                FlowButton(Message("Yes", verbatim=True), "yes", "ask", 3, selected=True),
                FlowButton(Message("No", verbatim=True), "no", "ask", 3),
            ),
        ),
        context={"partner": "Blue Heron"},
    )
    reply = TelegramViews().render(prompt, CATALOGS.translator("en"))
    assert reply.text == "Hello Blue Heron"
    assert [(b.label, b.action.value) for b in reply.buttons[0]] == [
        ("✓ Yes", "12.3.yes"),
        ("No", "12.3.no"),
    ]


def test_ending_asks_first_and_offers_to_go_on() -> None:
    reply = TelegramViews().render(ConfirmEnding(ExchangeAction.END), CATALOGS.translator("en"))
    assert reply.text.startswith("Do you want to end this exchange?")
    assert [b.action.value for b in reply.buttons[0]] == [ExchangeAction.END, ExchangeAction.KEEP]
