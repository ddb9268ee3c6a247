"""Logs never contain the bot token or what participants wrote."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.logs import RedactingFilter, configure_logging
from bot.telegram.application import Palaver
from tests.conftest import TEST_TOKEN
from tests.fakebot import FakeBotApi

SECRET_WORDS = "the checkpoint near my aunt's house"


@pytest.fixture
def debug_logging() -> Iterator[io.StringIO]:
    """Palaver's own logging configuration at DEBUG, writing into a buffer."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging("DEBUG", secrets=[TEST_TOKEN])
    buffer = io.StringIO()
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(buffer)
    yield buffer
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


async def test_a_whole_journey_logs_no_token_and_no_message_text(
    debug_logging: io.StringIO, fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal = fake_api.user(first_name="Amal", language_code="en")
    amal.send("/start")
    await amal.expect_message("Which language")
    amal.press("English")
    await amal.expect_message("what Palaver keeps")
    amal.press("Accept")
    await amal.expect_message("Welcome,")
    amal.send(SECRET_WORDS)
    await amal.expect_message("No question is waiting")
    fake_api.fail_next("sendMessage", error_code=500, description="Internal Server Error")
    amal.send(SECRET_WORDS + " again")
    await amal.expect_message("Sorry, something went wrong")

    logged = debug_logging.getvalue()
    assert "handling update" in logged, "the failure was not logged at all"
    assert TEST_TOKEN not in logged
    assert TEST_TOKEN.split(":")[1] not in logged
    assert SECRET_WORDS not in logged
    assert "Amal" not in logged


def test_redaction_catches_token_shaped_strings_in_urls() -> None:
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "POST %s", (f"http://x/bot{TEST_TOKEN}/getMe",), None
    )
    RedactingFilter().filter(record)
    assert TEST_TOKEN not in record.getMessage()
    assert "<token>" in record.getMessage()
