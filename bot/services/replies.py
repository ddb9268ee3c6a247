"""What a use case asks the Telegram shell to show: plain data, already translated."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from bot.i18n.translator import Translator
from bot.services.circle_agenda_results import CircleAgendaResult
from bot.services.circle_console_results import CircleConsoleResult
from bot.services.circle_results import CircleResult
from bot.services.common_ground_results import CommonGroundResult
from bot.services.dialogue_results import DialogueResult
from bot.services.exchange_results import ExchangeResult
from bot.services.export_results import ExportResult
from bot.services.follow_up_results import FollowUpResult
from bot.services.invite_results import InviteResult
from bot.services.joining_results import JoiningResult
from bot.services.moderation_results import ModerationResult
from bot.services.onboarding_results import OnboardingResult
from bot.services.privacy_results import PrivacyResult
from bot.services.program_results import ProgramResult

Shown = (
    DialogueResult
    | ExchangeResult
    | OnboardingResult
    | JoiningResult
    | InviteResult
    | ProgramResult
    | PrivacyResult
    | ModerationResult
    | FollowUpResult
    | CircleResult
    | CircleConsoleResult
    | CircleAgendaResult
    | CommonGroundResult
    | ExportResult
)
"""Everything a use case may ask a view to show."""


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
class RelayedWords:
    """A person's own words inside a message to someone else, in `source` language.

    Kept apart from the message so that machine translation into the reader's `target`
    language happens when the message is sent, outside any transaction, never again on a
    retry of the change.
    """

    words: str
    source: str
    target: str


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
    relayed: RelayedWords | None = None
    """Someone's words to show under `text` (translated for the reader when sent)."""

    def with_words(self, words: str) -> Reply:
        """The message as sent: `text`, then the relayed words (as given) below it."""
        return replace(self, text=f"{self.text}\n\n{words}", relayed=None)

    def as_sent(self) -> Reply:
        """The message with relayed words as their author wrote them (no translation)."""
        return self.with_words(self.relayed.words) if self.relayed is not None else self


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
    data: dict[str, Any] = {
        "text": reply.text,
        "buttons": [
            [[button.label, button.action.kind, button.action.value] for button in row]
            for row in reply.buttons
        ],
    }
    if reply.relayed is not None:
        relayed = reply.relayed
        data["relayed"] = [relayed.words, relayed.source, relayed.target]
    return data


def reply_from_json(data: dict[str, Any]) -> Reply:
    """The reply `reply_to_json` wrote."""
    relayed = data.get("relayed")
    return Reply(
        relayed=RelayedWords(*relayed) if relayed else None,
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
class Envelope:
    """A message kept in the outbox with the change it tells about, addressed to a chat.

    `op` is an OutboxOp value: "send", "edit" / "edit_buttons" (of `message_id`) or "copy"
    (of `message_id` in `from_chat_id`). `claimed` rows were written due now and claimed by
    this process, which sends them right after the commit; the others (paced, or behind
    older rows of the same chat) are left to the outbox dispatcher.
    """

    outbox_id: int
    chat_id: int
    op: str
    reply: Reply
    message_id: int | None = None
    from_chat_id: int | None = None
    claimed: bool = True
    attempts: int = 0
    """Failed tries so far (server errors, timeouts)."""
    follow_up_id: int | None = None
    """The follow-up this message starts (its fate is recorded there)."""
    copy_of: int | None = None
    """The circle contribution this message relays: where it lands is kept, to delete it."""
    user_id: int | None = None
    """The group member a "restrict" or "remove" row acts on."""
    until: int | None = None
    """A "restrict" row's end, as a Unix time."""

    def to_json(self) -> dict[str, Any]:
        return {
            "reply": reply_to_json(self.reply),
            "message_id": self.message_id,
            "from_chat_id": self.from_chat_id,
            "copy_of": self.copy_of,
            "user_id": self.user_id,
            "until": self.until,
        }

    @classmethod
    def from_row(
        cls,
        outbox_id: int,
        chat_id: int,
        op: str,
        payload: dict[str, Any],
        attempts: int = 0,
        follow_up_id: int | None = None,
    ) -> Envelope:
        """The envelope an outbox row holds (rows before 0005 held a bare reply)."""
        reply = payload.get("reply", payload)
        return cls(
            outbox_id=outbox_id,
            chat_id=chat_id,
            op=op,
            reply=reply_from_json(reply),
            message_id=payload.get("message_id"),
            from_chat_id=payload.get("from_chat_id"),
            attempts=attempts,
            follow_up_id=follow_up_id,
            copy_of=payload.get("copy_of"),
            user_id=payload.get("user_id"),
            until=payload.get("until"),
        )


@dataclass(frozen=True)
class Outcome:
    """Everything that should happen after a use case has committed its changes.

    `posted` went into the outbox with the change; `replies`, `letters` and `copies` are
    sent straight away (answers that changed nothing, and files, which the outbox does not
    hold).
    """

    replies: tuple[Reply, ...] = ()
    notice: str | None = field(default=None)
    """A short toast shown for a button press (answerCallbackQuery text)."""
    letters: tuple[Letter, ...] = ()
    copies: tuple[MediaCopy, ...] = ()
    posted: tuple[Envelope, ...] = ()

    def __add__(self, other: Outcome) -> Outcome:
        """Both outcomes, this one's messages first."""
        return Outcome(
            replies=self.replies + other.replies,
            notice=self.notice or other.notice,
            letters=self.letters + other.letters,
            copies=self.copies + other.copies,
            posted=self.posted + other.posted,
        )


class Views(Protocol):
    """Puts what a use case shows into words and buttons in the reader's language.

    Implemented by bot/telegram/views and handed to the services that need it, so services
    say what happened and never import the Telegram side. Rendering is pure: no I/O.
    """

    def render(self, result: Shown, t: Translator) -> Reply: ...
