"""The sandbox page and its JSON API, served by Palaver itself (aiohttp, no external requests).

    GET  /                               the page (phones side by side)
    GET  /api/state                      clock, program, languages, people with their menus
    GET  /api/events                     server-sent events: "changed" whenever a chat or
                                         the clock changed
    POST /api/people                     {"name", "language", "community"?} add a person
    PATCH /api/people/{id}               {"name"?, "language"?} rename, change language
    GET  /api/people/{id}/chat           the person's chat with the bot
         ?wait_for=TEXT&after=ID         ...once a bot message containing TEXT arrived
    POST /api/people/{id}/messages       {"text"} send a message as this person
    POST /api/people/{id}/start          press START in the chat opened from their invite link
    POST /api/people/{id}/press          {"message_id", "button"} press an inline button
    POST /api/groups                     {"title", "members"?: [ids]} the organizer makes a group
                                         with Palaver in it (not an administrator)
    PATCH /api/groups/{id}               {"bot_admin": true|false} give or take Palaver's rights
    POST /api/groups/{id}/members        {"person": id} someone joins the group
    GET  /api/groups/{id}/chat           the group's messages, with who wrote each
    POST /api/groups/{id}/messages       {"person": id, "text"} someone writes in the group
    POST /api/groups/{id}/press          {"person": id, "message_id", "button"}
    POST /api/clock                      {"minutes"|"hours"|"days"|"weeks": n} jump ahead
    GET  /api/files/{file_id}            a document or photo the bot sent

Actions answer after the bot has handled them, with the chat as it then is; pressing a
button also answers with the bot's short reply ("notice"), which Telegram shows as a toast.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
from datetime import timedelta
from importlib import resources
from typing import Any

from aiohttp import web

from bot.sandbox.hub import NotFound, Sandbox, SandboxError

log = logging.getLogger(__name__)

PAGE_FILES = {
    "index.html": "text/html",
    "sandbox.css": "text/css",
    "sandbox.js": "text/javascript",
}
HEARTBEAT_SECONDS = 15.0
MAX_WAIT_SECONDS = 30.0
SANDBOX_KEY = web.AppKey("sandbox", Sandbox)
CLOCK_UNITS = ("minutes", "hours", "days", "weeks")


def sandbox_app(sandbox: Sandbox) -> web.Application:
    """The aiohttp application serving the page and the JSON API for `sandbox`."""
    app = web.Application(middlewares=[_same_origin_only, _errors_as_json])
    app[SANDBOX_KEY] = sandbox
    app.router.add_get("/", _page)
    app.router.add_get("/page/{name}", _page_file)
    app.router.add_get("/api/state", _state)
    app.router.add_get("/api/events", _events)
    app.router.add_post("/api/people", _add_person)
    app.router.add_patch("/api/people/{id}", _change_person)
    app.router.add_get("/api/people/{id}/chat", _chat)
    app.router.add_post("/api/people/{id}/messages", _send)
    app.router.add_post("/api/people/{id}/start", _start)
    app.router.add_post("/api/people/{id}/press", _press)
    app.router.add_post("/api/groups", _create_group)
    app.router.add_patch("/api/groups/{id}", _change_group)
    app.router.add_post("/api/groups/{id}/members", _join_group)
    app.router.add_get("/api/groups/{id}/chat", _group_chat)
    app.router.add_post("/api/groups/{id}/messages", _send_to_group)
    app.router.add_post("/api/groups/{id}/press", _press_in_group)
    app.router.add_post("/api/clock", _jump)
    app.router.add_get("/api/files/{file_id}", _file)
    return app


@web.middleware
async def _same_origin_only(request: web.Request, handler: Any) -> web.StreamResponse:
    """Refuse actions sent by other web pages open in the same browser (cross-site requests):
    a browser names the page that sends a request in Origin; scripts and curl send none."""
    origin = request.headers.get("Origin")
    from_elsewhere = origin is not None and origin.split("://", 1)[-1] != request.host
    if request.method not in ("GET", "HEAD") and from_elsewhere:
        return _problem(403, "the sandbox takes actions only from its own page")
    response: web.StreamResponse = await handler(request)
    return response


@web.middleware
async def _errors_as_json(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except NotFound as error:
        return _problem(404, str(error))
    except SandboxError as error:
        return _problem(400, str(error))


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _sandbox(request: web.Request) -> Sandbox:
    return request.app[SANDBOX_KEY]


def _int_field(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise SandboxError(f"{name!r} must be a number (an id)")
    return value


def _path_id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise NotFound(f"{request.match_info['id']!r} is not an id") from None


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except json.JSONDecodeError:
        raise SandboxError("the request body must be a JSON object") from None
    if not isinstance(body, dict):
        raise SandboxError("the request body must be a JSON object")
    return body


def _text_field(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise SandboxError(f"{name!r} must be a string")
    return value


# ---------------------------------------------------------------------- the page


async def _page(request: web.Request) -> web.StreamResponse:
    return _page_response("index.html")


async def _page_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in PAGE_FILES:
        raise web.HTTPNotFound()
    return _page_response(name)


def _page_response(name: str) -> web.Response:
    text = resources.files("bot.sandbox").joinpath("page", name).read_text("utf-8")
    return web.Response(
        text=text,
        content_type=PAGE_FILES[name],
        headers={"Cache-Control": "no-store", "Content-Security-Policy": _POLICY},
    )


# Only this server: no CDN, no web fonts, nothing leaves the machine.
_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"


# ---------------------------------------------------------------------- reading


async def _state(request: web.Request) -> web.StreamResponse:
    return web.json_response(_sandbox(request).describe())


async def _chat(request: web.Request) -> web.StreamResponse:
    sandbox = _sandbox(request)
    person_id = _path_id(request)
    wait_for = request.query.get("wait_for")
    if wait_for:
        try:
            after = int(request.query.get("after", "0"))
            timeout = min(float(request.query.get("timeout", "10")), MAX_WAIT_SECONDS)
        except ValueError:
            raise SandboxError("'after' must be a message id and 'timeout' seconds") from None
        found = await sandbox.wait_for_message(person_id, wait_for, after=after, timeout=timeout)
        if found is None:
            return web.json_response(
                {
                    "error": f"no message containing {wait_for!r} within {timeout}s",
                    "messages": sandbox.chat(person_id),
                },
                status=408,
            )
    return web.json_response(_chat_body(sandbox, person_id))


def _chat_body(sandbox: Sandbox, person_id: int) -> dict[str, Any]:
    phone = sandbox.phone(person_id)
    return {
        "person": sandbox.describe_person(phone),
        "clock": sandbox.clock().isoformat(),
        "messages": sandbox.chat(person_id),
    }


async def _events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: one "changed" event per change, a comment as heartbeat."""
    sandbox = _sandbox(request)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    await response.write(f"event: changed\ndata: {sandbox.revision}\n\n".encode())
    try:
        while True:
            changed = await sandbox.changes(HEARTBEAT_SECONDS)
            if changed:
                # Let a burst of changes (a reply and its follow-ups) arrive as one refresh.
                await asyncio.sleep(0.05)
                await response.write(f"event: changed\ndata: {sandbox.revision}\n\n".encode())
            else:
                await response.write(b": still here\n\n")
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


