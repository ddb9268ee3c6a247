"""The organizer console's views: programs, cards, questions and roles in the reader's language."""

from __future__ import annotations

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs
from bot.services.console_actions import InviteAction, ProgramAction, StatusChange
from bot.services.program_results import (
    ProgramCard,
    ProgramEntry,
    ProgramList,
    RoleHolder,
    RoleRevoked,
    RolesList,
    SettingOption,
    SettingQuestion,
    SettingsShown,
)
from bot.services.program_settings import ProgramSettings, Setting
from bot.services.replies import Reply, Shown
from bot.storage.tables import ProgramStatus, RoleName
from bot.telegram.views import TelegramViews

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")
SPRING = SettingsShown(
    ProgramSettings(
        name="Spring",
        communities=("North", "South"),
        languages=("en", "uk"),
        default_language="en",
        flows=("exchange",),
        quiet_hours=(22, 7),
        consent_version="v1",
    ),
    language_names=("English", "Українська"),
    default_language_name="English",
)


def render(result: Shown, language: str) -> Reply:
    return TelegramViews().render(result, CATALOGS.translator(language))


def labels(reply: Reply) -> list[list[str]]:
    return [[button.label for button in row] for row in reply.buttons]


def test_the_program_list_names_each_program_with_its_status_and_offers_a_new_one() -> None:
    shown = ProgramList(
        (
            ProgramEntry(3, "Spring", ProgramStatus.ACTIVE),
            ProgramEntry(4, "Autumn", ProgramStatus.PAUSED),
        ),
        may_create=True,
    )
    english = render(shown, "en")
    assert english.text == "Your programs:\n• Spring (open)\n• Autumn (paused)"
    assert labels(english) == [["Spring"], ["Autumn"], ["New program"]]
    assert [row[0].action.value for row in english.buttons] == ["3", "4", ""]
    assert english.buttons[2][0].action.kind == ProgramAction.NEW

    french = render(shown, "fr")
    assert french.text == "Vos programmes :\n• Spring (ouvert)\n• Autumn (en pause)"
    assert labels(french)[-1] == ["Nouveau programme"]


def test_a_long_program_name_is_shortened_on_its_button_only() -> None:
    name = "Neighbours across the river, spring and summer 2027"
    reply = render(ProgramList((ProgramEntry(1, name, ProgramStatus.ACTIVE),), False), "en")
    assert name in reply.text
    [[button]] = reply.buttons
    assert button.label == name[:39] + "…"


def test_a_managed_card_shows_every_setting_and_what_can_be_done() -> None:
    card = ProgramCard(7, "Spring", ProgramStatus.PAUSED, SPRING, may_manage=True)
    english = render(card, "en")
    assert english.text.startswith("“Spring” is paused.\n\nName: Spring\nCommunities: North, South")
    assert "Languages: English, Українська" in english.text
    assert "Quiet hours: from 22:00 to 7:00" in english.text
    assert labels(english) == [
        ["Settings", "Invite links"],
        ["People", "Roles"],
        ["Resume", "Close"],
        ["« My programs"],
    ]
    assert english.buttons[0][1].action.kind == InviteAction.LIST
    assert english.buttons[2][0].action.value == f"7.{StatusChange.RESUME}"

    french = render(card, "fr")
    assert french.text.startswith("« Spring » est en pause.")
    assert labels(french) == [
        ["Réglages", "Liens d'invitation"],
        ["Personnes", "Rôles"],
        ["Reprendre", "Clore"],
        ["« Mes programmes"],
    ]


def test_a_card_for_a_reader_who_may_not_manage_offers_only_people() -> None:
    card = ProgramCard(7, "Spring", ProgramStatus.ACTIVE, SPRING, may_manage=False)
    assert labels(render(card, "en")) == [["People"], ["« My programs"]]


def test_a_multiple_choice_question_ticks_what_is_chosen_two_to_a_row() -> None:
    question = SettingQuestion(
        Setting.LANGUAGES,
        (
            SettingOption("en", "English", chosen=True),
            SettingOption("fr", "Français"),
            SettingOption("uk", "Українська"),
        ),
        replace=True,
    )
    english = render(question, "en")
    assert english.text == "Which languages will people use? Tap each one, then Done."
    assert english.replaces_pressed_message
    assert labels(english) == [["✓ English", "Français"], ["Українська"], ["Done"], ["Cancel"]]
    assert english.buttons[0][1].action.value == "languages.fr"

    french = render(question, "fr")
    assert french.text.startswith("Quelles langues seront utilisées ?")
    assert labels(french)[-2:] == [["Terminé"], ["Annuler"]]


def test_roles_offer_to_revoke_everyone_but_the_reader() -> None:
    roles = RolesList(
        program_id=7,
        name="Spring",
        closed=False,
        holders=(
            RoleHolder(1, RoleName.ORGANIZER, "Olga", is_reader=True),
            RoleHolder(2, RoleName.FACILITATOR, None, is_reader=False),
        ),
    )
    english = render(roles, "en")
    assert english.text.startswith(
        "Roles in “Spring”:\n• Olga: organizer\n• (no name yet): facilitator\n"
    )
    assert labels(english) == [
        ["Revoke (no name yet) (facilitator)"],
        ["Facilitator link", "Co-organizer link"],
        ["« Back"],
    ]
    assert english.buttons[0][0].action.value == "2"

    french = render(roles, "fr")
    assert labels(french)[0] == ["Révoquer (pas encore de nom) (animation)"]
    assert render(RoleRevoked(), "fr").text == "Rôle révoqué."
