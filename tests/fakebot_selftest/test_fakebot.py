"""Self-tests of the fake Bot API, driven by PTB's own ``telegram.Bot`` and by raw httpx."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import telegram
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from tests.fakebot import EntityParseError, FakeBotApi, FakeUser, parse_formatted

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN, bot_username="palaver_test_bot") as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(
        TOKEN, base_url=api.base_url, base_file_url=api.base_file_url
    ) as ptb_bot:
        yield ptb_bot


@pytest.fixture
def amal(api: FakeBotApi) -> FakeUser:
    user = api.user(first_name="Amal", language_code="ar")
    api.mark_known(user.chat_id)
    return user


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data)] for label, data in buttons]
    )


# --------------------------------------------------------------------------- basics


async def test_get_me_via_initialize(api: FakeBotApi, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "palaver_test_bot", True)
    assert api.calls_to("getMe")[0].ok


async def test_wrong_token_and_unknown_method(api: FakeBotApi) -> None:
    with pytest.raises(InvalidToken, match="Unauthorized"):
        await telegram.Bot("999:nope", base_url=api.base_url).get_me()
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{api.url}/bot{TOKEN}/frobnicate")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_long_poll_wakes_on_inject(api: FakeBotApi, bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_until_polling()
    user = api.user("Noa")
    user.send("/start abc")
    updates = await asyncio.wait_for(poll, 4)
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "/start abc"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6
    assert api.pending_updates() == 1  # fetched, but not confirmed yet
    confirm = asyncio.create_task(bot.get_updates(offset=updates[0].update_id + 1, timeout=0))
    await api.wait_until_delivered()
    assert await confirm == ()
    assert api.calls_to("getUpdates")[0].params["timeout"] == 5


async def test_get_updates_limit_offset_and_allowed_updates(
    api: FakeBotApi, bot: telegram.Bot
) -> None:
    user, group = api.user("Dana"), api.group("Circle")
    for text in ("one", "two", "three"):
        user.send(text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    group.add_member(user)  # new_chat_members message + chat_member (not delivered by default)
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text if u.message else None for u in rest] == ["three", None]
    assert [u.get("chat_member") is not None for u in api.dropped_updates] == [True]
    group.remove_member(user)
    wanted = await bot.get_updates(offset=rest[-1].update_id + 1, allowed_updates=["chat_member"])
    assert [u.chat_member is not None for u in wanted] == [True]


async def test_second_poller_conflicts(api: FakeBotApi, bot: telegram.Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_until_polling()
    async with telegram.Bot(TOKEN, base_url=api.base_url) as second_instance:
        await second_instance.get_updates(timeout=0)
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await first


# --------------------------------------------------------------------------- validation


async def test_send_message_validation(api: FakeBotApi, bot: telegram.Bot, amal: FakeUser) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hi")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(amal.chat_id, "")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(amal.chat_id, "x" * 4097)
    await bot.send_message(amal.chat_id, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(amal.chat_id, "pick", reply_markup=keyboard(("A", "a" * 65)))
    with pytest.raises(BadRequest, match="Can't parse entities: unsupported start tag"):
        await bot.send_message(amal.chat_id, "1 <3 you", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(amal.chat_id, "Done.", parse_mode=ParseMode.MARKDOWN_V2)
    assert [m.text for m in amal.messages] == ["x" * 4096]
    assert len(api.calls_to("sendMessage")) == 7


async def test_formatted_text_is_recorded_as_visible_text(
    bot: telegram.Bot, amal: FakeUser
) -> None:
    await bot.send_message(amal.chat_id, "<b>Hello</b> &amp; welcome", parse_mode="HTML")
    message = await amal.expect_message("Hello & welcome")
    assert message.raw_text == "<b>Hello</b> &amp; welcome"
    assert message.matches("<b>Hello</b>")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_faults_surface_as_ptb_errors(
    api: FakeBotApi, bot: telegram.Bot, amal: FakeUser
) -> None:
    api.fail_next("sendMessage", error_code=429, retry_after=1)
    with pytest.raises(RetryAfter, match="Retry in 1"):
        await bot.send_message(amal.chat_id, "a")
    api.fail_next("sendMessage", error_code=403, chat_id=amal.chat_id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(amal.chat_id, "b")
    api.fail_next("sendMessage", error_code=500, description="Internal Server Error")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(amal.chat_id, "c")
    await bot.send_message(amal.chat_id, "d")
    assert [c.status for c in api.calls_to("sendMessage")] == [429, 403, 500, 200]
    assert api.calls_to("sendMessage")[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert [m.text for m in amal.messages] == ["d"]


async def test_blocked_user(bot: telegram.Bot, amal: FakeUser) -> None:
    amal.block_bot()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(amal.chat_id, "hello?")
    amal.unblock_bot()
    await bot.send_message(amal.chat_id, "hello!")
    assert amal.last_message.text == "hello!"


async def test_delay_makes_client_time_out_without_effect(
    api: FakeBotApi, bot: telegram.Bot, amal: FakeUser
) -> None:
    api.delay_next("sendMessage", seconds=3.0)
    with pytest.raises(TimedOut):
        await bot.send_message(amal.chat_id, "slow", read_timeout=0.2)
    call = await api.wait_for_call("sendMessage", timeout=3.0)
    assert (call.status, call.note) == (0, "timed out")
    assert amal.messages == []


async def test_refuse_connections(api: FakeBotApi, bot: telegram.Bot, amal: FakeUser) -> None:
    await api.refuse_connections()
    with pytest.raises(NetworkError):
        await bot.send_message(amal.chat_id, "lost")
    await api.accept_connections()
    await bot.send_message(amal.chat_id, "back")
    assert [m.text for m in amal.messages] == ["back"]


# --------------------------------------------------------------------------- messages


async def test_edit_message_text(bot: telegram.Bot, amal: FakeUser) -> None:
    markup = keyboard(("Yes", "y"))
    sent = await bot.send_message(amal.chat_id, "Question?", reply_markup=markup)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Question?", amal.chat_id, sent.message_id, reply_markup=markup)
    await bot.edit_message_text("Answered", amal.chat_id, sent.message_id)
    edited = await amal.expect_edit("Answered")
    assert (edited.text, edited.edits, edited.buttons) == ("Answered", 1, [])
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", amal.chat_id, 999)
    await bot.delete_message(amal.chat_id, sent.message_id)
    assert amal.messages[0].deleted


async def test_send_document_multipart(api: FakeBotApi, bot: telegram.Bot, amal: FakeUser) -> None:
    await bot.send_document(amal.chat_id, b"a,b\n1,2\n", filename="export.csv", caption="Export")
    message = await amal.expect_message("Export")
    assert message.document is not None
    assert (message.document.filename, message.document.data) == ("export.csv", b"a,b\n1,2\n")
    assert message.media_type == "document" and message.method == "sendDocument"
    await bot.send_photo(amal.chat_id, b"\x89PNG...")
    photo = await amal.expect_message()
    assert photo.photo == b"\x89PNG..." and photo.text is None
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(amal.chat_id, b"x", filename="x.txt", caption="c" * 1025)


async def test_bot_downloads_user_photo(api: FakeBotApi, bot: telegram.Bot, amal: FakeUser) -> None:
    amal.send_photo(b"pixels", caption="look")
    (update,) = await bot.get_updates()
    assert update.message is not None and update.message.caption == "look"
    file = await update.message.photo[-1].get_file()
    assert bytes(await file.download_as_bytearray()) == b"pixels"


async def test_copy_message_hides_sender(api: FakeBotApi, bot: telegram.Bot) -> None:
    sender, recipient = api.user("Amal", username="amal_x"), api.user("Noa")
    api.mark_known(recipient.chat_id)
    message_id = sender.send("I hear you")
    result = await bot.copy_message(recipient.chat_id, sender.chat_id, message_id)
    copied = await recipient.expect_message("I hear you")
    assert result.message_id == copied.message_id
    assert copied.copied_from == (sender.chat_id, message_id)
    dumped = json.dumps(copied.message)
    assert str(sender.id) not in dumped and "amal_x" not in dumped and "Amal" not in dumped
    assert copied.message["from"]["id"] == api.bot_id
    await bot.forward_message(recipient.chat_id, sender.chat_id, message_id)
    forwarded = await recipient.expect_message()
    assert forwarded.message["forward_origin"]["sender_user"]["id"] == sender.id
    assert len(api.calls_to("forwardMessage")) == 1
    with pytest.raises(BadRequest, match="Message to copy not found"):
        await bot.copy_message(recipient.chat_id, sender.chat_id, 777)


# --------------------------------------------------------------------------- buttons


async def test_press_builds_parsable_callback_query(
    api: FakeBotApi, bot: telegram.Bot, amal: FakeUser
) -> None:
    await bot.send_message(
        amal.chat_id, "Join?", reply_markup=keyboard(("Yes 👍", "y"), ("No", "n"))
    )
    query_id = amal.press("Yes")  # substring match
    raw = [u for u in (await bot.get_updates()) if u.callback_query]
    update = Update.de_json(raw[0].to_dict(), bot)
    assert update is not None and update.callback_query is not None
    query = update.callback_query
    assert (query.id, query.data, query.from_user.id) == (query_id, "y", amal.id)
    assert isinstance(query.message, telegram.Message) and query.message.text == "Join?"
    await bot.answer_callback_query(query_id, text="Thanks")
    answer = await amal.expect_callback_answer(query_id)
    assert answer.params["text"] == "Thanks"
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(AssertionError, match=r"available buttons:\n  #1: \['Yes 👍', 'No'\]"):
        amal.press("Maybe")
    forged = amal.press_data("admin:delete_all")
    assert api.pending_updates() >= 2 and forged


async def test_expect_message_consumes_in_order_and_explains_timeout(
    bot: telegram.Bot, amal: FakeUser
) -> None:
    for text in ("first", "second", "third"):
        await bot.send_message(amal.chat_id, text, reply_markup=keyboard(("OK", "ok")))
    assert (await amal.expect_message("second")).text == "second"
    assert (await amal.expect_message()).text == "third"
    with pytest.raises(AssertionError) as failure:
        await amal.expect_message("fourth", timeout=0.05)
    report = str(failure.value)
    assert "'fourth'" in report and "'second'" in report and "buttons=['OK']" in report
    await amal.expect_no_message(within=0.01)


# --------------------------------------------------------------------------- encodings


async def test_all_request_encodings(api: FakeBotApi, amal: FakeUser) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    base = f"{api.url}/bot{TOKEN}"
    async with httpx.AsyncClient() as client:
        as_json = await client.post(
            f"{base}/sendMessage",
            json={"chat_id": amal.chat_id, "text": "1", "reply_markup": markup},
        )
        as_form = await client.post(
            f"{base}/sendMessage",
            data={"chat_id": str(amal.chat_id), "text": "2", "reply_markup": json.dumps(markup)},
        )
        as_query = await client.get(
            f"{base}/sendMessage", params={"chat_id": amal.chat_id, "text": "3"}
        )
    assert [r.json()["ok"] for r in (as_json, as_form, as_query)] == [True, True, True]
    assert [c.params["chat_id"] for c in api.calls] == [amal.chat_id] * 3
    assert api.calls[1].params["reply_markup"] == markup
    assert api.calls[1].params["text"] == "2"  # string fields are never JSON-decoded
    assert [m.button_texts for m in amal.messages] == [["Go"], ["Go"], []]


# --------------------------------------------------------------------------- commands & groups


async def test_commands_per_scope_and_language(api: FakeBotApi, bot: telegram.Bot) -> None:
    commands = [BotCommand("start", "Begin"), BotCommand("help", "Help")]
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(commands, scope=scope, language_code="ar")
    assert await bot.get_my_commands(scope=scope, language_code="ar") == tuple(commands)
    assert await bot.get_my_commands() == ()
    assert api.commands({"type": "all_private_chats"}, "ar")[0]["command"] == "start"
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "Begin")])
    await bot.delete_my_commands(scope=scope, language_code="ar")
    assert api.commands({"type": "all_private_chats"}, "ar") == []


async def test_group_membership(api: FakeBotApi, bot: telegram.Bot) -> None:
    group, owner, member = api.group("Circle"), api.user("Rana"), api.user("Yael")
    group.add_member(owner)
    group.make_admin(owner)
    member.send_to_group(group, "shalom")
    assert (await bot.get_chat_member(group.chat_id, owner.id)).status == "administrator"
    assert (await bot.get_chat_member(group.chat_id, member.id)).status == "member"
    assert (await bot.get_chat_member(group.chat_id, api.bot_id)).status == "administrator"
    chat = await bot.get_chat(group.chat_id)
    assert (chat.type, chat.title) == ("supergroup", "Circle")
    await bot.restrict_chat_member(group.chat_id, member.id, ChatPermissions.no_permissions())
    restricted = await bot.get_chat_member(group.chat_id, member.id)
    assert restricted.status == "restricted"
    with pytest.raises(BadRequest, match="User is an administrator"):
        await bot.ban_chat_member(group.chat_id, owner.id)
    await bot.ban_chat_member(group.chat_id, member.id)
    assert (await bot.get_chat_member(group.chat_id, member.id)).status == "kicked"
    await bot.send_message(group.chat_id, "Welcome to the circle")
    assert (await group.expect_message("circle")).chat_id == group.chat_id
    await bot.send_chat_action(group.chat_id, "typing")


# --------------------------------------------------------------------------- full Application


async def test_real_application_round_trip(api: FakeBotApi) -> None:
    from telegram.ext import (
        Application,
        CallbackQueryHandler,
        CommandHandler,
        ContextTypes,
    )

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            f"Welcome {context.args}", reply_markup=keyboard(("Join", "join"))
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Joined")
        await query.edit_message_text("You joined")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=10, allowed_updates=Update.ALL_TYPES)
        user = api.user("Amal", language_code="ar")
        user.send("/start abc")
        welcome = await user.expect_message("Welcome ['abc']")
        assert welcome.button_texts == ["Join"]
        user.press("Join")
        assert (await user.expect_callback_answer()).params["text"] == "Joined"
        assert (await user.expect_edit("You joined")).edits == 1
        await api.wait_until_delivered()
        await app.updater.stop()
        await app.stop()
    polls = api.calls_to("getUpdates")
    assert polls[0].params["timeout"] == 10
    assert "chat_member" in polls[0].params["allowed_updates"]
    assert api.calls_to("deleteWebhook")


@pytest.mark.parametrize(
    ("text", "mode", "visible"),
    [
        ('<b>a <i>b</i></b> &lt;3 <a href="https://x.y">c</a>', "HTML", "a b <3 c"),
        ("*a* _b_ __c__ ~d~ ||e|| `f` [g](https://x.y/h_i) 1\\.5\\!", "MarkdownV2", None),
        ("plain *text*", None, "plain *text*"),
    ],
)
def test_formatting_parser_accepts(text: str, mode: str | None, visible: str | None) -> None:
    expected = visible if visible is not None else "a b c d e f g 1.5!"
    assert parse_formatted(text, mode).text == expected


@pytest.mark.parametrize(
    ("text", "mode"),
    [("<b>x", "HTML"), ("<b>x</i>", "HTML"), ("<blink>", "HTML"), ("*x", "MarkdownV2")],
)
def test_formatting_parser_rejects(text: str, mode: str) -> None:
    with pytest.raises(EntityParseError, match="can't parse entities"):
        parse_formatted(text, mode)


async def test_text_edits_are_events_but_markup_edits_are_not(
    bot: telegram.Bot, amal: FakeUser
) -> None:
    markup = keyboard(("EN", "en"))
    sent = await bot.send_message(amal.chat_id, "Which language?", reply_markup=markup)
    question = await amal.expect_message("Which language")
    await bot.edit_message_reply_markup(amal.chat_id, sent.message_id, reply_markup=None)
    await bot.edit_message_text("Done: English", amal.chat_id, sent.message_id)
    await bot.send_message(amal.chat_id, "Next step")
    assert (await amal.expect_message("Done")) is question  # the live record, now edited
    assert (await amal.expect_message()).text == "Next step"
    assert [e.kind for e in amal.events] == ["sent", "edited", "sent"]
    assert amal.events[0].text == "Which language?" and question.edits == 2
