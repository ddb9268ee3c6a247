"""Follow-ups that arrive: on time, in each person's own hours, exactly once, and only while
the person and their program want them. Driven by a hand-moved clock (no real waiting)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import col, select, update

from bot.clock import ManualClock
from bot.config import Settings
from bot.scheduling.time_zones import zone_of
from bot.storage.tables import (
    Commitment,
    CommitmentStatus,
    Community,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Program,
    ProgramStatus,
    RoleName,
)
from bot.telegram.application import Palaver, build_palaver
from tests.fakebot import FakeBotApi, FakeUser
from tests.journeys.test_exchange import (
    amal_waits_for_yael,
    grant,
    join,
    run_silence_check,
    yael_was_silent_for,
)
from tests.support import (
    cli_env,
    invoke_cli,
    onboarded,
    person_row,
    rows,
    run_job,
    sends_finished,
    settle,
)

START = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
"""A Tuesday morning in the past (so the outbox's own "due by now" checks see every row)."""

PLAN_FLOW = """\
schema_version: 1
id: plan-a-step
track: VI
kind: solo
title: Plan one step
description: One small commitment, a check-in on its day, and a survey a little later.
duration_minutes: 2
steps:
  - id: step
    kind: commit
    text: What will you do?
    due_text: By when?
  - id: later
    kind: schedule
    flow: exchange-followup
    after: PT30M
  - id: bye
    kind: end
    text: Thank you for planning.
"""
LATER_SURVEY = "About a month ago you took part in a story exchange"


@pytest.fixture
async def clocked(settings: Settings, tmp_path: Path) -> AsyncIterator[tuple[Palaver, ManualClock]]:
    """Palaver on a clock the test moves, with a small planning flow beside the real ones."""
    flows = tmp_path / "dialogues"
    shutil.copytree(settings.dialogues_dir, flows)
    (flows / "plan-a-step.yaml").write_text(PLAN_FLOW, encoding="utf-8")
    clock = ManualClock(START)
    running = build_palaver(settings.model_copy(update={"dialogues_dir": flows}), clock=clock)
    await running.start()
    try:
        yield running, clock
    finally:
        await running.stop()


async def a_program(
    palaver: Palaver, *, time_zone: str = "UTC", quiet: tuple[int, int] | None = (21, 9)
) -> Program:
    async with palaver.database.unit_of_work() as uow:
        program = Program(
            name="Neighbours planning together",
            languages=["en"],
            flows=["plan-a-step"],
            time_zone=time_zone,
            quiet_hours_start=quiet[0] if quiet else None,
            quiet_hours_end=quiet[1] if quiet else None,
        )
        uow.add(program)
        await uow.session.flush()
        for position, name in enumerate(("east", "west")):
            uow.add(Community(program_id=program.id or 0, name=name, position=position))
        await uow.commit()
    return program


async def a_planner(
    fake_api: FakeBotApi, palaver: Palaver, program: Program, name: str = "Nadia"
) -> FakeUser:
    person = await onboarded(fake_api, name)
    await join(palaver.database, program, person, "east")
    return person


async def plans_a_step(user: FakeUser, program: Program, due: str) -> None:
    """The person commits to one step due on `due` (YYYY-MM-DD); the flow schedules a survey."""
    user.press_data(f"s:{program.id}.plan-a-step")
    await user.expect_message("What will you do?")
    user.send("Call the school about the crossing")
    await user.expect_message("By when?")
    user.send(due)
    await user.expect_message("Thank you for planning.")


async def at(palaver: Palaver, clock: ManualClock, moment: datetime) -> None:
    """Move the clock to `moment` and let every job run, as the job queue would."""
    assert moment >= clock(), "the clock only moves forward"
    await sends_finished(palaver.database)  # the job queue never leaps a day mid-send
    clock.advance(moment - clock())
    await run_job(palaver, "follow-ups")
    await run_job(palaver, "outbox")


async def follow_ups(palaver: Palaver, kind: FollowUpKind | None = None) -> list[FollowUp]:
    statement = select(FollowUp).order_by(col(FollowUp.id))
    if kind is not None:
        statement = statement.where(col(FollowUp.kind) == kind)
    return await rows(palaver, statement)


def count(user: FakeUser, text: str) -> int:
    """How many messages containing `text` were sent to the person (edits aside)."""
    return sum(
        text in str(call.params.get("text", ""))
        for call in user.api.calls_to("sendMessage")
        if call.status == 200 and _to(call, user)
    )


# --- on time, in the person's own hours ---------------------------------------------------


async def test_a_flows_later_survey_starts_when_due_and_only_once(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock]
) -> None:
    palaver, clock = clocked
    program = await a_program(palaver, quiet=None)
    nadia = await a_planner(fake_api, palaver, program)
    await plans_a_step(nadia, program, "2026-03-20")
    await nadia.expect_message("which time zone are you in?")

    await at(palaver, clock, START + timedelta(minutes=29))
    await nadia.expect_no_message(within=0.3)
    assert count(nadia, LATER_SURVEY) == 0

    await at(palaver, clock, START + timedelta(minutes=31))
    await nadia.expect_message(LATER_SURVEY)
    await at(palaver, clock, START + timedelta(minutes=40))
    await settle(fake_api, palaver)
    assert count(nadia, LATER_SURVEY) == 1
    [survey] = await follow_ups(palaver, FollowUpKind.FLOW)
    assert survey.status == FollowUpStatus.DONE
    assert survey.sent_at is not None and survey.sent_at >= START + timedelta(minutes=30)


