"""`palaver sandbox`: the real bot against a local Bot API, with simulated people in a browser."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import webbrowser

import click

from bot.config import ConfigurationError, load_settings
from bot.logs import configure_logging
from bot.sandbox.hub import SandboxError
from bot.sandbox.scenarios import SCENARIOS
from bot.sandbox.server import DEFAULT_HOST, DEFAULT_PORT, SandboxServer


class SandboxCliError(click.ClickException):
    """A one-line error for the person starting the sandbox, printed without a traceback."""

    def format_message(self) -> str:
        return self.message


@click.command()
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="Port of the page.")
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    help="Address to listen on; only loopback addresses unless --allow-remote.",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Listen on a non-loopback --host (anyone who reaches it can act as anyone).",
)
@click.option(
    "--db",
    "database_url",
    metavar="URL",
    help="Keep the sandbox in this database instead of a throwaway SQLite file.",
)
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
@click.option(
    "--scenario",
    type=click.Choice(sorted(SCENARIOS)),
    help="Start with people already joined and partway through this flow.",
)
def sandbox(
    port: int,
    host: str,
    allow_remote: bool,
    database_url: str | None,
    no_browser: bool,
    scenario: str | None,
) -> None:
    """Try Palaver without Telegram: the real bot, a local Bot API and phones in a browser.

    No token is needed and nothing leaves this machine. An organizer, a facilitator and four
    participants of two communities (English, Arabic, Hebrew) are ready on the page; the
    organizer has already created a program and its invite links. Jump the clock to
    rehearse reminders and follow-ups. The JSON API beside the page (see
    bot/sandbox/web.py) lets a script do what the page does.
    """
    try:
        settings = load_settings()
    except ConfigurationError as error:
        raise SandboxCliError(str(error)) from None
    configure_logging(settings.log_level)
    server = SandboxServer(
        settings,
        host=host,
        port=port,
        database_url=database_url,
        scenario=scenario,
        allow_remote=allow_remote,
    )
    try:
        asyncio.run(_serve(server, open_browser=not no_browser))
    except SandboxError as error:
        raise SandboxCliError(str(error)) from None
    except OSError as error:
        raise SandboxCliError(
            f"Could not listen on {host}:{port} ({error.strerror or error}). "
            "Is another sandbox running? Try --port 8081."
        ) from None


def _has_a_desktop() -> bool:
    """Whether a graphical browser can open; a terminal browser would take over the console."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


async def _serve(server: SandboxServer, *, open_browser: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, stop.set)
    click.echo("Starting the sandbox: the organizer is setting up a program…")
    url = await server.start()
    try:
        click.echo(f"The sandbox is ready at {url} (Ctrl+C to stop).")
        if open_browser and _has_a_desktop():
            # A browser may take a moment to start; the sandbox keeps serving meanwhile.
            await asyncio.to_thread(webbrowser.open, url)
        elif open_browser:
            click.echo(f"Open {url} in a browser on this machine.")
        await stop.wait()
    finally:
        await server.stop()
    kept = f" Its data stays in {server.database_url}." if server.database_url else ""
    click.echo(f"The sandbox stopped.{kept}")
