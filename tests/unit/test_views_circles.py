"""The circles views: seats, groups, reports and statements rounds, in each reader's
language, with the buttons that act on them."""

from __future__ import annotations

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs
from bot.services.circle_results import (
    CircleReportAlert,
    CircleReportLookedAt,
    CircleReportReasons,
    CircleReportReceived,
    GroupLinked,
    SeatRequested,
    StatementsRoundOpened,
    TimeOutCalled,
)
from bot.services.replies import ButtonAction
from bot.telegram.views import TelegramViews

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")
EN = CATALOGS.translator("en")


def test_a_seat_request_names_the_community_or_says_it_was_not_given() -> None:
    reply = TelegramViews().render(SeatRequested(7, 3, "Heron", None), EN)
    assert reply.text == "Heron (community not given) asks for a seat in circle 7."
    assert [(button.label, button.action) for button in reply.buttons[0]] == [
        ("Admit", ButtonAction("cf", "admit.7.3")),
        ("Decline", ButtonAction("cf", "decline.7.3")),
    ]
    named = TelegramViews().render(SeatRequested(7, 3, None, "Riverside"), EN)
    assert named.text == "? (Riverside) asks for a seat in circle 7."


def test_a_time_out_offers_the_co_host_to_resume() -> None:
    reply = TelegramViews().render(TimeOutCalled(7, "Heron"), EN)
    assert reply.text.startswith("Heron called a time out in circle 7.")
    assert reply.buttons[0][0].action == ButtonAction("cf", "resume.7")


def test_a_linked_group_is_told_what_the_bot_may_do_there() -> None:
    reply = TelegramViews().render(GroupLinked(7, "Circle", "https://t.me/x", False), EN)
    linked, rights = reply.text.split("\n\n")
    assert linked.endswith("in a private chat with me: https://t.me/x")
    assert rights.startswith("I am not an admin here yet.")


def test_the_reasons_for_a_report_carry_the_contribution() -> None:
    reply = TelegramViews().render(CircleReportReasons(12), EN)
    assert reply.text.startswith("Report this message to the facilitators?")
    assert reply.buttons and all(
        row[0].action.kind == "cm" and row[0].action.value.startswith("why.12.")
        for row in reply.buttons
    )


def test_a_report_alert_shows_the_words_before_it_and_every_decision() -> None:
    alert = CircleReportAlert(
        report_id=4,
        circle_id=7,
        reporter="Heron",
        reason="other",
        author=None,
        words="the words",
        earlier=(("Otter", "x" * 300),),
    )
    reply = TelegramViews().render(alert, EN)
    heading, words, before, context = reply.text.split("\n\n")
    assert heading.startswith("Heron reported a message in circle 7 (")
    assert heading.endswith("It was written by ?:")
    assert words == "“the words”"
    assert before == "Before it in this round:"
    assert context == "• Otter: " + "x" * 200
    assert [row[0].action.value for row in reply.buttons] == [
        "mod.4.dismiss",
        "mod.4.delete",
        "mod.4.warn",
        "mod.4.mute",
        "mod.4.remove",
    ]


def test_the_reporter_hears_what_the_co_host_decided() -> None:
    dismissed = TelegramViews().render(CircleReportLookedAt("dismiss"), EN)
    assert "decided to leave it" in dismissed.text
    muted = TelegramViews().render(CircleReportLookedAt("mute"), EN)
    assert "acted on it (Mute for 10 minutes)" in muted.text
    assert TelegramViews().render(CircleReportReceived(replaces=True), EN).replaces_pressed_message


def test_a_statements_round_asks_members_by_pseudonym_and_tells_the_group_it_is_private() -> None:
    private = TelegramViews().render(StatementsRoundOpened(2, "Hello {name}?", "Heron"), EN)
    number, question, how = private.text.split("\n\n")
    assert (number, question) == ("Round 2", "Hello Heron?")
    assert how.startswith("Write each statement")
    group = TelegramViews().render(
        StatementsRoundOpened(2, "Hello {name}?", None, in_group=True), EN
    )
    assert group.text.split("\n\n")[1:] == [
        "Hello ?",
        "This round happens in private: I have written to each member. Statements and votes "
        "stay there; only totals are shown.",
    ]
