"""Joining's views: the community and languages questions and role welcomes."""

from __future__ import annotations

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs
from bot.services.joining_results import (
    CommunityChosen,
    CommunityQuestion,
    LanguagesQuestion,
    RoleGranted,
)
from bot.services.replies import ButtonAction
from bot.storage.tables import RoleName
from bot.telegram.views import TelegramViews

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")


def test_the_community_question_lists_communities_and_a_way_not_to_say() -> None:
    question = CommunityQuestion(4, "River talks", ((10, "East bank"), (11, "West bank")))
    reply = TelegramViews().render(question, CATALOGS.translator("en"))
    assert reply.text.startswith("Which community of “River talks” do you belong to?")
    assert [(b.label, b.action) for [b] in reply.buttons] == [
        ("East bank", ButtonAction("join_community", "4.10")),
        ("West bank", ButtonAction("join_community", "4.11")),
        ("Prefer not to say", ButtonAction("join_community", "4.none")),
    ]
    french = TelegramViews().render(question, CATALOGS.translator("fr"))
    assert french.buttons[-1][0].label == "Je préfère ne pas le dire"


def test_the_languages_question_ticks_the_chosen_two_to_a_row_then_done() -> None:
    ticked = (("en", "English", True), ("fr", "Français", False), ("uk", "Українська", True))
    question = LanguagesQuestion(4, ticked, replaces=True)
    reply = TelegramViews().render(question, CATALOGS.translator("fr"))
    assert reply.text == (
        "Lesquelles de ces langues savez-vous lire ? Touchez chacune d'elles, puis Terminé."
    )
    assert [[b.label for b in row] for row in reply.buttons] == [
        ["✓ English", "Français"],
        ["✓ Українська"],
        ["Terminé"],
    ]
    assert reply.buttons[0][1].action == ButtonAction("join_language", "4.fr")
    assert reply.buttons[-1][0].action == ButtonAction("join_done", "4")
    assert reply.replaces_pressed_message


def test_choosing_not_to_say_is_confirmed_in_the_readers_language() -> None:
    english = TelegramViews().render(CommunityChosen(None), CATALOGS.translator("en"))
    assert english.text == "You chose: Prefer not to say."
    french = TelegramViews().render(CommunityChosen("East bank"), CATALOGS.translator("fr"))
    assert french.text == "Votre choix : East bank."
    assert french.replaces_pressed_message


def test_a_new_facilitator_is_thanked() -> None:
    granted = RoleGranted(RoleName.FACILITATOR, "River talks")
    english = TelegramViews().render(granted, CATALOGS.translator("en"))
    assert english.text == (
        "You are now a facilitator of “River talks”. Thank you for helping people listen to "
        "each other."
    )
    ukrainian = TelegramViews().render(granted, CATALOGS.translator("uk"))
    assert ukrainian.text == (
        "Тепер ви фасилітатор у «River talks». Дякуємо, що допомагаєте людям чути одне одного."
    )
