"""Every command turns a configuration or database problem into one line, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import make_url

from bot.cli import main
from tests.conftest import TEST_TOKEN

PROGRAM_YAML = """\
name: Neighbours across the river
communities: [east bank, west bank]
languages: [en]
flows: [story-exchange]
"""

COMMANDS = [
    ["migrate"],
    ["run"],
    ["programs", "list"],
    ["programs", "create", "--from", "program.yaml"],
    ["programs", "invite", "1", "--bot-username", "palaver_test_bot"],
    ["demo-data"],
    ["demo-data", "--remove"],
    ["admins", "list"],
    ["admins", "add", "700001"],
    ["admins", "remove", "700001"],
]

BAD_DATABASES = {
    "not a URL": ("not-a-url", "PALAVER_DATABASE_URL 'not-a-url' is not a URL"),
    "unsupported": ("mysql://root@localhost/palaver", "uses 'mysql', which Palaver does not"),
    "empty": ("", "PALAVER_DATABASE_URL is empty"),
    "unreadable port": (
        "postgresql://palaver:secret@localhost:notaport/palaver",
        "PALAVER_DATABASE_URL cannot be read",
    ),
    "missing folder": ("sqlite:///{tmp}/missing/palaver.db", "mkdir -p {tmp}/missing"),
    "unreachable server": (
        "postgresql://palaver@127.0.0.1:1/palaver",
        "that the database server is running",
    ),
}


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env
    (tmp_path / "program.yaml").write_text(PROGRAM_YAML, encoding="utf-8")
    monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", TEST_TOKEN)
    # Should a command get past the database, it must not reach out to Telegram.
    monkeypatch.setenv("PALAVER_BOT_API_URL", "http://127.0.0.1:1")
    for name in ("PALAVER_DATABASE_URL", "PALAVER_ADMINS", "PALAVER_BOT_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def assert_one_line(result: Result, expected: str) -> None:
    """Exit code 1, nothing on stdout, one line on stderr containing `expected`."""
    # CliRunner catches any exception; only SystemExit means the command ended on purpose.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("case", BAD_DATABASES)
def test_a_bad_database_url_is_one_line_for_every_command(
    runner: CliRunner, tmp_path: Path, case: str, command: list[str]
) -> None:
    url, expected = BAD_DATABASES[case]
    result = runner.invoke(main, command, env={"PALAVER_DATABASE_URL": url.format(tmp=tmp_path)})
    assert_one_line(result, expected.format(tmp=tmp_path))
    assert "secret" not in result.output


@pytest.mark.postgres
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_wrong_database_credentials_are_one_line_for_every_command(
    runner: CliRunner, postgres_server: str, command: list[str]
) -> None:
    stranger = make_url(f"{postgres_server}/test").set(username="palaver_no_such_role")
    url = stranger.render_as_string(hide_password=False)
    result = runner.invoke(main, command, env={"PALAVER_DATABASE_URL": url})
    assert_one_line(result, "check the user name in PALAVER_DATABASE_URL")


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--no-migrate"],
        *[command for command in COMMANDS if command[0] not in {"migrate", "run"}],
    ],
    ids=" ".join,
)
def test_an_unmigrated_database_is_one_line_saying_to_migrate(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    result = runner.invoke(
        main, command, env={"PALAVER_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    )
    assert_one_line(result, "run `palaver migrate` first")


@pytest.mark.parametrize("case", BAD_DATABASES)
def test_doctor_reports_the_same_line_for_a_bad_database(
    runner: CliRunner, tmp_path: Path, case: str
) -> None:
    url, expected = BAD_DATABASES[case]
    result = runner.invoke(main, ["doctor"], env={"PALAVER_DATABASE_URL": url.format(tmp=tmp_path)})
    assert result.exit_code == 1 and result.exception is not None
    assert isinstance(result.exception, SystemExit)
    failures = [line for line in result.output.splitlines() if line.startswith("[FAIL]")]
    assert any(expected.format(tmp=tmp_path) in line for line in failures), result.output


def test_a_real_process_prints_one_line_to_stderr_and_exits_1(tmp_path: Path) -> None:
    environment = {
        "PATH": "/usr/bin:/bin",
        "PALAVER_DATABASE_URL": f"sqlite:///{tmp_path}/missing/palaver.db",
    }
    finished = subprocess.run(
        [sys.executable, "-m", "bot", "programs", "list"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 1
    assert finished.stdout == ""
    assert finished.stderr.strip().splitlines() == [
        f"Error: The folder {tmp_path}/missing for the SQLite database in PALAVER_DATABASE_URL "
        f"does not exist; create it (mkdir -p {tmp_path}/missing) or change the URL."
    ]