async def _file(request: web.Request) -> web.StreamResponse:
    uploaded = _sandbox(request).api.file(request.match_info["file_id"])
    if uploaded is None:
        raise NotFound("there is no such file in the sandbox")
    content_type = _content_type(uploaded.filename, uploaded.content_type, uploaded.data)
    readable = content_type.startswith(("image/", "text/", "application/json"))
    disposition = "inline" if readable else "attachment"
    return web.Response(
        body=uploaded.data,
        content_type=content_type,
        headers={"Content-Disposition": f'{disposition}; filename="{uploaded.filename}"'},
    )


def _content_type(filename: str, declared: str, data: bytes) -> str:
    """What the file is, so a browser can show it (PTB uploads say octet-stream)."""
    if declared and declared != "application/octet-stream":
        return declared
    guessed, _ = mimetypes.guess_type(filename)
    if guessed:
        return guessed
    for magic, kind in _MAGIC_NUMBERS:
        if data.startswith(magic):
            return kind
    return "application/octet-stream"


_MAGIC_NUMBERS = (
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF", "application/pdf"),
)


# ---------------------------------------------------------------------- acting


async def _add_person(request: web.Request) -> web.StreamResponse:
    sandbox = _sandbox(request)
    body = await _body(request)
    phone = sandbox.add_person(
        _text_field(body, "name") or "",
        _text_field(body, "language", required=False) or "en",
        community=_text_field(body, "community", required=False),
    )
    return web.json_response(sandbox.describe_person(phone), status=201)


