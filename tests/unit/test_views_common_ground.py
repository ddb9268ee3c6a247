"""The common-ground views: ballots, moderation cards, refusals and the organizers' screen."""

from __future__ import annotations

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs
from bot.services.common_ground_results import (
    Ballot,
    CommonGroundScreen,
    CommonGroundSummary,
    Results,
    StatementModerated,
    StatementResult,
    StatementToModerate,
    StatementTooLongAgain,
    Tally,
    Words,
)
from bot.services.replies import ButtonAction, RelayedWords
from bot.telegram.views import TelegramViews

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")
EN = CATALOGS.translator("en")


def test_a_ballot_keeps_the_words_apart_and_offers_three_votes() -> None:
    shown = Ballot(7, "Quiet Heron", Words("Parks matter", "en", "uk"))
    reply = TelegramViews().render(shown, EN)
    assert reply.text == "A statement by Quiet Heron:"
    assert reply.relayed == RelayedWords("Parks matter", "en", "uk")
    assert [(b.label, b.action) for b in reply.buttons[0]] == [
        ("Agree", ButtonAction("cgv", "7.a")),
        ("Disagree", ButtonAction("cgv", "7.d")),
        ("Pass", ButtonAction("cgv", "7.p")),
    ]


def test_an_anonymous_ballot_names_nobody() -> None:
    reply = TelegramViews().render(Ballot(7, None, Words("Parks", "en", "en")), EN)
    assert reply.text == "A statement:"


def test_a_facilitator_may_approve_edit_or_reject_a_statement() -> None:
    reply = TelegramViews().render(StatementToModerate(3, Words("x", "en", "en")), EN)
    assert [b.action.value for b in reply.buttons[0]] == ["ok.3", "ed.3", "no.3"]


def test_the_decision_replaces_the_card_only_when_it_was_pressed() -> None:
    words = Words("x", "en", "en")
    pressed = TelegramViews().render(StatementModerated(False, words, replaces=True), EN)
    typed = TelegramViews().render(StatementModerated(True, words), EN)
    assert pressed.text == "Rejected: nobody else will see it."
    assert pressed.replaces_pressed_message
    assert typed.text == "Approved: participants are offered it now."
    assert not typed.replaces_pressed_message


def test_a_too_long_statement_is_refused_with_the_limit() -> None:
    reply = TelegramViews().render(StatementTooLongAgain(280), EN)
    assert reply.text == "Please keep your statement under 280 characters, and send it again."


def test_the_organizers_screen_lists_bridging_statements_by_community() -> None:
    found = Results(
        counted={1: 4, 2: 5},
        hidden=1,
        min_voters=3,
        bridging=(StatementResult(10, 0.5, {1: Tally(agrees=3, passes=1), 2: Tally(agrees=5)}),),
        divisive=(),
        totals={},
    )
    summary = CommonGroundSummary(
        program="Town talk",
        is_open=True,
        approved=2,
        pending=1,
        found=found,
        statements={10: "Parks matter"},
        communities={1: "North", 2: "South"},
    )
    text = TelegramViews().render(CommonGroundScreen(summary, None), EN).text
    assert text.splitlines()[:5] == [
        "Common ground in Town talk (open)",
        "2 statements offered, 1 waiting for a facilitator.",
        "North: 4 voters",
        "South: 5 voters",
        "Communities with fewer than 3 voters are not shown.",
    ]
    assert "• Parks matter (North 75% agree, South 100% agree)" in text
    assert text.splitlines()[-1].startswith("Opinion groups found from the votes need")