async def test_the_time_zone_is_asked_once_and_a_button_sets_it(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock]
) -> None:
    palaver, _clock = clocked
    program = await a_program(palaver, time_zone="Africa/Nairobi")
    nadia = await a_planner(fake_api, palaver, program)
    await plans_a_step(nadia, program, "2026-03-20")
    question = await nadia.expect_message("which time zone are you in?")
    nadia.press("Africa/Nairobi".replace("_", " "), question)
    await nadia.expect_message("Your time zone is now Africa/Nairobi")
    person = await person_row(palaver, nadia.id)
    assert person is not None and person.time_zone == "Africa/Nairobi" and person.time_zone_chosen

    # A second plan owes more follow-ups, but the question is not asked again.
    await plans_a_step(nadia, program, "2026-03-21")
    await settle(fake_api, palaver)
    assert count(nadia, "which time zone are you in?") == 1


@pytest.mark.parametrize(
    ("zone", "typed"),
    [
        ("Pacific/Auckland", "Auckland"),  # east of UTC (+13 in March)
        ("America/Los_Angeles", "los angeles"),  # west of UTC (-7 in March)
        ("UTC+05:30", "+5:30"),  # a fixed offset, typed
    ],
)
async def test_a_check_in_due_in_quiet_hours_waits_for_the_persons_morning(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock], zone: str, typed: str
) -> None:
    palaver, clock = clocked
    program = await a_program(palaver)  # quiet 21:00-09:00
    nadia = await a_planner(fake_api, palaver, program)
    nadia.send(f"/timezone {typed}")
    await nadia.expect_message("Your time zone is now")
    person = await person_row(palaver, nadia.id)
    assert person is not None and person.time_zone == zone

    # A survey owed at 22:00 her time is quiet hours: it waits for 09:00 her time.
    local = zone_of(zone)
    now_local = clock().astimezone(local)
    evening = datetime.combine(now_local.date() + timedelta(days=1), datetime.min.time())
    due = evening.replace(hour=22, tzinfo=local).astimezone(UTC)
    morning = (evening + timedelta(days=1)).replace(hour=9, tzinfo=local).astimezone(UTC)
    await owe_survey(palaver, nadia, program, due)

    await at(palaver, clock, due)
    await at(palaver, clock, morning - timedelta(minutes=1))
    await nadia.expect_no_message(within=0.3)
    assert count(nadia, LATER_SURVEY) == 0
    [owed] = await follow_ups(palaver, FollowUpKind.FLOW)
    assert owed.status == FollowUpStatus.PENDING and owed.not_before == morning

    await at(palaver, clock, morning)
    await nadia.expect_message(LATER_SURVEY)


async def test_quiet_hours_end_at_local_morning_across_the_spring_daylight_saving_change(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock]
) -> None:
    """Berlin moves its clocks from 02:00 to 03:00 on 29 March 2026: 09:00 that morning is
    07:00 UTC, where the morning before it was 08:00 UTC."""
    palaver, clock = clocked
    program = await a_program(palaver, time_zone="Europe/Berlin")
    nadia = await a_planner(fake_api, palaver, program)
    due = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)  # 23:30 in Berlin, quiet
    await owe_survey(palaver, nadia, program, due)

    await at(palaver, clock, due)
    await at(palaver, clock, datetime(2026, 3, 29, 6, 59, tzinfo=UTC))
    await nadia.expect_no_message(within=0.3)
    await at(palaver, clock, datetime(2026, 3, 29, 7, 0, tzinfo=UTC))
    await nadia.expect_message(LATER_SURVEY)


