"""Telegram misbehaves: rate limits, blocked users, server errors, timeouts. Nothing is lost."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.storage.tables import Community, Invite, InviteKind, Program
from bot.telegram.application import Palaver, build_palaver
from tests.fakebot import FakeBotApi
from tests.support import person_row, settle


async def test_rate_limited_message_is_sent_after_retry_after(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal = fake_api.user(first_name="Amal", language_code="en")
    fake_api.fail_next("sendMessage", error_code=429, retry_after=1, chat_id=amal.id)
    amal.send("/start")
    await amal.expect_message("Which language", timeout=10)
    statuses = [call.status for call in fake_api.calls_to("sendMessage")]
    assert statuses == [429, 200]


async def test_the_rest_of_an_answer_follows_a_failed_message_as_soon_as_it_is_sent(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    # Accepting the consent with an invite link pending is one answer of several messages
    # (thanks, welcome, joining, the offer of a partner), all claimed by the handler. The
    # welcome fails (a server error, tried again 2 s later): the messages after it wait for
    # it, not for the 30 s lease the handler took on them.
    code = await a_participant_invite(palaver)
    amal = fake_api.user(first_name="Amal", language_code="en")
    amal.send(f"/start {code}")
    await amal.expect_message("Which language")
    amal.press("English")
    await amal.expect_message("what Palaver keeps")
    fake_api.fail_next("sendMessage", error_code=500, chat_id=amal.id)
    amal.press("Accept")
    await amal.expect_message("someone from another community", timeout=10)
    to_amal = [c for c in fake_api.calls_to("sendMessage") if c.params["chat_id"] == amal.id]
    assert [c.status for c in to_amal].count(500) == 1
    delivered = [c.params["text"] for c in to_amal if c.status == 200]
    assert len(delivered) == len(set(delivered)), "each message once"


async def a_participant_invite(palaver: Palaver) -> str:
    async with palaver.database.unit_of_work() as uow:
        program = Program(name="Neighbours", languages=["en"], flows=["story-exchange"])
        uow.add(program)
        await uow.session.flush()
        community = Community(program_id=program.id or 0, name="east", position=0)
        uow.add(community)
        uow.add(Community(program_id=program.id or 0, name="west", position=1))
        await uow.session.flush()
        uow.add(
            Invite(
                code="neighbours-east",
                program_id=program.id or 0,
                kind=InviteKind.PARTICIPANT,
                community_id=community.id,
            )
        )
        await uow.commit()
    return "neighbours-east"


async def test_person_who_blocked_the_bot_is_marked_and_welcomed_back(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal = fake_api.user(first_name="Amal", language_code="en")
    amal.send("/start")
    await amal.expect_message("Which language")
    amal.block_bot()
    amal.send("/help")
    await fake_api.wait_for_call("sendMessage", lambda call: call.status == 403)
    await settle(fake_api, palaver)
    person = await person_row(palaver, amal.id)
    assert person is not None and person.blocked_bot_at is not None

    amal.unblock_bot()
    amal.send("/start")
    await amal.expect_message("Which language")
    person = await person_row(palaver, amal.id)
    assert person is not None and person.blocked_bot_at is None


async def test_a_server_error_is_retried_from_the_outbox_and_the_answer_arrives_once(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal = fake_api.user(first_name="Amal", language_code="en")
    fake_api.fail_next("sendMessage", error_code=500, description="Internal Server Error")
    amal.send("/start")
    await amal.expect_message("Which language", timeout=10)
    person = await person_row(palaver, amal.id)
    assert person is not None, "the person was stored before Telegram failed"
    statuses = [call.status for call in fake_api.calls_to("sendMessage")]
    assert statuses == [500, 200], "sent again after the failure, once"


async def test_server_error_on_a_reply_without_a_change_gets_an_apology(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal = fake_api.user(first_name="Amal", language_code="en")
    fake_api.fail_next("sendMessage", error_code=500, description="Internal Server Error")
    amal.send("/help")
    await amal.expect_message("Sorry, something went wrong")
    amal.send("/start")
    await amal.expect_message("Which language")


@pytest.fixture
async def impatient_palaver(settings: Settings) -> AsyncIterator[Palaver]:
    running = build_palaver(settings.model_copy(update={"bot_api_timeout": 0.5}))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def test_a_timed_out_send_is_tried_again_and_the_bot_keeps_serving(
    fake_api: FakeBotApi, impatient_palaver: Palaver
) -> None:
    """Telegram may or may not have taken a message that timed out; Palaver sends it again
    from the outbox (the documented window for a duplicate) and serves others meanwhile."""
    amal = fake_api.user(first_name="Amal", language_code="en")
    fake_api.delay_next("sendMessage", seconds=3.0, chat_id=amal.id)
    amal.send("/start")
    lin = fake_api.user(first_name="Lin", language_code="en")
    lin.send("/help")
    await lin.expect_message("Palaver helps people", timeout=10)
    await amal.expect_message("Which language", timeout=10)
    amal.send("/help")
    await amal.expect_message("Palaver helps people")


async def test_answers_in_groups_stay_quiet_except_help(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    circle = fake_api.group(title="River circle")
    amal = fake_api.user(first_name="Amal", language_code="en")
    circle.add_member(amal)
    amal.send_to_group(circle, "hello everyone")
    amal.send_to_group(circle, "/help")
    await circle.expect_message("Palaver helps people")
    await settle(fake_api, palaver)
    assert len(circle.messages) == 1


async def test_message_not_modified_is_harmless(fake_api: FakeBotApi, palaver: Palaver) -> None:
    amal = fake_api.user(first_name="Amal", language_code="en")
    amal.send("/start")
    await amal.expect_message("Which language")
    fake_api.fail_next(
        "editMessageText",
        error_code=400,
        description="Bad Request: message is not modified: specified new message content and "
        "reply markup are exactly the same as a current content and reply markup of the message",
    )
    amal.press("English")
    await amal.expect_message("what Palaver keeps")
    await settle(fake_api, palaver)
    person = await person_row(palaver, amal.id)
    assert person is not None and person.language_chosen


async def test_bot_api_unreachable_for_a_while_then_serving_again(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    await fake_api.wait_until_polling()
    await fake_api.refuse_connections()
    amal = fake_api.user(first_name="Amal", language_code="en")
    amal.send("/start")
    await fake_api.accept_connections()
    await amal.expect_message("Which language", timeout=30)
