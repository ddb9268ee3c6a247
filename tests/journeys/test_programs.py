"""Programs end to end: an organizer sets one up from the phone, people join through links."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.services.authorization import ROLE_PERMISSIONS, Permission
from bot.storage.tables import (
    AuditEntry,
    Community,
    Invite,
    Membership,
    PendingInput,
    Program,
    ProgramStatus,
    Role,
    RoleName,
)
from bot.storage.types import utc_now
from bot.telegram.application import Palaver
from tests.conftest import ADMIN_ID
from tests.fakebot import FakeBotApi, FakeUser, SentMessage
from tests.support import onboarded, person_row, refuse_inserts, rows, settle

BOT_LINK = "https://t.me/palaver_test_bot?start="
REFUSAL = "Sorry, you can't do that here."
SCRIPTED_UPDATES_PER_WINDOW = 1000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """These journeys tap through a dozen questions faster than any thumb could, which flood
    control would rightly slow down; they are about programs, not flood control."""
    return settings.model_copy(update={"flood_limit": SCRIPTED_UPDATES_PER_WINDOW})


async def test_organizer_creates_a_program_and_people_join_through_its_links(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    program_id = await create_program_from_the_phone(organizer)

    program = (await rows(palaver, select(Program)))[0]
    assert program.id == program_id
    assert program.name == "Neighbours across the river"
    assert program.languages == ["en", "uk"] and program.default_language == "en"
    assert program.flows == ["story-exchange"]
    assert (program.quiet_hours_start, program.quiet_hours_end) == (22, 7)
    assert program.time_zone == "Europe/Kyiv"
    assert program.min_group_size == 5 and program.retention_days == 30
    assert program.same_language_pairs is False
    communities = await rows(palaver, select(Community).order_by(Community.position))
    assert [c.name for c in communities] == ["east bank", "west bank"]
    mira = await person_row(palaver, organizer.id)
    assert mira is not None
    assert await rows(palaver, select(Role.name).where(Role.person_id == mira.id)) == [
        RoleName.ORGANIZER
    ]

    participant_link = await make_link(organizer, program_id, "New participant link")
    facilitator_link = await make_link(organizer, program_id, "Facilitator link (one-time)")

    sami = fake_api.user(first_name="Sami", language_code="en")
    sami.send(f"/start {code_of(participant_link)}")
    await sami.expect_message("Which language")
    sami.press("English")
    await sami.expect_message("what Palaver keeps")
    sami.press("Accept")
    await sami.expect_message("You are joining “Neighbours across the river”")
    question = await sami.expect_message("Which community")
    assert question.button_texts == ["east bank", "west bank", "Prefer not to say"]
    sami.press("west bank")
    await sami.expect_message("You chose: west bank.")
    languages = await sami.expect_message("Which of these languages can you read?")
    assert languages.button_texts == ["✓ English", "Українська", "Done"]
    sami.press("Українська")
    await sami.expect_edit()
    sami.press("Done")
    await sami.expect_message("You read: English, Українська.")
    await sami.expect_message("Welcome to “Neighbours across the river”")

    sami_row = await person_row(palaver, sami.id)
    assert sami_row is not None and sami_row.pending_invite is None
    membership = (await rows(palaver, select(Membership)))[0]
    assert membership.person_id == sami_row.id
    assert membership.community_id == next(c.id for c in communities if c.name == "west bank")
    assert membership.languages == ["en", "uk"] and membership.languages_chosen

    nour = fake_api.user(first_name="Nour", language_code="en")
    nour.send(f"/start {code_of(facilitator_link)}")
    await nour.expect_message("Which language")
    nour.press("English")
    await nour.expect_message("what Palaver keeps")
    nour.press("Accept")
    await nour.expect_message("You are now a facilitator of “Neighbours across the river”")
    nour_row = await person_row(palaver, nour.id)
    assert nour_row is not None
    assert await rows(palaver, select(Role.name).where(Role.person_id == nour_row.id)) == [
        RoleName.FACILITATOR
    ]

    # The facilitator link worked once; the next person is refused.
    omar = await onboarded(fake_api, "Omar")
    omar.send(f"/start {code_of(facilitator_link)}")
    await omar.expect_message("This invite link has already been used")
    omar_row = await person_row(palaver, omar.id)
    assert omar_row is not None and omar_row.pending_invite is None
    assert await rows(palaver, select(Role).where(Role.person_id == omar_row.id)) == []

    # Counts per community, never identities.
    organizer.send("/programs")
    await organizer.expect_message("Your programs:")
    organizer.press("Neighbours across the river")
    await organizer.expect_message("is open")
    organizer.press("People")
    people = await organizer.expect_message("People in")
    assert "• west bank: 1" in (people.text or "") and "• east bank: 0" in (people.text or "")
    assert "Joined: 1" in (people.text or "")
    assert sami_row.pseudonym not in (people.text or "")

    actions = {entry.action for entry in await rows(palaver, select(AuditEntry))}
    assert {"program.created", "invite.created", "role.granted", "membership.joined"} <= actions


async def test_invite_links_come_with_a_qr_code_photo(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    program_id = await create_program_from_the_phone(organizer)
    await make_link(organizer, program_id, "New participant link")
    photo = organizer.last_message
    assert photo.media_type == "photo" and photo.photo is not None
    assert photo.photo.startswith(b"\x89PNG")
    code = code_of(photo)
    assert 32 <= len(code) <= 64
    assert all(ch.isalnum() or ch in "-_" for ch in code)


async def test_joining_through_a_community_link_skips_the_community_question(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    program_id = await create_program_from_the_phone(organizer)
    link = await make_link(organizer, program_id, "Participant link for east bank")

    lina = await onboarded(fake_api, "Lina")
    lina.send(f"/start {code_of(link)}")
    await lina.expect_message("You are joining")
    await lina.expect_message("Which of these languages")
    lina.press("Done")
    await lina.expect_message("Welcome to")
    membership = (await rows(palaver, select(Membership)))[0]
    east = next(c for c in await rows(palaver, select(Community)) if c.name == "east bank")
    assert membership.community_id == east.id and membership.community_chosen


async def test_a_link_that_cannot_be_used_now_does_not_undo_the_consent_given_with_it(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    # The consent and the kept invite are used in one transaction; the invite inside a
    # savepoint, so a failure there (here: the database refusing memberships) undoes only
    # the joining, and the code waits for the next /start.
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    program_id = await create_program_from_the_phone(organizer)
    code = code_of(await make_link(organizer, program_id, "Participant link for east bank"))
    await refuse_inserts(palaver, "membership", refuse=True)

    lina = fake_api.user(first_name="Lina", language_code="en")
    lina.send(f"/start {code}")
    await lina.expect_message("Which language")
    lina.press("English")
    await lina.expect_message("what Palaver keeps")
    lina.press("Accept")
    await lina.expect_message("Welcome,")
    await lina.expect_message("Sorry, something went wrong on my side")  # said, not swallowed
    await settle(fake_api, palaver)
    person = await person_row(palaver, lina.id)
    assert person is not None and person.consent_version is not None
    assert person.pending_invite == code
    assert await rows(palaver, select(Membership)) == []
    assert not [m for m in lina.messages if "You are joining" in (m.text or "")]

    await refuse_inserts(palaver, "membership", refuse=False)
    lina.send("/start")
    await lina.expect_message("You are joining")
    person = await person_row(palaver, lina.id)
    assert person is not None and person.pending_invite is None
    assert len(await rows(palaver, select(Membership))) == 1


async def test_prefer_not_to_say_keeps_no_community(fake_api: FakeBotApi, palaver: Palaver) -> None:
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    program_id = await create_program_from_the_phone(organizer)
    link = await make_link(organizer, program_id, "New participant link")
    lina = await onboarded(fake_api, "Lina")
    lina.send(f"/start {code_of(link)}")
    await lina.expect_message("Which community")
    lina.press("Prefer not to say")
    await lina.expect_message("You chose: Prefer not to say.")
    membership = (await rows(palaver, select(Membership)))[0]
    assert membership.community_id is None and membership.community_chosen


async def test_revoked_and_expired_links_are_refused_clearly(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    program_id = await create_program_from_the_phone(organizer)
    revoked = await make_link(organizer, program_id, "New participant link")
    expiring = await make_link(organizer, program_id, "New participant link")

    organizer.press("« Invite links", revoked)
    listing = await organizer.expect_message("that still work")
    assert "1. Participant link, used 0 times" in (listing.text or "")
    query = organizer.press("Revoke 1", listing)
    answer = await organizer.expect_callback_answer(query)
    assert answer.params.get("text") == "The link no longer works."
    await settle(fake_api, palaver)
    invite = (await rows(palaver, select(Invite).where(Invite.code == code_of(revoked))))[0]
    assert invite.revoked_at is not None

    async with palaver.database.unit_of_work() as uow:
        expired = await uow.invites.by_code(code_of(expiring))
        assert expired is not None
        expired.expires_at = utc_now() - timedelta(minutes=1)
        await uow.commit()

    lina = fake_api.user(first_name="Lina", language_code="en")
    lina.send(f"/start {code_of(revoked)}")
    await lina.expect_message("Which language")
    lina.press("English")
    await lina.expect_message("what Palaver keeps")
    lina.press("Accept")
    await lina.expect_message("This invite link has been withdrawn by the organizer")

    lina.send(f"/start {code_of(expiring)}")
    await lina.expect_message("This invite link has expired")
    lina.send("/start made-up-code")
    await lina.expect_message("This invite link is not valid")
    assert await rows(palaver, select(Membership)) == []
    lina_row = await person_row(palaver, lina.id)
    assert lina_row is not None and lina_row.pending_invite is None


async def test_paused_program_takes_no_one_until_resumed(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    program_id = await create_program_from_the_phone(organizer)
    link = await make_link(organizer, program_id, "New participant link")
    organizer.send("/programs")
    await organizer.expect_message("Your programs:")
    organizer.press("Neighbours across the river")
    card = await organizer.expect_message("is open")
    organizer.press("Pause", card)
    await organizer.expect_message("is paused")

    lina = await onboarded(fake_api, "Lina")
    lina.send(f"/start {code_of(link)}")
    await lina.expect_message("is paused and not taking new people")

    organizer.press("Resume", card)
    await organizer.expect_message("is open")
    lina.send(f"/start {code_of(link)}")
    await lina.expect_message("Which community")


async def test_closed_program_is_read_only(fake_api: FakeBotApi, palaver: Palaver) -> None:
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    program_id = await create_program_from_the_phone(organizer)
    organizer.send("/programs")
    await organizer.expect_message("Your programs:")
    organizer.press("Neighbours across the river")
    card = await organizer.expect_message("is open")
    organizer.press("Close", card)
    await organizer.expect_message("for good?")
    organizer.press("Yes, close it")
    closed = await organizer.expect_message("is closed")
    assert closed.button_texts == ["People", "« My programs"]
    program = (await rows(palaver, select(Program)))[0]
    assert program.status is ProgramStatus.CLOSED

    query = organizer.press_data(f"program_edit:{program_id}.name")
    answer = await organizer.expect_callback_answer(query)
    assert "closed" in answer.params["text"]
    query = organizer.press_data(f"invite_new:{program_id}.participant")
    answer = await organizer.expect_callback_answer(query)
    assert "closed" in answer.params["text"]


async def test_every_setting_can_be_changed_later(fake_api: FakeBotApi, palaver: Palaver) -> None:
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    await create_program_from_the_phone(organizer)
    organizer.send("/programs")
    await organizer.expect_message("Your programs:")
    organizer.press("Neighbours across the river")
    await organizer.expect_message("is open")
    organizer.press("Settings")
    menu = await organizer.expect_message("Which setting")
    assert len(menu.button_texts) == 12

    organizer.press("Name", menu)
    await organizer.expect_message("What is the program called?")
    organizer.send("x")
    await organizer.expect_message("between 3 and 100 characters")
    await organizer.expect_message("What is the program called?")
    organizer.send("Neighbours, autumn 2027")
    await organizer.expect_message("Saved: Name.")
    await organizer.expect_message("“Neighbours, autumn 2027” is open.")

    organizer.press("Settings")
    await organizer.expect_message("Which setting")
    organizer.press("Communities")
    await organizer.expect_message("Which communities")
    organizer.send("east bank\nwest bank\nisland")
    await organizer.expect_message("Saved: Communities.")
    communities = await rows(palaver, select(Community).order_by(Community.position))
    assert [c.name for c in communities] == ["east bank", "west bank", "island"]

    organizer.press("Settings")
    await organizer.expect_message("Which setting")
    organizer.press("Smallest group in exports")
    await organizer.expect_message("groups smaller than this are hidden")
    organizer.send("1")
    await organizer.expect_message("a whole number from 2 to 100")
    organizer.send("8")
    await organizer.expect_message("Saved: Smallest group in exports.")

    organizer.press("Settings")
    await organizer.expect_message("Which setting")
    organizer.press("Time zone")
    await organizer.expect_message("Which time zone")
    organizer.send("Mars/Olympus")
    await organizer.expect_message("I don't know the time zone “Mars/Olympus”")
    organizer.send("Asia/Beirut")
    await organizer.expect_message("Saved: Time zone.")

    program = (await rows(palaver, select(Program)))[0]
    assert program.name == "Neighbours, autumn 2027"
    assert program.min_group_size == 8 and program.time_zone == "Asia/Beirut"
    changed = await rows(
        palaver, select(AuditEntry).where(AuditEntry.action == "program.setting_changed")
    )
    assert [entry.details["setting"] for entry in changed] == [
        "name",
        "communities",
        "min_group_size",
        "time_zone",
    ]
    assert await rows(palaver, select(PendingInput)) == []


async def test_a_half_finished_program_survives_a_restart_and_text_goes_to_it(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    organizer.send("/programs")
    await organizer.expect_message("You don't organize any program yet.")
    organizer.press("New program")
    await organizer.expect_message("What is the program called?")
    pending = await rows(palaver, select(PendingInput))
    assert [p.setting for p in pending] == ["name"]
    organizer.send("Neighbours across the river")
    await organizer.expect_message("Which communities")
    organizer.send("only one")
    await organizer.expect_message("Please name at least two communities")
    organizer.press("Cancel")
    await organizer.expect_message("Stopped. Nothing was changed.")
    organizer.send("east bank, west bank")
    await organizer.expect_message("No question is waiting")
    assert await rows(palaver, select(Program)) == []


async def test_participant_is_refused_every_organizer_action(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    program_id = await create_program_from_the_phone(organizer)
    link = await make_link(organizer, program_id, "New participant link")
    sami = await joined(fake_api, link, "Sami")
    sami_row = await person_row(palaver, sami.id)
    assert sami_row is not None
    role = (await rows(palaver, select(Role).where(Role.person_id != sami_row.id)))[0]
    invite = (await rows(palaver, select(Invite)))[0]

    sami.send("/programs")
    await sami.expect_message(REFUSAL)
    forged = [
        "programs:",
        "program_new:",
        f"program:{program_id}",
        f"program_settings:{program_id}",
        f"program_edit:{program_id}.name",
        f"program_status:{program_id}.paused",
        f"program_status:{program_id}.closed",
        f"program_people:{program_id}",
        f"program_roles:{program_id}",
        f"role_revoke:{role.id}",
        f"invites:{program_id}",
        f"invite_new:{program_id}.participant",
        f"invite_new:{program_id}.facilitator",
        f"invite_new:{program_id}.organizer",
        f"invite_show:{invite.id}",
        f"invite_revoke:{invite.id}",
    ]
    for data in forged:
        query = sami.press_data(data)
        answer = await sami.expect_callback_answer(query)
        assert answer.params.get("text") == REFUSAL, data
    for data in ("program_answer:name.x", "program_done:languages", "program_create:"):
        query = sami.press_data(data)
        answer = await sami.expect_callback_answer(query)
        assert answer.params.get("text") == "That button is no longer active.", data
    await settle(fake_api, palaver)
    assert len(await rows(palaver, select(Invite))) == 1
    program = (await rows(palaver, select(Program)))[0]
    assert program.status is ProgramStatus.ACTIVE
    assert len(await rows(palaver, select(Role))) == 2


async def test_refusals_are_translated(fake_api: FakeBotApi, palaver: Palaver) -> None:
    olena = fake_api.user(first_name="Olena", language_code="uk")
    olena.send("/start")
    await olena.expect_message("Якою мовою")
    olena.press("Українська")
    await settle(fake_api, palaver)
    olena.press("Погоджуюся")
    await settle(fake_api, palaver)
    olena.send("/programs")
    translated = palaver.catalogs.translator("uk").gettext(REFUSAL)
    assert translated != REFUSAL
    await olena.expect_message(translated)


async def test_an_organizer_sees_only_their_own_programs(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    first_id = await create_program_from_the_phone(organizer)
    link = await make_link(organizer, first_id, "Co-organizer link (one-time)")

    dara = await onboarded(fake_api, "Dara")
    dara.send(f"/start {code_of(link)}")
    await dara.expect_message("You are now an organizer of “Neighbours across the river”")
    # A co-organizer may start programs of their own; Mira is not part of those.
    second_id = await create_program_from_the_phone(dara, name="Two shores")

    organizer.send("/programs")
    listing = await organizer.expect_message("Your programs:")
    assert "Neighbours across the river" in (listing.text or "")
    assert "Two shores" not in (listing.text or "")
    query = organizer.press_data(f"program:{second_id}")
    answer = await organizer.expect_callback_answer(query)
    assert answer.params.get("text") == REFUSAL

    dara.send("/programs")
    listing = await dara.expect_message("Your programs:")
    assert "Neighbours across the river" in (listing.text or "")
    assert "Two shores" in (listing.text or "")


async def test_roles_are_listed_by_pseudonym_and_can_be_revoked(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    program_id = await create_program_from_the_phone(organizer)
    link = await make_link(organizer, program_id, "Facilitator link (one-time)")
    nour = await onboarded(fake_api, "Nour")
    nour.send(f"/start {code_of(link)}")
    await nour.expect_message("You are now a facilitator")
    nour_row = await person_row(palaver, nour.id)
    assert nour_row is not None and nour_row.pseudonym

    organizer.send("/programs")
    await organizer.expect_message("Your programs:")
    organizer.press("Neighbours across the river")
    await organizer.expect_message("is open")
    organizer.press("Roles")
    roles = await organizer.expect_message("Roles in")
    text = roles.text or ""
    assert f"{nour_row.pseudonym}: facilitator" in text
    assert str(nour.id) not in text and "Nour" not in text
    query = organizer.press(f"Revoke {nour_row.pseudonym} (facilitator)", roles)
    answer = await organizer.expect_callback_answer(query)
    assert answer.params.get("text") == "Role revoked."
    assert await rows(palaver, select(Role).where(Role.person_id == nour_row.id)) == []
    revoked = await rows(palaver, select(AuditEntry).where(AuditEntry.action == "role.revoked"))
    assert len(revoked) == 1 and revoked[0].subject_id == nour_row.id
    assert str(nour.id) not in str(revoked[0].details)


async def test_an_admin_kept_in_the_database_may_create_programs(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    lea = await onboarded(fake_api, "Lea")
    lea.send("/programs")
    await lea.expect_message(REFUSAL)
    async with palaver.database.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(lea.id)
        assert person is not None
        person.is_admin = True  # what `palaver admins add` stores
        await uow.commit()
    await create_program_from_the_phone(lea)
    assert [p.name for p in await rows(palaver, select(Program))] == ["Neighbours across the river"]


def test_the_permissions_document_matches_the_authorizer() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "permissions.md").read_text()
    table = text.split("## Permissions by role", 1)[1].split("##", 1)[0]
    roles = (RoleName.ORGANIZER, RoleName.FACILITATOR, RoleName.PARTICIPANT)
    documented: dict[RoleName, set[Permission]] = {role: set() for role in roles}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        permission = Permission(cells[0].strip("`"))
        for role, cell in zip(roles, cells[1:], strict=True):
            if cell == "✓":
                documented[role].add(permission)
    assert documented == {role: set(ROLE_PERMISSIONS[role]) for role in roles}


# --- the journeys' steps ------------------------------------------------------------------


async def create_program_from_the_phone(
    organizer: FakeUser, name: str = "Neighbours across the river"
) -> int:
    """Walk through "New program" with typed answers and buttons; returns the program id."""
    organizer.send("/programs")
    await organizer.expect_message()
    organizer.press("New program")
    await organizer.expect_message("What is the program called?")
    organizer.send(name)
    await organizer.expect_message("Which communities")
    organizer.send("east bank, west bank")
    languages = await organizer.expect_message("Which languages")
    organizer.press("English", languages)
    await organizer.expect_edit()
    organizer.press("Українська", languages)
    await organizer.expect_edit()
    organizer.press("Done", languages)
    await organizer.expect_message("main language")
    organizer.press("English")
    flows = await organizer.expect_message("Which dialogues")
    # Only flows that run today: circle flows wait for the circles feature.
    assert "listening-campaign" in flows.button_texts
    assert not {"community-action", "dialogue-circle"} & set(flows.button_texts)
    organizer.press("story-exchange", flows)
    await organizer.expect_edit()
    organizer.press("Done", flows)
    await organizer.expect_message("share a language")
    organizer.press("No")
    await organizer.expect_message("Which time zone")
    organizer.send("Europe/Kyiv")
    await organizer.expect_message("When should I stay quiet?")
    organizer.send("22-7")
    await organizer.expect_message("groups smaller than this")
    organizer.press("5")
    await organizer.expect_message("relayed to each other")
    organizer.press("30")
    await organizer.expect_message("consent text")
    organizer.press("2026-11")
    summary = await organizer.expect_message("Here is the new program. Create it?")
    assert "Communities: east bank, west bank" in (summary.text or "")
    assert "Quiet hours: from 22:00 to 7:00" in (summary.text or "")
    organizer.press("Create program", summary)
    card = await organizer.expect_message("is open.")
    return int(card.button("People").callback_data.split(":")[1])  # type: ignore[union-attr]


async def make_link(organizer: FakeUser, program_id: int, label: str) -> SentMessage:
    """Open the invite screen of a program, press `label`, and return the link's photo."""
    organizer.press_data(f"invites:{program_id}")
    listing = await organizer.expect_message("that still work")
    organizer.press(label, listing)
    photo = await organizer.expect_message(BOT_LINK)
    assert photo.media_type == "photo"
    return photo


