"""Palaver's configuration: one settings class, read from PALAVER_* variables and `.env`."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BOT_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite:///palaver.db"

# The shape BotFather hands out: a numeric bot id, a colon, then a 35-character secret.
TOKEN_PATTERN = re.compile(r"^\d{4,20}:[A-Za-z0-9_-]{30,64}$")
HOW_TO_GET_A_TOKEN = (
    "Open Telegram, talk to @BotFather, send /newbot, and put the token it gives you "
    "in PALAVER_TELEGRAM_TOKEN (in the environment or in a .env file)."
)


class ConfigurationError(Exception):
    """A setting is missing or malformed; the message says how to fix it."""


class Settings(BaseSettings):
    """Everything Palaver can be told from outside. Each field is a PALAVER_* variable."""

    model_config = SettingsConfigDict(
        env_prefix="PALAVER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = Field(
        default=None, description="The bot token from @BotFather. Required for `palaver run`."
    )
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="Where Palaver keeps its data: sqlite:///file.db or postgresql://user@host/db.",
    )
    bot_api_url: str = Field(
        default=DEFAULT_BOT_API_URL,
        description="The Bot API server. Change only for a self-hosted Bot API server or tests.",
    )
    bot_api_timeout: float = Field(
        default=15.0,
        gt=0,
        description="Seconds to wait for an answer from the Bot API before giving up.",
    )
    max_messages_per_second: int = Field(
        default=30,
        ge=0,
        le=1000,
        description=(
            "Messages per second Palaver sends at most, over all chats (Telegram allows about "
            "30; up to 1000 with paid broadcasts). 0 turns the limiter off (benchmarks only)."
        ),
    )
    private_chat_messages_per_second: float = Field(
        default=1.0,
        ge=0,
        description=(
            "Messages per second one private chat gets on average (bursts of 3 go at once), "
            "as Telegram asks. 0: no limit per chat."
        ),
    )
    group_messages_per_minute: float = Field(
        default=20,
        ge=0,
        le=20,
        description=(
            "Messages a minute one group gets (a circle's group), one every 60/n seconds: "
            "Telegram allows 20. 0: no limit per group (tests, the sandbox)."
        ),
    )
    pacing: float = Field(
        default=1.0,
        ge=0,
        description=(
            "Multiplies the pauses flows leave between their messages (1: as written; 0: none)."
        ),
    )
    outbox_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description=(
            "How long a process keeps its claim on a message it is sending; after a crash, "
            "another process (or the restarted one) sends it once the claim has expired."
        ),
    )
    flood_limit: int = Field(
        default=20,
        ge=1,
        description="How many messages and taps one person may send per 10 seconds.",
    )
    machine_translation_url: str | None = Field(
        default=None,
        description=(
            "A LibreTranslate-compatible server that translates partners' words for each other "
            "(off when unset). The original is always shown beside the translation."
        ),
    )
    machine_translation_api_key: SecretStr | None = Field(
        default=None, description="The API key for that server, if it needs one."
    )
    admins: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(),
        description="Telegram user ids (comma-separated) who are organizers from the start.",
    )
    default_locale: str = Field(
        default="en", description="Language for people whose own language Palaver lacks."
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    locales_dir: Path = Field(
        default=REPOSITORY_ROOT / "locales", description="Where the gettext catalogs live."
    )
    dialogues_dir: Path = Field(
        default=REPOSITORY_ROOT / "dialogues", description="Where the dialogue flows live."
    )
    bot_username: str | None = Field(
        default=None,
        description=(
            "The bot's @username, for the t.me links `palaver programs invite` and "
            "`palaver circles create` print. "
            "Unset, Palaver asks Telegram (getMe) with PALAVER_TELEGRAM_TOKEN."
        ),
    )
    consent_version: str = Field(
        default="2026-11",
        description="Version of the consent text; changing it asks everyone to consent again.",
    )

    @field_validator("admins", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            try:
                return frozenset(int(part) for part in parts if part)
            except ValueError:
                raise ValueError(
                    "PALAVER_ADMINS must be Telegram user ids (numbers) separated by commas"
                ) from None
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("PALAVER_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("machine_translation_url")
    @classmethod
    def _http_url_or_nothing(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.strip().startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://translate.example.org")
        return value.strip()

    @field_validator("telegram_token", mode="before")
    @classmethod
    def _empty_token_is_no_token(cls, value: object) -> object:
        # `.env.example` copied as is has `PALAVER_TELEGRAM_TOKEN=`: that means "not set".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bot_username")
    @classmethod
    def _username_without_at(cls, value: str | None) -> str | None:
        username = (value or "").strip().lstrip("@")
        return username or None

    @field_validator("bot_api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def require_token(self) -> str:
        """The bot token, or a ConfigurationError that says how to get one."""
        if self.telegram_token is None or not self.telegram_token.get_secret_value().strip():
            raise ConfigurationError(f"PALAVER_TELEGRAM_TOKEN is not set. {HOW_TO_GET_A_TOKEN}")
        token = self.telegram_token.get_secret_value().strip()
        if not TOKEN_PATTERN.match(token):
            raise ConfigurationError(
                "PALAVER_TELEGRAM_TOKEN does not look like a bot token "
                f"(expected 123456789:AA…). {HOW_TO_GET_A_TOKEN}"
            )
        return token

    @cached_property
    def async_database_url(self) -> str:
        """The database URL with the async driver Palaver uses for that database."""
        return to_async_database_url(self.database_url)


def to_async_database_url(url: str) -> str:
    """Turn an ordinary database URL into one with an async driver.

    People write `sqlite:///palaver.db` or `postgresql://user@host/db`; SQLAlchemy needs to
    be told to use aiosqlite or psycopg's async mode, so we pick the driver for them.
    """
    if not url.strip():
        raise ConfigurationError(
            "PALAVER_DATABASE_URL is empty. "
            "Use sqlite:///palaver.db or postgresql://user@host/database."
        )
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise ConfigurationError(
            f"PALAVER_DATABASE_URL {url!r} is not a URL. "
            "Use sqlite:///palaver.db or postgresql://user@host/database."
        )
    dialect = scheme.split("+", 1)[0].lower()
    if dialect == "sqlite":
        return _readable(f"sqlite+aiosqlite://{rest}")
    if dialect in {"postgresql", "postgres"}:
        return _readable(f"postgresql+psycopg://{rest}")
    raise ConfigurationError(
        f"PALAVER_DATABASE_URL uses {dialect!r}, which Palaver does not support. "
        "Use sqlite:///palaver.db or postgresql://user@host/database."
    )


def _readable(async_url: str) -> str:
    """The URL, if SQLAlchemy can read it (a port that is not a number, say, it cannot)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(async_url)
    except (ArgumentError, ValueError) as error:
        # The error names the bad part; the URL itself may hold a password.
        raise ConfigurationError(
            f"PALAVER_DATABASE_URL cannot be read ({error}). "
            "Write it as sqlite:///palaver.db or postgresql://user:password@host:5432/database."
        ) from None
    return async_url


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one readable ConfigurationError."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = "; ".join(
            f"PALAVER_{'_'.join(str(part) for part in issue['loc']).upper()}: {issue['msg']}"
            for issue in error.errors()
        )
        raise ConfigurationError(problems) from None
