"""Palaver's HTTP backend for python-telegram-bot: the Bot API over aiohttp.

PTB's default backend (``HTTPXRequest``) spends a large share of a busy Palaver's CPU in
httpx and httpcore; aiohttp, already what the local Bot API is built on, does the same
exchange for much less (measure it with ``python -m bench.bot_api_requests``).
"""

from __future__ import annotations

import json
import re
from typing import IO

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.logs import RedactingFilter

_JSON = "application/json"
# The path segment a Bot API URL carries the token in: .../bot<token>/<method>.
_TOKEN_IN_URL = re.compile(r"/(?:file/)?bot([^/]+)/")


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` over one ``aiohttp.ClientSession``, for ``ApplicationBuilder.request``.

    It sends the parameters HTTPXRequest sends, as one JSON document (``application/json``)
    without files and as ``multipart/form-data`` with them.

    PTB's four timeouts (seconds; ``None`` waits forever) map onto ``aiohttp.ClientTimeout``:

    - ``connect_timeout`` → ``sock_connect``: opening a new connection;
    - ``pool_timeout`` + ``connect_timeout`` → ``connect``: aiohttp times waiting for a free
      connection and opening it as one span;
    - ``read_timeout`` → ``sock_read``: the longest wait for the next bytes of the answer,
      counted from when the request has been sent (as in httpx);
    - ``write_timeout``: aiohttp has no timeout for sending alone, so the whole exchange is
      bounded by ``total`` = the sum of all four. A stalled upload ends after at most that.

    A timeout raises ``telegram.error.TimedOut``; any other failure to talk to the server
    ``telegram.error.NetworkError``; neither's message contains the bot token. Answers with
    an error status are returned as they are: PTB turns them into its own errors.
    """

    __slots__ = ("_defaults", "_media_write_timeout", "_pool_size", "_session", "_timeouts")

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        """Defaults as ``HTTPXRequest``'s; ``media_write_timeout`` replaces ``write_timeout``
        for requests that upload files."""
        self._pool_size = connection_pool_size
        self._defaults = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        # A handful of distinct combinations in practice; built once each, not per request.
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout in seconds (PTB adds getUpdates' long poll to it)."""
        return self._defaults[0]

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                # The Bot API's URLs are used as PTB builds them; no cookies to keep.
                cookie_jar=aiohttp.DummyCookieJar(),
                raise_for_status=False,
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; the answer's status code and body."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        uploads = request_data is not None and request_data.contains_files
        default_read, default_write, default_connect, default_pool = self._defaults
        if uploads:
            default_write = self._media_write_timeout
        timeout = self._timeout(
            default_read if isinstance(read_timeout, DefaultValue) else read_timeout,
            default_write if isinstance(write_timeout, DefaultValue) else write_timeout,
            default_connect if isinstance(connect_timeout, DefaultValue) else connect_timeout,
            default_pool if isinstance(pool_timeout, DefaultValue) else pool_timeout,
        )
        body: bytes | aiohttp.FormData | None = None
        headers: dict[str, str] | None = None
        if request_data is not None:
            if uploads:
                body = _multipart(request_data)
            elif parameters := request_data.parameters:
                # One JSON document, as the Bot API also takes: a fifth of the CPU of encoding
                # each value as JSON and then the lot as a form (PTB's way).
                body = json.dumps(parameters).encode()
                headers = {"Content-Type": _JSON}
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError:
            raise TimedOut(
                "Timed out waiting for a free connection to the Bot API or opening one; the "
                "request was not sent. A larger connection pool or pool timeout may help."
            ) from None
        except TimeoutError:  # aiohttp's timeouts (and asyncio's, from 3.11) are TimeoutErrors
            raise TimedOut(
                "Timed out talking to the Bot API (the request may or may not have arrived)."
            ) from None
        except aiohttp.ClientError as error:
            # Not chained: aiohttp's errors may quote the URL, and the URL holds the token.
            raise NetworkError(
                f"aiohttp.{type(error).__name__}: {_without_token(str(error), url)}"
            ) from None

    def _timeout(
        self,
        read: float | None,
        write: float | None,
        connect: float | None,
        pool: float | None,
    ) -> aiohttp.ClientTimeout:
        key = (read, write, connect, pool)
        timeout = self._timeouts.get(key)
        if timeout is None:
            unbounded = read is None or write is None or connect is None or pool is None
            timeout = aiohttp.ClientTimeout(
                total=None if unbounded else sum(span or 0 for span in key),
                connect=None if connect is None or pool is None else connect + pool,
                sock_connect=connect,
                sock_read=read,
            )
            self._timeouts[key] = timeout
        return timeout


def _multipart(request_data: RequestData) -> aiohttp.FormData:
    """Parameters as form fields, then each file as its own part (what httpx sends)."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        payload: bytes | IO[bytes] = content
        form.add_field(name, payload, filename=filename, content_type=mimetype)
    return form


def _without_token(text: str, url: str) -> str:
    found = _TOKEN_IN_URL.search(url)
    return RedactingFilter([found.group(1)] if found else []).redact(text)