async def test_a_commitment_check_in_arrives_on_its_day_and_not_yet_asks_for_a_new_date(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock]
) -> None:
    palaver, clock = clocked
    program = await a_program(palaver, time_zone="Europe/Berlin")
    nadia = await a_planner(fake_api, palaver, program)
    await plans_a_step(nadia, program, "2026-03-12")
    await at(palaver, clock, START + timedelta(minutes=31))
    await nadia.expect_message(LATER_SURVEY)

    # 10:00 in Berlin on the due date is 09:00 UTC (winter time).
    await at(palaver, clock, datetime(2026, 3, 12, 8, 59, tzinfo=UTC))
    assert count(nadia, "Today is the day you set for your commitment") == 0
    await at(palaver, clock, datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    check_in = await nadia.expect_message("Today is the day you set for your commitment")
    assert "Call the school about the crossing" in (check_in.text or "")

    nadia.press("Not yet", check_in)
    await nadia.expect_message("When shall I ask again?")
    nadia.press("In 3 days")
    await nadia.expect_message("I will ask again on")
    [commitment] = await rows(palaver, select(Commitment))
    assert commitment.due == date(2026, 3, 15) and commitment.status == CommitmentStatus.OPEN

    await at(palaver, clock, datetime(2026, 3, 15, 9, 0, tzinfo=UTC))
    again = await nadia.expect_message("Today is the day you set for your commitment")
    nadia.press("Done", again)
    await nadia.expect_message("Well done")
    [commitment] = await rows(palaver, select(Commitment))
    assert commitment.status == CommitmentStatus.DONE
    # The old buttons are stale now: pressing one changes nothing.
    query = nadia.press_data(f"ci:drop.{commitment.id}")
    answer = await nadia.expect_callback_answer(query)
    assert "no longer active" in answer.params["text"]
    [commitment] = await rows(palaver, select(Commitment))
    assert commitment.status == CommitmentStatus.DONE


async def test_a_forged_check_in_button_for_someone_elses_commitment_is_refused(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock]
) -> None:
    palaver, _clock = clocked
    program = await a_program(palaver)
    nadia = await a_planner(fake_api, palaver, program)
    await plans_a_step(nadia, program, "2026-03-12")
    omar = await a_planner(fake_api, palaver, program, name="Omar")
    [commitment] = await rows(palaver, select(Commitment))
    for forged in (f"ci:done.{commitment.id}", f"ci:in.{commitment.id}.9", "ci:done", "ci:x.1"):
        answer = await omar.expect_callback_answer(omar.press_data(forged))
        assert "no longer active" in answer.params["text"], forged
    [commitment] = await rows(palaver, select(Commitment))
    assert commitment.status == CommitmentStatus.OPEN


# --- only while wanted --------------------------------------------------------------------


async def test_stop_holds_follow_ups_and_start_brings_them_back(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock]
) -> None:
    palaver, clock = clocked
    program = await a_program(palaver, quiet=None)
    nadia = await a_planner(fake_api, palaver, program)
    await owe_survey(palaver, nadia, program, START + timedelta(hours=1))
    nadia.send("/stop")
    await nadia.expect_message("Paused")

    await at(palaver, clock, START + timedelta(hours=2))
    await nadia.expect_no_message(within=0.3)
    nadia.send("/start")
    await nadia.expect_message("Reminders and follow-ups are on again")
    await at(palaver, clock, START + timedelta(hours=2, minutes=1))
    await nadia.expect_message(LATER_SURVEY)


async def test_a_paused_program_holds_follow_ups_and_a_closed_one_cancels_them(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock]
) -> None:
    palaver, clock = clocked
    program = await a_program(palaver, quiet=None)
    nadia = await a_planner(fake_api, palaver, program)
    await owe_survey(palaver, nadia, program, START + timedelta(hours=1))
    await set_status(palaver, ProgramStatus.PAUSED)
    await at(palaver, clock, START + timedelta(hours=2))
    await nadia.expect_no_message(within=0.3)
    [owed] = await follow_ups(palaver)
    assert owed.status == FollowUpStatus.PENDING

    await set_status(palaver, ProgramStatus.ACTIVE)
    await at(palaver, clock, START + timedelta(hours=3))
    await nadia.expect_message(LATER_SURVEY)

    await owe_survey(palaver, nadia, program, START + timedelta(days=3))
    await set_status(palaver, ProgramStatus.CLOSED)
    await at(palaver, clock, START + timedelta(days=4))
    await settle(fake_api, palaver)
    assert count(nadia, LATER_SURVEY) == 1
    statuses = [f.status for f in await follow_ups(palaver)]
    assert statuses == [FollowUpStatus.DONE, FollowUpStatus.PENDING]


