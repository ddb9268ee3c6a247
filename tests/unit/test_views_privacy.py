"""The privacy views: /mydata and /forget, worded in the reader's language."""

from __future__ import annotations

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs
from bot.services.privacy_results import ConfirmForgetting, Forgotten, YourData
from bot.services.replies import ButtonAction
from bot.telegram.views import TelegramViews

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")


def test_my_data_comes_as_a_json_file_with_a_word_on_how_to_erase_it() -> None:
    reply = TelegramViews().render(YourData(b"{}"), CATALOGS.translator("en"))
    assert reply.text == (
        "Here is everything Palaver keeps about you. To erase it all, send /forget."
    )
    assert reply.document is not None
    assert reply.document.filename == "palaver-my-data.json"
    assert reply.document.content == b"{}"


def test_forgetting_is_asked_first_in_the_readers_language() -> None:
    reply = TelegramViews().render(ConfirmForgetting(), CATALOGS.translator("fr"))
    [[yes, no]] = reply.buttons
    assert (yes.label, yes.action) == ("Oui, tout effacer", ButtonAction("forget", "yes"))
    assert no.action == ButtonAction("forget", "no")
    assert not reply.text.startswith("Do you want")


def test_being_forgotten_replaces_the_question() -> None:
    reply = TelegramViews().render(Forgotten(), CATALOGS.translator("en"))
    assert reply.text.startswith("Everything Palaver kept about you has been erased.")
    assert reply.replaces_pressed_message
    assert reply.buttons == ()
