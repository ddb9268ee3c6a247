"""The local Bot API refuses what Telegram refuses: parameters checked against Telegram's API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import telegram
from telegram.error import BadRequest

from bot.sandbox.botapi.server import REFUSED_AS_NOT_THE_BOT_API
from bot.sandbox.botapi.spec import bot_api_methods
from tests.fakebot import FakeBotApi

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
SHARED_SPEC = Path("/work/shared/telegram-bot-api/botapi-10.1.json")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        user = server.user("Amal")
        server.mark_known(user.chat_id)
        yield server


async def post(api: FakeBotApi, method: str, **params: object) -> dict[str, object]:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{api.url}/bot{TOKEN}/{method}", json=params)
    body: dict[str, object] = response.json()
    return body


async def test_a_parameter_telegram_does_not_know_is_refused(api: FakeBotApi) -> None:
    [amal] = api.users.values()
    body = await post(api, "sendMessage", chat_id=amal.id, text="hi", colour="blue")
    assert body["ok"] is False and body["error_code"] == 400
    assert "no parameter 'colour'" in str(body["description"])
    assert api.messages_in(amal.id) == []


async def test_a_missing_required_parameter_is_refused_in_telegrams_words(api: FakeBotApi) -> None:
    [amal] = api.users.values()
    body = await post(api, "sendMessage", chat_id=amal.id)
    assert body["description"] == "Bad Request: message text is empty"
    body = await post(api, "deleteMessage", chat_id=amal.id)
    assert body["description"] == "Bad Request: message identifier is not specified"


async def test_a_value_of_the_wrong_shape_is_refused(api: FakeBotApi) -> None:
    [amal] = api.users.values()
    body = await post(api, "sendMessage", chat_id=amal.id, text="hi", reply_markup=[1, 2])
    assert "can't parse reply_markup" in str(body["description"])
    body = await post(api, "sendMessage", chat_id=amal.id, text="hi", disable_notification="x")
    assert "expected Boolean" in str(body["description"])


async def test_what_python_telegram_bot_sends_is_accepted(api: FakeBotApi) -> None:
    [amal] = api.users.values()
    async with telegram.Bot(TOKEN, base_url=api.base_url) as bot:
        await bot.send_message(amal.id, "<b>hi</b>", parse_mode="HTML", disable_notification=True)
        await bot.send_document(amal.id, b"{}", filename="data.json", caption="yours")
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(42, "nobody")
    assert not [call for call in api.calls if call.note == REFUSED_AS_NOT_THE_BOT_API]


def test_every_method_the_local_api_implements_is_in_telegrams_api() -> None:
    implemented = {name for name, _ in FakeBotApi()._handlers.values()}
    assert implemented == set(bot_api_methods())


@pytest.mark.skipif(not SHARED_SPEC.exists(), reason=f"{SHARED_SPEC} is not on this machine")
def test_the_shipped_parameters_are_telegrams() -> None:
    published = json.loads(SHARED_SPEC.read_text(encoding="utf-8"))["methods"]
    for method, parameters in bot_api_methods().items():
        fields = {f["name"]: f for f in published[method].get("fields", [])}
        assert set(fields) == set(parameters), method
        for name, parameter in parameters.items():
            assert list(parameter.types) == fields[name]["types"], (method, name)
            assert parameter.required == fields[name]["required"], (method, name)
