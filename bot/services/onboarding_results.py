"""What the onboarding use cases show, as plain data without text (see dialogue_results)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class LanguageQuestion:
    """Which language to use; `languages` holds each one's code and name in itself."""

    languages: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class LanguageChosen:
    """The person chose a language; `name` is its name in itself."""

    name: str


@dataclass(frozen=True)
class ConsentQuestion:
    """What Palaver keeps, and whether they agree."""


@dataclass(frozen=True)
class ConsentGiven:
    """The person agreed to the consent text."""


@dataclass(frozen=True)
class ConsentDeclined:
    """The person declined: what is kept, and how to change their mind."""


@dataclass(frozen=True)
class AlreadyAgreed:
    """A consent answer from someone who has agreed already."""


@dataclass(frozen=True)
class Home:
    """The welcome (`returning`: welcome back) with what Palaver is and can do."""

    pseudonym: str | None
    returning: bool


@dataclass(frozen=True)
class FollowUpsResumed:
    """/start undid /stop: reminders and follow-ups are on again."""


@dataclass(frozen=True)
class HelpShown:
    """/help: what Palaver is and what this person can do now."""


@dataclass(frozen=True)
class UnknownCommand:
    """A command Palaver does not have."""

    command: str


@dataclass(frozen=True)
class UnexpectedMessage:
    """A sticker, photo, voice note or anything else that is not text."""


@dataclass(frozen=True)
class NoQuestionWaiting:
    """Text when no question is waiting for an answer."""


@dataclass(frozen=True)
class SlowDown:
    """Messages came faster than Palaver reads them; the extra ones were not read."""


@dataclass(frozen=True)
class Apology:
    """Something failed on Palaver's side."""


@dataclass(frozen=True)
class Refused:
    """A failure they caused (a stale button, an unknown language); `message` is the
    error's msgid."""

    message: str
    params: Mapping[str, object]


OnboardingResult = (
    LanguageQuestion
    | LanguageChosen
    | ConsentQuestion
    | ConsentGiven
    | ConsentDeclined
    | AlreadyAgreed
    | Home
    | FollowUpsResumed
    | HelpShown
    | UnknownCommand
    | UnexpectedMessage
    | NoQuestionWaiting
    | SlowDown
    | Refused
    | Apology
)
