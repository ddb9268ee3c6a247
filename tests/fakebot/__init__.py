"""The test harness's names for the local Bot API in `bot.sandbox.botapi`.

One implementation serves both the sandbox and the tests; here it keeps the names the
journeys were written with (a fake Telegram, fake users and groups).
"""

from bot.sandbox.botapi import (
    DEFAULT_TOKEN,
    TELEGRAM_SENDING_LIMITS,
    ApiCall,
    Button,
    EntityParseError,
    MessageEvent,
    RateAudit,
    SendingAuditor,
    SendingLimits,
    SentMessage,
    TelegramApiError,
    UploadedFile,
    coerce_param,
    member_json,
    parse_formatted,
)
from bot.sandbox.botapi import LocalBotApi as FakeBotApi
from bot.sandbox.botapi import SimulatedGroup as FakeGroup
from bot.sandbox.botapi import SimulatedUser as FakeUser

__all__ = [
    "DEFAULT_TOKEN",
    "TELEGRAM_SENDING_LIMITS",
    "ApiCall",
    "Button",
    "EntityParseError",
    "FakeBotApi",
    "FakeGroup",
    "FakeUser",
    "MessageEvent",
    "RateAudit",
    "SendingAuditor",
    "SendingLimits",
    "SentMessage",
    "TelegramApiError",
    "UploadedFile",
    "coerce_param",
    "member_json",
    "parse_formatted",
]