def code_of(message: SentMessage) -> str:
    text = message.text or ""
    return text.split(BOT_LINK, 1)[1].split()[0]


async def joined(fake_api: FakeBotApi, link: SentMessage, name: str) -> FakeUser:
    """Someone who opened a participant link, agreed, and answered the joining questions."""
    person = await onboarded(fake_api, name)
    person.send(f"/start {code_of(link)}")
    await person.expect_message("Which community")
    person.press("east bank")
    await person.expect_message("Which of these languages")
    person.press("Done")
    await person.expect_message("Welcome to")
    return person


async def test_people_who_join_through_a_link_are_offered_a_partner_and_paired(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    program_id = await create_program_from_the_phone(organizer)
    link = await make_link(organizer, program_id, "New participant link")

    first, second = fake_api.user(first_name="Sami"), fake_api.user(first_name="Dana")
    for person, community in ((first, "east bank"), (second, "west bank")):
        person.send(f"/start {code_of(link)}")
        await person.expect_message("Which language")
        person.press("English")
        await person.expect_message("what Palaver keeps")
        person.press("Accept")
        await person.expect_message("Which community")
        person.press(community)
        await person.expect_message("Which of these languages")
        person.press("Done")
        await person.expect_message("Welcome to")
        offer = await person.expect_message("someone from another community")
        person.press("Find me a partner", offer)
    await first.expect_message("looking for a partner")
    await first.expect_message("In this exchange you and")
    await second.expect_message("In this exchange you and")


ORGANIZER_BUTTONS = (
    "program:{p}",
    "program_settings:{p}",
    "program_edit:{p}.name",
    "program_status:{p}.paused",
    "program_status:{p}.closed",
    "program_people:{p}",
    "program_roles:{p}",
    "invites:{p}",
    "invite_new:{p}.participant",
    "invite_new:{p}.facilitator",
    "invite_new:{p}.organizer",
)


async def test_no_one_but_its_organizers_can_act_on_a_program(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    """Participant, facilitator, organizer of another program and stranger are all refused."""
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    program_id = await create_program_from_the_phone(organizer)
    participant = await joined(
        fake_api, await make_link(organizer, program_id, "New participant link"), "Sami"
    )
    facilitator_link = await make_link(organizer, program_id, "Facilitator link (one-time)")
    facilitator = await onboarded(fake_api, "Nour")
    facilitator.send(f"/start {code_of(facilitator_link)}")
    await facilitator.expect_message("You are now a facilitator")
    other_organizer = await onboarded(fake_api, "Omar")
    async with palaver.database.unit_of_work() as uow:
        omar = await uow.people.by_telegram_id(other_organizer.id)
        assert omar is not None and omar.id is not None
        elsewhere = Program(name="Another program")
        uow.add(elsewhere)
        await uow.session.flush()
        uow.add(Role(person_id=omar.id, program_id=elsewhere.id or 0, name=RoleName.ORGANIZER))
        await uow.commit()
    stranger = fake_api.user(first_name="Zed")
    await settle(fake_api, palaver)
    before = {
        "programs": [(p.name, p.status) for p in await rows(palaver, select(Program))],
        "invites": len(await rows(palaver, select(Invite))),
        "roles": len(await rows(palaver, select(Role))),
    }

    for actor in (participant, facilitator, other_organizer):
        for template in ORGANIZER_BUTTONS:
            data = template.format(p=program_id)
            answer = await actor.expect_callback_answer(actor.press_data(data))
            assert answer.params.get("text") == REFUSAL, (actor.first_name, data)
    for template in ORGANIZER_BUTTONS:
        answer = await stranger.expect_callback_answer(
            stranger.press_data(template.format(p=program_id))
        )
        assert "Please read the note about your data first" in answer.params.get("text", "")
    await settle(fake_api, palaver)

    after = {
        "programs": [(p.name, p.status) for p in await rows(palaver, select(Program))],
        "invites": len(await rows(palaver, select(Invite))),
        "roles": len(await rows(palaver, select(Role))),
    }
    assert after == before


async def test_an_organizer_who_agreed_to_an_older_consent_text_is_asked_again_first(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    """The consent rule is the same for organizers: the text in force now, not any text."""
    organizer = await onboarded(fake_api, "Mira", user_id=ADMIN_ID)
    async with palaver.database.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(organizer.id)
        assert person is not None
        person.consent_version = "an older text"
        await uow.commit()
    organizer.send("/programs")
    await organizer.expect_message("what Palaver keeps")
