"""Track III: two people of different communities are paired and complete a story exchange."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.storage.tables import (
    Answer,
    Community,
    Exchange,
    ExchangeStatus,
    FollowUp,
    Membership,
    Program,
    RelayedMessage,
    Report,
    Role,
    RoleName,
)
from bot.storage.types import utc_now
from bot.storage.unit_of_work import Database
from bot.telegram.application import Palaver, build_palaver
from tests.fakebot import FakeBotApi, FakeUser
from tests.support import onboarded, person_row, rows, run_job, settle


async def test_two_people_across_the_divide_complete_a_story_exchange(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    program = await a_program(palaver.database)
    amal = await a_member(fake_api, palaver, program, "east", first_name="Amal")
    yael = await a_member(
        fake_api, palaver, program, "west", first_name="Yael", username="yael_h", last_name="Cohen"
    )

    amal.send("/partner")
    await amal.expect_message("looking for a partner")
    yael.send("/partner")
    for person in (amal, yael):
        await person.expect_message("In this exchange you and")
        await person.expect_message("How warm or cold")

    # Private pre-survey: a typed number and a button.
    amal.send("65")
    yael.press("50")
    for person in (amal, yael):
        await person.expect_message("I can trust most people")
        person.send("3")
        await person.expect_message("Let's start with introductions")

    amal.send("I teach music to children and love long walks by the sea.")
    await amal.expect_message("passed this on")
    yael.send("I bake bread at dawn; a good day starts with the smell of it.")
    intro_for_amal = await amal.expect_message("introduces themselves")
    assert "I bake bread at dawn" in (intro_for_amal.text or "")
    intro_for_yael = await yael.expect_message("introduces themselves")
    assert "I teach music" in (intro_for_yael.text or "")

    for person, story in ((amal, "My grandmother's olive tree."), (yael, "A storm we survived.")):
        await person.expect_message("Tell ")
        person.send(story)
    story_for_yael = await yael.expect_message("story:")
    assert "olive tree" in (story_for_yael.text or "")
    await amal.expect_message("story:")

    # Reflect-back: each says what they heard; each speaker confirms or corrects.
    for person, heard in (
        (amal, "What I heard you say is that surviving the storm made you close."),
        (yael, "What I heard you say is that the tree keeps your family's memory."),
    ):
        await person.expect_message("listening")
        person.send(heard)
    heard_by_amal = await yael.expect_message("heard in your story")
    assert "surviving the storm" in (heard_by_amal.text or "")
    await amal.expect_message("heard in your story")
    await amal.expect_message("understand what you meant")
    amal.press("Yes, that's it")
    await yael.expect_message("understand what you meant")
    yael.press("Partly")
    await yael.expect_message("What would you add")
    yael.send("It was also about the neighbours who helped us.")
    correction = await amal.expect_message("neighbours who helped")
    assert correction.text

    for person, question in ((amal, "What do you bake on holidays?"), (yael, "What songs?")):
        await person.expect_message("What would you like to ask")
        person.send(question)
    for person, answer in ((amal, "Old lullabies."), (yael, "Sweet bread with honey.")):
        await person.expect_message("would like to ask you")
        await person.expect_message("Take a moment before you answer")
        person.send(answer)
    for person in (amal, yael):
        await person.expect_message("We are coming to the end")
        person.send("Thank you for listening.")
    for person in (amal, yael):
        await person.expect_message("How warm or cold do you feel towards people")
        person.send("80")
        await person.expect_message("How much do you agree")
        person.send("4")
        await person.expect_message("talk with someone from the other community again")
        person.press("Yes")
        await person.expect_message("feel safe and respected")
        person.press("Yes")
    await settle(fake_api, palaver)

    answers = await rows(palaver, select(Answer))
    thermometers = sorted(
        (answer.survey, answer.value) for answer in answers if answer.measure == "thermometer"
    )
    assert thermometers == [("post", 80), ("post", 80), ("pre", 50), ("pre", 65)]
    follow_ups = await rows(palaver, select(FollowUp))
    assert {follow_up.flow_id for follow_up in follow_ups} == {"exchange-followup"}
    [exchange] = await rows(palaver, select(Exchange))
    assert exchange.status == ExchangeStatus.ENDED
    relayed = await rows(palaver, select(RelayedMessage))
    assert any("olive tree" in (message.text or "") for message in relayed)

    assert_no_identity_leaks(fake_api, to=amal, about=yael)
    assert_no_identity_leaks(fake_api, to=yael, about=amal)
    assert not fake_api.calls_to("forwardMessage")


async def test_people_of_the_same_community_are_not_paired(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    program = await a_program(palaver.database)
    first = await a_member(fake_api, palaver, program, "east", first_name="Ana")
    second = await a_member(fake_api, palaver, program, "east", first_name="Bo")
    first.send("/partner")
    await first.expect_message("looking for a partner")
    second.send("/partner")
    await second.expect_message("looking for a partner")
    await settle(fake_api, palaver)
    exchanges = await rows(palaver, select(Exchange))
    assert [exchange.status for exchange in exchanges] == [ExchangeStatus.WAITING] * 2


async def test_partners_are_never_paired_twice(fake_api: FakeBotApi, palaver: Palaver) -> None:
    amal, yael = await paired(fake_api, palaver)
    await yael.expect_message("How warm or cold")

    yael.send("/newpartner")
    await yael.expect_message("Do you want a new partner?")
    yael.press("Yes, find someone new")
    await yael.expect_message("looking for a partner")
    await amal.expect_message("Your partner has ended the exchange")
    amal.press("Find me a new partner")
    await amal.expect_message("looking for a partner")
    await settle(fake_api, palaver)
    statuses = sorted(exchange.status for exchange in await rows(palaver, select(Exchange)))
    assert statuses == [ExchangeStatus.ENDED, ExchangeStatus.WAITING, ExchangeStatus.WAITING]


async def test_reporting_a_partner_tells_the_facilitators(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    program = await a_program(palaver.database)
    facilitator = await onboarded(fake_api, "Faro")
    await grant(palaver, facilitator, program, RoleName.FACILITATOR)
    amal = await a_member(fake_api, palaver, program, "east", first_name="Amal")
    yael = await a_member(fake_api, palaver, program, "west", first_name="Yael")
    amal.send("/partner")
    await amal.expect_message("looking for a partner")
    yael.send("/partner")
    await yael.expect_message("How warm or cold")

    amal.send("/report")
    await amal.expect_message("report your partner")
    amal.press("Something else")
    await amal.expect_message("A facilitator will look into it")
    note = await facilitator.expect_message("reported their exchange partner")
    yael_row = await person_row(palaver, yael.id)
    assert yael_row is not None and yael_row.pseudonym in (note.text or "")
    assert [report.reported_id for report in await rows(palaver, select(Report))] == [yael_row.id]
    await yael.expect_no_message()


async def test_forged_run_button_of_someone_else_is_refused(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, yael = await paired(fake_api, palaver)
    prompt = await yael.expect_message("How warm or cold")
    forged = prompt.callback_data[0]
    query = amal.press_data(forged)
    answer = await amal.expect_callback_answer(query)
    assert "no longer active" in answer.params["text"]
    await settle(fake_api, palaver)
    assert not [a for a in await rows(palaver, select(Answer)) if a.measure == "thermometer"]


async def test_a_stale_button_does_not_advance_the_run(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, _yael = await paired(fake_api, palaver)
    prompt = await amal.expect_message("How warm or cold")
    amal.press("60", prompt)
    await amal.expect_message("I can trust most people")
    again = amal.press("70", prompt)
    answer = await amal.expect_callback_answer(again)
    assert "already been answered" in answer.params["text"]
    await settle(fake_api, palaver)
    values = [a.value for a in await rows(palaver, select(Answer)) if a.measure == "thermometer"]
    assert values == [60]


# --- helpers --------------------------------------------------------------------------------


async def a_program(database: Database) -> Program:
    """A program with two communities that offers the story exchange."""
    async with database.unit_of_work() as uow:
        program = Program(name="Neighbours across the river", languages=["en"])
        program.flows = ["story-exchange"]
        uow.add(program)
        await uow.session.flush()
        for position, name in enumerate(("east", "west")):
            uow.add(Community(program_id=program.id or 0, name=name, position=position))
        await uow.commit()
    return program


async def join(database: Database, program: Program, user: FakeUser, community: str) -> None:
    """Make `user` a participant of `program`, member of `community`."""
    async with database.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(user.id)
        assert person is not None and person.id is not None
        communities = (await uow.session.exec(select(Community))).all()
        community_id = next(c.id for c in communities if c.name == community)
        uow.add(
            Membership(
                person_id=person.id,
                program_id=program.id or 0,
                community_id=community_id,
                community_chosen=True,
                languages=["en"],
            )
        )
        uow.add(Role(person_id=person.id, program_id=program.id or 0, name=RoleName.PARTICIPANT))
        await uow.commit()


async def a_member(
    fake_api: FakeBotApi,
    palaver: Palaver,
    program: Program,
    community: str,
    *,
    first_name: str,
    username: str | None = None,
    last_name: str | None = None,
) -> FakeUser:
    """Someone who consented and joined `program` as a member of `community`."""
    user = await onboarded(fake_api, first_name, username=username, last_name=last_name)
    await join(palaver.database, program, user, community)
    return user


async def paired(fake_api: FakeBotApi, palaver: Palaver) -> tuple[FakeUser, FakeUser]:
    """Amal (east) and Yael (west), members of a new program, who both asked for a partner."""
    program = await a_program(palaver.database)
    amal = await a_member(fake_api, palaver, program, "east", first_name="Amal")
    yael = await a_member(fake_api, palaver, program, "west", first_name="Yael")
    amal.send("/partner")
    await amal.expect_message("looking for a partner")
    yael.send("/partner")
    return amal, yael


async def grant(palaver: Palaver, user: FakeUser, program: Program, role: RoleName) -> None:
    async with palaver.database.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(user.id)
        assert person is not None and person.id is not None
        uow.add(Role(person_id=person.id, program_id=program.id or 0, name=role))
        await uow.commit()


def assert_no_identity_leaks(fake_api: FakeBotApi, *, to: FakeUser, about: FakeUser) -> None:
    """Nothing the bot sent to `to` contains a Telegram identity of `about`."""
    identity = [str(about.id), about.first_name]
    identity += [value for value in (about.username, about.last_name) if value]
    sent_to = [call for call in fake_api.calls if call.chat_id == to.id]
    assert sent_to, "nothing was sent at all"
    for call in sent_to:
        # copyMessage must name the chat it copies from; that goes to Telegram, and the copy
        # the recipient gets carries no sender (checked on the delivered message below).
        params = {k: v for k, v in call.params.items() if k != "from_chat_id"}
        payload = json.dumps(params, ensure_ascii=False)
        for value in identity:
            assert value not in payload, f"{call.method} to {to.first_name} contains {value!r}"


async def test_someone_outside_any_program_is_told_how_to_join(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    loner = await onboarded(fake_api, "Lin")
    loner.send("/partner")
    await loner.expect_message("Open the invite link")


async def test_a_silent_partner_is_nudged_then_the_other_is_offered_someone_new(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, yael = await amal_waits_for_yael(fake_api, palaver)

    await yael_was_silent_for(palaver, yael, hours=30)
    await run_silence_check(palaver)
    await yael.expect_message("Your partner is waiting for your answer")
    await run_silence_check(palaver)  # one nudge per silence, not one per check

    await yael_was_silent_for(palaver, yael, hours=50)
    await run_silence_check(palaver)
    offer = await amal.expect_message("has not answered for a while")
    assert offer.button_texts == ["Find me a new partner", "Keep waiting"]
    assert len([m for m in yael.messages if "waiting for your answer" in (m.text or "")]) == 1


async def amal_waits_for_yael(fake_api: FakeBotApi, palaver: Palaver) -> tuple[FakeUser, FakeUser]:
    """Amal and Yael paired; Amal has shared her introduction and waits for Yael's."""
    amal, yael = await paired(fake_api, palaver)
    await yael.expect_message("How warm or cold")
    await amal.expect_message("How warm or cold")
    amal.send("/skip")
    await amal.expect_message("I can trust most people")
    amal.send("/skip")
    await amal.expect_message("Let's start with introductions")
    amal.send("I grow tomatoes on my balcony.")
    await amal.expect_message("passed this on")
    await settle(fake_api, palaver)
    return amal, yael


