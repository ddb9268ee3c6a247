"""Plain data records produced by the local Bot API: calls, sent messages, buttons, files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file the bot uploaded (multipart part) or a user "sent" to the bot.

    Attributes:
        file_id: The Telegram-style file id the local Bot API assigned to it.
        filename: The filename from the multipart part (or chosen by the test).
        content_type: The MIME type of the part.
        data: The raw bytes.
    """

    file_id: str
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        """Size of :attr:`data` in bytes."""
        return len(self.data)


@dataclass(frozen=True, slots=True)
class Button:
    """One inline keyboard button of a message the bot sent."""

    text: str
    callback_data: str | None = None
    url: str | None = None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Button:
        """Build from an ``InlineKeyboardButton`` JSON object."""
        return cls(
            text=str(raw.get("text", "")),
            callback_data=raw.get("callback_data"),
            url=raw.get("url"),
        )


@dataclass(slots=True)
class ApiCall:
    """One HTTP request the bot made to the local Bot API.

    Attributes:
        method: The canonical (camelCase) Bot API method name, e.g. ``"sendMessage"``.
        params: Decoded parameters; JSON-encoded nested fields (``reply_markup``, ``commands``,
            ``scope``, ...) are already decoded to Python objects.
        response: The JSON body returned to the bot, or ``None`` if the client gave up
            (see :meth:`LocalBotApi.delay_next`).
        status: The HTTP status returned (``0`` if the client disconnected first).
        at: ``time.monotonic()`` when the request arrived.
        files: Multipart file parts by field name.
        note: Free-form remark, e.g. ``"injected fault"`` or ``"timed out"``.
    """

    method: str
    params: dict[str, Any]
    response: dict[str, Any] | None
    status: int
    at: float
    files: dict[str, UploadedFile] = field(default_factory=dict)
    note: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded (HTTP 200 and ``"ok": true``)."""
        return self.status == 200 and bool(self.response and self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The ``result`` field of the response (``None`` on failure)."""
        return None if self.response is None else self.response.get("result")

    @property
    def description(self) -> str | None:
        """The error ``description`` of a failed call."""
        return None if self.response is None else self.response.get("description")

    @property
    def chat_id(self) -> int | str | None:
        """The ``chat_id`` parameter, if any."""
        value = self.params.get("chat_id")
        return value if isinstance(value, int | str) else None

    def __repr__(self) -> str:
        state = "ok" if self.ok else f"{self.status} {self.description or self.note or ''}"
        return f"ApiCall({self.method}, {self.params!r} -> {state.strip()})"


@dataclass(slots=True)
class SentMessage:
    """A message the bot sent (sendMessage, sendDocument, copyMessage, ...), with edits applied.

    Attributes:
        chat_id: Target chat.
        message_id: Id the local Bot API assigned.
        method: The API method that created it.
        text: Visible text or caption (HTML/MarkdownV2 markup stripped, entities unescaped);
            ``None`` for media without caption.
        raw_text: ``text``/``caption`` exactly as the bot sent it (with markup).
        parse_mode: ``parse_mode`` of the latest send/edit.
        buttons: Inline keyboard rows.
        reply_keyboard: Rows of a reply keyboard (``ReplyKeyboardMarkup``) if one was sent.
        media_type: ``"photo"``, ``"document"``, ``"voice"``, ... or ``None`` for text.
        document: The uploaded file for sendDocument / copied documents.
        photo: Uploaded photo bytes for sendPhoto.
        file: Whatever file is attached (document, photo, voice, ...), if the server knows it.
        params: The raw (decoded) parameters of the creating call.
        message: The Telegram ``Message`` JSON object as it currently is.
        edits: Number of successful edits.
        deleted: Whether the bot deleted it.
        copied_from: ``(from_chat_id, message_id)`` for copyMessage / forwardMessage.
    """

    chat_id: int
    message_id: int
    method: str
    text: str | None
    raw_text: str | None
    parse_mode: str | None
    buttons: list[list[Button]]
    reply_keyboard: list[list[str]] | None
    media_type: str | None
    params: dict[str, Any]
    message: dict[str, Any]
    file: UploadedFile | None = None
    edits: int = 0
    deleted: bool = False
    copied_from: tuple[int, int] | None = None

    @property
    def raw(self) -> dict[str, Any]:
        """Alias of :attr:`params` (the decoded request parameters)."""
        return self.params

    @property
    def document(self) -> UploadedFile | None:
        """The file if this is a document message."""
        return self.file if self.media_type == "document" else None

    @property
    def photo(self) -> bytes | None:
        """The photo bytes if this is a photo message with a known file."""
        return self.file.data if self.media_type == "photo" and self.file else None

    @property
    def button_texts(self) -> list[str]:
        """Texts of all inline buttons, row by row."""
        return [button.text for row in self.buttons for button in row]

    @property
    def callback_data(self) -> list[str]:
        """``callback_data`` of all inline buttons that have one."""
        return [b.callback_data for row in self.buttons for b in row if b.callback_data]

    def button(self, label: str) -> Button:
        """The inline button whose text is exactly ``label`` (AssertionError if absent)."""
        for row in self.buttons:
            for candidate in row:
                if candidate.text == label:
                    return candidate
        raise AssertionError(f"no button {label!r} on message; buttons: {self.button_texts}")

    def matches(self, contains: str | None) -> bool:
        """Whether ``contains`` is a substring of the visible or raw text (``None`` matches)."""
        if contains is None:
            return True
        return any(contains in t for t in (self.text, self.raw_text) if t is not None)

    def describe(self) -> str:
        """One-line human readable summary, used in assertion messages."""
        parts = [f"#{self.message_id} {self.method}"]
        if self.media_type:
            parts.append(f"[{self.media_type}]")
        parts.append(repr(self.text))
        if self.buttons:
            parts.append(f"buttons={self.button_texts}")
        if self.edits:
            parts.append(f"(edited {self.edits}x)")
        if self.deleted:
            parts.append("(deleted)")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class MessageEvent:
    """Something the recipient of a chat noticed: a new bot message or a text/caption edit.

    ``expect_message`` consumes these in order.  ``text``/``raw_text``/``buttons`` are snapshots
    taken when the event happened; ``message`` is the live record (later edits show up there).
    """

    kind: str
    message: SentMessage
    text: str | None
    raw_text: str | None
    buttons: tuple[str, ...]

    def matches(self, contains: str | None) -> bool:
        """Whether ``contains`` is a substring of the snapshot's visible or raw text."""
        if contains is None:
            return True
        return any(contains in t for t in (self.text, self.raw_text) if t is not None)

    def describe(self) -> str:
        """One-line summary for assertion messages."""
        parts = [f"#{self.message.message_id}"]
        parts.append("edited to" if self.kind == "edited" else self.message.method)
        if self.message.media_type:
            parts.append(f"[{self.message.media_type}]")
        parts.append(repr(self.text))
        if self.buttons:
            parts.append(f"buttons={list(self.buttons)}")
        if self.message.deleted:
            parts.append("(deleted later)")
        return " ".join(parts)

    @classmethod
    def snapshot(cls, kind: str, message: SentMessage) -> MessageEvent:
        """Capture the current state of ``message``."""
        return cls(kind, message, message.text, message.raw_text, tuple(message.button_texts))
