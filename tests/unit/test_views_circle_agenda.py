"""A circle's agenda views: questions, shown answers, agreements, the co-hosts' buttons."""

from __future__ import annotations

from dataclasses import replace

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs
from bot.services.circle_agenda_results import (
    AnswerPassedOn,
    AnswerShown,
    CircleAgreements,
    RoundCompleteForHosts,
    RoundQuestion,
    TimeIsUp,
)
from bot.services.replies import ButtonAction, RelayedWords
from bot.telegram.views import TelegramViews

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")
EN = CATALOGS.translator("en")


QUESTION = RoundQuestion(
    number=2,
    question="What brought you here?",
    minutes=None,
    in_turn=False,
    speaker=None,
    reader_speaks_first=False,
    for_group=False,
)


def test_a_timed_question_says_how_long_the_round_is() -> None:
    reply = TelegramViews().render(replace(QUESTION, minutes=1), EN)
    assert reply.text == "Round 2\n\nWhat brought you here?\n\nThis round has 1 minute."


def test_in_a_round_in_turn_the_group_hears_who_holds_the_piece_first() -> None:
    shown = replace(QUESTION, in_turn=True, speaker=None, for_group=True)
    reply = TelegramViews().render(shown, EN)
    assert reply.text.endswith("We go in turn, one at a time. ? holds the talking piece first.")


def test_the_first_speaker_is_told_it_is_them() -> None:
    shown = replace(QUESTION, in_turn=True, speaker="Fox", reader_speaks_first=True)
    reply = TelegramViews().render(shown, EN)
    assert "you hold the talking piece first" in reply.text
    assert "Fox" not in reply.text


def test_an_answer_is_shown_under_its_heading_with_a_report_button() -> None:
    shown = AnswerShown("{partner} says:", "Fox", 40, "Hello", "uk", for_host=False)
    reply = TelegramViews().render(shown, EN)
    assert reply.text == "Fox says:"
    assert reply.relayed == RelayedWords("Hello", "uk", "en")
    assert reply.buttons[0][0].action == ButtonAction("cm", "report.40")


def test_a_co_host_may_delete_an_answer_everywhere() -> None:
    shown = AnswerShown("{partner} says:", None, 40, "Hello", "en", for_host=True)
    reply = TelegramViews().render(shown, EN)
    assert reply.text == "? says:"
    assert reply.buttons[0][0].action == ButtonAction("cf", "delete.40")


def test_a_pass_is_shown_with_the_rounds_words() -> None:
    reply = TelegramViews().render(AnswerPassedOn("{partner} passes.", "Fox"), EN)
    assert reply.text == "Fox passes."


def test_the_usual_agreements_are_asked_again_before_speaking() -> None:
    reply = TelegramViews().render(CircleAgreements(7, None, "Fox", again=True), EN)
    assert reply.text.startswith("Everyone accepts the circle's agreements before speaking.")
    assert reply.text.endswith("Can you go along with these agreements?")
    assert reply.buttons[0][0].action == ButtonAction("cm", "agree.7")


def test_a_flows_own_agreements_are_addressed_to_the_member() -> None:
    reply = TelegramViews().render(CircleAgreements(7, "Welcome, {name}.", "Fox", False), EN)
    assert reply.text == "Welcome, Fox.\n\nCan you go along with these agreements?"


def test_co_hosts_close_a_round_whose_time_is_up_or_give_more() -> None:
    reply = TelegramViews().render(TimeIsUp(7, 2), EN)
    assert [button.action for button in reply.buttons[0]] == [
        ButtonAction("cf", "close.7"),
        ButtonAction("cf", "more.7"),
    ]


def test_after_the_last_round_co_hosts_are_offered_the_end() -> None:
    reply = TelegramViews().render(RoundCompleteForHosts(7, 3, 2, last=True), EN)
    assert reply.text == "Round 3 of circle 7 is complete: 2 answered."
    assert (reply.buttons[0][0].label, reply.buttons[0][0].action) == (
        "End the circle",
        ButtonAction("cf", "end.7"),
    )
