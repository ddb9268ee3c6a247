"""Palaver's aiohttp backend for PTB, against the fake Bot API over real HTTP."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import BaseRequest, HTTPXRequest

from bot.sandbox.botapi.server import REFUSED_AS_NOT_THE_BOT_API
from bot.telegram.aiohttp_request import AiohttpRequest
from tests.fakebot import FakeBotApi, FakeUser

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture
def amal(api: FakeBotApi) -> FakeUser:
    user = api.user(first_name="Amal", language_code="ar")
    api.mark_known(user.chat_id)
    return user


def bot_on(api: FakeBotApi, request: BaseRequest | None = None) -> telegram.Bot:
    return telegram.Bot(
        TOKEN,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        request=request or AiohttpRequest(read_timeout=5),
    )


def everything_said(error: BaseException) -> str:
    """The exception's message and its whole traceback, as a log would show them."""
    return str(error) + "".join(traceback.format_exception(error))


async def test_a_message_reaches_the_bot_api_as_httpx_sends_it(
    api: FakeBotApi, amal: FakeUser
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Agree ✓", callback_data="a:1")]])
    for request in (HTTPXRequest(), AiohttpRequest()):
        async with bot_on(api, request) as bot:
            await bot.send_message(
                amal.chat_id,
                "<b>Salam</b> & welcome — 100% “yours”",
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_notification=True,
            )
    by_httpx, by_aiohttp = api.calls_to("sendMessage")
    assert by_aiohttp.ok and by_aiohttp.note != REFUSED_AS_NOT_THE_BOT_API
    assert by_aiohttp.params == by_httpx.params
    assert [m.text for m in api.messages_in(amal.chat_id)] == ["Salam & welcome — 100% “yours”"] * 2


async def test_uploaded_files_arrive_intact(api: FakeBotApi, amal: FakeUser) -> None:
    every_byte = bytes(range(256)) * 64
    async with bot_on(api) as bot:
        await bot.send_document(
            amal.chat_id, every_byte, filename="données.csv", caption="Your data: 1 & 2"
        )
        await bot.send_photo(amal.chat_id, b"\x89PNG\r\n\x1a\n" + every_byte)
    document = api.calls_to("sendDocument")[0]
    assert document.ok and document.params["caption"] == "Your data: 1 & 2"
    uploaded = document.files["document"]
    assert (uploaded.data, uploaded.filename) == (every_byte, "données.csv")
    photo = api.calls_to("sendPhoto")[0]
    assert photo.ok and photo.files["photo"].data == b"\x89PNG\r\n\x1a\n" + every_byte


async def test_an_answer_that_does_not_come_in_time_is_timed_out(
    api: FakeBotApi, amal: FakeUser
) -> None:
    async with bot_on(api, AiohttpRequest(read_timeout=0.2)) as bot:
        api.delay_next("sendMessage", seconds=5)
        with pytest.raises(TimedOut) as by_default:
            await bot.send_message(amal.chat_id, "hello")
        api.delay_next("sendMessage", seconds=5)
        with pytest.raises(TimedOut) as given:
            await bot.send_message(amal.chat_id, "hello", read_timeout=0.2)
    for timed_out in (by_default.value, given.value):
        assert TOKEN not in everything_said(timed_out)


async def test_a_call_given_more_time_than_the_default_waits_for_it(
    api: FakeBotApi, amal: FakeUser
) -> None:
    async with bot_on(api, AiohttpRequest(read_timeout=0.2)) as bot:
        api.delay_next("sendMessage", seconds=0.5)
        await bot.send_message(amal.chat_id, "hello", read_timeout=5)
    assert [m.text for m in api.messages_in(amal.chat_id)] == ["hello"]


async def test_a_long_poll_is_not_cut_short_by_the_read_timeout(api: FakeBotApi) -> None:
    async with bot_on(api, AiohttpRequest(read_timeout=0.2)) as bot:
        assert await bot.get_updates(timeout=1) == ()


async def test_a_full_pool_times_out_instead_of_waiting_forever(
    api: FakeBotApi, amal: FakeUser
) -> None:
    request = AiohttpRequest(connection_pool_size=1, pool_timeout=0.2, connect_timeout=0.2)
    async with bot_on(api, request) as bot:
        api.delay_next("sendMessage", seconds=1)
        holding = asyncio.create_task(bot.send_message(amal.chat_id, "first"))
        await api.wait_until_held()
        with pytest.raises(TimedOut, match="not sent"):
            await bot.send_message(amal.chat_id, "second")
        await holding
    assert [m.text for m in api.messages_in(amal.chat_id)] == ["first"]


async def test_a_refused_connection_is_a_network_error_without_the_token(
    api: FakeBotApi, amal: FakeUser
) -> None:
    async with bot_on(api) as bot:
        await api.refuse_connections()
        with pytest.raises(NetworkError) as dropped:  # on the connection getMe left open
            await bot.send_message(amal.chat_id, "hello")
        with pytest.raises(NetworkError) as refused:
            await bot.send_message(amal.chat_id, "hello")
    assert "Cannot connect" in refused.value.message
    for failed in (dropped.value, refused.value):
        assert not isinstance(failed, TimedOut)
        assert TOKEN not in everything_said(failed)


async def test_an_error_quoting_the_url_does_not_quote_the_token() -> None:
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as invalid:
            await request.post(f"http://127.0.0.1:99999/bot{TOKEN}/getMe")
    assert "/bot<token>/getMe" in invalid.value.message
    assert TOKEN not in everything_said(invalid.value)


async def test_error_answers_become_ptb_errors(api: FakeBotApi, amal: FakeUser) -> None:
    async with bot_on(api) as bot:
        api.fail_next("sendMessage", error_code=429, retry_after=3)
        with pytest.raises(RetryAfter) as limited:
            await bot.send_message(amal.chat_id, "hello")
        assert limited.value.retry_after == 3
        api.fail_next("sendMessage", error_code=403)
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(amal.chat_id, "hello")
        api.fail_next("sendMessage", error_code=502)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(amal.chat_id, "hello")
        await bot.send_message(amal.chat_id, "hello")
    assert [call.status for call in api.calls_to("sendMessage")] == [429, 403, 502, 200]


async def test_a_request_shut_down_and_initialized_again_serves_again(
    api: FakeBotApi, amal: FakeUser
) -> None:
    bot = bot_on(api)
    for attempt in ("first", "second"):
        async with bot:
            await bot.send_message(amal.chat_id, attempt)
    assert [m.text for m in api.messages_in(amal.chat_id)] == ["first", "second"]
