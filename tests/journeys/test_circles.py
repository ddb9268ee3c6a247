"""Relayed circles, end to end through the fake Bot API on both databases: two
facilitators, six members of two communities; rounds shown together, the talking piece,
timed rounds on a hand-moved clock, reports and deleting every copy, time outs, members
leaving, and a participant refused every facilitator action."""

from __future__ import annotations

import asyncio
import csv
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update
from sqlmodel import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.storage.tables import (
    Circle,
    CircleState,
    Contribution,
    Exchange,
    ExchangeMember,
    FollowUp,
    FollowUpKind,
    Program,
    RelayedCopy,
    Report,
    ReportOutcome,
    Role,
    RoleName,
    Vote,
)
from bot.storage.unit_of_work import Database
from bot.telegram.application import Palaver
from tests.fakebot import FakeBotApi, FakeUser
from tests.journeys.test_exchange import a_program, assert_no_identity_leaks, grant, join
from tests.support import (
    cli_env,
    invoke_cli,
    onboarded,
    outbox_drained,
    person_row,
    rows,
    run_job,
    sends_finished,
    settle,
)

START = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
MEMBERS = (("Amal", "east"), ("Badr", "east"), ("Carmel", "east"))
MEMBERS += (("Dana", "west"), ("Eitan", "west"), ("Frida", "west"))


@dataclass
class CircleScene:
    program: Program
    faro: FakeUser
    fia: FakeUser
    members: list[FakeUser]
    circle_id: int
    invite_code: str
    link_code: str | None = None


async def a_formed_circle(
    fake_api: FakeBotApi,
    database: Database,
    *,
    agreed: bool = True,
    group: bool = False,
    starts: str = "When I begin it",
) -> CircleScene:
    """Faro creates a relayed circle (or, `group`, one in a Telegram group) from /circles;
    Fia co-hosts; six members ask for seats through the invite link and are admitted; they
    accept the agreements."""
    program = await a_program(database)
    faro = await onboarded(fake_api, "Faro")
    fia = await onboarded(fake_api, "Fia")
    for facilitator in (faro, fia):
        await grant_in(database, facilitator, program, RoleName.FACILITATOR)
    faro.send("/circles")
    console = await faro.expect_message("Your circles")
    faro.press(f"New circle in “{program.name}”", console)
    faro.press("Dialogue circle", await faro.expect_message("Which circle flow?"))
    where = await faro.expect_message("Where does")
    faro.press(
        "In a Telegram group" if group else "Relayed: each member in their private chat", where
    )
    faro.press("6", await faro.expect_message("How many members"))
    faro.press(starts, await faro.expect_message("When does it begin?"))
    if group:
        risk = await faro.expect_message("everyone sees everyone's Telegram name")
        faro.press("I understand, create it", risk)
    card = await faro.expect_message("Circle ")
    circle_id = int(re.search(r"Circle (\d+):", card.text or "").group(1))  # type: ignore[union-attr]
    link_code = None
    if group:
        instructions = await faro.expect_message("To run this circle in a Telegram group")
        link_code = (instructions.text or "").rsplit("?startgroup=", 1)[1].strip()
    faro.press("Invite link", card)
    link = await faro.expect_message("Invite people to this circle")
    invite_code = (link.text or "").rsplit("?start=", 1)[1].strip()

    fia.send("/circles")
    fia.press(f"Open circle {circle_id}", await fia.expect_message("Your circles"))
    fia.press("Co-host this circle", await fia.expect_message(f"Circle {circle_id}:"))
    await fia.expect_message(f"Circle {circle_id}:")

    members = []
    for number, (name, community) in enumerate(MEMBERS):
        member = await onboarded(fake_api, name)
        await join(database, program, member, community)
        member.send(f"/start {invite_code}")
        await member.expect_message("You asked for a seat")
        async with database.unit_of_work() as uow:
            pseudonym = (await uow.people.by_telegram_id(member.id)).pseudonym  # type: ignore[union-attr]
        host = faro if number % 2 == 0 else fia
        request = await host.expect_message(f"{pseudonym} (")
        host.press("Admit", request)
        agreements = await member.expect_message("Can you go along with these agreements?")
        if agreed:
            member.press("Yes, I agree", agreements)
            await member.expect_message("The circle begins when the facilitator")
        members.append(member)
    await outbox_drained(database, due_only=True)
    return CircleScene(program, faro, fia, members, circle_id, invite_code, link_code)


