"""The conversation core: matching that cannot race, pacing through the outbox, paused
programs that stay quiet, and nobody left hanging when a partner goes."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.storage.tables import Exchange, ExchangeMember, ExchangeStatus, Program, ProgramStatus
from bot.telegram.application import Palaver, build_palaver
from tests.fakebot import FakeBotApi, FakeUser
from tests.journeys.test_exchange import (
    a_member,
    a_program,
    amal_waits_for_yael,
    join,
    paired,
    run_silence_check,
    yael_was_silent_for,
)
from tests.support import onboarded, rows, run_job, settle


async def members_of_each_exchange(palaver: Palaver) -> dict[int, list[int]]:
    members = await rows(palaver, select(ExchangeMember))
    grouped: dict[int, list[int]] = {}
    for member in members:
        grouped.setdefault(member.exchange_id, []).append(member.person_id)
    return grouped


@pytest.mark.parametrize("round_", range(3))
async def test_simultaneous_partner_requests_never_overfill_a_conversation(
    fake_api: FakeBotApi, palaver: Palaver, round_: int
) -> None:
    """One person waits; five from the other community ask at the same moment."""
    program = await a_program(palaver.database)
    waiting = await a_member(fake_api, palaver, program, "east", first_name="Amal")
    waiting.send("/partner")
    await waiting.expect_message("looking for a partner")
    seekers = [
        await a_member(fake_api, palaver, program, "west", first_name=f"Seeker{n}")
        for n in range(5)
    ]
    for seeker in seekers:
        seeker.send("/partner")  # all at once: nobody waits for an answer
    await settle(fake_api, palaver)

    exchanges = await rows(palaver, select(Exchange))
    by_exchange = await members_of_each_exchange(palaver)
    assert all(len(members) <= 2 for members in by_exchange.values())
    assert all(e.member_count == len(by_exchange.get(e.id or 0, [])) for e in exchanges)
    assert all(e.member_count <= e.capacity for e in exchanges)
    active = [e for e in exchanges if e.status == ExchangeStatus.ACTIVE]
    assert len(active) == 1, "exactly one seeker is paired with Amal"
    per_person = Counter(p for members in by_exchange.values() for p in members)
    assert max(per_person.values()) == 1, "nobody is in two conversations"
    # Everyone who asked got an answer: a partner, or word that they are waiting.
    for seeker in seekers:
        assert seeker.messages[-1].text


async def test_a_crowd_asking_at_once_is_paired_across_the_divide_with_nobody_stranded(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    program = await a_program(palaver.database)
    crowd = [
        await a_member(
            fake_api, palaver, program, "east" if n % 2 else "west", first_name=f"Person{n}"
        )
        for n in range(12)
    ]
    for person in crowd:
        person.send("/partner")
    await settle(fake_api, palaver)

    exchanges = await rows(palaver, select(Exchange))
    by_exchange = await members_of_each_exchange(palaver)
    assert sorted(e.status for e in exchanges) == [ExchangeStatus.ACTIVE] * 6
    assert all(len(members) == 2 for members in by_exchange.values())
    assert len({p for members in by_exchange.values() for p in members}) == 12


async def test_the_database_refuses_a_conversation_over_capacity(palaver: Palaver) -> None:
    program = await a_program(palaver.database)
    async with palaver.database.unit_of_work() as uow:
        exchange = Exchange(program_id=program.id or 0, flow_id="story-exchange", capacity=2)
        uow.add(exchange)
        await uow.commit()
    with pytest.raises(IntegrityError):
        async with palaver.database.unit_of_work() as uow:
            await uow.session.exec(
                update(Exchange).where(col(Exchange.id) == exchange.id).values(member_count=3)
            )
            await uow.commit()


async def test_leaving_an_exchange_tells_the_partner_and_offers_someone_new(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, yael = await paired(fake_api, palaver)
    await amal.expect_message("How warm or cold")
    await yael.expect_message("How warm or cold")
    amal.send("/leave")
    told = await yael.expect_message("Your partner has ended the exchange")
    assert told.button_texts == ["Find me a new partner"]
    [exchange] = await rows(palaver, select(Exchange))
    assert exchange.status == ExchangeStatus.ENDED
    assert exchange.ended_reason == "left"
    yael.send("/skip")
    await yael.expect_message("There is no conversation going on")


async def test_a_paused_program_nudges_no_one(fake_api: FakeBotApi, palaver: Palaver) -> None:
    amal, yael = await amal_waits_for_yael(fake_api, palaver)
    async with palaver.database.unit_of_work() as uow:
        await uow.session.exec(update(Program).values(status=ProgramStatus.PAUSED))
        await uow.commit()

    await yael_was_silent_for(palaver, yael, hours=30)
    await run_silence_check(palaver)
    await yael_was_silent_for(palaver, yael, hours=50)
    await run_silence_check(palaver)
    await yael.expect_no_message(within=0.5)
    await amal.expect_no_message(within=0.2)
    assert not [m for m in yael.messages if "waiting for your answer" in (m.text or "")]


@pytest.fixture
async def paced(settings: Settings) -> AsyncIterator[tuple[Palaver, ManualClock]]:
    """Palaver with flows' pauses as written, on a clock the test moves by hand."""
    clock = ManualClock()
    running = build_palaver(settings.model_copy(update={"pacing": 1.0}), clock=clock)
    await running.start()
    try:
        yield running, clock
    finally:
        await running.stop()


