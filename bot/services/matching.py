"""Choosing a partner for an exchange across the divide: a pure function, tested alone."""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    """Someone looking for a partner in a program."""

    person_id: int
    community_id: int | None
    """None: they preferred not to say."""
    languages: frozenset[str]
    waiting_since: datetime


def can_pair(
    seeker: Candidate,
    other: Candidate,
    past_partners: Set[int],
    *,
    same_language_required: bool,
) -> bool:
    """Whether two people may be paired.

    They must be from different communities: someone who preferred not to say may meet
    anyone who did say, but two who did not say are never paired (they might be from the
    same side). They must never have been paired before, and, when the program asks for it,
    must share a language.
    """
    if seeker.person_id == other.person_id or other.person_id in past_partners:
        return False
    if seeker.community_id is None and other.community_id is None:
        return False
    if seeker.community_id == other.community_id:
        return False
    return not same_language_required or bool(seeker.languages & other.languages)


def choose_partner(
    seeker: Candidate,
    waiting: Iterable[Candidate],
    past_partners: Set[int],
    *,
    same_language_required: bool,
) -> Candidate | None:
    """The person who has waited longest among those the seeker may be paired with."""
    eligible = [
        other
        for other in waiting
        if can_pair(seeker, other, past_partners, same_language_required=same_language_required)
    ]
    return min(eligible, key=lambda other: (other.waiting_since, other.person_id), default=None)