async def _change_person(request: web.Request) -> web.StreamResponse:
    sandbox = _sandbox(request)
    person_id = _path_id(request)
    body = await _body(request)
    name = _text_field(body, "name", required=False)
    language = _text_field(body, "language", required=False)
    if name is not None:
        sandbox.rename(person_id, name)
    if language is not None:
        sandbox.set_language(person_id, language)
    return web.json_response(sandbox.describe_person(sandbox.phone(person_id)))


async def _send(request: web.Request) -> web.StreamResponse:
    sandbox = _sandbox(request)
    person_id = _path_id(request)
    text = _text_field(await _body(request), "text") or ""
    sandbox.phone(person_id)
    message_id = await sandbox.send(person_id, text)
    return web.json_response({"message_id": message_id, **_chat_body(sandbox, person_id)})


async def _start(request: web.Request) -> web.StreamResponse:
    sandbox = _sandbox(request)
    person_id = _path_id(request)
    message_id = await sandbox.open_invite(person_id)
    return web.json_response({"message_id": message_id, **_chat_body(sandbox, person_id)})


async def _press(request: web.Request) -> web.StreamResponse:
    sandbox = _sandbox(request)
    person_id = _path_id(request)
    body = await _body(request)
    message_id = body.get("message_id")
    if not isinstance(message_id, int):
        raise SandboxError("'message_id' must be the id of a message with buttons")
    notice = await sandbox.press(person_id, message_id, _text_field(body, "button") or "")
    return web.json_response({"notice": notice, **_chat_body(sandbox, person_id)})


async def _create_group(request: web.Request) -> web.StreamResponse:
    sandbox = _sandbox(request)
    body = await _body(request)
    members = body.get("members")
    if members is not None and not (
        isinstance(members, list) and all(isinstance(m, int) for m in members)
    ):
        raise SandboxError("'members' must be a list of person ids")
    group = await sandbox.create_group(_text_field(body, "title") or "", members)
    return web.json_response(sandbox.describe_group(group), status=201)


async def _change_group(request: web.Request) -> web.StreamResponse:
    sandbox = _sandbox(request)
    body = await _body(request)
    admin = body.get("bot_admin")
    if not isinstance(admin, bool):
        raise SandboxError("'bot_admin' must be true or false")
    group = await sandbox.set_bot_admin(_path_id(request), admin)
    return web.json_response(sandbox.describe_group(group))


async def _join_group(request: web.Request) -> web.StreamResponse:
    sandbox = _sandbox(request)
    body = await _body(request)
    group = await sandbox.add_to_group(_path_id(request), _int_field(body, "person"))
    return web.json_response(sandbox.describe_group(group))


def _group_body(sandbox: Sandbox, group_id: int) -> dict[str, Any]:
    return {
        "group": sandbox.describe_group(sandbox.group(group_id)),
        "messages": sandbox.group_chat(group_id),
    }


async def _group_chat(request: web.Request) -> web.StreamResponse:
    sandbox = _sandbox(request)
    return web.json_response(_group_body(sandbox, _path_id(request)))


async def _send_to_group(request: web.Request) -> web.StreamResponse:
    sandbox = _sandbox(request)
    group_id = _path_id(request)
    body = await _body(request)
    message_id = await sandbox.send_to_group(
        group_id, _int_field(body, "person"), _text_field(body, "text") or ""
    )
    return web.json_response({"message_id": message_id, **_group_body(sandbox, group_id)})


async def _press_in_group(request: web.Request) -> web.StreamResponse:
    sandbox = _sandbox(request)
    group_id = _path_id(request)
    body = await _body(request)
    notice = await sandbox.press(
        _int_field(body, "person"),
        _int_field(body, "message_id"),
        _text_field(body, "button") or "",
        group_id=group_id,
    )
    return web.json_response({"notice": notice, **_group_body(sandbox, group_id)})


async def _jump(request: web.Request) -> web.StreamResponse:
    sandbox = _sandbox(request)
    body = await _body(request)
    amounts = {unit: body[unit] for unit in CLOCK_UNITS if unit in body}
    if not amounts or not all(
        isinstance(n, int | float) and not isinstance(n, bool) for n in amounts.values()
    ):
        raise SandboxError('say how far to jump, e.g. {"hours": 1}, {"days": 1} or {"weeks": 1}')
    now = await sandbox.jump(timedelta(**amounts))
    return web.json_response({"clock": now.isoformat()})
