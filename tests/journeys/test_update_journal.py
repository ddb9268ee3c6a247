"""An update cut short by a crash is handled again at start-up, and only then."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.config import Settings
from bot.storage.tables import Answer, ReceivedUpdate
from bot.telegram.application import Palaver, build_palaver
from tests.fakebot import FakeBotApi, FakeUser
from tests.journeys.test_exchange import paired
from tests.support import refuse_inserts, rows, settle


async def test_handled_updates_leave_nothing_in_the_journal(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, _yael = await paired(fake_api, palaver)
    await amal.expect_message("How warm or cold")
    amal.send("70")
    await amal.expect_message("I can trust")
    amal.send("/help")
    await amal.expect_message("Palaver helps people")
    await settle(fake_api, palaver)
    assert await rows(palaver, select(ReceivedUpdate)) == []


async def test_an_update_cut_short_by_a_crash_is_handled_at_start_up(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    first, amal = await asked_the_thermometer_then_stopped(fake_api, settings)

    # The state a crash leaves: Amal's answer journaled, never handled.
    await keep_as_received(first, amal, 990_001, "70")

    second = build_palaver(settings)
    await second.start()
    try:
        await amal.expect_message("I can trust")
        values = [a.value for a in await rows(second, select(Answer)) if a.measure == "thermometer"]
        assert values == [70]
        assert await rows(second, select(ReceivedUpdate)) == []
    finally:
        await second.stop()


async def test_updates_are_journaled_as_they_arrive_not_when_their_turn_comes(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    # PTB confirms a batch to Telegram as soon as it asks for the next one; an update waiting
    # behind its sender's earlier one must already be kept by then, or a crash loses it.
    amal = fake_api.user(first_name="Amal", language_code="en")
    fake_api.delay_next("sendMessage", 5, chat_id=amal.chat_id)  # the first answer hangs
    amal.send("/help")
    amal.send("/help")
    await fake_api.wait_until_delivered()
    for _ in range(80):  # well within the 5 s the first update's handling is held
        if len(await rows(palaver, select(ReceivedUpdate))) == 2:
            break
        await asyncio.sleep(0.05)
    assert len(await rows(palaver, select(ReceivedUpdate))) == 2
    await amal.expect_message("Palaver helps people", timeout=10)
    await settle(fake_api, palaver)
    assert await rows(palaver, select(ReceivedUpdate)) == []


async def test_updates_flood_control_set_aside_are_not_handled_after_a_restart(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    flooder = fake_api.user(first_name="Fast", language_code="en")
    for number in range(30):
        flooder.send(f"/help {number}")
    await settle(fake_api, palaver)
    answered = [m for m in flooder.messages if "Palaver helps people" in (m.text or "")]
    assert len(answered) == 20
    for _ in range(40):
        if not await rows(palaver, select(ReceivedUpdate)):
            break
        await asyncio.sleep(0.05)
    assert await rows(palaver, select(ReceivedUpdate)) == []


async def test_updates_the_journal_cannot_keep_are_asked_for_again_and_handled_once(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    # Not confirmed to Telegram until kept: a database that refuses them for a while delays
    # the updates, and loses or repeats none.
    await refuse_inserts(palaver, "received_update", refuse=True)
    amal = fake_api.user(first_name="Amal", language_code="en")
    polls_before = len(fake_api.calls_to("getUpdates"))
    amal.send("/help")
    await asyncio.sleep(1.5)
    assert not amal.messages
    # Asked again after a pause, as after a failed getUpdates, not over and over at once.
    assert len(fake_api.calls_to("getUpdates")) - polls_before <= 4
    await refuse_inserts(palaver, "received_update", refuse=False)
    await amal.expect_message("Palaver helps people", timeout=15)
    await settle(fake_api, palaver)
    assert len([m for m in amal.messages if "Palaver helps people" in (m.text or "")]) == 1
    assert await rows(palaver, select(ReceivedUpdate)) == []


async def test_an_update_kept_but_not_yet_confirmed_is_handled_once_after_a_restart(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    first, amal = await asked_the_thermometer_then_stopped(fake_api, settings)

    # The state a crash right after receiving leaves (or a stop whose last getUpdates brought
    # it): Amal's answer kept in the journal, and still unconfirmed, so Telegram has it too.
    await keep_as_received(first, amal, amal.send("70"), "70")
    seen_before = len(amal.messages)

    second = build_palaver(settings)
    await second.start()
    try:
        await amal.expect_message("I can trust")
        await settle(fake_api, second)
        values = [a.value for a in await rows(second, select(Answer)) if a.measure == "thermometer"]
        assert values == [70]
        assert len(amal.messages) == seen_before + 1  # the next question, and nothing more
        assert fake_api.pending_updates() == 0
        assert await rows(second, select(ReceivedUpdate)) == []
    finally:
        await second.stop()


async def keep_as_received(palaver: Palaver, user: FakeUser, update_id: int, text: str) -> None:
    """Put in the journal, as it would arrive, a message `user` sent (not handled)."""
    message = {
        "message_id": 4000 + update_id % 1000,
        "date": 1_795_000_000,
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "from": user.user_json,
        "text": text,
    }
    await palaver.database.bookkeeping.keep_updates(
        [(update_id, {"update_id": update_id, "message": message})]
    )


async def asked_the_thermometer_then_stopped(
    fake_api: FakeBotApi, settings: Settings
) -> tuple[Palaver, FakeUser]:
    """A Palaver that paired Amal, asked her the first question, and stopped."""
    first = build_palaver(settings)
    await first.start()
    try:
        amal, _yael = await paired(fake_api, first)
        await amal.expect_message("How warm or cold")
    finally:
        await first.stop()
    return first, amal