async def start_listening_campaign(
    fake_api: FakeBotApi, palaver: Palaver, name: str = "Nadia"
) -> FakeUser:
    async with palaver.database.unit_of_work() as uow:
        program = Program(name="Listening", languages=["en"], flows=["listening-campaign"])
        uow.add(program)
        await uow.commit()
    await a_community(palaver, program)
    person = await onboarded(fake_api, name)
    await join(palaver.database, program, person, "everyone")
    person.press_data(f"s:{program.id}.listening-campaign")
    return person


async def a_community(palaver: Palaver, program: Program) -> None:
    from bot.storage.tables import Community

    async with palaver.database.unit_of_work() as uow:
        uow.add(Community(program_id=program.id or 0, name="everyone", position=0))
        await uow.commit()


async def test_a_flow_opens_at_reading_pace_through_the_outbox(
    fake_api: FakeBotApi, paced: tuple[Palaver, ManualClock]
) -> None:
    palaver, clock = paced
    nadia = await start_listening_campaign(fake_api, palaver)
    await nadia.expect_message("This is a listening campaign")
    # The next message waits for its pause, on Palaver's clock, not the machine's.
    await nadia.expect_no_message(within=0.5)
    clock.advance(timedelta(seconds=1))
    await palaver.tick()
    await nadia.expect_no_message(within=0.3)
    clock.advance(timedelta(seconds=1))
    await palaver.tick()
    await nadia.expect_message("How your answers are used")
    await nadia.expect_no_message(within=0.3)
    clock.advance(timedelta(seconds=3))
    await palaver.tick()
    await nadia.expect_message()
    texts = [m.text or "" for m in nadia.messages]
    assert len(texts) == len(set(texts)), "each paced message arrives once"


async def test_paced_messages_survive_a_restart(fake_api: FakeBotApi, settings: Settings) -> None:
    """The rest of a paced opening is in the database: a new process sends it when due."""
    clock = ManualClock()
    first = build_palaver(settings.model_copy(update={"pacing": 1.0}), clock=clock)
    await first.start()
    try:
        nadia = await start_listening_campaign(fake_api, first)
        await nadia.expect_message("This is a listening campaign")
    finally:
        await first.stop()
    clock.advance(timedelta(seconds=2))
    second = build_palaver(settings.model_copy(update={"pacing": 1.0}), clock=clock)
    await second.start()
    try:
        await nadia.expect_message("How your answers are used")
        await nadia.expect_no_message(within=0.3)  # the next one is still paced
    finally:
        await second.stop()


async def test_when_a_partner_blocks_the_bot_the_other_is_told_and_offered_someone_new(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, yael = await amal_waits_for_yael(fake_api, palaver)
    yael.block_bot()
    await yael_was_silent_for(palaver, yael, hours=30)
    await run_silence_check(palaver)  # the nudge to Yael is refused: she blocked the bot
    await fake_api.wait_for_call("sendMessage", lambda call: call.status == 403)
    await run_job(palaver, "outbox")
    told = await amal.expect_message("Your partner has ended the exchange")
    assert told.button_texts == ["Find me a new partner"]
    [exchange] = await rows(palaver, select(Exchange))
    assert (exchange.status, exchange.ended_reason) == (ExchangeStatus.ENDED, "blocked_bot")


@pytest.fixture
async def limited(settings: Settings) -> AsyncIterator[Palaver]:
    """Palaver with Telegram's one-message-a-second-per-chat limit, as in production."""
    running = build_palaver(settings.model_copy(update={"private_chat_messages_per_second": 1.0}))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def test_with_the_limit_per_chat_every_opening_message_arrives_in_order(
    fake_api: FakeBotApi, limited: Palaver
) -> None:
    amal, yael = await paired(fake_api, limited)
    for person in (amal, yael):
        await person.expect_message("share a few stories", timeout=10)
        await person.expect_message("Here is how it works", timeout=10)
        await person.expect_message("You can skip any question", timeout=10)
        await person.expect_message("How warm or cold", timeout=10)
