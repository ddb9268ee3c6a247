"""What a use case asks the Telegram shell to show: plain data, already translated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ButtonAction:
    """What pressing a button means, e.g. ButtonAction("language", "uk")."""

    kind: str
    value: str = ""


@dataclass(frozen=True)
class Button:
    """An inline button: a translated label and the action it triggers."""

    label: str
    action: ButtonAction


@dataclass(frozen=True)
class Reply:
    """A message to the person who caused the update.

    `replaces_pressed_message` edits the message whose button was pressed (so an answered
    question loses its buttons and shows the choice) instead of sending a new one.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    replaces_pressed_message: bool = False
    buttons_only: bool = False
    """With replaces_pressed_message: change only the buttons (e.g. tick an option)."""
    photo: bytes | None = None
    """A PNG image (e.g. an invite's QR code) sent with `text` as its caption."""
    document: Document | None = None
    """A file (e.g. everything Palaver keeps about someone) sent with `text` as its caption."""


@dataclass(frozen=True)
class Document:
    """A file to send: its name as the recipient sees it, and its bytes."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class Letter:
    """A message to someone other than the person who caused the update (e.g. a partner).

    `outbox_id`: the letter was kept in the outbox with the change; mark it sent once sent.
    """

    telegram_id: int
    reply: Reply
    outbox_id: int | None = None


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """A text reply as JSON, for the outbox (files are never kept there)."""
    return {
        "text": reply.text,
        "buttons": [
            [[button.label, button.action.kind, button.action.value] for button in row]
            for row in reply.buttons
        ],
    }


def reply_from_json(data: dict[str, Any]) -> Reply:
    """The reply `reply_to_json` wrote."""
    return Reply(
        text=str(data.get("text", "")),
        buttons=tuple(
            tuple(Button(label, ButtonAction(kind, value)) for label, kind, value in row)
            for row in data.get("buttons", [])
        ),
    )


@dataclass(frozen=True)
class MediaCopy:
    """A photo, voice note or file a person sent, to be copied (never forwarded) to someone.

    A copy carries no trace of the sender; `heading` says who it is from, by pseudonym.
    """

    telegram_id: int
    from_chat_id: int
    message_id: int
    heading: Reply


@dataclass(frozen=True)
class Outcome:
    """Everything that should happen after a use case has committed its changes."""

    replies: tuple[Reply, ...] = ()
    notice: str | None = field(default=None)
    """A short toast shown for a button press (answerCallbackQuery text)."""
    letters: tuple[Letter, ...] = ()
    copies: tuple[MediaCopy, ...] = ()

    def __add__(self, other: Outcome) -> Outcome:
        """Both outcomes, this one's messages first."""
        return Outcome(
            replies=self.replies + other.replies,
            notice=self.notice or other.notice,
            letters=self.letters + other.letters,
            copies=self.copies + other.copies,
        )
