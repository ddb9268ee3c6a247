"""``LocalBotApi``: an in-process implementation of the Telegram Bot API HTTP server.

The real PTB ``Application`` (or a ``palaver run`` subprocess) talks to it over TCP on
127.0.0.1 using ``base_url=f"{api.url}/bot"`` and ``base_file_url=f"{api.url}/file/bot"``.
Tests and the sandbox drive people (:class:`SimulatedUser`, :class:`SimulatedGroup`), who
inject updates and observe what the bot sent.  Waiting is event-driven (no polling sleeps).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from bot.clock import Clock, system_clock

from .actors import SimulatedGroup, SimulatedUser, member_json
from .encoding import (
    JSON_FIELDS,
    EntityParseError,
    coerce_param,
    parse_formatted,
    utf16_len,
)
from .models import ApiCall, Button, MessageEvent, SentMessage, UploadedFile
from .rate_audit import TELEGRAM_SENDING_LIMITS, RateAudit, SendingAuditor, SendingLimits
from .spec import ParameterProblem, check_parameters

__all__ = ["DEFAULT_TOKEN", "LocalBotApi", "TelegramApiError"]

REFUSED_AS_NOT_THE_BOT_API = "refused: not Telegram's Bot API"
"""The note on a call refused because its parameters do not match Telegram's definition."""
DEFAULT_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
_T = TypeVar("_T")
JSON = dict[str, Any]
Handler = Callable[[JSON, dict[str, UploadedFile]], Awaitable[Any]]

# Update types Telegram delivers when allowed_updates was never set (or set to []).
_NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_MEDIA_KINDS = (
    "photo",
    "document",
    "voice",
    "audio",
    "video",
    "animation",
    "sticker",
    "video_note",
)
_COPYABLE_FIELDS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    *_MEDIA_KINDS,
    "location",
    "contact",
    "venue",
    "dice",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "callback_game",
    "pay",
    "copy_text",
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
CALLBACK_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)


class TelegramApiError(Exception):
    """Raised inside handlers; becomes an ``{"ok": false, ...}`` response."""

    def __init__(
        self, description: str, error_code: int = 400, parameters: JSON | None = None
    ) -> None:
        super().__init__(description)
        self.description = description
        self.error_code = error_code
        self.parameters = parameters

    def to_json(self) -> JSON:
        """The Bot API error body."""
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> TelegramApiError:
    return TelegramApiError(f"Bad Request: {description}")


@dataclass(slots=True)
class _Fault:
    method: str
    error: TelegramApiError
    times: int
    chat_id: int | str | None


@dataclass(slots=True)
class _Delay:
    method: str
    seconds: float
    times: int
    chat_id: int | str | None


@dataclass(slots=True)
class _CallbackQuery:
    query_id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    answered: bool = False


def _update_type(update: JSON) -> str:
    return next((key for key in update if key != "update_id"), "unknown")


def _normalize_markup(markup: Any) -> Any:
    """Inline keyboard as Telegram would echo it back (used for "not modified" checks)."""
    if not isinstance(markup, dict) or not markup.get("inline_keyboard"):
        return None
    return json.loads(json.dumps({"inline_keyboard": markup["inline_keyboard"]}, sort_keys=True))


