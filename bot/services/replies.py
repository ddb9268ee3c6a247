"""What a use case asks the Telegram shell to show: plain data, already translated."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    """A message to someone other than the person who caused the update (e.g. a partner)."""

    telegram_id: int
    reply: Reply


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
