"""Onboarding's views: language and consent questions, welcome, in the reader's language."""

from __future__ import annotations

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs
from bot.services.onboarding_results import ConsentQuestion, Home, LanguageQuestion, SlowDown
from bot.services.replies import ButtonAction
from bot.telegram.views import TelegramViews

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")
LANGUAGES = LanguageQuestion((("en", "English"), ("uk", "Українська")))


def test_the_language_question_offers_each_language_by_its_own_name() -> None:
    reply = TelegramViews().render(LANGUAGES, CATALOGS.translator("en"))
    assert reply.text == "Which language would you like me to use?"
    assert [(b.label, b.action) for [b] in reply.buttons] == [
        ("English", ButtonAction("language", "en")),
        ("Українська", ButtonAction("language", "uk")),
    ]


def test_the_language_question_is_asked_in_french_with_the_same_buttons() -> None:
    reply = TelegramViews().render(LANGUAGES, CATALOGS.translator("fr"))
    assert reply.text == "Dans quelle langue voulez-vous que je vous écrive ?"
    assert [b.label for [b] in reply.buttons] == ["English", "Українська"]


def test_the_consent_question_says_what_is_kept_and_asks_to_accept_or_decline() -> None:
    english = TelegramViews().render(ConsentQuestion(), CATALOGS.translator("en"))
    assert english.text.startswith("Before we start, here is what Palaver keeps about you:")
    assert english.text.endswith("You can stop at any time. Do you agree?")
    assert [(b.label, b.action) for b in english.buttons[0]] == [
        ("Accept", ButtonAction("consent", "accept")),
        ("Decline", ButtonAction("consent", "decline")),
    ]
    french = TelegramViews().render(ConsentQuestion(), CATALOGS.translator("fr"))
    assert [b.label for b in french.buttons[0]] == ["J'accepte", "Je refuse"]
    assert [b.action for b in french.buttons[0]] == [b.action for b in english.buttons[0]]


def test_welcome_back_names_the_person_by_pseudonym_then_says_what_palaver_does() -> None:
    english = TelegramViews().render(Home("Blue Heron", returning=True), CATALOGS.translator("en"))
    assert english.text.startswith("Welcome back, Blue Heron.\n\nPalaver helps people")
    assert "/language: choose your language" in english.text
    french = TelegramViews().render(Home("Blue Heron", returning=True), CATALOGS.translator("fr"))
    assert french.text.startswith("Bon retour, Blue Heron.\n\n")


def test_slowing_down_is_a_plain_message() -> None:
    reply = TelegramViews().render(SlowDown(), CATALOGS.translator("en"))
    assert reply.text.startswith("You are sending messages faster than I can read them.")
    assert reply.text.endswith("so send again what matters.")
    assert reply.buttons == ()
