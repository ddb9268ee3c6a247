"""A fake Telegram Bot API server for end-to-end tests of the Palaver bot.

The real PTB ``Application`` talks HTTP to it; tests play users and inspect what the bot sent::

    async with FakeBotApi() as api:
        app = (
            Application.builder()
            .token(api.token)
            .base_url(api.base_url)            # f"{api.url}/bot"
            .base_file_url(api.base_file_url)  # f"{api.url}/file/bot"
            .build()
        )
        async with app:
            await app.start()
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            amal = api.user("Amal", language_code="ar")
            amal.send("/start")
            welcome = await amal.expect_message("Welcome")
            amal.press("Join")
            await amal.expect_callback_answer()
            await app.updater.stop()
            await app.stop()

A ``palaver run`` subprocess can use the same server: pass ``api.base_url`` /
``api.base_file_url`` and ``api.token`` through its configuration.

Waiting helpers (``expect_message``, ``wait_for_call``, ``wait_until_delivered``...) are
event-driven: they wake on every request the server handles, never poll with sleeps.
A ``FakeBotApi`` must be used from a single event loop (the one it was started in).
"""

from .actors import FakeGroup, FakeUser, member_json
from .encoding import EntityParseError, coerce_param, parse_formatted
from .models import ApiCall, Button, MessageEvent, SentMessage, UploadedFile
from .server import DEFAULT_TOKEN, FakeBotApi, TelegramApiError

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "Button",
    "EntityParseError",
    "FakeBotApi",
    "FakeGroup",
    "FakeUser",
    "MessageEvent",
    "SentMessage",
    "TelegramApiError",
    "UploadedFile",
    "coerce_param",
    "member_json",
    "parse_formatted",
]
