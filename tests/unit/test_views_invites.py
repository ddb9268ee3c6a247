"""The invite screens' views: the list of working links and one link with its QR code."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs
from bot.services.invite_results import InviteLinkShown, InviteList, ListedInvite
from bot.services.replies import ButtonAction
from bot.storage.tables import InviteKind
from bot.telegram.views import TelegramViews

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_an_empty_list_says_none_yet_and_offers_new_links() -> None:
    shown = InviteList(4, "River talks", "UTC", (), ((10, "East bank"),))
    english = TelegramViews().render(shown, CATALOGS.translator("en"))
    assert english.text == "Invite links of “River talks” that still work:\nNone yet."
    assert [(b.label, b.action) for [b] in english.buttons] == [
        ("New participant link", ButtonAction("invite_new", "4.participant")),
        ("Participant link for East bank", ButtonAction("invite_new", "4.participant.10")),
        ("Facilitator link (one-time)", ButtonAction("invite_new", "4.facilitator")),
        ("Co-organizer link (one-time)", ButtonAction("invite_new", "4.organizer")),
        ("« Back", ButtonAction("program", "4")),
    ]
    assert english.replaces_pressed_message
    french = TelegramViews().render(shown, CATALOGS.translator("fr"))
    assert (
        french.text
        == "Liens d'invitation de « River talks » encore valides :\nAucun pour l'instant."
    )
    assert french.buttons[-1][0].label == "« Retour"


def test_each_working_link_is_numbered_with_buttons_to_show_or_revoke_it() -> None:
    listed = ListedInvite(21, InviteKind.PARTICIPANT, None, 3, None)
    shown = InviteList(4, "River talks", "UTC", (listed,), ())
    english = TelegramViews().render(shown, CATALOGS.translator("en"))
    assert english.text.splitlines()[1] == "1. Participant link, used 3 times"
    assert [(b.label, b.action) for b in english.buttons[0]] == [
        ("Show 1", ButtonAction("invite_show", "21")),
        ("Revoke 1", ButtonAction("invite_revoke", "21")),
    ]
    french = TelegramViews().render(shown, CATALOGS.translator("fr"))
    assert french.text.splitlines()[1] == "1. Lien de participation, utilisations : 3"
    assert [b.label for b in french.buttons[0]] == ["Afficher 1", "Révoquer 1"]


def test_a_role_link_says_when_it_expires() -> None:
    expires = datetime(2026, 12, 13, 9, 30, tzinfo=UTC)
    listed = ListedInvite(22, InviteKind.FACILITATOR, None, 0, expires)
    shown = InviteList(4, "River talks", "UTC", (listed,), ())
    reply = TelegramViews().render(shown, CATALOGS.translator("en"))
    assert reply.text.splitlines()[1].startswith("1. Facilitator link, works once (until ")


def test_a_participant_link_comes_with_its_qr_code_and_a_way_back() -> None:
    link = "https://t.me/palaver_bot?start=abc"
    shown = InviteLinkShown(4, "River talks", InviteKind.PARTICIPANT, link, None)
    english = TelegramViews().render(shown, CATALOGS.translator("en"))
    assert english.text.split("\n\n") == [
        "Invite link for people joining “River talks”:",
        link,
        "Print the QR code on posters or show it at meetings.",
    ]
    assert english.photo is not None and english.photo.startswith(PNG_SIGNATURE)
    assert [(b.label, b.action) for [b] in english.buttons] == [
        ("« Invite links", ButtonAction("invites", "4"))
    ]
    french = TelegramViews().render(shown, CATALOGS.translator("fr"))
    assert french.text.split("\n\n")[0] == "Lien d'invitation pour rejoindre « River talks » :"
    assert french.buttons[0][0].label == "« Liens d'invitation"
