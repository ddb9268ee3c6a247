"""/export end to end: an organizer gets their program's figures; nobody else gets any."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import jsonschema
import psycopg
import pytest

from bot.config import Settings
from bot.engine import FlowLibrary
from bot.services.demo import DemoSeeder, SimulatedAnswers
from bot.services.program_settings import ProgramSettings
from bot.services.programs import create_program, grant_role
from bot.storage.tables import Program, RoleName
from bot.telegram.application import Palaver
from tests.fakebot import FakeBotApi, FakeUser
from tests.support import onboarded, person_row

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "export-schema.json").read_text())
REFUSAL = "Sorry, you can't do that here."
SCRIPTED_UPDATES_PER_WINDOW = 1000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"flood_limit": SCRIPTED_UPDATES_PER_WINDOW})


async def program_with(
    palaver: Palaver,
    settings: Settings,
    name: str,
    roles: dict[FakeUser, RoleName],
    participants: int = 0,
) -> Program:
    """A program in which each user holds the given role, and simulated participants."""
    flows = FlowLibrary.from_directory(settings.dialogues_dir)
    async with palaver.database.unit_of_work() as uow:
        program = await create_program(
            uow,
            ProgramSettings(
                name=name,
                communities=("east", "west"),
                languages=("en",),
                default_language="en",
                flows=("story-exchange",),
                consent_version=settings.consent_version,
            ),
            creator=None,
        )
        assert program.id is not None
        # Simulated people of each program get Telegram ids of their own (negative: never real).
        seeder = DemoSeeder(uow, flows, settings.consent_version, -3_000_000 * program.id)
        await seeder.keep_snapshots()
        for user, role in roles.items():
            person = await uow.people.by_telegram_id(user.id)
            assert person is not None
            grant_role(uow, person, program.id, role, granted_by_id=None)
        communities = await uow.communities.of_program(program.id)
        people = await seeder.people(participants)
        for number, person in enumerate(people):
            joined = program.created_at
            seeder.join(person, program, communities[number % 2], joined)
            answers = SimulatedAnswers(30 + number % 40, 2, 50 + number % 30, 4, "yes")
            seeder.answer(program, person, None, joined, answers)
        await seeder.flush()
        await uow.commit()
    return program


async def test_organizer_exports_their_program_as_a_json_document(
    fake_api: FakeBotApi, palaver: Palaver, settings: Settings
) -> None:
    mira = await onboarded(fake_api, "Mira")
    program = await program_with(
        palaver, settings, "River", {mira: RoleName.ORGANIZER}, participants=20
    )

    mira.send("/export")
    await mira.expect_message("Which program do you want to export?")
    mira.press("River")
    await mira.expect_message("Export “River”: which people?")
    mira.press("Whole program")
    await mira.expect_message("Which kind of file?")
    mira.press("Data (JSON)")
    sent = await mira.expect_message("Figures of “River”")
    assert sent.method == "sendDocument" and sent.document is not None
    assert sent.document.filename == f"palaver-program-{program.id}.json"
    document = json.loads(sent.document.data)
    jsonschema.validate(document, SCHEMA)
    people = [f for f in document["figures"] if f["section"] == "participants"]
    assert {f["community"]: f["people"] for f in people} == {None: 20, "east": 10, "west": 10}
    mira_row = await person_row(palaver, mira.id)
    assert mira_row is not None and mira_row.pseudonym
    assert str(mira.id) not in sent.document.data.decode()


async def test_export_is_refused_to_participants_facilitators_and_other_organizers(
    fake_api: FakeBotApi, palaver: Palaver, settings: Settings
) -> None:
    mira = await onboarded(fake_api, "Mira")
    sami = await onboarded(fake_api, "Sami")
    nour = await onboarded(fake_api, "Nour")
    omar = await onboarded(fake_api, "Omar")
    river = await program_with(
        palaver,
        settings,
        "River",
        {mira: RoleName.ORGANIZER, sami: RoleName.PARTICIPANT, nour: RoleName.FACILITATOR},
        participants=10,
    )
    await program_with(palaver, settings, "Hills", {omar: RoleName.ORGANIZER})

    for person in (sami, nour):
        person.send("/export")
        await person.expect_message(REFUSAL)

    # Omar organizes another program: he sees only his own, and forged buttons for River fail.
    omar.send("/export")
    offer = await omar.expect_message("Which program do you want to export?")
    assert offer.button_texts == ["Hills"]
    for forged in (
        f"export_program:{river.id}",
        f"export_period:{river.id}.all",
        f"export_format:{river.id}.all.json",
    ):
        answer = await omar.expect_callback_answer(omar.press_data(forged))
        assert answer.params.get("text") == REFUSAL, forged
    assert not [m for m in omar.messages if m.method == "sendDocument"]


@pytest.mark.postgres
async def test_bot_answers_others_while_a_large_export_is_built(
    fake_api: FakeBotApi, palaver: Palaver, settings: Settings
) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("holds a table lock, which only PostgreSQL offers")
    mira = await onboarded(fake_api, "Mira")
    sami = await onboarded(fake_api, "Sami")
    await program_with(palaver, settings, "River", {mira: RoleName.ORGANIZER}, participants=300)

    mira.send("/export")
    await mira.expect_message("Which program")
    mira.press("River")
    await mira.expect_message("which people?")
    mira.press("Whole program")
    await mira.expect_message("Which kind of file?")

    # Hold the answers table, so the export is still being built for as long as we like.
    holder = await psycopg.AsyncConnection.connect(settings.database_url)
    async with holder, holder.transaction():
        await holder.execute("LOCK TABLE answer IN ACCESS EXCLUSIVE MODE")
        mira.press("Report with charts (HTML)")
        await export_waiting_for(holder)

        sami.send("/help")
        await sami.expect_message()
        assert not [m for m in mira.messages if m.method == "sendDocument"]
    sent = await mira.expect_message("Figures of “River”", timeout=30)
    assert sent.document is not None and sent.document.data.startswith(b"<!DOCTYPE html>")


async def export_waiting_for(holder: psycopg.AsyncConnection) -> None:
    """Until another session waits for the lock `holder` holds (the export's read)."""
    async with asyncio.timeout(10):
        while True:
            # Activity statistics are a snapshot per transaction: take a fresh one each time.
            await holder.execute("SELECT pg_stat_clear_snapshot()")
            waiting = await (
                await holder.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
            ).fetchone()
            if waiting and waiting[0]:
                return
            await asyncio.sleep(0.05)
