"""Languages end to end: switching mid-flow, right-to-left isolates, machine translation."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from bot.config import Settings
from bot.storage.tables import Answer
from bot.telegram.application import Palaver, build_palaver
from tests.fakebot import FakeBotApi, FakeUser
from tests.i18n.fake_libretranslate import FakeLibreTranslate, fake_libretranslate
from tests.journeys.test_exchange import a_member, a_program, paired
from tests.support import onboarded, person_row, rows

ARABIC = re.compile(r"[\u0600-\u06FF]")
FSI, PDI = "\u2068", "\u2069"


async def test_switching_to_arabic_mid_flow_changes_the_next_prompt(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, _yael = await paired(fake_api, palaver)
    await amal.expect_message("How warm or cold")

    amal.send("/language")
    await amal.expect_message("Which language")
    amal.press("العربية")
    await amal.expect_message()
    amal.send("70")
    next_prompt = await amal.expect_message()
    assert ARABIC.search(next_prompt.text or ""), next_prompt.text
    assert all(ARABIC.search(label) or label.isdigit() for label in next_prompt.button_texts)


async def test_latin_pseudonym_in_arabic_text_is_isolated(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    huda = fake_api.user(first_name="Huda", language_code="ar")
    huda.send("/start")
    await huda.expect_message()
    huda.press("العربية")
    consent = await huda.expect_message("/forget")
    assert ARABIC.search(consent.text or "")
    huda.press(consent.button_texts[0], consent)
    await huda.expect_message()  # the consent question, now marked as answered
    welcome = await huda.expect_message()
    person = await person_row(palaver, huda.id)
    assert person is not None and person.pseudonym
    assert f"{FSI}{person.pseudonym}{PDI}" in (welcome.text or "")


@pytest.fixture
async def translator_server() -> AsyncIterator[FakeLibreTranslate]:
    async with fake_libretranslate() as server:
        yield server


@pytest.fixture
async def palaver_translating(
    settings: Settings, translator_server: FakeLibreTranslate
) -> AsyncIterator[Palaver]:
    running = build_palaver(
        settings.model_copy(update={"machine_translation_url": translator_server.url})
    )
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def english_and_ukrainian_partners_at_introductions(
    fake_api: FakeBotApi, palaver: Palaver
) -> tuple[FakeUser, FakeUser]:
    """Amal (English) and Olena (Ukrainian), paired and past the private questions."""
    program = await a_program(palaver.database)
    amal = await a_member(fake_api, palaver, program, "east", first_name="Amal")
    olena = await a_member(fake_api, palaver, program, "west", first_name="Olena")
    async with palaver.database.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(olena.id)
        assert person is not None
        person.language = "uk"
        await uow.commit()
    amal.send("/partner")
    await amal.expect_message("looking for a partner")
    olena.send("/partner")
    for user in (amal, olena):
        await user.expect_message()
        user.send("/skip")
        user.send("/skip")
    await amal.expect_message("Let's start with introductions")
    return amal, olena


async def test_partners_in_different_languages_see_original_and_machine_translation(
    fake_api: FakeBotApi, palaver_translating: Palaver, translator_server: FakeLibreTranslate
) -> None:
    palaver = palaver_translating
    amal, olena = await english_and_ukrainian_partners_at_introductions(fake_api, palaver)
    amal.send("I play the oud.")
    olena.send("Я пеку хліб.")
    shown = await olena.expect_message("I play the oud.")
    assert "[uk] I play the oud." in (shown.text or "")
    assert ARABIC.search(shown.text or "") is None
    # Both partners' words are released by one step and translated as they leave, in
    # either order: find Amal's request by its words.
    [amal_words] = [r for r in translator_server.requests if r["q"] == "I play the oud."]
    assert amal_words["source"] == "en"


async def test_a_hung_translation_service_holds_no_lock_and_others_are_answered(
    fake_api: FakeBotApi, palaver_translating: Palaver, translator_server: FakeLibreTranslate
) -> None:
    """Translation happens when the message is sent, after the change is committed: while the
    service hangs, the words are saved and everyone else is served."""
    palaver = palaver_translating
    amal, olena = await english_and_ukrainian_partners_at_introductions(fake_api, palaver)
    olena.send("Я пеку хліб.")
    await olena.expect_message("Це передано")

    translator_server.hold = asyncio.Event()
    translator_server.arrived.clear()
    amal.send("I play the oud.")
    await asyncio.wait_for(translator_server.arrived.wait(), timeout=5)
    # The step is already committed: Amal's words are kept while the translation hangs ...
    answers = await rows(palaver, select(Answer).where(col(Answer.key) == "intro"))
    assert "I play the oud." in [answer.value for answer in answers]
    # ... and the database is free for everyone else.
    newcomer = await onboarded(fake_api, "Lin")
    newcomer.send("/help")
    await newcomer.expect_message()
    translator_server.hold.set()
    shown = await olena.expect_message("I play the oud.")
    assert "[uk] I play the oud." in (shown.text or "")
    requests_for_amal = [r for r in translator_server.requests if r["q"] == "I play the oud."]
    assert len(requests_for_amal) == 1, "translated once"
