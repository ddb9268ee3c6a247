"""The facilitator's console views: /circles, making a circle, a circle's card."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs
from bot.services.circle_console_results import (
    ChooseCircleSize,
    CircleCard,
    CircleSummary,
    CoHostOnCard,
    ConfirmGroupCircle,
    MemberOnCard,
    OpenProgram,
    RoundAnswer,
    RoundIsOpen,
    SeatRequestOnCard,
    YourCircles,
)
from bot.services.replies import ButtonAction
from bot.storage.tables import CircleState, ConversationKind
from bot.telegram.views import TelegramViews

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")
EN = CATALOGS.translator("en")


CARD = CircleCard(
    circle_id=7,
    title="Listening circle",
    kind=ConversationKind.RELAYED_CIRCLE,
    state=CircleState.RUNNING,
    round_number=1,
    rounds=3,
    round_open=True,
    members=2,
    capacity=8,
    begins_at=None,
    time_zone="UTC",
    roster=(),
    has_next_round=True,
    timed=True,
    hosting=True,
)


def test_circles_lists_open_ones_with_a_button_each_and_where_to_make_a_new_one() -> None:
    shown = YourCircles(
        circles=(CircleSummary(7, None, CircleState.FORMING, 2, 8, 0),),
        programs=(OpenProgram(3, "River"),),
    )
    reply = TelegramViews().render(shown, EN)
    assert reply.text == "Your circles:\n7. ?: forming, 2 of 8 members, round 0"
    assert [(row[0].label, row[0].action) for row in reply.buttons] == [
        ("Open circle 7", ButtonAction("cf", "open.7")),
        ("New circle in “River”", ButtonAction("cn", "3")),
    ]


def test_without_open_circles_the_list_says_so() -> None:
    reply = TelegramViews().render(YourCircles(circles=(), programs=()), EN)
    assert reply.text == "Your circles:\nNone open yet."


def test_each_step_of_making_a_circle_adds_its_choice_to_the_buttons_value() -> None:
    reply = TelegramViews().render(ChooseCircleSize("3.listening.relayed_circle"), EN)
    assert reply.buttons[0][0].action == ButtonAction("cn", "3.listening.relayed_circle.4")


def test_a_risky_group_circle_is_confirmed_or_made_relayed_instead() -> None:
    shown = ConfirmGroupCircle("3.f.group_circle.8.now", "3.f.relayed_circle.8.now", "River")
    reply = TelegramViews().render(shown, EN)
    assert "“River” brings together several communities" in reply.text
    assert [row[0].action.value for row in reply.buttons] == [
        "3.f.group_circle.8.now.y",
        "3.f.relayed_circle.8.now",
    ]


def test_the_card_shows_who_is_in_and_what_they_did_and_the_controls() -> None:
    roster = (
        CoHostOnCard("Heron"),
        SeatRequestOnCard(11, "Otter", None),
        MemberOnCard("Fox", "Riverside", True, RoundAnswer.PASSED, False),
        MemberOnCard(None, "Riverside", False, RoundAnswer.NOT_ANSWERED, True),
    )
    reply = TelegramViews().render(replace(CARD, roster=roster), EN)
    assert reply.text.splitlines()[1:] == [
        "Round 1 of 3 (open).",
        "Members: 2 of 8.",
        "• Heron: co-host",
        "• Otter (community not given): asks for a seat",
        "• Fox (Riverside): agreed, passed",
        "• ? (Riverside): has not agreed yet, not answered, holds the talking piece",
    ]
    labels = [[button.label for button in row] for row in reply.buttons]
    assert labels == [
        ["Admit Otter", "Decline"],
        ["Close the round", "Next round"],
        ["Pause", "Two more minutes"],
        ["Invite link", "Refresh", "End"],
    ]
    assert reply.buttons[0][0].action == ButtonAction("cf", "admit.7.11")


def test_a_forming_circle_shows_when_it_begins_and_offers_co_hosting() -> None:
    begins = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    reply = TelegramViews().render(
        replace(CARD, state=CircleState.FORMING, round_number=0, begins_at=begins, hosting=False),
        EN,
    )
    assert any(line.startswith("Begins ") for line in reply.text.splitlines())
    assert [row[0].label for row in reply.buttons] == [
        "Begin the first round",
        "Invite link",
        "Co-host this circle",
    ]


def test_an_ended_circle_has_no_controls() -> None:
    assert TelegramViews().render(replace(CARD, state=CircleState.ENDED), EN).buttons == ()


def test_a_notice_names_the_round_in_the_readers_language() -> None:
    assert TelegramViews().render(RoundIsOpen(2), EN).text == "Round 2 is open."
