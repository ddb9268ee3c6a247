"""The command line: helpful --help, clear one-line errors, doctor's verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import __version__
from bot.cli import main
from tests.conftest import TEST_TOKEN
from tests.fakebot import FakeBotApi
from tests.support import invoke_cli


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env, a fresh SQLite file
    for name in ("PALAVER_TELEGRAM_TOKEN", "PALAVER_DATABASE_URL", "PALAVER_ADMINS"):
        monkeypatch.delenv(name, raising=False)
    # Never Telegram itself: tests that need a Bot API start the fake one.
    monkeypatch.setenv("PALAVER_BOT_API_URL", "http://127.0.0.1:1")
    return CliRunner()


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


@pytest.mark.parametrize("command", [[], ["run"], ["migrate"], ["doctor"], ["sandbox"]])
def test_every_command_explains_itself(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    assert len(result.output.splitlines()) > 4


def test_run_without_a_token_is_one_line_about_botfather(runner: CliRunner) -> None:
    result = runner.invoke(main, ["run"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "@BotFather" in lines[0]
    assert "Traceback" not in result.output


def test_run_with_a_malformed_token_is_one_line(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", "not-a-token")
    result = runner.invoke(main, ["run"])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "does not look like a bot token" in result.output
    assert "not-a-token" not in result.output


async def test_migrate_then_doctor_is_all_well(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, fake_api: FakeBotApi
) -> None:
    monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("PALAVER_BOT_API_URL", fake_api.url)
    assert (await invoke_cli(runner, ["migrate"])).exit_code == 0
    result = await invoke_cli(runner, ["doctor"])
    assert result.exit_code == 0, result.output
    assert f"[ok ] Bot API: {fake_api.url} knows this bot as @palaver_test_bot" in result.output
    assert "All is well." in result.output
    assert TEST_TOKEN not in result.output
    assert [call.method for call in fake_api.calls] == ["getMe"]


async def test_doctor_fails_when_telegram_refuses_the_token(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeBotApi(token="987654321:AAEhBP0av28-otherTOKENotherTOKENoth") as other_bot:
        monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", TEST_TOKEN)
        monkeypatch.setenv("PALAVER_BOT_API_URL", other_bot.url)
        assert (await invoke_cli(runner, ["migrate"])).exit_code == 0
        result = await invoke_cli(runner, ["doctor"])
    assert result.exit_code == 1
    assert "[FAIL] Bot API: Telegram did not accept PALAVER_TELEGRAM_TOKEN." in result.output
    assert "All is well." not in result.output and TEST_TOKEN not in result.output


def test_doctor_fails_when_the_bot_api_cannot_be_reached(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", TEST_TOKEN)
    runner.invoke(main, ["migrate"])
    result = runner.invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert "[FAIL] Bot API: Could not reach the Bot API at http://127.0.0.1:1 (" in result.output
    assert "Check the network, or PALAVER_BOT_API_URL." in result.output


async def test_doctor_rejects_a_default_locale_without_a_catalog(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, fake_api: FakeBotApi
) -> None:
    monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("PALAVER_BOT_API_URL", fake_api.url)
    monkeypatch.setenv("PALAVER_DEFAULT_LOCALE", "xx")
    assert (await invoke_cli(runner, ["migrate"])).exit_code == 0
    result = await invoke_cli(runner, ["doctor"])
    assert result.exit_code == 1
    assert "[FAIL] default locale: PALAVER_DEFAULT_LOCALE is 'xx', which has no catalog; " in (
        result.output
    )
    assert "use one of: en, " in result.output


def test_doctor_says_to_migrate_an_unmigrated_database(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", TEST_TOKEN)
    result = runner.invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert "run `palaver migrate`" in result.output


def test_doctor_reports_an_unreachable_database(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("PALAVER_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = runner.invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert "[FAIL] database: cannot use the database" in result.output
    assert "PALAVER_DATABASE_URL" in result.output


def test_doctor_reports_a_broken_catalog(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "locales" / "xx" / "LC_MESSAGES"
    broken.mkdir(parents=True)
    (broken / "messages.po").write_text('msgid "Hello {name}"\nmsgstr "Hallo {nom}"\n')
    monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("PALAVER_LOCALES_DIR", str(tmp_path / "locales"))
    runner.invoke(main, ["migrate"])
    result = runner.invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert "catalogs" in result.output and "messages.po" in result.output


def test_migrate_reports_an_unreachable_database_in_one_line(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PALAVER_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = runner.invoke(main, ["migrate"])
    assert result.exit_code == 1
    assert "cannot use the database postgresql://nobody@127.0.0.1:1/none" in result.output
    assert "Traceback" not in result.output


async def test_run_with_a_broken_flow_is_one_line_pointing_to_flows_check(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_api: FakeBotApi
) -> None:
    flows = tmp_path / "dialogues"
    flows.mkdir()
    (flows / "broken.yaml").write_text("schema_version: 1\nid: broken\nsteps: []\n")
    monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("PALAVER_DIALOGUES_DIR", str(flows))
    monkeypatch.setenv("PALAVER_BOT_API_URL", fake_api.url)
    result = await invoke_cli(runner, ["run"])
    assert result.exit_code == 1
    assert "palaver flows check" in result.output
    assert "Traceback" not in result.output


def test_run_with_an_unreachable_bot_api_is_one_line(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", TEST_TOKEN)
    result = runner.invoke(main, ["run"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: Could not reach the Bot API at http://127.0.0.1:1 (")


async def test_run_with_a_refused_token_is_one_line(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeBotApi(token="987654321:AAEhBP0av28-otherTOKENotherTOKENoth") as other_bot:
        monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", TEST_TOKEN)
        monkeypatch.setenv("PALAVER_BOT_API_URL", other_bot.url)
        result = await invoke_cli(runner, ["run"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.stderr.strip().splitlines() == [
        "Error: Telegram did not accept PALAVER_TELEGRAM_TOKEN. Check it with @BotFather "
        "(/mybots → your bot → API Token)."
    ]
