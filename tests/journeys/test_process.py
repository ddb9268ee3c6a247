"""`palaver run` as a real process: serves people, then stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_TOKEN
from tests.fakebot import FakeBotApi

pytestmark = pytest.mark.slow
STARTUP_SECONDS = 60


def palaver_command() -> list[str]:
    script = Path(sys.executable).parent / "palaver"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


async def test_palaver_run_answers_start_and_exits_cleanly_on_sigterm(
    fake_api: FakeBotApi, empty_database_url: str, tmp_path: Path
) -> None:
    environment = {
        **os.environ,
        "PALAVER_TELEGRAM_TOKEN": TEST_TOKEN,
        "PALAVER_DATABASE_URL": empty_database_url,
        "PALAVER_BOT_API_URL": fake_api.url,
        "PALAVER_LOG_LEVEL": "DEBUG",
    }
    process = await asyncio.create_subprocess_exec(
        *palaver_command(),
        "run",
        cwd=tmp_path,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake_api.wait_until_polling(timeout=STARTUP_SECONDS)
        amal = fake_api.user(first_name="Amal", language_code="en")
        amal.send("/start my secret words")
        await amal.expect_message("Which language", timeout=STARTUP_SECONDS)
        amal.press("English")
        await amal.expect_message("what Palaver keeps", timeout=STARTUP_SECONDS)

        process.send_signal(signal.SIGTERM)
        _stdout, stderr_bytes = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    stderr = stderr_bytes.decode()
    assert process.returncode == 0, stderr
    assert "database connections closed" in stderr
    assert "Palaver stopped" in stderr
    assert "Traceback" not in stderr
    assert TEST_TOKEN not in stderr
    assert TEST_TOKEN.split(":")[1] not in stderr
    assert "my secret words" not in stderr
    assert fake_api.calls_to("setMyCommands"), "command menus were not registered"
