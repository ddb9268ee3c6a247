"""Optional machine translation of relayed words: original first, translation marked."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs
from bot.i18n.machine_translation import (
    LibreTranslateProvider,
    MachineTranslationError,
    MachineTranslator,
    NoMachineTranslation,
    machine_translator_from,
    translate_relayed,
)
from bot.i18n.translator import FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE
from tests.i18n.fake_libretranslate import FakeLibreTranslate, fake_libretranslate

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")
STORY = "My grandmother kept a garden by the river."


@pytest.fixture
async def server() -> AsyncIterator[FakeLibreTranslate]:
    async with fake_libretranslate() as fake:
        yield fake


async def test_libretranslate_translates_plain_text(server: FakeLibreTranslate) -> None:
    provider = LibreTranslateProvider(server.url, api_key="secret")
    assert await provider.translate(STORY, "en", "uk-UA") == f"[uk] {STORY}"
    assert server.requests == [
        {"q": STORY, "source": "en", "target": "uk", "format": "text", "api_key": "secret"}
    ]


async def test_no_api_key_is_sent_when_none_is_set(server: FakeLibreTranslate) -> None:
    await LibreTranslateProvider(server.url).translate(STORY, "en", "fr")
    assert "api_key" not in server.requests[0]


async def test_a_server_error_is_a_clear_exception(server: FakeLibreTranslate) -> None:
    server.status, server.error = 500, "model not loaded"
    with pytest.raises(MachineTranslationError, match="answered 500: model not loaded"):
        await LibreTranslateProvider(server.url).translate(STORY, "en", "ar")


async def test_a_refused_key_says_which_setting_to_check(server: FakeLibreTranslate) -> None:
    server.api_key = "right"
    with pytest.raises(MachineTranslationError, match="PALAVER_MACHINE_TRANSLATION_API_KEY"):
        await LibreTranslateProvider(server.url, api_key="wrong").translate(STORY, "en", "he")


async def test_an_unreachable_server_says_which_setting_to_check() -> None:
    provider = LibreTranslateProvider("http://127.0.0.1:9", timeout=2)  # nothing listens there
    with pytest.raises(MachineTranslationError, match="PALAVER_MACHINE_TRANSLATION_URL"):
        await provider.translate(STORY, "en", "he")


async def test_the_original_is_shown_above_the_marked_translation(
    server: FakeLibreTranslate,
) -> None:
    reader = CATALOGS.translator("fr")
    text = await translate_relayed(STORY, "en", reader, LibreTranslateProvider(server.url))
    original, label_and_translation = text.split("\n\n", 1)
    label, translation = label_and_translation.split("\n", 1)
    assert original == STORY
    assert label == "Traduction automatique, langue d'origine : anglais (elle peut être inexacte) :"
    assert translation == f"[fr] {STORY}"


async def test_the_label_is_isolated_for_right_to_left_readers(
    server: FakeLibreTranslate,
) -> None:
    reader = CATALOGS.translator("ar")
    text = await translate_relayed(STORY, "en", reader, LibreTranslateProvider(server.url))
    assert text.startswith(STORY + "\n\nترجمة آلية")
    assert f"{FIRST_STRONG_ISOLATE}الإنجليزية{POP_DIRECTIONAL_ISOLATE}" in text


async def test_same_language_is_not_sent_for_translation(server: FakeLibreTranslate) -> None:
    reader = CATALOGS.translator("uk")
    text = await translate_relayed("Привіт", "uk-UA", reader, LibreTranslateProvider(server.url))
    assert text == "Привіт"
    assert server.requests == []


async def test_a_failing_service_still_delivers_the_original(
    server: FakeLibreTranslate, caplog: pytest.LogCaptureFixture
) -> None:
    server.status, server.error = 503, "busy"
    reader = CATALOGS.translator("he")
    text = await translate_relayed(STORY, "en", reader, LibreTranslateProvider(server.url))
    assert text == STORY
    assert "machine translation failed" in caplog.text
    assert STORY not in caplog.text  # participants' words never reach the logs


async def test_machine_translation_is_off_by_default() -> None:
    translator: MachineTranslator = machine_translator_from(None, None)
    assert isinstance(translator, NoMachineTranslation)
    assert isinstance(machine_translator_from("  ", "key"), NoMachineTranslation)
    reader = CATALOGS.translator("fr")
    assert await translate_relayed(STORY, "en", reader, translator) == STORY


def test_the_factory_builds_libretranslate_from_a_url() -> None:
    provider = machine_translator_from("https://translate.example.org/", "k")
    assert isinstance(provider, LibreTranslateProvider)
    assert provider.url == "https://translate.example.org"
    with pytest.raises(ValueError, match="PALAVER_MACHINE_TRANSLATION_URL must be an http"):
        machine_translator_from("translate.example.org", None)
