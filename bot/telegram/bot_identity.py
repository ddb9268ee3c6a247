"""Asking the Bot API who the bot is (getMe), with failures that say what to fix."""

from __future__ import annotations

from telegram import Bot, User
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import Settings
from bot.telegram.aiohttp_request import AiohttpRequest

CONNECT_TIMEOUT_SECONDS = 10.0


class BotApiProblem(Exception):
    """The Bot API cannot serve this bot; the message says what to check."""


class TokenRefused(BotApiProblem):
    """Telegram answered, but does not know PALAVER_TELEGRAM_TOKEN."""

    def __init__(self) -> None:
        super().__init__(
            "Telegram did not accept PALAVER_TELEGRAM_TOKEN. Check it with @BotFather "
            "(/mybots → your bot → API Token)."
        )


class BotApiUnreachable(BotApiProblem):
    """Nothing answered at PALAVER_BOT_API_URL, or it answered with an error."""

    def __init__(self, bot_api_url: str, reason: str) -> None:
        super().__init__(
            f"Could not reach the Bot API at {bot_api_url} ({reason}). "
            "Check the network, or PALAVER_BOT_API_URL."
        )


def bot_api_urls(settings: Settings) -> tuple[str, str]:
    """Where the bot's Bot API calls go, and where its files are downloaded from."""
    api = settings.bot_api_url
    return f"{api}/bot", f"{api}/file/bot"


def bot_api_problem(error: TelegramError, bot_api_url: str) -> BotApiProblem:
    """The operator's view of an error PTB raised while talking to the Bot API."""
    if isinstance(error, InvalidToken):
        return TokenRefused()
    if isinstance(error, NetworkError):
        return BotApiUnreachable(bot_api_url, error.message)
    return BotApiUnreachable(bot_api_url, f"it answered: {error.message}")


async def who_the_bot_is(settings: Settings) -> User:
    """The bot's own account, from getMe; TokenRefused or BotApiUnreachable otherwise."""
    api = settings.bot_api_url
    request = AiohttpRequest(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=settings.bot_api_timeout,
        write_timeout=settings.bot_api_timeout,
    )
    # The same request for getUpdates too, never used here: else PTB makes an httpx one,
    # which costs about 0.1 s of every `palaver run` start (measured).
    bot = Bot(settings.require_token(), *bot_api_urls(settings), request, request)
    try:
        async with bot:  # initializing a Bot is asking getMe
            return bot.bot
    except TelegramError as error:
        raise bot_api_problem(error, api) from None
