"""An update cut short by a crash is handled again at start-up, and only then."""

from __future__ import annotations

from sqlmodel import select

from bot.config import Settings
from bot.storage.tables import Answer, ReceivedUpdate
from bot.telegram.application import Palaver, build_palaver
from tests.fakebot import FakeBotApi
from tests.journeys.test_exchange import paired
from tests.support import rows, settle


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
    first = build_palaver(settings)
    await first.start()
    try:
        amal, _yael = await paired(fake_api, first)
        await amal.expect_message("How warm or cold")
    finally:
        await first.stop()

    # The state a crash leaves: Amal's answer journaled, never handled.
    await first.database.bookkeeping.keep_updates(
        [
            (
                990_001,
                {
                    "update_id": 990_001,
                    "message": {
                        "message_id": 4242,
                        "date": 1_795_000_000,
                        "chat": {"id": amal.id, "type": "private", "first_name": "Amal"},
                        "from": amal.user_json,
                        "text": "70",
                    },
                },
            )
        ]
    )

    second = build_palaver(settings)
    await second.start()
    try:
        await amal.expect_message("I can trust")
        values = [a.value for a in await rows(second, select(Answer)) if a.measure == "thermometer"]
        assert values == [70]
        assert await rows(second, select(ReceivedUpdate)) == []
    finally:
        await second.stop()
