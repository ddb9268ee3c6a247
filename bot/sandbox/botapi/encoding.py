"""Decoding of Bot API requests and Telegram-like parsing of formatted text.

PTB (22.x, ``HTTPXRequest``) sends every parameter as a *form field*: strings verbatim, all other
values JSON-encoded (``123``, ``true``, ``{"inline_keyboard": ...}``).  Requests without files
are ``application/x-www-form-urlencoded``; requests with files are ``multipart/form-data`` where
each file is a part named after the parameter (or ``attachXXXX`` for ``attach://`` URIs).
Telegram itself additionally accepts JSON bodies and query strings; all of these are handled
here.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

# Parameters whose value is always a plain string, even if it looks like JSON ("123", "true").
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "description",
        "short_description",
        "name",
        "language_code",
        "url",
        "secret_token",
        "ip_address",
        "emoji",
        "action",
        "title",
        "question",
        "explanation",
        "business_connection_id",
        "first_name",
        "last_name",
        "phone_number",
        "vcard",
        "address",
        "foursquare_id",
        "custom_title",
        "invite_link",
        "sticker_set_name",
    }
)

# Parameters that carry JSON-serialized objects or arrays (decoded even inside JSON bodies).
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "commands",
        "scope",
        "allowed_updates",
        "entities",
        "caption_entities",
        "menu_button",
        "permissions",
        "link_preview_options",
        "reply_parameters",
        "media",
        "rights",
        "message_ids",
    }
)


def coerce_param(name: str, value: Any) -> Any:
    """Decode one parameter value the way Telegram would.

    Form and query values are strings; everything that is not a known string field is
    JSON-decoded when possible (``"42"`` -> ``42``, ``"true"`` -> ``True``), falling back to the
    string itself (``"@channel"``).
    """
    if not isinstance(value, str):
        return value
    if name in STRING_FIELDS:
        return value
    if name in JSON_FIELDS or value[:1] in "[{" or value in ("true", "false", "null"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    if re.fullmatch(r"-?\d+\.\d+", value):
        return float(value)
    return value


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (how Telegram measures entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


class EntityParseError(ValueError):
    """Raised for text Telegram would reject with "can't parse entities"."""


@dataclass(frozen=True, slots=True)
class ParsedText:
    """Result of parsing formatted text: what the recipient sees."""

    text: str


_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)?([^<>]*)>")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def parse_html(text: str) -> ParsedText:
    """Validate Telegram-HTML and return the visible text.

    Mirrors the Bot API's rules: only the supported tags, properly nested, and every literal
    ``<``/``>``/``&`` escaped.  Error messages follow Telegram's wording.
    """
    out: list[str] = []
    stack: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _TAG_RE.match(text, i)
            offset = _byte_offset(text, i)
            if match is None or match.group(2) is None:
                raise EntityParseError(
                    f'can\'t parse entities: Unsupported start tag "" at byte offset {offset}'
                    if match is None or not match.group(1)
                    else f"can't parse entities: Unexpected end tag at byte offset {offset}"
                )
            closing, name = match.group(1) == "/", match.group(2).lower()
            if not closing:
                if name not in _HTML_TAGS:
                    raise EntityParseError(
                        f'can\'t parse entities: Unsupported start tag "{name}" '
                        f"at byte offset {offset}"
                    )
                if not match.group(3).rstrip().endswith("/"):
                    stack.append((name, offset))
            else:
                if not stack:
                    raise EntityParseError(
                        f"can't parse entities: Unexpected end tag at byte offset {offset}"
                    )
                expected, _ = stack.pop()
                if expected != name:
                    raise EntityParseError(
                        f"can't parse entities: Unmatched end tag at byte offset {offset}, "
                        f'expected "</{expected}>", found "</{name}>"'
                    )
            i = match.end()
            continue
        if char == ">":
            # Telegram tolerates a bare '>', but it is still shown literally.
            out.append(char)
            i += 1
            continue
        if char == "&":
            match = re.match(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);", text[i:])
            if match:
                out.append(html.unescape(match.group(0)))
                i += len(match.group(0))
                continue
        out.append(char)
        i += 1
    if stack:
        name, _ = stack[-1]
        raise EntityParseError(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{name}\""
        )
    return ParsedText("".join(out))


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_MARKERS = (("||", "Spoiler"), ("__", "Underline"), ("*", "Bold"), ("_", "Italic"))
_MDV2_MARKERS_ALL = (*_MDV2_MARKERS, ("~", "Strikethrough"))


def parse_markdown_v2(text: str) -> ParsedText:
    """Validate MarkdownV2 (reserved characters must be escaped, entities closed).

    A pragmatic subset of Telegram's parser: enough to catch the classic "unescaped ``.``"
    and "unclosed ``*``" bugs and to compute the visible text.
    """
    out: list[str] = []
    stack: list[tuple[str, int]] = []
    in_link = False
    i = 0
    line_start = True
    while i < len(text):
        char = text[i]
        offset = _byte_offset(text, i)
        if char == "\\":
            if i + 1 < len(text) and 0 < ord(text[i + 1]) <= 126:
                out.append(text[i + 1])
                i += 2
                line_start = False
                continue
            raise EntityParseError(
                "can't parse entities: Character '\\' is reserved and must be escaped with the "
                "preceding '\\'"
            )
        if char == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = text.find(fence, i + len(fence))
            while end != -1 and text[end - 1] == "\\":
                end = text.find(fence, end + 1)
            if end == -1:
                kind = "Pre" if fence == "```" else "Code"
                raise EntityParseError(
                    f"can't parse entities: Can't find end of {kind} entity at byte offset {offset}"
                )
            body = text[i + len(fence) : end]
            if fence == "```" and "\n" in body:
                first, rest = body.split("\n", 1)
                body = rest if first and " " not in first else body
            out.append(re.sub(r"\\([`\\])", r"\1", body))
            i = end + len(fence)
            line_start = False
            continue
        for marker, entity in _MDV2_MARKERS_ALL:
            if text.startswith(marker, i):
                if stack and stack[-1][0] == entity:
                    stack.pop()
                elif any(name == entity for name, _ in stack):
                    raise EntityParseError(
                        f"can't parse entities: Can't find end of {stack[-1][0]} entity at "
                        f"byte offset {stack[-1][1]}"
                    )
                else:
                    stack.append((entity, offset))
                i += len(marker)
                break
        else:
            if char == "[" and not in_link:
                in_link = True
                stack.append(("TextUrl", offset))
                i += 1
                continue
            if char == "]" and in_link and stack and stack[-1][0] == "TextUrl":
                stack.pop()
                in_link = False
                if not text.startswith("(", i + 1):
                    raise EntityParseError(
                        "can't parse entities: Character ']' is reserved and must be escaped "
                        "with the preceding '\\'"
                    )
                end = text.find(")", i + 2)
                if end == -1:
                    raise EntityParseError(
                        f"can't parse entities: Can't find end of a URL at byte offset {offset}"
                    )
                i = end + 1
                continue
            if char == ">" and line_start:
                i += 1
                continue
            if char in _MDV2_RESERVED:
                raise EntityParseError(
                    f"can't parse entities: Character '{char}' is reserved and must be escaped "
                    "with the preceding '\\'"
                )
            out.append(char)
            line_start = char == "\n"
            i += 1
            continue
        line_start = False
    if stack:
        name, offset = stack[-1]
        raise EntityParseError(
            f"can't parse entities: Can't find end of {name} entity at byte offset {offset}"
        )
    return ParsedText("".join(out))


def parse_legacy_markdown(text: str) -> ParsedText:
    """Very small model of legacy ``Markdown``: strips ``*``, ``_`` and `````` markers."""
    visible = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return ParsedText(re.sub(r"(?<!\\)[*_`]", "", visible).replace("\\", ""))


def parse_formatted(text: str, parse_mode: str | None) -> ParsedText:
    """Dispatch on ``parse_mode`` (case-insensitive like Telegram)."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_legacy_markdown(text)
    if mode:
        raise EntityParseError("unsupported parse_mode")
    return ParsedText(text)
