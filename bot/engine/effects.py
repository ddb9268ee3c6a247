"""Effects: what the shell should do after a step. Plain data, no behaviour but rendering."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from bot.engine.events import PartnerShared

AnswerValue = str | int | list[str] | None
"""An answer: text or option id, a number, a list of option ids, or None when skipped."""


@dataclass(frozen=True)
class Message:
    """A text to show: a gettext msgid plus the values of its placeholders.

    `verbatim` messages (numbers on buttons, say) are shown as they are, untranslated.
    """

    msgid: str
    params: Mapping[str, str | int] = field(default_factory=dict)
    verbatim: bool = False


class _KeepUnknown(dict[str, object]):
    # A placeholder nobody filled stays visible as `{name}` instead of raising: a typo in a
    # translation must not stop a conversation.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_message(
    message: Message,
    translate: Callable[[str], str],
    context: Mapping[str, str | int] | None = None,
) -> str:
    """The message as text: translated (unless verbatim), placeholders filled.

    `context` holds what only the shell knows (`partner`, `name`); the message's own params
    win over it.
    """
    text = message.msgid if message.verbatim else translate(message.msgid)
    values = _KeepUnknown({**(context or {}), **message.params})
    try:
        return text.format_map(values)
    except (ValueError, IndexError):
        # Stray braces in a translation: show it unformatted rather than fail.
        return text


@dataclass(frozen=True)
class Button:
    """An inline button. `step_id`, `turn` and `value` come back in `ButtonPressed`."""

    label: Message
    value: str
    step_id: str
    turn: int
    selected: bool = False


ButtonRows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class SendText:
    """Send a message, optionally with buttons and a hint line under it.

    `pause_seconds`: wait this long after sending before sending what follows.
    """

    text: Message
    buttons: ButtonRows = ()
    hint: Message | None = None
    pause_seconds: float = 0


@dataclass(frozen=True)
class EditButtons:
    """Replace the buttons of the question for this step and turn (ticks in a multi-choice)."""

    step_id: str
    turn: int
    buttons: ButtonRows


@dataclass(frozen=True)
class ShowPartnerShare:
    """Show what a partner shared: a heading (msgid) and their own words, untranslated."""

    heading: Message
    text: str


@dataclass(frozen=True)
class ShareWithPartner:
    """Relay to the partner(s): an answer (`text`, None if skipped) or a fixed `message`."""

    key: str
    text: str | None
    heading: str
    message: str | None = None

    def to_event(self, now: datetime, sender: str = "", completes: bool = True) -> PartnerShared:
        """The event to deliver to the partner's run (see `PartnerShared` for `completes`)."""
        return PartnerShared(
            key=self.key,
            text=self.text,
            now=now,
            heading=self.heading,
            message=self.message,
            sender=sender,
            completes=completes,
        )


@dataclass(frozen=True)
class RecordAnswer:
    """Keep an answer (every answer, also repeated ones in a loop) for exports."""

    key: str
    value: AnswerValue
    step_id: str
    survey: Literal["pre", "post", "later"] | None = None
    measure: str | None = None


@dataclass(frozen=True)
class RecordCommitment:
    """Keep a commitment for follow-up: what, by when (None if skipped), and who (if asked)."""

    key: str
    what: str
    due: date | None
    owner: str | None
    step_id: str


@dataclass(frozen=True)
class ScheduleFollowUp:
    """Start `flow_id` for this person after `delay` (at `due_at`)."""

    flow_id: str
    delay: timedelta
    due_at: datetime


@dataclass(frozen=True)
class NotifyFacilitator:
    """Tell the program's facilitators something; never shown to the person."""

    reason: str
    step_id: str


@dataclass(frozen=True)
class ButtonIgnored:
    """A stale or repeated button press: nothing happened; tell the person politely."""

    notice: Message


@dataclass(frozen=True)
class Finished:
    """The run is over: it reached an end (`finished`) or the person left (`left`)."""

    status: Literal["finished", "left"]


Effect = (
    SendText
    | EditButtons
    | ShowPartnerShare
    | ShareWithPartner
    | RecordAnswer
    | RecordCommitment
    | ScheduleFollowUp
    | NotifyFacilitator
    | ButtonIgnored
    | Finished
)
