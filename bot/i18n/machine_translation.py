"""Optional machine translation of what participants relay to each other.

Off by default. When an organisation runs a LibreTranslate server (or uses a compatible
service), partners who write in different languages can read each other with a machine
translation shown *under* the original words, clearly marked, never instead of them.

Participants' words never reach the logs, not even when translation fails.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

import httpx
from babel import Locale, UnknownLocaleError

from bot.i18n.translator import N_, Translator

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
MACHINE_TRANSLATION_LABEL = N_("Machine translation from {language} (it may be inexact):")


class MachineTranslationError(Exception):
    """The translation service could not translate; the message says why and what to check."""


@runtime_checkable
class MachineTranslator(Protocol):
    """Something that translates a text between two languages (ISO 639-1 codes)."""

    async def translate(self, text: str, source: str, target: str) -> str:
        """`text` in `target`; MachineTranslationError when it cannot."""
        ...


class NoMachineTranslation:
    """The default: no machine translation; texts stay as their authors wrote them."""

    async def translate(self, text: str, source: str, target: str) -> str:
        return text


class LibreTranslateProvider:
    """A LibreTranslate-compatible HTTP service: POST {url}/translate."""

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._api_key = api_key or None
        self._timeout = timeout
        self._client = client

    async def translate(self, text: str, source: str, target: str) -> str:
        payload = {
            "q": text,
            "source": _base_language(source),
            "target": _base_language(target),
            "format": "text",
        }
        if self._api_key:
            payload["api_key"] = self._api_key
        endpoint = f"{self.url}/translate"
        try:
            if self._client is not None:
                response = await self._client.post(endpoint, json=payload, timeout=self._timeout)
            else:
                async with httpx.AsyncClient(timeout=self._timeout) as client:
                    response = await client.post(endpoint, json=payload)
        except httpx.TimeoutException:
            raise MachineTranslationError(
                f"the translation service at {self.url} did not answer within "
                f"{self._timeout:g} seconds; check it is running and reachable"
            ) from None
        except httpx.HTTPError as error:
            raise MachineTranslationError(
                f"cannot reach the translation service at {self.url} ({type(error).__name__}); "
                "check PALAVER_MACHINE_TRANSLATION_URL"
            ) from None
        return self._translated_text(response)

    def _translated_text(self, response: httpx.Response) -> str:
        if response.status_code in (401, 403):
            raise MachineTranslationError(
                f"the translation service at {self.url} refused the request "
                f"({response.status_code}: {_error_detail(response)}); "
                "check PALAVER_MACHINE_TRANSLATION_API_KEY"
            )
        if response.status_code == 429:
            raise MachineTranslationError(
                f"the translation service at {self.url} says too many requests; "
                "raise its limits or try again later"
            )
        if response.status_code != 200:
            raise MachineTranslationError(
                f"the translation service at {self.url} answered {response.status_code}: "
                f"{_error_detail(response)}"
            )
        try:
            translated = response.json().get("translatedText")
        except (ValueError, AttributeError):
            translated = None
        if not isinstance(translated, str):
            raise MachineTranslationError(
                f"the translation service at {self.url} answered without a translatedText; "
                "is it a LibreTranslate-compatible service?"
            )
        return translated


def machine_translator_from(url: str | None, api_key: str | None) -> MachineTranslator:
    """The translator the settings ask for: LibreTranslate at `url`, or none when unset."""
    if url is None or not url.strip():
        return NoMachineTranslation()
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"PALAVER_MACHINE_TRANSLATION_URL must be an http(s) URL such as "
            f"https://translate.example.org, not {url!r}"
        )
    return LibreTranslateProvider(url.strip(), api_key)


def format_machine_translation(
    reader: Translator, original: str, translation: str, source_language: str
) -> str:
    """The original words, then the translation under a label saying it is a machine's."""
    label = reader.gettext(
        MACHINE_TRANSLATION_LABEL, language=_language_name(source_language, reader)
    )
    return f"{original}\n\n{label}\n{translation}"


async def translate_relayed(
    text: str,
    source_language: str,
    reader: Translator,
    machine_translator: MachineTranslator,
) -> str:
    """What a partner reading in `reader`'s language sees of `text`.

    The text as written when machine translation is off, the languages are the same, or the
    service fails (logged, without the text: the words still arrive); otherwise the original
    with the marked machine translation under it.
    """
    if isinstance(machine_translator, NoMachineTranslation):
        return text
    if _base_language(source_language) == _base_language(reader.language):
        return text
    try:
        translation = await machine_translator.translate(text, source_language, reader.language)
    except MachineTranslationError as error:
        log.warning("machine translation failed, relaying the original only: %s", error)
        return text
    return format_machine_translation(reader, text, translation, source_language)


def _base_language(code: str) -> str:
    return code.replace("_", "-").split("-", 1)[0].lower()


def _language_name(code: str, reader: Translator) -> str:
    """The language's name in the reader's language ("ukrainien" for a French reader)."""
    try:
        return Locale.parse(_base_language(code)).get_display_name(reader.locale) or code
    except (ValueError, UnknownLocaleError):
        return code


def _error_detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("error")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, str) and detail:
        return detail[:200]
    return response.text[:200] or response.reason_phrase
