"""Start and stop a whole sandbox: database, local Bot API, Palaver, prepared program, page."""

from __future__ import annotations

import ipaddress
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from bot.config import Settings
from bot.sandbox.hub import Sandbox, SandboxError
from bot.sandbox.scenarios import SCENARIOS, prepare_program, run_scenario
from bot.sandbox.web import sandbox_app

log = logging.getLogger(__name__)

DEFAULT_PORT = 8080
DEFAULT_HOST = "127.0.0.1"


class NotLoopback(SandboxError):
    """The sandbox was asked to listen beyond this machine without --allow-remote."""


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable only from this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_host(host: str, *, allow_remote: bool) -> None:
    """Refuse a non-loopback `host` unless `allow_remote`; warn when it is allowed."""
    if is_loopback(host):
        return
    if not allow_remote:
        raise NotLoopback(
            f"The sandbox listens on 127.0.0.1 only: its page and API let anyone act as any "
            f"simulated person. To listen on {host} anyway, add --allow-remote."
        )
    log.warning(
        "the sandbox listens on %s: anyone who can reach it can act as any simulated person",
        host,
    )


@dataclass
class SandboxServer:
    """The sandbox and its page, on `host:port` (port 0: any free port)."""

    settings: Settings
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    database_url: str | None = None
    scenario: str | None = None
    allow_remote: bool = False
    sandbox: Sandbox = field(init=False)
    _runner: web.AppRunner | None = None
    _scratch: tempfile.TemporaryDirectory[str] | None = None

    async def start(self) -> str:
        """Start everything, prepare the program (and scenario); return the page's URL."""
        check_host(self.host, allow_remote=self.allow_remote)
        if self.scenario is not None and self.scenario not in SCENARIOS:
            raise SandboxError(
                f"no scenario {self.scenario!r}; there are: {', '.join(sorted(SCENARIOS))}"
            )
        database_url = self.database_url
        if database_url is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="palaver-sandbox-")
            database_url = f"sqlite:///{Path(self._scratch.name) / 'sandbox.db'}"
        self.sandbox = Sandbox(self.settings.model_copy(update={"database_url": database_url}))
        try:
            await self.sandbox.start()
            await prepare_program(self.sandbox)
            if self.scenario is not None:
                await run_scenario(self.sandbox, self.scenario)
            self._runner = web.AppRunner(
                sandbox_app(self.sandbox),
                handle_signals=False,
                access_log=None,
                # Open event streams must not hold the shutdown up.
                shutdown_timeout=0.5,
                handler_cancellation=True,
            )
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.host, self.port)
            await site.start()
        except BaseException:
            await self.stop()
            raise
        sockets = getattr(site._server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]
        return self.url

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    async def stop(self) -> None:
        """Close the page, stop Palaver and the local Bot API, remove the throwaway database."""
        try:
            if self._runner is not None:
                await self._runner.cleanup()
                self._runner = None
            if hasattr(self, "sandbox"):
                await self.sandbox.stop()
        finally:
            if self._scratch is not None:
                self._scratch.cleanup()
                self._scratch = None
