"""Whatever arrives, Palaver neither crashes nor corrupts its data, and answers politely."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.storage.tables import Answer, Person
from bot.telegram.application import Palaver
from tests.fakebot import FakeBotApi
from tests.journeys.test_exchange import paired
from tests.support import rows, settle

STRANGER = {"id": 4242, "is_bot": False, "first_name": "Zed", "language_code": "fr"}
PRIVATE_CHAT = {"id": 4242, "type": "private", "first_name": "Zed"}
CHANNEL = {"id": -100777, "type": "channel", "title": "News"}

odd_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=600
) | st.sampled_from(
    [
        "/start",
        "/start ../../etc",
        "/help@palaver_test_bot",
        "/partner",
        "/skip",
        "/leave",
        "/end",
        "/report",
        "/forget",
        "/mydata",
        "/programs",
        "/unknown",
        "‮reversed",
        "x" * 4096,
        "/start " + "a" * 64,
        "🕊️" * 50,
        "\u200f\u2068name\u2069",
    ]
)
callback_data = st.text(min_size=1, max_size=64) | st.sampled_from(
    [
        "language:en",
        "language:zz",
        "consent:accept",
        "consent:maybe",
        "r:1.0.50",
        "r:999.1.x",
        "x:find",
        "x:find.999",
        "x:end",
        "s:1.listening-campaign",
        "forget:yes",
        "forget:no",
        ":",
    ]
)


def message(extra: dict[str, Any]) -> dict[str, Any]:
    return {"message_id": 1, "date": 1_790_000_000, "chat": PRIVATE_CHAT, "from": STRANGER, **extra}


updates = st.one_of(
    odd_text.map(lambda text: {"message": message({"text": text})}),
    st.just(
        {
            "message": message(
                {
                    "sticker": {
                        "file_id": "s",
                        "file_unique_id": "s",
                        "width": 1,
                        "height": 1,
                        "is_animated": False,
                        "is_video": False,
                        "type": "regular",
                    }
                }
            )
        }
    ),
    st.just({"message": message({"location": {"latitude": 1.0, "longitude": 2.0}})}),
    odd_text.map(lambda text: {"edited_message": {**message({"text": text}), "edit_date": 1}}),
    odd_text.map(
        lambda text: {"channel_post": {"message_id": 3, "date": 1, "chat": CHANNEL, "text": text}}
    ),
    callback_data.map(
        lambda data: {
            "callback_query": {
                "id": "cq",
                "from": STRANGER,
                "chat_instance": "ci",
                "data": data,
                "message": {
                    **message({"text": "old"}),
                    "from": {"id": 1, "is_bot": True, "first_name": "Palaver"},
                },
            }
        }
    ),
)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(updates, min_size=5, max_size=25))
async def test_random_and_malformed_updates_never_crash_the_bot(
    fake_api: FakeBotApi,
    palaver: Palaver,
    caplog: pytest.LogCaptureFixture,
    batch: list[dict[str, Any]],
) -> None:
    caplog.set_level(logging.ERROR, logger="bot")
    for update in batch:
        fake_api.inject_update(update)
    await settle(fake_api, palaver)

    failures = [r for r in caplog.records if r.name.startswith("bot.") and r.levelno >= 40]
    assert not failures, [r.getMessage() for r in failures]
    people = await rows(palaver, select(Person))
    assert len(people) <= 1 and all(p.telegram_id == STRANGER["id"] for p in people)

    check = fake_api.user(first_name="Check", language_code="en")
    check.send("/help")
    await check.expect_message("Palaver helps people")


async def test_a_double_tap_records_one_answer(fake_api: FakeBotApi, palaver: Palaver) -> None:
    amal, _yael = await paired(fake_api, palaver)
    prompt = await amal.expect_message("How warm or cold")
    # Both presses are in the same getUpdates batch, handled concurrently by the bot.
    amal.press("60", prompt)
    amal.press("60", prompt)
    await settle(fake_api, palaver)
    values = [a.value for a in await rows(palaver, select(Answer)) if a.measure == "thermometer"]
    assert values == [60]


async def test_partners_answering_at_the_same_moment_lose_nothing(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, yael = await paired(fake_api, palaver)
    for person in (amal, yael):
        await person.expect_message("How warm or cold")
        person.send("/skip")
        await person.expect_message("I can trust")
        person.send("/skip")
        await person.expect_message("Let's start with introductions")
    # Both introductions arrive together; each must reach the other exactly once.
    amal.send("Amal's introduction")
    yael.send("Yael's introduction")
    await settle(fake_api, palaver)
    to_amal = [m for m in amal.messages if "Yael's introduction" in (m.text or "")]
    to_yael = [m for m in yael.messages if "Amal's introduction" in (m.text or "")]
    assert len(to_amal) == 1 and len(to_yael) == 1
    await amal.expect_message("Now a story")
    await yael.expect_message("Now a story")


async def test_a_flood_is_slowed_down_politely_without_affecting_others(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    flooder = fake_api.user(first_name="Fast", language_code="en")
    calm = fake_api.user(first_name="Calm", language_code="en")
    for number in range(40):
        flooder.send(f"/help {number}")
    calm.send("/help")
    await calm.expect_message("Palaver helps people")
    await settle(fake_api, palaver)

    answered = [m for m in flooder.messages if "Palaver helps people" in (m.text or "")]
    notes = [m for m in flooder.messages if "faster than I can read" in (m.text or "")]
    assert len(answered) == 20
    assert len(notes) == 1