async def test_forget_erases_what_was_owed(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock]
) -> None:
    palaver, clock = clocked
    program = await a_program(palaver, quiet=None)
    nadia = await a_planner(fake_api, palaver, program)
    await plans_a_step(nadia, program, "2026-03-12")
    assert len(await follow_ups(palaver)) == 2  # the check-in and the survey
    nadia.send("/forget")
    nadia.press("Yes, erase everything", await nadia.expect_message("erase everything"))
    await nadia.expect_message("has been erased")
    assert await follow_ups(palaver) == []
    await at(palaver, clock, START + timedelta(days=3))
    await nadia.expect_no_message(within=0.3)


# --- after downtime, and when Telegram says no --------------------------------------------


async def test_after_downtime_what_is_still_relevant_is_sent_once_and_the_rest_expires(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock]
) -> None:
    palaver, clock = clocked
    program = await a_program(palaver, quiet=None)
    nadia = await a_planner(fake_api, palaver, program)
    omar = await a_planner(fake_api, palaver, program, name="Omar")
    await owe_survey(palaver, nadia, program, START + timedelta(days=1))  # grace: 14 days
    await owe_announcement(palaver, program, START + timedelta(days=1))  # grace: 1 day

    # Palaver was down for three days: nothing ran until now.
    await at(palaver, clock, START + timedelta(days=4))
    await nadia.expect_message(LATER_SURVEY)
    await settle(fake_api, palaver)
    assert count(nadia, "A message from the organizers") == 0
    assert count(omar, "A message from the organizers") == 0
    kinds = {(f.kind, f.status) for f in await follow_ups(palaver)}
    assert kinds == {
        (FollowUpKind.FLOW, FollowUpStatus.DONE),
        (FollowUpKind.ANNOUNCEMENT, FollowUpStatus.EXPIRED),
    }


async def test_rate_limited_follow_up_waits_retry_after_then_arrives_once(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock]
) -> None:
    palaver, clock = clocked
    program = await a_program(palaver, quiet=None)
    nadia = await a_planner(fake_api, palaver, program)
    await owe_survey(palaver, nadia, program, START + timedelta(hours=1))
    # Telegram's limiter retries a 429 itself a few times (RATE_LIMIT_RETRIES) before the
    # outbox takes over: fail them all, so the row waits for its retry_after on our clock.
    fake_api.fail_next("sendMessage", 429, retry_after=1, chat_id=nadia.id, times=4)
    await at(palaver, clock, START + timedelta(hours=1))
    [owed] = await follow_ups(palaver)
    assert owed.status == FollowUpStatus.QUEUED and owed.last_error == "429"
    await at(palaver, clock, START + timedelta(hours=1, seconds=2))
    await nadia.expect_message(LATER_SURVEY)
    await settle(fake_api, palaver)
    [owed] = await follow_ups(palaver)
    assert owed.status == FollowUpStatus.DONE and owed.attempts >= 2
    assert count(nadia, LATER_SURVEY) == 1


@pytest.mark.parametrize("fault", ["500", "timeout"])
async def test_server_errors_are_retried_with_backoff_then_the_follow_up_fails(
    fake_api: FakeBotApi, settings: Settings, tmp_path: Path, fault: str
) -> None:
    clock = ManualClock(START)
    # Telegram not answering within a second counts as a timeout here, so the test is quick.
    palaver = build_palaver(settings.model_copy(update={"bot_api_timeout": 1.0}), clock=clock)
    await palaver.start()
    try:
        await _retried_until_failed(fake_api, palaver, clock, fault)
    finally:
        await palaver.stop()


async def _retried_until_failed(
    fake_api: FakeBotApi, palaver: Palaver, clock: ManualClock, fault: str
) -> None:
    program = await a_program(palaver, quiet=None)
    nadia = await a_planner(fake_api, palaver, program)
    await owe_survey(palaver, nadia, program, START + timedelta(hours=1))
    if fault == "500":
        fake_api.fail_next("sendMessage", 500, chat_id=nadia.id, times=100)
    else:
        fake_api.delay_next("sendMessage", 3, chat_id=nadia.id, times=100)
    moment = START + timedelta(hours=1)
    for _ in range(8):  # 2, 4, 8 ... 64 s apart: past the last retry
        await at(palaver, clock, moment)
        moment += timedelta(seconds=65)
    [owed] = await follow_ups(palaver)
    assert owed.status == FollowUpStatus.FAILED
    assert owed.last_error is not None and owed.attempts >= 5
    assert count(nadia, LATER_SURVEY) == 0