async def grant_in(database: Database, user: FakeUser, program: Program, role: RoleName) -> None:
    async with database.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(user.id)
        assert person is not None and person.id is not None
        uow.add(Role(person_id=person.id, program_id=program.id or 0, name=role))
        await uow.commit()


async def begin(scene: CircleScene) -> None:
    scene.faro.send("/next")
    for member in scene.members:
        await member.expect_message("Round 1")


async def test_a_relayed_circle_shows_each_round_together_and_no_identity_crosses(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene = await a_formed_circle(fake_api, palaver.database)
    await begin(scene)
    *speakers, quiet = scene.members
    words = {m.id: f"I came because the river matters to me ({n})." for n, m in enumerate(speakers)}
    for member in speakers:
        member.send(words[member.id])
        await member.expect_message("Your answer will be shown when everyone has answered")
    # Nobody sees anything of the round before everyone has answered.
    for member in scene.members:
        await member.expect_no_message(within=0.1)
    quiet.send("/skip")
    await quiet.expect_message("You pass this round")

    pseudonyms = {m.id: (await person_row(palaver, m.id)).pseudonym for m in scene.members}  # type: ignore[union-attr]
    for member in scene.members:
        await member.expect_message("Round 1 is complete")
        texts = " ".join(m.text or "" for m in member.messages)
        for other in speakers:
            if other is member:
                continue
            assert f"{pseudonyms[other.id]} wrote:" in texts
            assert words[other.id] in texts
        if member is not quiet:
            assert f"{pseudonyms[quiet.id]} passed this round." in texts
    for host in (scene.faro, scene.fia):
        await host.expect_message("Round 1 of circle")

    # On every Bot API call to a member, no other member's Telegram id, name or username.
    everyone = [*scene.members, scene.faro, scene.fia]
    for reader in scene.members:
        for about in everyone:
            if about is not reader:
                assert_no_identity_leaks(fake_api, to=reader, about=about)

    [circle] = await rows(palaver, select(Circle))
    assert (circle.state, circle.round_number, circle.round_open) == (CircleState.RUNNING, 1, False)
    contributions = await rows(palaver, select(Contribution))
    assert len(contributions) == 6 and all(c.released_at for c in contributions)
    # Each answer was relayed once to each other member and each co-host: 5 + 2 copies.
    copies = await rows(palaver, select(RelayedCopy))
    assert len(copies) == 5 * 7


async def test_deleting_a_reported_answer_removes_every_relayed_copy(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene = await a_formed_circle(fake_api, palaver.database)
    await begin(scene)
    author, reporter, *others = scene.members
    for member in scene.members:
        member.send("Those people are all liars." if member is author else "I listen.")
    await reporter.expect_message("Round 1 is complete")
    copy = next(m for m in reporter.messages if "Those people are all liars." in (m.text or ""))
    reporter.press("Report", copy)
    reporter.press("Disrespectful or hurtful", await reporter.expect_message("Report this message"))
    await reporter.expect_message("The facilitators will look at it")

    alert = await scene.faro.expect_message("reported a message in circle")
    assert "Those people are all liars." in (alert.text or "")
    assert alert.button_texts == [
        "Dismiss",
        "Delete it everywhere",
        "Warn",
        "Mute for 10 minutes",
        "Remove from the circle",
    ]
    await scene.fia.expect_message("reported a message in circle")
    scene.faro.press("Delete it everywhere", alert)
    await scene.faro.expect_message("Done: Delete it everywhere.")
    await author.expect_message("removed one of your messages")
    await reporter.expect_message("acted on it")
    await settle(fake_api, palaver)

    [contribution] = await rows(
        palaver,
        select(Contribution).where(Contribution.text.is_(None), ~Contribution.passed),  # type: ignore[union-attr]
    )
    deleted = fake_api.calls_to("deleteMessage")
    assert len(deleted) == 7  # the five other members' copies and both co-hosts'

    for member in [reporter, *others]:
        assert any(call.chat_id == member.id for call in deleted)
    assert not await rows(
        palaver, select(RelayedCopy).where(RelayedCopy.contribution_id == contribution.id)
    )
    [report] = await rows(palaver, select(Report))
    assert report.outcome == ReportOutcome.DELETED
    # The co-host's alert, pressed after, does nothing twice.
    fia_alert = next(m for m in scene.fia.messages if "reported a message" in (m.text or ""))
    answer = await scene.fia.expect_callback_answer(
        scene.fia.press("Mute for 10 minutes", fia_alert)
    )
    assert "already handled" in answer.params["text"]
    await settle(fake_api, palaver)
    assert len(fake_api.calls_to("deleteMessage")) == 7
    [report] = await rows(palaver, select(Report))
    assert report.outcome == ReportOutcome.DELETED


async def test_a_participant_is_refused_every_facilitator_command_and_button(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene = await a_formed_circle(fake_api, palaver.database)
    member = scene.members[0]
    for command in ("/circles", "/next", "/pause", "/resume"):
        member.send(command)
        await member.expect_message("Sorry, you can't do that here.")
    cid = scene.circle_id
    for data in (
        f"cf:next.{cid}",
        f"cf:begin.{cid}",
        f"cf:end.{cid}",
        f"cf:open.{cid}",
        f"cf:link.{cid}",
        f"cf:cohost.{cid}",
        f"cf:admit.{cid}.1",
        f"cf:pause.{cid}",
        "cf:mod.1.delete",
        "cf:delete.1",
        "cn:1",
        "cn:1.dialogue-circle.relayed_circle.6.now",
    ):
        await asyncio.sleep(0.7)  # not a flood: each press is read
        answer = await member.expect_callback_answer(member.press_data(data))
        text = answer.params["text"]
        assert "can't do that" in text or "no longer active" in text, data
    [circle] = await rows(palaver, select(Circle))
    assert circle.state is CircleState.FORMING and circle.round_number == 0
    [exchange] = await rows(palaver, select(Exchange))
    assert exchange.member_count == 6
    assert len(await rows(palaver, select(Circle))) == 1


async def test_a_facilitator_of_another_program_cannot_touch_this_circle(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene = await a_formed_circle(fake_api, palaver.database)
    other = await a_program(palaver.database)
    sol = await onboarded(fake_api, "Sol")
    await grant(palaver, sol, other, RoleName.FACILITATOR)
    sol.send("/next")
    await sol.expect_message("You are not running a circle right now")
    for verb in ("next", "open", "end", "cohost"):
        answer = await sol.expect_callback_answer(sol.press_data(f"cf:{verb}.{scene.circle_id}"))
        assert "can't do that" in answer.params["text"]
    [circle] = await rows(palaver, select(Circle))
    assert circle.round_number == 0


async def test_no_one_speaks_before_accepting_the_agreements(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene = await a_formed_circle(fake_api, palaver.database, agreed=False)
    scene.faro.send("/next")
    await scene.faro.expect_message("Round 1 is open")
    newcomer = scene.members[0]
    await newcomer.expect_no_message(within=0.3)
    newcomer.send("Can I say something?")
    again = await newcomer.expect_message("Everyone accepts the circle's agreements before")
    newcomer.send("/skip")
    await newcomer.expect_message("Everyone accepts the circle's agreements before")
    assert not await rows(palaver, select(Contribution))
    # Accepting now brings the open round's question.
    newcomer.press("Yes, I agree", again)
    await newcomer.expect_message("Round 1")
    newcomer.send("Now I can say something.")
    await newcomer.expect_message("Your answer will be shown")


async def test_a_time_out_pauses_the_circle_and_alerts_the_facilitators_privately(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene = await a_formed_circle(fake_api, palaver.database)
    await begin(scene)
    caller, *others = scene.members
    caller.send("/timeout")
    alert = await scene.faro.expect_message("called a time out")
    await scene.fia.expect_message("called a time out")
    for member in scene.members:
        await member.expect_message("The circle is paused for a moment")
    others[0].send("My answer while paused")
    await others[0].expect_message("Your words were not shared")
    assert not await rows(palaver, select(Contribution))
    scene.faro.press("Resume", alert)
    for member in scene.members:
        await member.expect_message("We go on")
    others[0].send("My answer after the pause")
    await others[0].expect_message("Your answer will be shown")
    [circle] = await rows(palaver, select(Circle))
    assert circle.state is CircleState.RUNNING


async def test_a_member_leaving_mid_round_lets_the_round_complete_without_them(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene = await a_formed_circle(fake_api, palaver.database)
    await begin(scene)
    leaver, *stayers = scene.members
    for member in stayers:
        member.send("Here is my answer.")
    leaver.send("/leave")
    await leaver.expect_message("You have left the circle")
    for member in stayers:
        await member.expect_message("has left the circle. The circle goes on.")
        await member.expect_message("Round 1 is complete")
    await scene.faro.expect_message("has left the circle")
    [exchange] = await rows(palaver, select(Exchange))
    assert exchange.member_count == 5
    gone = await rows(palaver, select(ExchangeMember).where(ExchangeMember.left_at.is_not(None)))  # type: ignore[union-attr]
    assert len(gone) == 1


async def test_the_talking_piece_gives_each_member_a_turn_in_order(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene = await a_formed_circle(fake_api, palaver.database)
    await begin(scene)
    for member in scene.members:
        member.send("/skip")
    for member in scene.members:
        await member.expect_message("Round 1 is complete")
    scene.faro.send("/next")
    first, second, third, *rest = scene.members
    await first.expect_message("you hold the talking piece first")
    for member in (second, third, *rest):
        await member.expect_message("We go in turn")
    # Third writes early: kept until the piece reaches them.
    third.send("Third's story.")
    await third.expect_message("when your turn comes")
    await second.expect_no_message(within=0.2)
    first.send("First's story.")
    await second.expect_message("First's story.")
    await second.expect_message("It's your turn")
    second.send("Second's story.")
    # Second spoke, the piece passes to Third, whose kept story is shown at once.
    await first.expect_message("Second's story.")
    await first.expect_message("Third's story.")
    await rest[0].expect_message("It's your turn")
    order = [m.text for m in rest[1].messages if "story." in (m.text or "")]
    assert [t.split("\n\n")[-1] for t in order if t] == [
        "First's story.",
        "Second's story.",
        "Third's story.",
    ]
    for member in rest:
        member.send("/skip")
    for member in scene.members:
        await member.expect_message("Round 2 is complete")


async def test_a_timed_round_warns_in_its_last_minute_and_asks_the_facilitator_when_up(
    fake_api: FakeBotApi, on_a_clock: tuple[Palaver, ManualClock]
) -> None:
    palaver, clock = on_a_clock
    scene = await a_formed_circle(fake_api, palaver.database)
    scene.faro.send("/next")
    for member in scene.members:
        question = await member.expect_message("Round 1")
        assert "This round has 10 minutes." in (question.text or "")
    scene.members[0].send("My answer.")
    await scene.members[0].expect_message("Your answer will be shown")
    await sends_finished(palaver.database)  # no leap past a send's lease
    clock.advance(timedelta(minutes=9, seconds=10))
    await run_job(palaver, "circle-timers")
    for member in scene.members[1:]:
        await member.expect_message("One minute left in this round")
    await scene.members[0].expect_no_message(within=0.2)  # they have answered
    await sends_finished(palaver.database)  # no leap past a send's lease
    clock.advance(timedelta(minutes=1))
    await run_job(palaver, "circle-timers")
    asked = await scene.faro.expect_message("Time is up for round 1")
    await run_job(palaver, "circle-timers")  # asked once, not at every look
    await settle(fake_api, palaver)
    assert len([m for m in scene.faro.messages if "Time is up" in (m.text or "")]) == 1
    scene.faro.press("Two more minutes", asked)
    for member in scene.members:
        await member.expect_message("Two more minutes for this round")
    await sends_finished(palaver.database)  # no leap past a send's lease
    clock.advance(timedelta(minutes=2, seconds=1))
    await run_job(palaver, "circle-timers")
    scene.faro.press("Close the round", await scene.faro.expect_message("Time is up for round 1"))
    for member in scene.members[1:]:
        await member.expect_message("My answer.")
        await member.expect_message("Round 1 is complete")


async def test_answers_arriving_at_the_same_moment_show_the_round_exactly_once(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene = await a_formed_circle(fake_api, palaver.database)
    await begin(scene)
    for member in scene.members:
        member.send(f"Answer {scene.members.index(member)} at the same moment.")
    await settle(fake_api, palaver)
    await asyncio.sleep(0.2)
    await settle(fake_api, palaver)
    for member in scene.members:
        complete = [m for m in member.messages if "Round 1 is complete" in (m.text or "")]
        assert len(complete) == 1
        shown = [m for m in member.messages if "at the same moment." in (m.text or "")]
        assert len(shown) == 5
    assert len(await rows(palaver, select(RelayedCopy))) == 6 * 7


async def test_the_last_seat_goes_to_one_person_when_two_are_admitted_at_once(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene = await a_formed_circle(fake_api, palaver.database)
    scene.members[0].send("/leave")
    await scene.members[0].expect_message("You have left the circle")
    late = []
    for name in ("Gil", "Hana"):
        person = await onboarded(fake_api, name)
        await join(palaver.database, scene.program, person, "west")
        person.send(f"/start {scene.invite_code}")
        await person.expect_message("You asked for a seat")
        late.append(person)
    faro_requests = [await scene.faro.expect_message("asks for a seat") for _ in late]
    fia_requests = [await scene.fia.expect_message("asks for a seat") for _ in late]
    scene.faro.press("Admit", faro_requests[0])
    scene.fia.press("Admit", fia_requests[1])
    await settle(fake_api, palaver)
    [exchange] = await rows(palaver, select(Exchange))
    assert exchange.member_count == 6
    told = [p for p in late if any("Can you go along" in (m.text or "") for m in p.messages)]
    assert len(told) == 1


async def test_members_are_reminded_a_day_and_an_hour_before_and_a_facilitator_can_cancel(
    fake_api: FakeBotApi, on_a_clock: tuple[Palaver, ManualClock]
) -> None:
    palaver, clock = on_a_clock
    scene = await a_formed_circle(fake_api, palaver.database, starts="In two days")
    [circle] = await rows(palaver, select(Circle))
    assert circle.starts_at == START + timedelta(days=2)
    owed = await rows(
        palaver, select(FollowUp).where(FollowUp.kind == FollowUpKind.CIRCLE_REMINDER)
    )
    assert sorted({f.due_at for f in owed}) == [
        START + timedelta(days=1),
        START + timedelta(days=2, hours=-1),
    ]
    assert len(owed) == 12

    await sends_finished(palaver.database)  # no leap past a send's lease
    clock.advance(timedelta(days=1))
    await run_job(palaver, "follow-ups")
    for member in scene.members:
        reminder = await member.expect_message("A reminder: your circle “Dialogue circle” begins")
        assert "March 12, 10:00" in (reminder.text or "")

    scene.faro.send("/followups")
    listing = await scene.faro.expect_message(f"Circle {scene.circle_id}: 6 reminders")
    scene.faro.press(f"Cancel circle {scene.circle_id}'s reminders", listing)
    await scene.faro.expect_message("Cancelled: 6 reminders will not be sent.")
    await sends_finished(palaver.database)  # no leap past a send's lease
    clock.advance(timedelta(hours=23))
    await run_job(palaver, "follow-ups")
    for member in scene.members:
        await member.expect_no_message(within=0.2)
    # A participant cannot cancel them.
    answer = await scene.members[0].expect_callback_answer(
        scene.members[0].press_data(f"an:{scene.program.id}.circle{scene.circle_id}")
    )
    assert "can't do that" in answer.params["text"]


async def test_a_group_circle_is_created_only_after_the_warning_that_members_see_each_other(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    program = await a_program(palaver.database)
    faro = await onboarded(fake_api, "Faro")
    await grant(palaver, faro, program, RoleName.FACILITATOR)
    faro.send("/circles")
    faro.press(f"New circle in “{program.name}”", await faro.expect_message("Your circles"))
    faro.press("Dialogue circle", await faro.expect_message("Which circle flow?"))
    faro.press("In a Telegram group", await faro.expect_message("Where does"))
    faro.press("6", await faro.expect_message("How many members"))
    faro.press("When I begin it", await faro.expect_message("When does it begin?"))
    warning = await faro.expect_message("In a Telegram group everyone sees everyone's")
    assert await rows(palaver, select(Circle)) == []

    faro.press("I understand, create it", warning)
    await faro.expect_message("Circle ")
    instructions = await faro.expect_message("To run this circle in a Telegram group")
    [circle] = await rows(palaver, select(Circle))
    assert f"?startgroup={circle.link_code}" in (instructions.text or "")


# --- the operator's command line and the organizer's People screen ------------------------


def operator(settings: Settings, fake_api: FakeBotApi) -> CliRunner:
    """`palaver` commands on the running Palaver's database, for the same bot."""
    return CliRunner(env={**cli_env(settings), "PALAVER_BOT_USERNAME": fake_api.bot_username})


async def test_a_circle_created_from_the_command_line_takes_seats_through_its_invite_link(
    fake_api: FakeBotApi, palaver: Palaver, settings: Settings
) -> None:
    program = await a_program(palaver.database)
    olga = await onboarded(fake_api, "Olga")
    await grant(palaver, olga, program, RoleName.ORGANIZER)
    create = ["circles", "create", "--program", str(program.id), "--flow", "dialogue-circle"]
    created = await invoke_cli(
        operator(settings, fake_api), [*create, "--kind", "relayed", "--size", "6"]
    )
    assert created.exit_code == 0, created.output
    assert "Note:" not in created.output  # Olga has accepted Palaver's note about data
    code = created.output.split("?start=", 1)[1].split()[0]

    amal = await onboarded(fake_api, "Amal")
    await join(palaver.database, program, amal, "east")
    amal.send(f"/start {code}")
    await amal.expect_message("You asked for a seat in a circle: “Dialogue circle”")
    pseudonym = (await person_row(palaver, amal.id)).pseudonym  # type: ignore[union-attr]
    # The program's first organizer co-hosts it: seat requests come to her.
    request = await olga.expect_message(f"{pseudonym} (east) asks for a seat in circle")
    olga.press("Admit", request)
    await amal.expect_message("Can you go along with these agreements?")

    olga.press_data(f"program_people:{program.id}")
    people = await olga.expect_message("People in")
    assert "Circles: forming: 1" in (people.text or "")


async def test_the_list_and_the_people_screen_show_a_running_circle_by_numbers_only(
    fake_api: FakeBotApi, palaver: Palaver, settings: Settings
) -> None:
    scene = await a_formed_circle(fake_api, palaver.database)
    await begin(scene)
    olga = await onboarded(fake_api, "Olga")
    await grant(palaver, olga, scene.program, RoleName.ORGANIZER)

    olga.press_data(f"program_people:{scene.program.id}")
    people = await olga.expect_message("People in")
    assert "Circles: running: 1" in (people.text or "")

    listed = await invoke_cli(
        operator(settings, fake_api), ["circles", "list", "--program", str(scene.program.id)]
    )
    assert listed.exit_code == 0, listed.output
    [row] = [line.split() for line in listed.output.splitlines()[1:]]
    ids = [str(scene.circle_id), str(scene.program.id)]
    assert row == [*ids, "relayed", "running", "6/6", "1", "-"]
    for user in (scene.faro, scene.fia, *scene.members):
        pseudonym = (await person_row(palaver, user.id)).pseudonym  # type: ignore[union-attr]
        for identity in (str(user.id), user.first_name, pseudonym or "?"):
            assert identity not in listed.output and identity not in (people.text or "")


async def test_an_announcement_to_one_circle_reaches_only_its_members(
    fake_api: FakeBotApi, on_a_clock: tuple[Palaver, ManualClock], settings: Settings
) -> None:
    palaver, clock = on_a_clock
    scene = await a_formed_circle(fake_api, palaver.database)
    outsider = await onboarded(fake_api, "Gil")
    await join(palaver.database, scene.program, outsider, "west")
    leaver, *stayers = scene.members
    leaver.send("/leave")
    await leaver.expect_message("You have left the circle")
    arguments = ["followups", "announce", "--program", str(scene.program.id)]
    arguments += ["--circle", str(scene.circle_id), "--at", "2099-01-01T10:00"]
    result = await invoke_cli(
        operator(settings, fake_api), [*arguments, "--text", "We meet again next week."]
    )
    assert result.exit_code == 0, result.output
    assert "5 people" in result.output
    wrong = await invoke_cli(
        operator(settings, fake_api),
        [*arguments[:4], "--circle", "999", "--at", "2099-01-01T10:00", "--text", "x"],
    )
    assert wrong.exit_code != 0 and "no circle 999" in wrong.output
    # Pulled to this test's clock (the command line takes future times only).
    async with palaver.database.unit_of_work() as uow:
        await uow.session.exec(update(FollowUp).values(due_at=clock(), not_before=clock()))
        await uow.commit()
    await run_job(palaver, "follow-ups")
    for member in stayers:
        told = await member.expect_message("A message from your circle's facilitators:")
        assert "We meet again next week." in (told.text or "")
    await leaver.expect_no_message(within=0.2)
    await outsider.expect_no_message(within=0.2)


@pytest.mark.parametrize("action", ["Dismiss", "Warn", "Remove from the circle"])
async def test_each_decision_on_a_report_is_told_to_the_people_concerned(
    fake_api: FakeBotApi, palaver: Palaver, action: str
) -> None:
    scene = await a_formed_circle(fake_api, palaver.database)
    await begin(scene)
    author, reporter, *others = scene.members
    for member in scene.members:
        member.send("You are all wrong." if member is author else "I listen.")
    await reporter.expect_message("Round 1 is complete")
    copy = next(m for m in reporter.messages if "You are all wrong." in (m.text or ""))
    reporter.press("Report", copy)
    reporter.press("Threatens someone", await reporter.expect_message("Report this message"))
    alert = await scene.faro.expect_message("reported a message in circle")
    assert "(Threatens someone)" in (alert.text or "")
    scene.faro.press(action, alert)
    await scene.faro.expect_message(f"Done: {action}.")
    told = await reporter.expect_message("A facilitator looked at the message you reported")
    assert ("decided to leave it" in (told.text or "")) == (action == "Dismiss")
    [report] = await rows(palaver, select(Report))
    [exchange] = await rows(palaver, select(Exchange))
    if action == "Warn":
        await author.expect_message("A facilitator asks you to keep to the circle's agreements")
    if action == "Remove from the circle":
        await author.expect_message("A facilitator has removed you from the circle")
        for member in others:
            await member.expect_message("has left the circle. The circle goes on.")
        assert any("has left the circle" in (m.text or "") for m in reporter.messages)
        assert exchange.member_count == 5
        author.send("Can I still speak?")
        await author.expect_message("No question is waiting for an answer right now")
    else:
        assert exchange.member_count == 6
    outcome = {
        "Dismiss": ReportOutcome.DISMISSED,
        "Warn": ReportOutcome.WARNED,
        "Remove from the circle": ReportOutcome.REMOVED,
    }[action]
    assert report.outcome is outcome
    assert not fake_api.calls_to("deleteMessage")


async def through_rounds(scene: CircleScene, last: int) -> None:
    """Rounds 1 to `last`, everyone passing."""
    for number in range(1, last + 1):
        scene.faro.send("/next")
        for member in scene.members:
            await member.expect_message(f"Round {number}")
        for member in scene.members:
            member.send("/skip")
        for member in scene.members:
            await member.expect_message(f"Round {number} is complete")


async def test_a_statements_round_finds_what_the_circle_agrees_on(
    fake_api: FakeBotApi, palaver: Palaver, settings: Settings, tmp_path: Path
) -> None:
    scene = await a_formed_circle(fake_api, palaver.database)
    await through_rounds(scene, 5)
    scene.faro.send("/next")
    for member in scene.members:
        await member.expect_message("Statements round")
    writer, critic, *voters = scene.members
    writer.send("Our children should be able to play together.")
    await writer.expect_message("A facilitator reads each statement before the circle votes")
    for member in [critic, *voters]:
        await member.expect_no_message(within=0.1)  # nobody sees it before a co-host approves
    approve = await scene.faro.expect_message("Approve it if it is short, fair")
    await scene.fia.expect_message("Approve it if it is short, fair")
    # A member cannot approve it.
    forged = await critic.expect_callback_answer(critic.press_data(approve.callback_data[0]))
    assert "can't do that" in forged.params["text"]
    scene.faro.press("Approve", approve)
    await writer.expect_message("Your statement is now offered to others to vote on")
    tapped: list[str] = []
    for member in [critic, *voters]:
        ballot = await member.expect_message("Our children should be able to play together.")
        assert ballot.button_texts == ["Agree", "Disagree", "Pass"]
        tapped.append(ballot.callback_data[1])
        member.press("Disagree" if member is critic else "Agree", ballot)
        await member.expect_message("this statement:")
    await writer.expect_no_message(within=0.1)  # nobody votes on their own statement
    answer = await critic.expect_callback_answer(critic.press_data(tapped[0]))
    assert "already voted" in answer.params["text"]

    critic.send("Everyone on the other side is to blame.")
    await critic.expect_message("A facilitator reads each statement")
    scene.fia.press("Reject", await scene.fia.expect_message("Approve it if it is short, fair"))
    await critic.expect_message("chose not to offer your statement")

    # A co-host rewords a statement before offering it; its author is told.
    critic.send("The other side hurt us, and we hurt them too, honestly.")
    to_edit = await scene.faro.expect_message("and we hurt them too, honestly.")
    scene.faro.press("Edit", to_edit)
    await scene.faro.expect_message("Send the statement as it should read")
    scene.faro.send("Both sides have been hurt.")
    await scene.faro.expect_message("Approved: participants are offered it now.")
    edited = await critic.expect_message("A facilitator edited your statement")
    assert "Both sides have been hurt." in (edited.text or "")
    for member in voters:
        await member.expect_message("Both sides have been hurt.")

    # Someone admitted mid-round accepts the agreements and gets what they have not voted on.
    late = await onboarded(fake_api, "Gil")
    await join(palaver.database, scene.program, late, "west")
    scene.members[0].send("/leave")  # a seat frees up
    await scene.members[0].expect_message("You have left the circle")
    late.send(f"/start {scene.invite_code}")
    await late.expect_message("You asked for a seat")
    scene.faro.press("Admit", await scene.faro.expect_message("asks for a seat"))
    late.press("Yes, I agree", await late.expect_message("Can you go along"))
    await late.expect_message("Statements round")
    # Fewest votes first, so new statements catch up.
    await late.expect_message("Both sides have been hurt.")
    await late.expect_message("Our children should be able to play together.")

    scene.faro.send("/next")
    summary = await scene.faro.expect_message("wrote and voted on in its statements round")
    text = summary.text or ""
    assert "Communities with fewer than 5 voters are not shown." in text
    assert "Everyone on the other side is to blame." not in text
    votes = await rows(palaver, select(Vote))
    assert sorted(v.value for v in votes) == ["agree"] * 4 + ["disagree"]

    # Kept for exports: the circle's round as a Polis CSV export.
    out = tmp_path / "polis"
    exported = await invoke_cli(
        operator(settings, fake_api),
        ["export", "--circle", str(scene.circle_id), "--format", "polis", "--out", str(out)],
    )
    assert exported.exit_code == 0, exported.output
    with (out / "votes.csv").open(newline="", encoding="utf-8") as votes_file:
        exported_votes = list(csv.DictReader(votes_file))
    assert sorted(row["vote"] for row in exported_votes) == ["-1", "1", "1", "1", "1"]
    with (out / "comments.csv").open(newline="", encoding="utf-8") as comments_file:
        comments = list(csv.DictReader(comments_file))
    # The rejected statement is listed without its words.
    assert [c["comment-body"] for c in comments] == [
        "Our children should be able to play together.",
        "",
        "Both sides have been hurt.",
    ]


async def test_a_member_sees_their_circle_words_and_forget_erases_them(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene = await a_formed_circle(fake_api, palaver.database)
    await begin(scene)
    leaver, *others = scene.members
    for number, member in enumerate(scene.members):
        member.send(f"My own words, number {number}.")
    await leaver.expect_message("Round 1 is complete")
    leaver.send("/mydata")
    sent = await leaver.expect_message("everything Palaver keeps about you")
    assert sent.document is not None
    data = json.loads(sent.document.data)
    assert [w["text"] for w in data["words_in_circles"]] == ["My own words, number 0."]
    assert "number 1." not in sent.document.data.decode(), "others' words are theirs"

    leaver.send("/forget")
    await leaver.expect_message("erase everything")
    leaver.press("Yes, erase everything")
    await leaver.expect_message("has been erased")
    for member in others:
        await member.expect_message("has left the circle. The circle goes on.")
    words = [c.text for c in await rows(palaver, select(Contribution))]
    assert "My own words, number 0." not in words and len(words) == 5
    [exchange] = await rows(palaver, select(Exchange))
    assert exchange.member_count == 5
