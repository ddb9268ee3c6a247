"""A fake LibreTranslate server on 127.0.0.1: POST /translate, answers set per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeLibreTranslate:
    """Records each request; translates by prefixing the target language, unless told to fail."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    error: str = ""
    api_key: str | None = None
    hold: asyncio.Event | None = None
    """While set to an unset Event, requests wait (a hung server); `arrived` tells when."""
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def translate(self, request: web.Request) -> web.Response:
        payload = await request.json()
        self.requests.append(payload)
        self.arrived.set()
        if self.hold is not None:
            await self.hold.wait()
        if self.api_key is not None and payload.get("api_key") != self.api_key:
            return web.json_response({"error": "Invalid API key"}, status=403)
        if self.status != 200:
            return web.json_response({"error": self.error}, status=self.status)
        return web.json_response({"translatedText": f"[{payload['target']}] {payload['q']}"})


@asynccontextmanager
async def fake_libretranslate() -> AsyncIterator[FakeLibreTranslate]:
    fake = FakeLibreTranslate()
    app = web.Application()
    app.router.add_post("/translate", fake.translate)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    sockets = site._server.sockets if site._server else []  # aiohttp has no public accessor
    fake.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
    try:
        yield fake
    finally:
        await runner.cleanup()
