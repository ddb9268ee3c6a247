"""Settings: ordinary URLs work as written, bad tokens get a one-line explanation."""

from __future__ import annotations

import re

import pytest

from bot.config import (
    REPOSITORY_ROOT,
    ConfigurationError,
    Settings,
    load_settings,
    to_async_database_url,
)


@pytest.mark.parametrize(
    ("written", "used"),
    [
        ("sqlite:///palaver.db", "sqlite+aiosqlite:///palaver.db"),
        (
            "sqlite:////var/lib/palaver/palaver.db",
            "sqlite+aiosqlite:////var/lib/palaver/palaver.db",
        ),
        ("postgresql://user@host/db", "postgresql+psycopg://user@host/db"),
        (
            "postgres://user:pw@host:5433/db?sslmode=require",
            "postgresql+psycopg://user:pw@host:5433/db?sslmode=require",
        ),
        ("postgresql+asyncpg://user@host/db", "postgresql+psycopg://user@host/db"),
    ],
)
def test_ordinary_database_urls_get_an_async_driver(written: str, used: str) -> None:
    assert to_async_database_url(written) == used


@pytest.mark.parametrize("url", ["mysql://root@localhost/db", "palaver.db"])
def test_unsupported_database_urls_say_what_to_use(url: str) -> None:
    with pytest.raises(ConfigurationError, match=r"sqlite:///palaver\.db"):
        to_async_database_url(url)


def test_missing_token_says_how_to_get_one() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="@BotFather"):
        settings.require_token()


@pytest.mark.parametrize(
    "token", ["abc", "123:short", "123456789 AAEhBP0av28-testTOKENtestTOKENtest12"]
)
def test_malformed_token_is_refused(token: str) -> None:
    settings = Settings(_env_file=None, telegram_token=token)  # type: ignore[call-arg, arg-type]
    with pytest.raises(ConfigurationError, match="does not look like a bot token"):
        settings.require_token()


def test_admins_are_read_from_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALAVER_ADMINS", "111, 222,333")
    assert load_settings(_env_file=None).admins == frozenset({111, 222, 333})


def test_admins_that_are_not_numbers_are_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALAVER_ADMINS", "111,@alice")
    with pytest.raises(ConfigurationError, match="PALAVER_ADMINS"):
        load_settings(_env_file=None)


def test_settings_are_read_from_a_dotenv_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text("PALAVER_DEFAULT_LOCALE=uk\nPALAVER_LOG_LEVEL=debug\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.default_locale == "uk"
    assert settings.log_level == "DEBUG"


def test_token_is_never_shown_in_the_settings_repr() -> None:
    token = "123456789:AAEhBP0av28-testTOKENtestTOKENtest12"
    settings = Settings(_env_file=None, telegram_token=token)  # type: ignore[call-arg, arg-type]
    assert token not in repr(settings)
    assert token not in str(settings.model_dump())


def test_env_example_documents_every_setting() -> None:
    example = (REPOSITORY_ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*(PALAVER_[A-Z_]+)=", example, re.MULTILINE))
    assert documented == {f"PALAVER_{name.upper()}" for name in Settings.model_fields}


def test_an_empty_token_as_in_env_example_means_no_token() -> None:
    settings = Settings(_env_file=None, telegram_token="")  # type: ignore[call-arg, arg-type]
    assert settings.telegram_token is None


@pytest.mark.parametrize("written", ["my_palaver_bot", "@my_palaver_bot", " my_palaver_bot "])
def test_the_bot_username_is_kept_without_its_at(written: str) -> None:
    settings = Settings(_env_file=None, bot_username=written)  # type: ignore[call-arg]
    assert settings.bot_username == "my_palaver_bot"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "PALAVER_DATABASE_URL is empty"),
        ("postgresql://palaver:secret@host:port/db", "PALAVER_DATABASE_URL cannot be read"),
    ],
)
def test_unreadable_database_urls_are_one_clear_error(url: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem) as raised:
        to_async_database_url(url)
    assert "secret" not in str(raised.value)
