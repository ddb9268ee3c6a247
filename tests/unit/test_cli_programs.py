"""Operators' commands: programs from program.yaml, invite links, admins and demo data."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import select

from bot.cli import main
from bot.storage.tables import (
    Answer,
    Community,
    Invite,
    InviteKind,
    Person,
    Program,
    Role,
    RoleName,
)
from tests.conftest import TEST_TOKEN
from tests.fakebot import FakeBotApi
from tests.support import invoke_cli, stored

PROGRAM_YAML = """\
name: Neighbours across the river, spring 2027
communities: [east bank, west bank]
languages: [en, uk]
default_language: uk
flows: [story-exchange]
same_language_pairs: false
time_zone: Europe/Kyiv
quiet_hours: "22-7"
min_group_size: 6
retention_days: 14
organizers: [700001]
"""


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("PALAVER_DATABASE_URL", database_url)
    for name in ("PALAVER_TELEGRAM_TOKEN", "PALAVER_ADMINS", "PALAVER_BOT_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    # Never Telegram itself: tests that need a Bot API start the fake one.
    monkeypatch.setenv("PALAVER_BOT_API_URL", "http://127.0.0.1:1")
    return CliRunner()


def create(runner: CliRunner, tmp_path: Path, text: str = PROGRAM_YAML) -> Result:
    source = tmp_path / "program.yaml"
    source.write_text(text, encoding="utf-8")
    return runner.invoke(main, ["programs", "create", "--from", str(source)])


@pytest.mark.parametrize(
    "command",
    [
        ["programs"],
        ["programs", "create"],
        ["programs", "list"],
        ["programs", "invite"],
        ["admins"],
        ["admins", "add"],
        ["admins", "list"],
        ["admins", "remove"],
        ["demo-data"],
    ],
)
def test_every_command_explains_itself(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and len(result.output.splitlines()) > 4


def test_create_from_program_yaml(runner: CliRunner, tmp_path: Path, database_url: str) -> None:
    result = create(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert "Created program 1: Neighbours across the river, spring 2027" in result.output

    program = stored(database_url, select(Program))[0]
    assert program.languages == ["en", "uk"] and program.default_language == "uk"
    assert program.flows == ["story-exchange"] and program.same_language_pairs is False
    assert (program.quiet_hours_start, program.quiet_hours_end) == (22, 7)
    assert program.min_group_size == 6 and program.retention_days == 14
    assert program.consent_version == "2026-11"
    communities = stored(database_url, select(Community.name).order_by(Community.position))
    assert communities == ["east bank", "west bank"]
    organizer = stored(database_url, select(Person).where(Person.telegram_id == 700001))[0]
    roles = stored(database_url, select(Role.name).where(Role.person_id == organizer.id))
    assert roles == [RoleName.ORGANIZER]


def test_list_shows_programs(runner: CliRunner, tmp_path: Path) -> None:
    assert "No programs yet" in runner.invoke(main, ["programs", "list"]).output
    create(runner, tmp_path)
    result = runner.invoke(main, ["programs", "list"])
    assert result.exit_code == 0
    assert "   1  active        0  Neighbours across the river, spring 2027" in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            PROGRAM_YAML.replace("[east bank, west bank]", "[east bank]"),
            "program.yaml, line 2, communities: Please name at least two communities",
        ),
        (
            PROGRAM_YAML.replace("[story-exchange]", "[story-exchange, nope]"),
            "program.yaml, line 5, flows: There is no dialogue “nope”",
        ),
        (
            PROGRAM_YAML.replace("Europe/Kyiv", "Mars/Olympus"),
            "program.yaml, line 7, time_zone: I don't know the time zone “Mars/Olympus”",
        ),
        (
            PROGRAM_YAML.replace("min_group_size: 6", "min_group_size: many"),
            "program.yaml, line 9, min_group_size: Input should be a valid integer",
        ),
        (
            PROGRAM_YAML.replace("default_language: uk", "default_language: fr"),
            "program.yaml, line 4, default_language: I can't speak “fr” yet",
        ),
        (
            PROGRAM_YAML.replace("organizers: [700001]", "organizers: [700001, bob]"),
            "program.yaml, line 11, organizers.1: Input should be a valid integer",
        ),
        (
            PROGRAM_YAML.replace("retention_days: 14", "retention_dayz: 14"),
            "program.yaml, line 10, retention_dayz: Extra inputs are not permitted",
        ),
        (
            PROGRAM_YAML.replace("name: Neighbours across the river, spring 2027\n", ""),
            "program.yaml, line 1, name: Field required",
        ),
        (
            PROGRAM_YAML.replace("flows: [story-exchange]", "flows: [story-exchange"),
            "program.yaml, line 6:",
        ),
        ("- just\n- a list\n", "program.yaml, line 1: expected settings"),
    ],
)
def test_malformed_program_yaml_names_the_line_and_field(
    runner: CliRunner, tmp_path: Path, database_url: str, text: str, expected: str
) -> None:
    result = create(runner, tmp_path, text)
    assert result.exit_code == 1
    assert expected in result.output, result.output
    assert "Traceback" not in result.output
    assert stored(database_url, select(Program)) == []


def test_invite_prints_links_and_writes_a_qr_code(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    create(runner, tmp_path)
    bot = ["--bot-username", "palaver_test_bot"]
    plain = runner.invoke(main, ["programs", "invite", "1", *bot, "--qr", "poster.png"])
    assert plain.exit_code == 0, plain.output
    assert plain.output.startswith("https://t.me/palaver_test_bot?start=")
    assert (tmp_path / "poster.png").read_bytes().startswith(b"\x89PNG")

    by_name = runner.invoke(
        main,
        [
            "programs",
            "invite",
            "Neighbours across the river, spring 2027",
            "--community",
            "west bank",
        ],
        env={"PALAVER_BOT_USERNAME": "palaver_test_bot"},
    )
    assert by_name.exit_code == 0, by_name.output
    facilitator = runner.invoke(main, ["programs", "invite", "1", "--facilitator", *bot])
    assert facilitator.exit_code == 0, facilitator.output

    invites = stored(database_url, select(Invite).order_by(Invite.id))
    assert [i.kind for i in invites] == [
        InviteKind.PARTICIPANT,
        InviteKind.PARTICIPANT,
        InviteKind.FACILITATOR,
    ]
    assert invites[0].community_id is None and invites[1].community_id is not None
    assert invites[2].max_uses == 1 and invites[2].expires_at is not None
    assert len({i.code for i in invites}) == 3


def test_invite_errors_are_clear(runner: CliRunner, tmp_path: Path, database_url: str) -> None:
    create(runner, tmp_path)
    bot = ["--bot-username", "palaver_test_bot"]
    missing = runner.invoke(main, ["programs", "invite", "42", *bot])
    assert missing.exit_code == 1 and "no program '42'" in missing.output
    community = runner.invoke(main, ["programs", "invite", "1", "--community", "hills", *bot])
    assert "has no community 'hills'; it has: east bank, west bank" in community.output
    no_bot = runner.invoke(main, ["programs", "invite", "1"])
    assert no_bot.exit_code == 1
    assert no_bot.stderr.strip().splitlines() == [
        "Error: The link needs the bot's @username: set PALAVER_BOT_USERNAME=your_bot "
        "(in .env or the environment), or set PALAVER_TELEGRAM_TOKEN so Palaver can ask "
        "Telegram, or pass --bot-username your_bot."
    ]
    assert len(stored(database_url, select(Invite))) == 0


def test_admins_are_kept_in_the_database(runner: CliRunner, database_url: str) -> None:
    added = runner.invoke(main, ["admins", "add", "700002"])
    assert added.exit_code == 0, added.output
    person = stored(database_url, select(Person).where(Person.telegram_id == 700002))[0]
    assert person.is_admin and person.consent_given_at is None
    listing = runner.invoke(main, ["admins", "list"], env={"PALAVER_ADMINS": "700003"})
    assert "700002  (database)" in listing.output
    assert "700003  (PALAVER_ADMINS)" in listing.output
    removed = runner.invoke(main, ["admins", "remove", "700002"])
    assert removed.exit_code == 0
    assert not stored(database_url, select(Person).where(Person.telegram_id == 700002))[0].is_admin
    assert runner.invoke(main, ["admins", "add", "-5"]).exit_code != 0


def test_demo_data_is_marked_and_removable(runner: CliRunner, database_url: str) -> None:
    created = runner.invoke(main, ["demo-data"])
    assert created.exit_code == 0, created.output
    assert "12 simulated participants" in created.output
    program = stored(database_url, select(Program))[0]
    assert program.is_demo
    people = stored(database_url, select(Person))
    assert len(people) == 13 and all(p.is_demo and p.telegram_id < 0 for p in people)
    answers = stored(database_url, select(Answer))
    assert {(a.survey, a.measure) for a in answers} >= {
        ("pre", "thermometer"),
        ("post", "thermometer"),
    }
    assert all(0 <= a.value <= 100 for a in answers if a.measure == "thermometer")
    assert "[demo]" in runner.invoke(main, ["programs", "list"]).output

    again = runner.invoke(main, ["demo-data"])
    assert again.exit_code == 1 and "demo-data --remove" in again.output

    removed = runner.invoke(main, ["demo-data", "--remove"])
    assert removed.exit_code == 0 and "Demo data removed." in removed.output
    assert stored(database_url, select(Program)) == []
    assert stored(database_url, select(Person)) == []
    assert stored(database_url, select(Answer)) == []


def test_demo_removal_leaves_real_programs_alone(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    create(runner, tmp_path)
    runner.invoke(main, ["demo-data"])
    runner.invoke(main, ["demo-data", "--remove"])
    assert [p.is_demo for p in stored(database_url, select(Program))] == [False]
    assert len(stored(database_url, select(Person))) == 1


def test_commands_ask_for_migrations_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PALAVER_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    result = CliRunner().invoke(main, ["programs", "list"])
    assert result.exit_code == 1
    assert "run `palaver migrate` first" in result.output


def test_creating_the_same_program_twice_is_refused_naming_the_existing_one(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    assert create(runner, tmp_path).exit_code == 0
    again = create(runner, tmp_path)
    assert again.exit_code == 1 and "Traceback" not in again.output
    assert again.stderr.strip().splitlines() == [
        f"Error: program 1 is already called 'Neighbours across the river, spring 2027', so "
        f"{tmp_path / 'program.yaml'} was not created again; to make another program, change "
        f"`name:` in {tmp_path / 'program.yaml'}; to invite people to program 1: "
        "`palaver programs invite 1`"
    ]
    assert len(stored(database_url, select(Program))) == 1
    renamed = create(runner, tmp_path, PROGRAM_YAML.replace("spring 2027", "autumn 2027"))
    assert renamed.exit_code == 0 and "Created program 2" in renamed.output


@pytest.mark.parametrize(
    ("flows", "line"),
    [
        ("[community-action]", "flows.0: “community-action” is a circle flow"),
        ("[story-exchange, dialogue-circle]", "flows.1: “dialogue-circle” is a circle flow"),
        ("\n  - listening-campaign\n  - community-action", "line 7, flows.1: “community-action”"),
    ],
)
def test_a_program_with_a_flow_that_cannot_run_today_is_refused(
    runner: CliRunner, tmp_path: Path, database_url: str, flows: str, line: str
) -> None:
    result = create(runner, tmp_path, PROGRAM_YAML.replace("[story-exchange]", flows))
    assert result.exit_code == 1 and "Traceback" not in result.output
    [message] = result.stderr.strip().splitlines()
    assert line in message
    assert message.endswith(
        "and circle flows do not run in Telegram yet; choose among the flows that do: "
        "commitment-checkin, exchange-followup, listening-campaign, story-exchange"
    )
    assert stored(database_url, select(Program)) == []


async def test_invite_asks_telegram_for_the_bot_username_when_a_token_is_set(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_api: FakeBotApi
) -> None:
    monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("PALAVER_BOT_API_URL", fake_api.url)
    (tmp_path / "program.yaml").write_text(PROGRAM_YAML, encoding="utf-8")
    assert (
        await invoke_cli(runner, ["programs", "create", "--from", "program.yaml"])
    ).exit_code == 0
    result = await invoke_cli(runner, ["programs", "invite", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("https://t.me/palaver_test_bot?start=")
    assert [call.method for call in fake_api.calls] == ["getMe"]


def test_invite_with_an_unreachable_bot_api_is_one_line_and_stores_no_invite(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    create(runner, tmp_path)
    monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", TEST_TOKEN)
    result = runner.invoke(main, ["programs", "invite", "1"])
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: Could not reach the Bot API at http://127.0.0.1:1 (")
    assert line.endswith("). Check the network, or PALAVER_BOT_API_URL.")
    assert stored(database_url, select(Invite)) == []


NEXT_STEP = re.compile(r"`(palaver [^`]+)`")
PLACEHOLDER = re.compile(r"^[A-Z][A-Z_]{2,}$")


async def follow_next_steps(runner: CliRunner, printed: Result) -> list[Result]:
    """Run every `palaver …` command `printed` suggests, exactly as printed; each must work.

    A command with a placeholder such as TELEGRAM_ID is a template: its --help must name it.
    """
    commands = NEXT_STEP.findall(printed.output)
    assert commands, printed.output
    followed = []
    for command in commands:
        args = shlex.split(command)[1:]
        if PLACEHOLDER.match(args[-1]):
            usage = await invoke_cli(runner, [*args[:-1], "--help"])
            assert usage.exit_code == 0 and args[-1] in usage.output, command
            continue
        result = await invoke_cli(runner, args)
        assert result.exit_code == 0, f"`{command}` as printed failed: {result.output}"
        followed.append(result)
    return followed


async def test_every_next_step_a_command_prints_works_as_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_api: FakeBotApi
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PALAVER_ADMINS", "PALAVER_BOT_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PALAVER_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    monkeypatch.setenv("PALAVER_TELEGRAM_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("PALAVER_BOT_API_URL", fake_api.url)
    runner = CliRunner()

    doctor = await invoke_cli(runner, ["doctor"])
    assert doctor.exit_code == 1 and "`palaver migrate`" in doctor.output
    await follow_next_steps(runner, doctor)
    assert (await invoke_cli(runner, ["doctor"])).exit_code == 0

    no_programs = await invoke_cli(runner, ["programs", "list"])
    (tmp_path / "program.yaml").write_text(
        PROGRAM_YAML.replace("organizers: [700001]\n", ""), encoding="utf-8"
    )
    _help, created = await follow_next_steps(runner, no_programs)
    assert "`palaver programs invite 1 --organizer`" in created.output
    [organizer_link] = await follow_next_steps(runner, created)
    assert organizer_link.output.startswith("https://t.me/palaver_test_bot?start=")

    duplicate = await invoke_cli(runner, ["programs", "create", "--from", "program.yaml"])
    assert duplicate.exit_code == 1
    [participant_link] = await follow_next_steps(runner, duplicate)
    assert participant_link.output.startswith("https://t.me/palaver_test_bot?start=")

    demo = await invoke_cli(runner, ["demo-data"])
    [removed] = await follow_next_steps(runner, demo)
    assert "Demo data removed." in removed.output

    await follow_next_steps(runner, await invoke_cli(runner, ["admins", "list"]))


def test_create_without_a_way_to_name_the_bot_says_what_to_set_first(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = create(runner, tmp_path, PROGRAM_YAML.replace("organizers: [700001]\n", ""))
    assert result.exit_code == 0
    assert (
        "make a one-time organizer link with `palaver programs invite 1 --organizer` once "
        "PALAVER_BOT_USERNAME (or PALAVER_TELEGRAM_TOKEN) is set." in result.output
    )
