"""Operators' circle commands: a circle is created through the chat's own use case (who may
facilitate, the warning about group circles), and the list shows how circles are going
without anyone's identity or words."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import select

from bot.cli import main
from bot.services.programs import grant_role
from bot.storage.tables import (
    AuditEntry,
    Circle,
    ConversationKind,
    Exchange,
    ExchangeMember,
    MemberRole,
    Person,
    ProgramStatus,
    RoleName,
)
from bot.storage.unit_of_work import Database
from tests.support import stored

BOT = "palaver_test_bot"
ORGANIZER = 700001
PROGRAM_YAML = """\
name: Neighbours across the river
communities: [east bank, west bank]
languages: [en]
flows: [story-exchange]
organizers: [{organizers}]
"""


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("PALAVER_DATABASE_URL", database_url)
    monkeypatch.setenv("PALAVER_BOT_USERNAME", BOT)
    for name in ("PALAVER_TELEGRAM_TOKEN", "PALAVER_ADMINS"):
        monkeypatch.delenv(name, raising=False)
    # Never Telegram itself: the bot's username comes from PALAVER_BOT_USERNAME.
    monkeypatch.setenv("PALAVER_BOT_API_URL", "http://127.0.0.1:1")
    return CliRunner()


def a_program(runner: CliRunner, tmp_path: Path, organizers: str = str(ORGANIZER)) -> int:
    """A program of two communities, made with `palaver programs create`."""
    source = tmp_path / "program.yaml"
    source.write_text(PROGRAM_YAML.format(organizers=organizers), encoding="utf-8")
    result = runner.invoke(main, ["programs", "create", "--from", str(source)])
    assert result.exit_code == 0, result.output
    return int(re.search(r"Created program (\d+)", result.output).group(1))  # type: ignore[union-attr]


def a_role(database_url: str, telegram_id: int, program_id: int, role: RoleName) -> None:
    """Someone Palaver knows, holding `role` in the program (as an invite link would give)."""

    async def grant() -> None:
        database = Database(database_url)
        try:
            async with database.unit_of_work() as uow:
                person = Person(telegram_id=telegram_id, language="en")
                uow.people.add(person)
                await uow.people.flush()
                grant_role(uow, person, program_id, role, granted_by_id=None)
                await uow.commit()
        finally:
            await database.dispose()

    asyncio.run(grant())


def close(database_url: str, program_id: int) -> None:
    async def closing() -> None:
        database = Database(database_url)
        try:
            async with database.unit_of_work() as uow:
                program = await uow.programs.get(program_id)
                assert program is not None
                program.status = ProgramStatus.CLOSED
                await uow.commit()
        finally:
            await database.dispose()

    asyncio.run(closing())


def create(runner: CliRunner, program: int | str, *options: str) -> Result:
    args = ["circles", "create", "--program", str(program), "--flow", "dialogue-circle"]
    if "--kind" not in options:
        args += ["--kind", "relayed"]
    return runner.invoke(main, [*args, *options])


def refused(result: Result, *phrases: str) -> None:
    assert result.exit_code != 0, result.output
    for phrase in phrases:
        assert phrase in result.output, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "command", [["circles"], ["circles", "create"], ["circles", "list"]], ids=" ".join
)
def test_every_circles_command_explains_itself(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and len(result.output.splitlines()) > 4


def test_a_relayed_circle_prints_its_id_and_an_invite_link_whose_code_is_stored(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    program_id = a_program(runner, tmp_path)
    result = create(runner, program_id)
    assert result.exit_code == 0, result.output

    [circle] = stored(database_url, select(Circle))
    assert f"Created circle {circle.exchange_id} in program {program_id}" in result.output
    code = re.search(rf"https://t\.me/{BOT}\?start=(\S+)", result.output).group(1)  # type: ignore[union-attr]
    assert code == circle.invite_code and circle.link_code is None
    assert "startgroup" not in result.output
    [exchange] = stored(database_url, select(Exchange))
    assert exchange.kind is ConversationKind.RELAYED_CIRCLE and exchange.capacity == 8
    assert exchange.flow_id == "dialogue-circle" and exchange.program_id == program_id
    # Without --facilitator, the program's first organizer co-hosts it, as if they had
    # created it from /circles (and the audit log says so).
    [organizer] = stored(database_url, select(Person.id).where(Person.telegram_id == ORGANIZER))
    [host] = stored(database_url, select(ExchangeMember))
    assert (host.person_id, host.role) == (organizer, MemberRole.FACILITATOR)
    [entry] = stored(database_url, select(AuditEntry).where(AuditEntry.action == "circle.created"))
    assert entry.actor_id == organizer and entry.subject_id == circle.exchange_id


def test_a_named_facilitator_co_hosts_the_circle(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    program_id = a_program(runner, tmp_path)
    a_role(database_url, 700002, program_id, RoleName.FACILITATOR)
    result = create(runner, program_id, "--facilitator", "700002", "--size", "12")
    assert result.exit_code == 0, result.output
    [facilitator] = stored(database_url, select(Person.id).where(Person.telegram_id == 700002))
    assert [m.person_id for m in stored(database_url, select(ExchangeMember))] == [facilitator]
    assert [e.capacity for e in stored(database_url, select(Exchange))] == [12]


def test_a_group_circle_across_communities_needs_the_operator_to_accept_that_members_see_each_other(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    program_id = a_program(runner, tmp_path)
    refused(
        create(runner, program_id, "--kind", "group"),
        "everyone sees everyone's Telegram name, photo and username",
        "--yes-members-see-each-other",
    )
    assert stored(database_url, select(Circle)) == []

    result = create(runner, program_id, "--kind", "group", "--yes-members-see-each-other")
    assert result.exit_code == 0, result.output
    [circle] = stored(database_url, select(Circle))
    assert f"https://t.me/{BOT}?start={circle.invite_code}" in result.output
    assert f"https://t.me/{BOT}?startgroup={circle.link_code}" in result.output
    assert [e.kind for e in stored(database_url, select(Exchange))] == [
        ConversationKind.GROUP_CIRCLE
    ]


def test_an_unknown_program_is_refused(runner: CliRunner, database_url: str) -> None:
    refused(create(runner, 41), "no program '41'", "palaver programs list")
    assert stored(database_url, select(Circle)) == []


def test_someone_who_does_not_facilitate_the_program_is_refused(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    program_id = a_program(runner, tmp_path)
    a_role(database_url, 700003, program_id, RoleName.PARTICIPANT)
    for telegram_id in ("700003", "700004"):  # a participant; someone Palaver never met
        refused(
            create(runner, program_id, "--facilitator", telegram_id),
            f"Telegram user {telegram_id} is not a facilitator or organizer of program "
            f"{program_id}",
            f"palaver programs invite {program_id} --facilitator",
        )
    assert stored(database_url, select(Circle)) == []


def test_a_program_without_organizers_needs_a_facilitator_named(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    program_id = a_program(runner, tmp_path, organizers="")
    refused(create(runner, program_id), "has no organizer", "--facilitator")
    assert stored(database_url, select(Circle)) == []


def test_a_flow_that_is_not_a_circle_flow_is_refused(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    program_id = a_program(runner, tmp_path)
    base = ["circles", "create", "--program", str(program_id), "--kind", "relayed"]
    refused(
        runner.invoke(main, [*base, "--flow", "story-exchange"]),
        "“story-exchange” is a pair flow, not a circle flow",
        "dialogue-circle",
    )
    refused(runner.invoke(main, [*base, "--flow", "tea-party"]), "no flow 'tea-party'")
    assert stored(database_url, select(Circle)) == []


@pytest.mark.parametrize("size", ["1", "51", "many"])
def test_a_size_outside_two_to_fifty_is_refused(
    runner: CliRunner, tmp_path: Path, database_url: str, size: str
) -> None:
    program_id = a_program(runner, tmp_path)
    refused(create(runner, program_id, "--size", size), "Invalid value for '--size'")
    assert stored(database_url, select(Circle)) == []


def test_a_closed_program_gets_no_new_circle(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    program_id = a_program(runner, tmp_path)
    close(database_url, program_id)
    refused(create(runner, program_id), "This program is closed")
    assert stored(database_url, select(Circle)) == []


def test_a_start_in_the_past_is_refused(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    program_id = a_program(runner, tmp_path)
    refused(create(runner, program_id, "--starts-at", "2020-01-01T10:00"), "already past")
    assert stored(database_url, select(Circle)) == []


def test_without_the_bot_username_nothing_is_created(
    runner: CliRunner, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    program_id = a_program(runner, tmp_path)
    monkeypatch.delenv("PALAVER_BOT_USERNAME")
    refused(create(runner, program_id), "PALAVER_BOT_USERNAME", "--bot-username")
    assert stored(database_url, select(Circle)) == []


def test_the_list_shows_each_circles_kind_state_seats_round_and_start(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    assert "No circles yet" in runner.invoke(main, ["circles", "list"]).output
    program_id = a_program(runner, tmp_path)
    assert create(runner, program_id, "--size", "6").exit_code == 0
    group = create(
        runner,
        program_id,
        "--kind",
        "group",
        "--yes-members-see-each-other",
        "--starts-at",
        "2099-05-01T18:30",
    )
    assert group.exit_code == 0, group.output

    for args in (["circles", "list"], ["circles", "list", "--program", str(program_id)]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        header, *lines = result.output.splitlines()
        assert header.split() == [
            "id", "program", "kind", "state", "members", "round", "starts", "(UTC)"
        ]  # fmt: skip
        assert [line.split() for line in lines] == [
            ["2", str(program_id), "group", "forming", "0/8", "-", "2099-05-01", "18:30"],
            ["1", str(program_id), "relayed", "forming", "0/6", "-", "-"],
        ]
        assert str(ORGANIZER) not in result.output
    refused(runner.invoke(main, ["circles", "list", "--program", "99"]), "no program '99'")
