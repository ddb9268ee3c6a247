"""A local implementation of the Telegram Bot API methods Palaver uses, over real HTTP.

The real PTB ``Application`` talks to it exactly as to Telegram; simulated people inject
updates and observe what the bot sent. It answers the way Telegram would, refusing calls
that Telegram would refuse. The sandbox (`palaver sandbox`) and the test harness
(`tests/fakebot`) share this one implementation::

    async with LocalBotApi() as api:
        settings = Settings(bot_api_url=api.url, telegram_token=api.token, ...)
        palaver = build_palaver(settings)
        await palaver.start()
        amal = api.user("Amal", language_code="ar")
        amal.send("/start")
        await amal.expect_message("Which language")

It also audits the bot's pace: ``api.rate_audit()`` counts the messages that broke
Telegram's sending limits (``LocalBotApi(sending_limits=SendingLimits(...))`` to raise them).

Waiting helpers (``expect_message``, ``wait_for_call``, ``wait_until_delivered``...) are
event-driven: they wake on every request the server handles, never poll with sleeps.
A ``LocalBotApi`` must be used from a single event loop (the one it was started in).
"""

from .actors import SimulatedGroup, SimulatedUser, member_json
from .encoding import EntityParseError, coerce_param, parse_formatted
from .models import ApiCall, Button, MessageEvent, SentMessage, UploadedFile
from .rate_audit import TELEGRAM_SENDING_LIMITS, RateAudit, SendingAuditor, SendingLimits
from .server import DEFAULT_TOKEN, LocalBotApi, TelegramApiError

__all__ = [
    "DEFAULT_TOKEN",
    "TELEGRAM_SENDING_LIMITS",
    "ApiCall",
    "Button",
    "EntityParseError",
    "LocalBotApi",
    "MessageEvent",
    "RateAudit",
    "SendingAuditor",
    "SendingLimits",
    "SentMessage",
    "SimulatedGroup",
    "SimulatedUser",
    "TelegramApiError",
    "UploadedFile",
    "coerce_param",
    "member_json",
    "parse_formatted",
]
