"""What the exchange use cases show, as plain data without text (see dialogue_results)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StillLooking:
    """No partner yet: Palaver keeps looking and will write."""


@dataclass(frozen=True)
class AlreadyInExchange:
    """/partner from someone already in an exchange."""


@dataclass(frozen=True)
class NotInExchange:
    """An exchange command from someone who is in none."""


@dataclass(frozen=True)
class ConfirmEnding:
    """/end or /newpartner, asked again before the exchange ends; `action` is the
    ExchangeAction the confirming button carries (END or NEW_PARTNER)."""

    action: str


@dataclass(frozen=True)
class GoingOn:
    """The person chose not to end their exchange after all."""


@dataclass(frozen=True)
class ExchangeEnded:
    """The person ended their exchange."""


@dataclass(frozen=True)
class AnswerAwaited:
    """A nudge to someone whose partner waits for their answer."""


@dataclass(frozen=True)
class PartnerQuiet:
    """A nudge to someone whose partner has been quiet too long: meet someone new?"""


@dataclass(frozen=True)
class SoloOffers:
    """The solo flows a program offers; `flows` holds each one's id and title (a msgid)."""

    program_id: int
    flows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PartnerOffer:
    """A new member of a program that pairs people: meet a partner when ready."""

    program_id: int


ExchangeResult = (
    StillLooking
    | AlreadyInExchange
    | NotInExchange
    | ConfirmEnding
    | GoingOn
    | ExchangeEnded
    | AnswerAwaited
    | PartnerQuiet
    | SoloOffers
    | PartnerOffer
)