async def yael_was_silent_for(palaver: Palaver, yael: FakeUser, *, hours: int) -> None:
    """Move Yael's last activity into the past, as if time had gone by."""
    async with palaver.database.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(yael.id)
        assert person is not None
        [exchange] = await rows(palaver, select(Exchange))
        for member in await uow.exchanges.members(exchange.id or 0):
            if member.person_id == person.id:
                member.last_active_at = utc_now() - timedelta(hours=hours)
                uow.add(member)
        await uow.commit()


async def run_silence_check(palaver: Palaver) -> None:
    """Run the scheduled silent-partner job now, as the job queue would."""
    await run_job(palaver, "silent-partners")
    await run_job(palaver, "follow-ups")


@pytest.fixture
async def palaver_with_media(settings: Settings, tmp_path: Path) -> AsyncIterator[Palaver]:
    """Palaver whose story exchange lets partners send photos and voice notes."""
    flows = tmp_path / "dialogues"
    shutil.copytree(settings.dialogues_dir, flows)
    story = flows / "story-exchange.yaml"
    story.write_text(
        story.read_text(encoding="utf-8").replace("\nsteps:", "\nallow_media: true\nsteps:", 1),
        encoding="utf-8",
    )
    running = build_palaver(settings.model_copy(update={"dialogues_dir": flows}))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def test_photos_reach_the_partner_as_anonymous_copies(
    fake_api: FakeBotApi, palaver_with_media: Palaver
) -> None:
    palaver = palaver_with_media
    program = await a_program(palaver.database)
    amal = await a_member(fake_api, palaver, program, "east", first_name="Amal")
    yael = await a_member(fake_api, palaver, program, "west", first_name="Yael", username="yh")
    amal.send("/partner")
    await amal.expect_message("looking for a partner")
    yael.send("/partner")
    await amal.expect_message("How warm or cold")

    yael.send_photo(caption="our street")
    await yael.expect_message("Sent to")
    await amal.expect_message("sent you this")
    copy = await amal.expect_message("our street")
    assert copy.method == "copyMessage"
    assert "forward_origin" not in copy.message and "forward_from" not in copy.message
    assert copy.message.get("from", {}).get("is_bot", True), "a copy comes from the bot"
    assert not fake_api.calls_to("forwardMessage")
    assert_no_identity_leaks(fake_api, to=amal, about=yael)


