"""A person's first minutes with Palaver, end to end through the fake Bot API."""

from __future__ import annotations

from sqlmodel import select

from bot.config import Settings
from bot.storage.tables import AuditEntry, Person
from bot.telegram.application import Palaver, build_palaver
from tests.fakebot import FakeBotApi
from tests.support import onboarded, person_row, rows, settle


async def test_start_choose_language_accept_consent_reaches_home(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal = fake_api.user(first_name="Amal", language_code="en")
    amal.send("/start")
    question = await amal.expect_message("Which language")
    assert "English" in question.button_texts

    amal.press("English")
    await amal.expect_callback_answer()
    consent = await amal.expect_message("what Palaver keeps about you")
    assert consent.button_texts == ["Accept", "Decline"]
    assert "not end-to-end encrypted" in (consent.text or "")

    amal.press("Accept")
    home = await amal.expect_message("Welcome,")
    person = await person_row(palaver, amal.id)
    assert person is not None
    assert person.consent_given_at is not None
    assert person.consent_version == palaver_consent_version(palaver)
    assert person.pseudonym and person.pseudonym in (home.text or "")
    assert "/language" in (home.text or "")


async def test_person_is_stored_at_start_with_their_telegram_language(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    olena = fake_api.user(first_name="Olena", language_code="uk")
    olena.send("/start")
    await olena.expect_message()
    person = await person_row(palaver, olena.id)
    assert person is not None
    assert person.language == "uk"
    assert person.language_chosen is False
    assert person.pseudonym is None and person.consent_given_at is None


async def test_telegram_language_is_used_from_the_first_message(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    olena = fake_api.user(first_name="Olena", language_code="uk")
    olena.send("/start")
    question = await olena.expect_message("Якою мовою")
    assert "Українська" in question.button_texts


async def test_choosing_a_language_switches_the_next_messages(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    sam = fake_api.user(first_name="Sam", language_code="en")
    sam.send("/start")
    await sam.expect_message("Which language")
    sam.press("Українська")
    await sam.expect_message("Готово")
    consent = await sam.expect_message()
    assert consent.button_texts == ["Погоджуюся", "Відмовляюся"]
    person = await person_row(palaver, sam.id)
    assert person is not None and person.language == "uk" and person.language_chosen


async def test_declining_consent_keeps_only_the_refusal(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    dana = fake_api.user(first_name="Dana", language_code="en")
    dana.send("/start invite-spring-2027")
    await dana.expect_message("Which language")
    assert (await person_row(palaver, dana.id)).pending_invite == "invite-spring-2027"  # type: ignore[union-attr]
    dana.press("English")
    await dana.expect_message("what Palaver keeps")
    dana.press("Decline")
    refusal = await dana.expect_message("That's all right")
    assert "/start" in (refusal.text or "")

    person = await person_row(palaver, dana.id)
    assert person is not None
    assert person.consent_declined_at is not None
    assert person.consent_given_at is None
    assert person.pseudonym is None
    assert person.pending_invite is None
    audit = await rows(palaver, select(AuditEntry))
    assert [entry.action for entry in audit] == ["consent.declined"]


async def test_declined_person_can_change_their_mind_with_start(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    dana = fake_api.user(first_name="Dana", language_code="en")
    dana.send("/start")
    await dana.expect_message("Which language")
    dana.press("English")
    await dana.expect_message("what Palaver keeps")
    dana.press("Decline")
    await dana.expect_message("That's all right")

    dana.send("/start")
    consent = await dana.expect_message("what Palaver keeps")
    dana.press("Accept", consent)
    await dana.expect_message("Welcome,")


async def test_deep_link_payload_is_kept_for_the_invite_flow(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    lea = fake_api.user(first_name="Lea", language_code="en")
    lea.send("/start river-2027_east")
    await lea.expect_message("Which language")
    person = await person_row(palaver, lea.id)
    assert person is not None and person.pending_invite == "river-2027_east"


async def test_malformed_deep_link_payload_is_ignored(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    lea = fake_api.user(first_name="Lea", language_code="en")
    lea.send("/start <script>")
    await lea.expect_message("Which language")
    person = await person_row(palaver, lea.id)
    assert person is not None and person.pending_invite is None


async def test_returning_person_is_welcomed_back(fake_api: FakeBotApi, palaver: Palaver) -> None:
    amal = await onboarded(fake_api, "Amal")
    amal.send("/start")
    await amal.expect_message("Welcome back,")
    assert len(await rows(palaver, select(Person))) == 1


async def test_language_can_be_changed_any_time(fake_api: FakeBotApi, palaver: Palaver) -> None:
    amal = await onboarded(fake_api, "Amal")
    amal.send("/language")
    await amal.expect_message("Which language")
    amal.press("Українська")
    await amal.expect_message("Готово")
    amal.send("/help")
    await amal.expect_message("/language")
    help_text = amal.last_message.text or ""
    assert "Palaver допомагає" in help_text


async def test_help_works_before_and_after_consent(fake_api: FakeBotApi, palaver: Palaver) -> None:
    stranger = fake_api.user(first_name="Ira", language_code="en")
    stranger.send("/help")
    await stranger.expect_message("Palaver helps people")
    assert await person_row(palaver, stranger.id) is None


async def test_sticker_photo_and_unknown_command_get_a_friendly_answer(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal = await onboarded(fake_api, "Amal")
    amal.send_sticker()
    await amal.expect_message("I can only read text messages")
    amal.send_photo()
    await amal.expect_message("I can only read text messages")
    amal.send("/dance now")
    await amal.expect_message("I don't know the command /dance")
    amal.send("hello?")
    await amal.expect_message("No question is waiting")


async def test_ten_thousand_characters_get_an_answer_not_a_crash(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal = await onboarded(fake_api, "Amal")
    amal.send("x" * 4096)
    await amal.expect_message("No question is waiting")


async def test_forged_button_data_is_refused_politely(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal = await onboarded(fake_api, "Amal")
    for forged in ("language:xx", "admin:grant", "consent", "💥"):
        query_id = amal.press_data(forged)
        answer = await amal.expect_callback_answer(query_id)
        assert answer.params.get("text"), forged
    person = await person_row(palaver, amal.id)
    assert person is not None and person.language == "en"


async def test_pressing_accept_twice_is_harmless(fake_api: FakeBotApi, palaver: Palaver) -> None:
    amal = fake_api.user(first_name="Amal", language_code="en")
    amal.send("/start")
    await amal.expect_message("Which language")
    amal.press("English")
    consent = await amal.expect_message("what Palaver keeps")
    amal.press("Accept", consent)
    await amal.expect_message("Welcome,")
    second = amal.press_data("consent:accept", consent)
    answer = await amal.expect_callback_answer(second)
    assert "already agreed" in answer.params["text"]
    audit = await rows(palaver, select(AuditEntry))
    assert [entry.action for entry in audit] == ["consent.given"]


async def test_edited_messages_do_not_trigger_commands(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal = await onboarded(fake_api, "Amal")
    message_id = amal.send("hello")
    await amal.expect_message("No question is waiting")
    amal.edit(message_id, "/start")
    await settle(fake_api, palaver)
    await amal.expect_no_message()


def palaver_consent_version(palaver: Palaver) -> str:
    from bot.config import Settings

    return Settings.model_fields["consent_version"].default  # type: ignore[no-any-return]


async def test_a_changed_consent_text_asks_again(fake_api: FakeBotApi, settings: Settings) -> None:
    first = build_palaver(settings.model_copy(update={"consent_version": "2026-11"}))
    await first.start()
    try:
        amal = await onboarded(fake_api, "Amal")
    finally:
        await first.stop()

    second = build_palaver(settings.model_copy(update={"consent_version": "2027-01"}))
    await second.start()
    try:
        amal.send("I have something to say")
        consent = await amal.expect_message("what Palaver keeps about you")
        assert "/forget" in (consent.text or "")
        amal.press("Accept", consent)
        await amal.expect_message("Welcome,")
        person = await person_row(second, amal.id)
        assert person is not None and person.consent_version == "2027-01"
    finally:
        await second.stop()
