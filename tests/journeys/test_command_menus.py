"""Command menus: participants see theirs in private chats, in every language."""

from __future__ import annotations

from bot.config import Settings
from bot.telegram.application import Palaver, build_palaver
from tests.conftest import ADMIN_ID
from tests.fakebot import FakeBotApi
from tests.support import onboarded


def _menu(fake_api: FakeBotApi, scope: str, language: str = "") -> list[str]:
    return [command["command"] for command in fake_api.commands({"type": scope}, language)]


async def test_private_chats_show_participant_commands(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    menu = _menu(fake_api, "all_private_chats")
    assert menu[0] == "start" and menu[-1] == "help"
    assert {"partner", "skip", "leave", "language", "mydata", "forget"} <= set(menu)
    assert not {"programs", "export"} & set(menu), "organizer commands are not for everyone"


async def test_menus_are_translated_per_language(fake_api: FakeBotApi, palaver: Palaver) -> None:
    ukrainian = fake_api.commands({"type": "all_private_chats"}, "uk")
    descriptions = {command["command"]: command["description"] for command in ukrainian}
    assert descriptions["language"] == "Вибрати мову"


async def test_groups_and_their_administrators_get_their_own_menus(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    # In a circle's group every member may pass, call a time out or report a message;
    # running the circle is for the group's administrators (the facilitators).
    assert _menu(fake_api, "all_group_chats") == ["skip", "timeout", "report", "help"]
    assert _menu(fake_api, "all_chat_administrators")[:4] == ["next", "pause", "resume", "end"]
    assert "help" in _menu(fake_api, "all_chat_administrators")
    assert "start" not in _menu(fake_api, "all_group_chats")


async def test_organizers_get_the_program_console_in_their_own_menu(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    first = build_palaver(settings)
    await first.start()
    try:
        await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
        participant = await onboarded(fake_api, "Sami")
    finally:
        await first.stop()
    second = build_palaver(settings)
    await second.start()
    try:
        organizer_menu = fake_api.commands({"type": "chat", "chat_id": ADMIN_ID})
        assert organizer_menu[0]["command"] == "programs"
        assert fake_api.commands({"type": "chat", "chat_id": participant.id}) == []
    finally:
        await second.stop()