class LocalBotApi:
    """A local Telegram Bot API server bound to ``127.0.0.1:<ephemeral port>``.

    Use ``async with LocalBotApi() as api:`` or ``await api.start()`` / ``await api.stop()``.
    Configure the bot with ``base_url=f"{api.url}/bot"`` and
    ``base_file_url=f"{api.url}/file/bot"``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "palaver_test_bot",
        *,
        bot_first_name: str = "Palaver",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock = system_clock,
        sending_limits: SendingLimits = TELEGRAM_SENDING_LIMITS,
    ) -> None:
        self.token = token
        self.clock = clock
        self.bot_username = bot_username
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: JSON = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.host = host
        self._requested_port = port
        self.port: int | None = None

        self.calls: list[ApiCall] = []
        """Every request, in completion order."""
        self.sent: list[SentMessage] = []
        """Every message the bot created (all chats), in order."""
        self.dropped_updates: list[JSON] = []
        """Injected updates Telegram would not deliver (type not in ``allowed_updates``)."""
        self.settings: dict[str, Any] = {}
        """Values set via setMyDescription/setMyShortDescription/setMyName/setChatMenuButton."""
        self.webhook_url = ""
        self.revision = 0
        """Grows whenever a message is stored, edited or deleted (what a chat view shows)."""
        self._sending_audit = SendingAuditor(sending_limits)

        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._refusing = False
        self._closing = False
        self._changed = asyncio.Event()

        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self.active_polls = 0
        """getUpdates requests currently waiting (long polling)."""

        self._chats: dict[int, JSON] = {}
        self._known_chats: set[int] = set()
        self.users: dict[int, SimulatedUser] = {}
        self.groups: dict[int, SimulatedGroup] = {}
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(1)
        self._last_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JSON] = {}
        self._deleted: set[tuple[int, int]] = set()
        self._sent_index: dict[tuple[int, int], SentMessage] = {}
        self._sent_by_chat: dict[int, list[SentMessage]] = {}
        self._events_by_chat: dict[int, list[MessageEvent]] = {}
        self._files: dict[str, UploadedFile] = {}
        self._file_ids = itertools.count(1)
        self._callback_queries: dict[str, _CallbackQuery] = {}
        self._callback_ids = itertools.count(1)
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._faults: list[_Fault] = []
        self._delays: list[_Delay] = []
        self.held_calls = 0
        """Calls being held back by :meth:`delay_next` right now."""
        self._consumed_calls: set[int] = set()

        self._handlers: dict[str, tuple[str, Handler]] = {}
        for name, handler in self._handler_table().items():
            self._handlers[name.lower()] = (name, handler)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> LocalBotApi:
        """Bind to ``host`` on a free port and start serving."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(
            app,
            handle_signals=False,
            shutdown_timeout=0.5,
            handler_cancellation=True,
            access_log=None,
        )
        await self._runner.setup()
        self._closing = False
        await self._listen(self._requested_port)
        return self

    async def _listen(self, port: int) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, self.host, port, reuse_address=True)
        await self._site.start()
        server = self._site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Release long polls and delayed calls, then shut the server down."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._site = None

    async def __aenter__(self) -> LocalBotApi:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        if self.port is None:
            raise RuntimeError("LocalBotApi is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Value for PTB's ``base_url``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for PTB's ``base_file_url``."""
        return f"{self.url}/file/bot"

    async def refuse_connections(self) -> None:
        """Stop listening (new connections are refused) and drop requests on open connections."""
        self._refusing = True
        if self._site is not None:
            await self._site.stop()
            self._site = None

    async def accept_connections(self) -> None:
        """Listen again on the same port after :meth:`refuse_connections`."""
        self._refusing = False
        if self._site is None and self._runner is not None and self.port is not None:
            await self._listen(self.port)

    # ------------------------------------------------------------------ waiting primitives

    def _notify(self) -> None:
        """Wake everybody waiting on state changes (sync, safe from any coroutine)."""
        self._changed.set()
        self._changed = asyncio.Event()

    def timestamp(self) -> int:
        """Now as a Unix time, by this server's clock (what Telegram puts in ``date``)."""
        return int(self.clock().timestamp())

    def notify(self) -> None:
        """Wake everybody waiting on state changes (e.g. after renaming a simulated person)."""
        self._notify()

    async def wait_until(
        self,
        probe: Callable[[], _T | None],
        timeout: float | None,  # noqa: ASYNC109
    ) -> _T | None:
        """Re-evaluate ``probe`` on every state change until it returns non-None or time is up."""
        return await self._wait_until(probe, timeout)

    async def _wait_until(
        self,
        probe: Callable[[], _T | None],
        timeout: float | None,  # noqa: ASYNC109
    ) -> _T | None:
        """Re-evaluate ``probe`` on every state change until it returns non-None or time is up."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            found = probe()
            if found is not None:
                return found
            event = self._changed
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str) -> list[ApiCall]:
        """All recorded calls of ``method`` (case-insensitive)."""
        lowered = method.lower()
        return [call for call in self.calls if call.method.lower() == lowered]

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> ApiCall:
        """Return the first call to ``method`` matching ``predicate`` not returned before.

        Calls that already happened count; each call is handed out by this method only once,
        so consecutive waits see consecutive calls.  Raises AssertionError on timeout.
        """
        lowered = method.lower()

        def probe() -> ApiCall | None:
            for call in self.calls:
                if call.method.lower() != lowered or id(call) in self._consumed_calls:
                    continue
                if predicate is None or predicate(call):
                    return call
            return None

        found = await self._wait_until(probe, timeout)
        if found is None:
            seen = "\n  ".join(repr(c) for c in self.calls_to(method)[-10:]) or "(none)"
            raise AssertionError(
                f"timed out after {timeout}s waiting for a {method} call; "
                f"calls to {method} so far:\n  {seen}"
            )
        self._consumed_calls.add(id(found))
        return found

    def messages_in(self, chat_id: int) -> list[SentMessage]:
        """Everything the bot sent to ``chat_id``, in order, with edits applied."""
        return self._sent_by_chat.setdefault(chat_id, [])

    def events_in(self, chat_id: int) -> list[MessageEvent]:
        """New messages and text/caption edits in ``chat_id``, in the order they happened."""
        return self._events_by_chat.setdefault(chat_id, [])

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """The stored Telegram Message JSON (user or bot message), if known."""
        return self._messages.get((chat_id, message_id))

    def history(self, chat_id: int) -> list[JSON]:
        """Every message in ``chat_id`` (from people and from the bot), oldest first,
        without the ones the bot deleted."""
        return [
            message
            for key, message in sorted(self._messages.items())
            if key[0] == chat_id and key not in self._deleted
        ]

    def sent_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """The bot's record of a message it sent (with edits applied), if it sent it."""
        return self._sent_index.get((chat_id, message_id))

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands set via setMyCommands for exactly this scope + language."""
        return list(self._commands.get(self._commands_key(scope, language_code), []))

    @property
    def all_commands(self) -> dict[tuple[str, str], list[JSON]]:
        """All command lists keyed by ``(json-encoded scope, language_code)``."""
        return dict(self._commands)

    def file(self, file_id: str) -> UploadedFile | None:
        """A file known to this server (uploaded by the bot or sent by a user)."""
        return self._files.get(file_id)

    @property
    def sending_limits(self) -> SendingLimits:
        """The limits :meth:`rate_audit` checks the bot's sending against."""
        return self._sending_audit.limits

    def rate_audit(self) -> RateAudit:
        """How fast the bot sent messages and how many broke Telegram's sending limits."""
        return self._sending_audit.report()

    def reset_rate_audit(self) -> None:
        """Start the rate audit afresh (e.g. after a warm-up a benchmark does not measure)."""
        self._sending_audit.reset()

    # ------------------------------------------------------------------ updates

    def inject_update(self, update: JSON) -> int:
        """Queue a raw update (``update_id`` is assigned) and wake long polls.

        Chats referenced by the update become "known" (the bot may message them).
        """
        update_id = next(self._update_ids)
        stored = {"update_id": update_id, **{k: v for k, v in update.items() if k != "update_id"}}
        for value in stored.values():
            if isinstance(value, dict):
                for holder in (value, value.get("message")):
                    if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
                        self._known_chats.add(int(holder["chat"]["id"]))
        self._updates.append(stored)
        self._notify()
        return update_id

    async def wait_until_held(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a call caught by :meth:`delay_next` is being held (the bot is stuck in it)."""
        if await self._wait_until(lambda: True if self.held_calls else None, timeout) is None:
            raise AssertionError(f"no delayed call arrived within {timeout}s")

    async def wait_until_polling(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a getUpdates long poll is in flight (the bot is ready for updates)."""
        if await self._wait_until(lambda: True if self.active_polls else None, timeout) is None:
            raise AssertionError(f"no getUpdates long poll arrived within {timeout}s")

    def pending_updates(self) -> int:
        """Injected updates not yet confirmed by the bot via ``getUpdates(offset=...)``."""
        return len(self._updates)

    async def wait_until_delivered(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until every injected update was fetched and confirmed by a later getUpdates.

        Note: PTB confirms a batch with its *next* getUpdates call, which it issues right after
        queueing the batch -- so this does not guarantee the handlers finished.
        """
        done = await self._wait_until(lambda: True if not self._updates else None, timeout)
        if done is None:
            ids = [u["update_id"] for u in self._updates]
            polls = self.calls_to("getUpdates")[-3:]
            raise AssertionError(
                f"updates {ids} not confirmed by the bot within {timeout}s; "
                f"last getUpdates calls: {polls or 'none (is the bot polling?)'}"
            )

    # ------------------------------------------------------------------ actors

    def user(
        self,
        first_name: str = "Amal",
        language_code: str | None = "en",
        user_id: int | None = None,
        username: str | None = None,
        last_name: str | None = None,
    ) -> SimulatedUser:
        """Create a user; their private chat id equals their user id."""
        uid = user_id if user_id is not None else next(self._user_ids)
        user = SimulatedUser(self, uid, first_name, last_name, username, language_code)
        self.users[uid] = user
        self._chats[uid] = user.chat_json
        return user

    def group(self, title: str = "Circle", chat_id: int | None = None) -> SimulatedGroup:
        """Create a supergroup (negative ``-100...`` id)."""
        cid = chat_id if chat_id is not None else -1_001_000_000_000 - next(self._group_ids)
        group = SimulatedGroup(self, cid, title)
        self.groups[cid] = group
        self._chats[cid] = group.chat_json
        return group

    def mark_known(self, chat_id: int) -> None:
        """Make ``chat_id`` reachable for the bot (normally happens on the first update)."""
        self._known_chats.add(chat_id)

    def next_message_id(self, chat_id: int) -> int:
        """Allocate the next message id in ``chat_id`` (shared by users and the bot)."""
        value = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = value
        return value

    def store_message(self, message: JSON) -> None:
        """Remember a Message JSON (so it can be copied, replied to, edited...)."""
        self._messages[(int(message["chat"]["id"]), int(message["message_id"]))] = message
        self.revision += 1

    def register_file(
        self, data: bytes, filename: str, content_type: str = "application/octet-stream"
    ) -> UploadedFile:
        """Store bytes under a fresh file id (downloadable through getFile)."""
        file_id = f"FAKEFILE{next(self._file_ids):06d}"
        uploaded = UploadedFile(file_id, filename, content_type, data)
        self._files[file_id] = uploaded
        return uploaded

    def new_callback_query(
        self, user_id: int, chat_id: int | None, message_id: int | None, data: str | None
    ) -> str:
        """Register a callback query id that answerCallbackQuery will accept once."""
        query_id = f"{user_id}{next(self._callback_ids):08d}"
        self._callback_queries[query_id] = _CallbackQuery(
            query_id, user_id, chat_id, message_id, data
        )
        return query_id

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        error_code: int = 400,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (optionally only for ``chat_id``) fail.

        429 defaults to ``retry_after=1`` and ``"Too Many Requests: retry after N"``.
        Faulted calls are recorded and have no effect.
        """
        parameters: JSON | None = None
        if error_code == 429:
            retry_after = 1 if retry_after is None else retry_after
        if retry_after is not None:
            parameters = {"retry_after": retry_after}
        defaults = {
            400: "Bad Request",
            401: "Unauthorized",
            403: "Forbidden: bot was blocked by the user",
            404: "Not Found",
            409: "Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running",
            429: f"Too Many Requests: retry after {retry_after}",
            500: "Internal Server Error",
            502: "Bad Gateway",
        }
        error = TelegramApiError(
            description or defaults.get(error_code, f"Error {error_code}"), error_code, parameters
        )
        self._faults.append(_Fault(method.lower(), error, times, chat_id))

    def delay_next(
        self,
        method: str,
        seconds: float,
        *,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Hold the next ``times`` calls of ``method`` for ``seconds`` before processing.

        If the client disconnects meanwhile (read timeout), the call has no effect and is
        recorded with ``status == 0`` and ``note == "timed out"``.
        """
        self._delays.append(_Delay(method.lower(), seconds, times, chat_id))

    def clear_faults(self) -> None:
        """Forget all pending :meth:`fail_next` / :meth:`delay_next` rules."""
        self._faults.clear()
        self._delays.clear()

    def _take(self, rules: list[Any], method: str, params: JSON) -> Any:
        for rule in rules:
            if rule.method != method.lower():
                continue
            if rule.chat_id is not None and str(rule.chat_id) != str(params.get("chat_id")):
                continue
            rule.times -= 1
            if rule.times <= 0:
                rules.remove(rule)
            return rule
        return None

    # ------------------------------------------------------------------ HTTP

    async def _read_params(self, request: web.Request) -> tuple[JSON, dict[str, UploadedFile]]:
        params: JSON = {}
        files: dict[str, UploadedFile] = {}
        for key, value in request.query.items():
            params[key] = coerce_param(key, value)
        if request.method != "POST" or not request.can_read_body:
            return params, files
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                for key, value in body.items():
                    if key in JSON_FIELDS and isinstance(value, str):
                        value = coerce_param(key, value)
                    params[key] = value
            return params, files
        form = await request.post()
        for key, part in form.items():
            if isinstance(part, web.FileField):
                data = part.file.read()
                files[key] = self.register_file(data, part.filename, part.content_type)
            else:
                text = part.decode() if isinstance(part, bytes | bytearray) else part
                params[key] = coerce_param(key, text)
        return params, files

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        file_id = request.match_info["path"].rsplit("/", 1)[-1].split(".", 1)[0]
        uploaded = self._files.get(file_id)
        if uploaded is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=uploaded.data, content_type=uploaded.content_type)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        if self._refusing and request.transport is not None:
            request.transport.close()
            return web.Response(status=503)
        params, files = await self._read_params(request)
        raw_method = request.match_info["method"]
        canonical, handler = self._handlers.get(raw_method.lower(), (raw_method, None))
        call = ApiCall(canonical, params, None, 0, started, files)
        try:
            body = await self._process(call, request, handler)
        except asyncio.CancelledError:
            call.note = call.note or "client disconnected"
            self._record(call)
            raise
        if body is None:  # timed out (client gone): no effect, nothing to send
            self._record(call)
            return web.Response(status=499)
        call.response = body
        call.status = 200 if body.get("ok") else int(body.get("error_code", 500))
        self._record(call)
        return web.json_response(body, status=call.status)

    def _record(self, call: ApiCall) -> None:
        self.calls.append(call)
        self._notify()

    async def _process(
        self, call: ApiCall, request: web.Request, handler: Handler | None
    ) -> JSON | None:
        if request.match_info["token"] != self.token:
            return TelegramApiError("Unauthorized", 401).to_json()
        if handler is None:
            return TelegramApiError("Not Found", 404).to_json()
        try:
            check_parameters(call.method, call.params, call.files)
        except ParameterProblem as problem:
            call.note = REFUSED_AS_NOT_THE_BOT_API
            return _bad(str(problem)).to_json()
        fault = self._take(self._faults, call.method, call.params)
        if fault is not None:
            call.note = "injected fault"
            return fault.error.to_json()  # type: ignore[no-any-return]
        delay = self._take(self._delays, call.method, call.params)
        if delay is not None:
            call.note = "timed out"
            self.held_calls += 1
            self._notify()
            try:
                await self._wait_until(lambda: True if self._closing else None, delay.seconds)
            finally:
                self.held_calls -= 1
            transport = request.transport
            if transport is None or transport.is_closing():
                return None
            call.note = "delayed"
        try:
            result = await handler(call.params, call.files)
        except TelegramApiError as exc:
            return exc.to_json()
        return {"ok": True, "result": result}

    # ------------------------------------------------------------------ helpers

    def _handler_table(self) -> dict[str, Handler]:
        media_senders: dict[str, Handler] = {
            f"send{''.join(p.title() for p in kind.split('_'))}": self._media_sender(kind)
            for kind in _MEDIA_KINDS
        }
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "close": self._true,
            "logOut": self._true,
            "sendMessage": self._send_message,
            **media_senders,
            "sendLocation": self._send_location,
            "sendContact": self._send_contact,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._setting("menu_button", "menu_button"),
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDescription": self._setting("description", "description", 512),
            "getMyDescription": self._getting("description", "description"),
            "setMyShortDescription": self._setting("short_description", "short_description", 120),
            "getMyShortDescription": self._getting("short_description", "short_description"),
            "setMyName": self._setting("name", "name", 64),
            "getMyName": self._getting("name", "name"),
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "restrictChatMember": self._restrict_chat_member,
            "banChatMember": self._ban_chat_member,
            "unbanChatMember": self._unban_chat_member,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
        }

    def _chat(self, params: JSON, key: str = "chat_id") -> JSON:
        """Resolve and validate a chat parameter (must be known to the bot)."""
        raw = params.get(key)
        if raw is None or raw == "":
            raise _bad(f"{key} is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            matches = [c for c in self._chats.values() if f"@{c.get('username')}" == raw]
            if not matches or int(matches[0]["id"]) not in self._known_chats:
                raise _bad("chat not found")
            return matches[0]
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise _bad("chat not found") from None
        if chat_id not in self._known_chats:
            raise _bad("chat not found")
        return self._chats.get(chat_id) or {"id": chat_id, "type": "private", "first_name": "?"}

    def _check_can_send(self, chat: JSON) -> None:
        user = self.users.get(int(chat["id"]))
        if user is not None and user.blocked:
            raise TelegramApiError("Forbidden: bot was blocked by the user", 403)
        group = self.groups.get(int(chat["id"]))
        if group is not None and not group.bot_is_member:
            raise TelegramApiError("Forbidden: bot is not a member of the supergroup chat", 403)

    @staticmethod
    def _int_param(params: JSON, key: str, *, required: bool = True) -> int | None:
        value = params.get(key)
        if value is None:
            if required:
                if key == "message_id":
                    raise _bad("message identifier is not specified")
                raise _bad(f"{key} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _bad(f"invalid {key} specified") from None

    def _parse_text(
        self, text: Any, parse_mode: Any, *, caption: bool
    ) -> tuple[str | None, str | None]:
        """Validate text/caption; return ``(visible, raw)``."""
        if text is None or text == "":
            if caption:
                return None, None
            raise _bad("message text is empty")
        raw = str(text)
        try:
            visible = parse_formatted(raw, parse_mode if isinstance(parse_mode, str) else None)
        except EntityParseError as exc:
            raise _bad(str(exc)) from None
        if caption:
            if utf16_len(visible.text) > 1024:
                raise _bad("message caption is too long")
            return visible.text or None, raw
        if not visible.text.strip():
            raise _bad("message text is empty")
        if utf16_len(visible.text) > 4096:
            raise _bad("message is too long")
        return visible.text, raw

    @staticmethod
    def _check_markup(markup: Any) -> tuple[list[list[Button]], list[list[str]] | None]:
        """Validate ``reply_markup``; return ``(inline rows, reply keyboard rows)``."""
        if markup is None:
            return [], None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad(
                    "can't parse inline keyboard button: InlineKeyboardMarkup must be an "
                    "Array of Arrays"
                )
            parsed: list[list[Button]] = []
            for row in rows:
                parsed_row = []
                for raw in row:
                    if not isinstance(raw, dict):
                        raise _bad("can't parse inline keyboard button: Object expected")
                    if not str(raw.get("text") or "").strip():
                        raise _bad("can't parse inline keyboard button: Text must be non-empty")
                    if not any(raw.get(k) is not None for k in _BUTTON_ACTIONS):
                        raise _bad(
                            "can't parse inline keyboard button: Text buttons are unallowed in "
                            "the inline keyboard"
                        )
                    data = raw.get("callback_data")
                    if data is not None and not 1 <= len(str(data).encode()) <= 64:
                        raise _bad("BUTTON_DATA_INVALID")
                    url = raw.get("url")
                    if url is not None and not re.match(r"(https?|tg)://\S+$", str(url)):
                        raise _bad("BUTTON_URL_INVALID")
                    parsed_row.append(Button.from_dict(raw))
                parsed.append(parsed_row)
            return parsed, None
        if "keyboard" in markup:
            keyboard: list[list[str]] = []
            for row in markup["keyboard"]:
                texts = [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
                if any(not t for t in texts):
                    raise _bad("keyboard button text must be non-empty")
                keyboard.append(texts)
            return [], keyboard
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return [], None
        raise _bad("can't parse reply keyboard markup JSON object")

    def _media_json(self, kind: str, uploaded: UploadedFile | None, file_id: str) -> Any:
        size = uploaded.size if uploaded else 0
        base: JSON = {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": size}
        if kind == "photo":
            return [
                {**base, "file_unique_id": f"S{file_id}", "width": 90, "height": 90},
                {**base, "width": 800, "height": 600},
            ]
        if kind == "document":
            return {
                **base,
                "file_name": uploaded.filename if uploaded else "file",
                "mime_type": uploaded.content_type if uploaded else "application/octet-stream",
            }
        if kind in ("voice", "audio"):
            return {**base, "duration": 1, "mime_type": "audio/ogg"}
        if kind in ("video", "animation"):
            return {**base, "width": 320, "height": 240, "duration": 1}
        if kind == "video_note":
            return {**base, "length": 240, "duration": 1}
        return {  # sticker
            **base,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }

    def _reply_to(self, chat_id: int, params: JSON) -> JSON | None:
        target: Any = params.get("reply_to_message_id")
        allow = bool(params.get("allow_sending_without_reply"))
        reply_parameters = params.get("reply_parameters")
        if isinstance(reply_parameters, dict):
            target = reply_parameters.get("message_id")
            allow = allow or bool(reply_parameters.get("allow_sending_without_reply"))
        if target is None:
            return None
        found = self._messages.get((chat_id, int(target)))
        if found is None or (chat_id, int(target)) in self._deleted:
            if allow:
                return None
            raise _bad("message to be replied not found")
        return found

    def _create_message(
        self,
        chat: JSON,
        method: str,
        params: JSON,
        content: JSON,
        *,
        visible: str | None,
        raw_text: str | None,
        media_type: str | None = None,
        uploaded: UploadedFile | None = None,
        copied_from: tuple[int, int] | None = None,
    ) -> SentMessage:
        """Validate markup/reply, then store a new bot message and return its record."""
        buttons, keyboard = self._check_markup(params.get("reply_markup"))
        chat_id = int(chat["id"])
        reply_to = self._reply_to(chat_id, params)
        message: JSON = {
            "message_id": self.next_message_id(chat_id),
            "date": self.timestamp(),
            "chat": chat,
            "from": self.bot_user,
            **content,
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if buttons:
            message["reply_markup"] = _normalize_markup(params["reply_markup"])
        self.store_message(message)
        sent = SentMessage(
            chat_id=chat_id,
            message_id=message["message_id"],
            method=method,
            text=visible,
            raw_text=raw_text,
            parse_mode=params.get("parse_mode"),
            buttons=buttons,
            reply_keyboard=keyboard,
            media_type=media_type,
            params=params,
            message=message,
            file=uploaded,
            copied_from=copied_from,
        )
        self.sent.append(sent)
        # Every method that creates a message comes through here (send*, copyMessage,
        # forwardMessage), once it has succeeded. Only new messages are audited, not edits:
        # Telegram's FAQ words its limits as sending messages ("avoid sending more than one
        # message per second" in one chat, "30 messages per second", "20 messages per
        # minute" in a group), and an edit sends none; whatever limits edits have are
        # separate and unpublished. Counting them would flag a card updated right after a
        # reply, which the guidance allows. The sender's limiter (PTB's, and Palaver's per
        # private chat) paces edits too, so it stays stricter than this audit, never looser.
        self._sending_audit.record(chat_id)
        self._sent_index[(chat_id, sent.message_id)] = sent
        self.messages_in(chat_id).append(sent)
        self.events_in(chat_id).append(MessageEvent.snapshot("sent", sent))
        return sent

    def _find_message(self, params: JSON, *, action: str) -> tuple[JSON, JSON]:
        """Resolve ``chat_id`` + ``message_id`` of an existing, non-deleted message."""
        if params.get("inline_message_id") is not None:
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._chat(params)
        message_id = self._int_param(params, "message_id")
        key = (int(chat["id"]), int(message_id or 0))
        message = self._messages.get(key)
        if message is None or key in self._deleted:
            raise _bad(f"message to {action} not found")
        return chat, message

    # ------------------------------------------------------------------ method handlers

    async def _true(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        return True

    async def _get_me(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return self.bot_user

    async def _set_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self.webhook_url = str(params.get("url") or "")
        return True

    async def _delete_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self.dropped_updates.extend(self._updates)
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _allowed(self, update: JSON) -> bool:
        kind = _update_type(update)
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _NOT_DELIVERED_BY_DEFAULT

    async def _get_updates(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        if self.webhook_url:
            raise TelegramApiError(
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
                409,
            )
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed] or None
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()

        def probe() -> list[JSON] | None:
            if generation != self._poll_generation:
                raise TelegramApiError(
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                    409,
                )
            for update in [u for u in self._updates if not self._allowed(u)]:
                self._updates.remove(update)
                self.dropped_updates.append(update)
            if self._updates or self._closing:
                return self._updates[:limit]
            return None

        self.active_polls += 1
        self._notify()
        try:
            found = await self._wait_until(probe, timeout)
        finally:
            self.active_polls -= 1
        return found or []

    async def _send_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(params)
        visible, raw = self._parse_text(params.get("text"), params.get("parse_mode"), caption=False)
        self._check_can_send(chat)
        sent = self._create_message(
            chat, "sendMessage", params, {"text": visible}, visible=visible, raw_text=raw
        )
        return sent.message

    def _resolve_file(
        self, kind: str, params: JSON, files: dict[str, UploadedFile]
    ) -> tuple[UploadedFile | None, str]:
        if kind in files:
            return files[kind], files[kind].file_id
        value = params.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            attached = files.get(value.removeprefix("attach://"))
            if attached is None:
                raise _bad(f"there is no {kind} in the request")
            return attached, attached.file_id
        if value is None or value == "":
            raise _bad(f"there is no {kind} in the request")
        text = str(value)
        if text in self._files:
            return self._files[text], text
        if re.match(r"https?://", text):
            return None, f"URL{abs(hash(text))}"
        raise _bad("wrong file identifier/HTTP URL specified")

    def _media_sender(self, kind: str) -> Handler:
        method = f"send{''.join(p.title() for p in kind.split('_'))}"

        async def send(params: JSON, files: dict[str, UploadedFile]) -> JSON:
            chat = self._chat(params)
            uploaded, file_id = self._resolve_file(kind, params, files)
            visible, raw = self._parse_text(
                params.get("caption"), params.get("parse_mode"), caption=True
            )
            self._check_can_send(chat)
            content: JSON = {kind: self._media_json(kind, uploaded, file_id)}
            if visible is not None:
                content["caption"] = visible
            sent = self._create_message(
                chat,
                method,
                params,
                content,
                visible=visible,
                raw_text=raw,
                media_type=kind,
                uploaded=uploaded,
            )
            return sent.message

        return send

    async def _send_location(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(params)
        if params.get("latitude") is None or params.get("longitude") is None:
            raise _bad("latitude and longitude are required")
        self._check_can_send(chat)
        location = {"latitude": params["latitude"], "longitude": params["longitude"]}
        sent = self._create_message(
            chat,
            "sendLocation",
            params,
            {"location": location},
            visible=None,
            raw_text=None,
            media_type="location",
        )
        return sent.message

    async def _send_contact(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(params)
        if not params.get("phone_number") or not params.get("first_name"):
            raise _bad("phone_number and first_name are required")
        self._check_can_send(chat)
        contact = {"phone_number": params["phone_number"], "first_name": params["first_name"]}
        sent = self._create_message(
            chat,
            "sendContact",
            params,
            {"contact": contact},
            visible=None,
            raw_text=None,
            media_type="contact",
        )
        return sent.message

    def _copy_source(self, params: JSON, verb: str) -> tuple[JSON, JSON]:
        from_chat = self._chat(params, "from_chat_id")
        message_id = self._int_param(params, "message_id")
        key = (int(from_chat["id"]), int(message_id or 0))
        source = self._messages.get(key)
        if source is None or key in self._deleted:
            raise _bad(f"message to {verb} not found")
        return from_chat, source

    def _copy_content(self, source: JSON) -> tuple[JSON, str | None, UploadedFile | None]:
        content = {k: source[k] for k in _COPYABLE_FIELDS if k in source}
        if not content:
            raise _bad("message can't be copied")
        media_type = next((k for k in (*_MEDIA_KINDS, "location", "contact") if k in source), None)
        uploaded = None
        if media_type in _MEDIA_KINDS:
            media = source[media_type]
            file_id = (media[-1] if isinstance(media, list) else media)["file_id"]
            uploaded = self._files.get(file_id)
        return content, media_type, uploaded

    async def _copy_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(params)
        from_chat, source = self._copy_source(params, "copy")
        content, media_type, uploaded = self._copy_content(source)
        visible = content.get("text", content.get("caption"))
        raw_text = visible
        if "caption" in params and media_type is not None:
            visible, raw_text = self._parse_text(
                params.get("caption"), params.get("parse_mode"), caption=True
            )
            content.pop("caption_entities", None)
            content.pop("caption", None)
            if visible is not None:
                content["caption"] = visible
        self._check_can_send(chat)
        sent = self._create_message(
            chat,
            "copyMessage",
            params,
            content,
            visible=visible,
            raw_text=raw_text,
            media_type=media_type,
            uploaded=uploaded,
            copied_from=(int(from_chat["id"]), int(source["message_id"])),
        )
        return {"message_id": sent.message_id}

    async def _forward_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(params)
        from_chat, source = self._copy_source(params, "forward")
        content, media_type, uploaded = self._copy_content(source)
        sender = source.get("from", {})
        content["forward_origin"] = {"type": "user", "sender_user": sender, "date": source["date"]}
        self._check_can_send(chat)
        visible = content.get("text", content.get("caption"))
        sent = self._create_message(
            chat,
            "forwardMessage",
            params,
            content,
            visible=visible,
            raw_text=visible,
            media_type=media_type,
            uploaded=uploaded,
            copied_from=(int(from_chat["id"]), int(source["message_id"])),
        )
        return sent.message

    def _editable(self, params: JSON) -> tuple[JSON, SentMessage]:
        chat, message = self._find_message(params, action="edit")
        sent = self._sent_index.get((int(chat["id"]), int(message["message_id"])))
        if sent is None:
            raise _bad("message can't be edited")
        return chat, sent

    def _apply_edit(self, sent: SentMessage, params: JSON, *, text_changed: bool) -> JSON:
        buttons, _ = self._check_markup(params.get("reply_markup"))
        sent.buttons = buttons
        if buttons:
            sent.message["reply_markup"] = _normalize_markup(params["reply_markup"])
        else:
            sent.message.pop("reply_markup", None)
        sent.message["edit_date"] = self.timestamp()
        sent.edits += 1
        self.revision += 1
        if text_changed:
            self.events_in(sent.chat_id).append(MessageEvent.snapshot("edited", sent))
        return sent.message

    async def _edit_message_text(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        _, sent = self._editable(params)
        if "text" not in sent.message:
            raise _bad("there is no text in the message to edit")
        visible, raw = self._parse_text(params.get("text"), params.get("parse_mode"), caption=False)
        new_markup = _normalize_markup(params.get("reply_markup"))
        if (
            visible == sent.text
            and raw == sent.raw_text
            and new_markup == sent.message.get("reply_markup")
        ):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        self._check_markup(params.get("reply_markup"))
        text_changed = (visible, raw) != (sent.text, sent.raw_text)
        sent.text, sent.raw_text, sent.parse_mode = visible, raw, params.get("parse_mode")
        sent.message["text"] = visible
        return self._apply_edit(sent, params, text_changed=text_changed)

    async def _edit_message_caption(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        _, sent = self._editable(params)
        if sent.media_type is None or "text" in sent.message:
            raise _bad("there is no caption in the message to edit")
        visible, raw = self._parse_text(
            params.get("caption"), params.get("parse_mode"), caption=True
        )
        new_markup = _normalize_markup(params.get("reply_markup"))
        if (
            visible == sent.text
            and raw == sent.raw_text
            and new_markup == sent.message.get("reply_markup")
        ):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        self._check_markup(params.get("reply_markup"))
        text_changed = (visible, raw) != (sent.text, sent.raw_text)
        sent.text, sent.raw_text, sent.parse_mode = visible, raw, params.get("parse_mode")
        if visible is None:
            sent.message.pop("caption", None)
        else:
            sent.message["caption"] = visible
        return self._apply_edit(sent, params, text_changed=text_changed)

    async def _edit_message_reply_markup(
        self, params: JSON, files: dict[str, UploadedFile]
    ) -> JSON:
        _, sent = self._editable(params)
        if _normalize_markup(params.get("reply_markup")) == sent.message.get("reply_markup"):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        return self._apply_edit(sent, params, text_changed=False)

    async def _delete_message(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        chat, message = self._find_message(params, action="delete")
        key = (int(chat["id"]), int(message["message_id"]))
        self._deleted.add(key)
        self.revision += 1
        if key in self._sent_index:
            self._sent_index[key].deleted = True
        return True

    async def _answer_callback_query(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        query = self._callback_queries.get(str(params.get("callback_query_id") or ""))
        if query is None or query.answered:
            raise TelegramApiError(CALLBACK_INVALID)
        text = params.get("text")
        if text is not None and utf16_len(str(text)) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        query.answered = True
        return True

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    def _validated_commands_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope")
        if scope is not None and (
            not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES
        ):
            raise _bad("can't parse BotCommandScope JSON object")
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise _bad("invalid language code specified")
        if isinstance(scope, dict) and "chat_id" in scope:
            self._chat({"chat_id": scope["chat_id"]})
        return self._commands_key(scope, language)

    async def _set_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JSON] = []
        for entry in commands:
            if not isinstance(entry, dict):
                raise _bad("can't parse BotCommand JSON object")
            command = str(entry.get("command", ""))
            description = str(entry.get("description", ""))
            if not _COMMAND_RE.fullmatch(command):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command, "description": description})
        key = self._validated_commands_key(params)
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        return list(self._commands.get(self._validated_commands_key(params), []))

    async def _delete_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(self._validated_commands_key(params), None)
        return True

    def _setting(self, name: str, param: str, max_len: int | None = None) -> Handler:
        async def handler(params: JSON, files: dict[str, UploadedFile]) -> bool:
            value = params.get(param)
            if max_len is not None and value is not None and len(str(value)) > max_len:
                raise _bad(f"{param} is too long")
            if name == "menu_button":
                key = f"menu_button:{params.get('chat_id', '')}"
            else:
                key = f"{name}:{params.get('language_code') or ''}"
            self.settings[key] = value
            return True

        return handler

    def _getting(self, name: str, field: str) -> Handler:
        async def handler(params: JSON, files: dict[str, UploadedFile]) -> JSON:
            value = self.settings.get(f"{name}:{params.get('language_code') or ''}")
            return {field: value or ""}

        return handler

    async def _get_chat_menu_button(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        return self.settings.get(f"menu_button:{params.get('chat_id', '')}") or {"type": "default"}

    async def _get_chat(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(params)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _group_and_user(self, params: JSON) -> tuple[SimulatedGroup, int]:
        chat = self._chat(params)
        group = self.groups.get(int(chat["id"]))
        if group is None:
            raise _bad("method is available for supergroup and channel chats only")
        user_id = self._int_param(params, "user_id")
        assert user_id is not None
        return group, user_id

    async def _get_chat_member(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(params)
        user_id = self._int_param(params, "user_id")
        assert user_id is not None
        if user_id == self.bot_id:
            group = self.groups.get(int(chat["id"]))
            if group is not None and group.bot_is_admin:
                return member_json(self.bot_user, "administrator")
            return member_json(
                self.bot_user, "member" if group is None or group.bot_is_member else "left"
            )
        user = self.users.get(user_id)
        if user is None:
            raise _bad("user not found")
        group = self.groups.get(int(chat["id"]))
        if group is None:
            if user_id != int(chat["id"]):
                raise _bad("user not found")
            return member_json(user.user_json, "member")
        return group.member_json(user)

    async def _restrict_chat_member(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        group, user_id = self._group_and_user(params)
        if user_id in group.admins or user_id == group.owner_id:
            raise _bad("user is an administrator of the chat")
        permissions = params.get("permissions")
        if not isinstance(permissions, dict):
            raise _bad("can't parse chat permissions")
        group.restrictions[user_id] = {**permissions, "until_date": params.get("until_date", 0)}
        return True

    async def _ban_chat_member(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        group, user_id = self._group_and_user(params)
        if user_id in group.admins or user_id == group.owner_id:
            raise _bad("user is an administrator of the chat")
        user = self.users.get(user_id)
        was_member = user_id in group.members
        group.banned.add(user_id)
        group.members.discard(user_id)
        if user is not None and was_member:
            group.inject_member_change(user, "member", "kicked", by_bot=True)
        return True

    async def _unban_chat_member(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        group, user_id = self._group_and_user(params)
        if params.get("only_if_banned") and user_id not in group.banned:
            return True
        group.banned.discard(user_id)
        group.members.discard(user_id)
        return True

    async def _send_chat_action(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        chat = self._chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._check_can_send(chat)
        return True

    async def _get_file(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        file_id = str(params.get("file_id") or "")
        uploaded = self._files.get(file_id)
        if uploaded is None:
            raise _bad("wrong file_id or the file is temporarily unavailable")
        extension = uploaded.filename.rsplit(".", 1)[-1] if "." in uploaded.filename else "bin"
        return {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_size": uploaded.size,
            "file_path": f"documents/{file_id}.{extension}",
        }