async def test_a_person_who_blocked_the_bot_is_marked_and_their_follow_ups_cancelled(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock]
) -> None:
    palaver, clock = clocked
    program = await a_program(palaver, quiet=None)
    nadia = await a_planner(fake_api, palaver, program)
    await owe_survey(palaver, nadia, program, START + timedelta(hours=1))
    await owe_survey(palaver, nadia, program, START + timedelta(days=5))
    fake_api.fail_next("sendMessage", 403, chat_id=nadia.id, times=10)
    await at(palaver, clock, START + timedelta(hours=1))
    await settle(fake_api, palaver)
    person = await person_row(palaver, nadia.id)
    assert person is not None and person.blocked_bot_at is not None
    statuses = sorted(f.status for f in await follow_ups(palaver))
    assert statuses == [FollowUpStatus.CANCELLED, FollowUpStatus.CANCELLED]
    tried = len([c for c in fake_api.calls_to("sendMessage") if _to(c, nadia)])
    await at(palaver, clock, START + timedelta(days=6))
    await settle(fake_api, palaver)
    assert len([c for c in fake_api.calls_to("sendMessage") if _to(c, nadia)]) == tried


# --- announcements ------------------------------------------------------------------------


async def test_an_operator_announcement_reaches_every_participant_in_their_hours(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock], settings: Settings
) -> None:
    palaver, clock = clocked
    program = await a_program(palaver, time_zone="UTC")
    nadia = await a_planner(fake_api, palaver, program)
    omar = await a_planner(fake_api, palaver, program, name="Omar")
    omar.send("/timezone Pacific/Auckland")  # 22:00 UTC is 11:00 the next day there
    await omar.expect_message("Your time zone is now")
    runner = CliRunner(env=cli_env(settings))
    result = await invoke_cli(
        runner,
        [
            "followups",
            "announce",
            "--program",
            str(program.id),
            "--at",
            "2099-01-01T22:00",
            "--text",
            "The next circle meets on Thursday.",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 people" in result.output
    # Pulled forward to this test's clock: the CLI only takes future times.
    async with palaver.database.unit_of_work() as uow:
        moment = datetime(2026, 3, 10, 22, 0, tzinfo=UTC)
        await uow.session.exec(update(FollowUp).values(due_at=moment, not_before=moment))
        await uow.commit()

    await at(palaver, clock, datetime(2026, 3, 10, 22, 0, tzinfo=UTC))
    # 22:00 UTC is quiet hours for Nadia (UTC) and 11:00 for Omar (Auckland, +13).
    words = await omar.expect_message("A message from the organizers")
    assert "The next circle meets on Thursday." in (words.text or "")
    await nadia.expect_no_message(within=0.3)
    await at(palaver, clock, datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    await nadia.expect_message("The next circle meets on Thursday.")

    listed = await invoke_cli(runner, ["followups", "list", "--program", str(program.id)])
    assert listed.exit_code == 0, listed.output
    assert listed.output.count("announcement") == 2 and "done" in listed.output


async def test_operators_cancel_a_pending_follow_up_from_the_command_line(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock], settings: Settings
) -> None:
    palaver, clock = clocked
    program = await a_program(palaver, quiet=None)
    nadia = await a_planner(fake_api, palaver, program)
    await owe_survey(palaver, nadia, program, START + timedelta(hours=1))
    [owed] = await follow_ups(palaver)
    runner = CliRunner(env=cli_env(settings))
    result = await invoke_cli(runner, ["followups", "cancel", str(owed.id)])
    assert result.exit_code == 0, result.output
    again = await invoke_cli(runner, ["followups", "cancel", str(owed.id)])
    assert again.exit_code != 0 and "no pending follow-up" in again.output
    await at(palaver, clock, START + timedelta(hours=2))
    await nadia.expect_no_message(within=0.3)
    pending = await invoke_cli(runner, ["followups", "list", "--status", "cancelled"])
    assert "cancelled by the operator" in pending.output


# --- helpers ------------------------------------------------------------------------------


async def owe_survey(palaver: Palaver, user: FakeUser, program: Program, due: datetime) -> None:
    """Owe the person the later survey at `due`, as a flow's schedule step would."""
    async with palaver.database.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(user.id)
        assert person is not None
        await palaver.dialogues.book.owe_flow(
            uow,
            palaver.dialogues.new_system_work(),
            person,
            program.id,
            "exchange-followup",
            due,
            START,
        )
        await uow.commit()


async def owe_announcement(palaver: Palaver, program: Program, due: datetime) -> None:
    async with palaver.database.unit_of_work() as uow:
        found = await uow.programs.get(program.id or 0)
        assert found is not None
        await palaver.dialogues.book.announce(
            uow, found, due, "Our next meeting is on Friday.", "en", author_id=None, now=START
        )
        await uow.commit()


async def set_status(palaver: Palaver, status: ProgramStatus) -> None:
    async with palaver.database.unit_of_work() as uow:
        await uow.session.exec(update(Program).values(status=status))
        await uow.commit()


def _to(call: object, user: FakeUser) -> bool:
    return getattr(call, "params", {}).get("chat_id") in (user.id, str(user.id))


async def test_organizers_see_follow_up_counts_per_kind_and_status_and_participants_do_not(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock]
) -> None:
    palaver, clock = clocked
    program = await a_program(palaver, quiet=None)
    nadia = await a_planner(fake_api, palaver, program)
    await plans_a_step(nadia, program, "2026-03-20")
    await at(palaver, clock, START + timedelta(minutes=31))
    await nadia.expect_message(LATER_SURVEY)
    organizer = await onboarded(fake_api, "Olga")
    await grant(palaver, organizer, program, RoleName.ORGANIZER)

    organizer.press_data(f"program_people:{program.id}")
    people = await organizer.expect_message("People in")
    text = people.text or ""
    assert "Follow-ups (reminders, check-ins, surveys):" in text
    assert "• later flows and surveys: sent: 1" in text
    assert "• commitment check-ins: scheduled: 1" in text

    answer = await nadia.expect_callback_answer(nadia.press_data(f"program_people:{program.id}"))
    assert "can't do that" in answer.params["text"]


async def test_a_nudge_to_a_silent_partner_waits_out_their_quiet_hours(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    _amal, yael = await amal_waits_for_yael(fake_api, palaver)
    # Quiet from this hour (UTC, the program's zone) for two hours: now is quiet.
    hour = datetime.now(UTC).hour
    async with palaver.database.unit_of_work() as uow:
        await uow.session.exec(
            update(Program).values(quiet_hours_start=hour, quiet_hours_end=(hour + 2) % 24)
        )
        await uow.commit()

    await yael_was_silent_for(palaver, yael, hours=30)
    await run_silence_check(palaver)
    await yael.expect_no_message(within=0.5)
    [nudge] = await follow_ups(palaver, FollowUpKind.EXCHANGE_NUDGE)
    assert nudge.status == FollowUpStatus.PENDING and nudge.last_error == "quiet hours"
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    assert nudge.not_before == end


async def test_a_facilitator_sees_scheduled_announcements_and_cancels_one_for_everyone(
    fake_api: FakeBotApi, clocked: tuple[Palaver, ManualClock]
) -> None:
    palaver, clock = clocked
    program = await a_program(palaver, quiet=None)
    nadia = await a_planner(fake_api, palaver, program)
    omar = await a_planner(fake_api, palaver, program, name="Omar")
    await owe_announcement(palaver, program, START + timedelta(days=1))
    facilitator = await onboarded(fake_api, "Farah")
    await grant(palaver, facilitator, program, RoleName.FACILITATOR)

    facilitator.send("/followups")
    listing = await facilitator.expect_message("Our next meeting is on Friday.")
    assert "to 2 people" in (listing.text or "")
    # A participant pressing the same button is refused, and nothing changes.
    [button] = listing.callback_data
    answer = await nadia.expect_callback_answer(nadia.press_data(button))
    assert "can't do that" in answer.params["text"]
    nadia.send("/followups")
    await nadia.expect_message("can't do that")

    facilitator.press(listing.button_texts[0], listing)
    await facilitator.expect_message("Cancelled: 2 people will not get it.")
    await at(palaver, clock, START + timedelta(days=2))
    await settle(fake_api, palaver)
    assert count(nadia, "Our next meeting") == 0 and count(omar, "Our next meeting") == 0
    assert {f.status for f in await follow_ups(palaver)} == {FollowUpStatus.CANCELLED}