async def test_photos_are_refused_when_the_flow_does_not_allow_media(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, yael = await paired(fake_api, palaver)
    await amal.expect_message("How warm or cold")
    yael.send_photo(caption="our street")
    await yael.expect_message("I can only read text messages")
    await settle(fake_api, palaver)
    assert not fake_api.calls_to("copyMessage")


async def test_editing_a_flow_file_mid_run_does_not_disturb_runs_under_way(
    fake_api: FakeBotApi, settings: Settings, tmp_path: Path
) -> None:
    flows = tmp_path / "dialogues"
    shutil.copytree(settings.dialogues_dir, flows)
    before = build_palaver(settings.model_copy(update={"dialogues_dir": flows}))
    await before.start()
    try:
        program = await a_program(before.database)
        amal = await a_member(fake_api, before, program, "east", first_name="Amal")
        yael = await a_member(fake_api, before, program, "west", first_name="Yael")
        amal.send("/partner")
        await amal.expect_message("looking for a partner")
        yael.send("/partner")
        await amal.expect_message("How warm or cold")
    finally:
        await before.stop()

    # An author rewrites the flow: new wording, the trust question removed.
    story = flows / "story-exchange.yaml"
    edited = story.read_text(encoding="utf-8").replace(
        "Let's start with introductions.", "Time to introduce yourselves."
    )
    edited = edited.replace("  - id: trust-pre\n", "  - id: trust-pre-removed\n", 1)
    story.write_text(edited, encoding="utf-8")

    after = build_palaver(settings.model_copy(update={"dialogues_dir": flows}))
    await after.start()
    try:
        amal.send("55")
        await amal.expect_message("I can trust most people")  # the version the run began with
        amal.send("3")
        await amal.expect_message("Let's start with introductions")
    finally:
        await after.stop()
