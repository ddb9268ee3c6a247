"""Keeping single people out of exports: cohort blocks, small cells, complementary cells.

Three rules, each closing one way of singling someone out:

1. **Cohort blocks.** Within each community, participants are taken in the order they joined
   and cut into blocks of exactly `min_group_size` people. An export covers whole blocks
   only: those whose members all joined within the period asked for. A last block that is
   not full yet is left out until it is. So two exports of overlapping periods differ by
   whole blocks, never by one person who joined on the day one of them includes and the
   other does not. (Blocks are cut by the order of joining, which new people never change.)
2. **Small cells.** A figure about 1 to `min_group_size - 1` people is hidden (zero is shown:
   it is about nobody).
3. **Complementary cells.** Where figures add up to a shown total (communities to all
   communities, the options of a question to its respondents, where people stopped to the
   people who started), the hidden part could be worked out by subtraction. When it is about
   1 to `min_group_size - 1` people, the smallest shown part is hidden too (or the total,
   when no part is left), until what is hidden is about enough people or nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from bot.export.model import Figure
from bot.storage.export_repositories import MemberRow


@dataclass
class Cohort:
    """The participants an export is about, with the community each belongs to."""

    community_of: dict[int, int | None] = field(default_factory=dict)
    left: set[int] = field(default_factory=set)
    block_days: list[date] = field(default_factory=list)
    """For each block in the export, the day its last member joined."""
    first_joined: date | None = None
    last_joined: date | None = None

    def __contains__(self, person_id: object) -> bool:
        return person_id in self.community_of


def select_cohort(
    members: Iterable[MemberRow], block_size: int, since: date | None, until: date | None
) -> Cohort:
    """Whole blocks of `block_size` joiners per community, all joined within the period."""
    blocks: dict[int | None, list[MemberRow]] = defaultdict(list)
    cohort = Cohort()

    def close(block: list[MemberRow]) -> None:
        days = [member.joined_at.date() for member in block]
        if (since is not None and min(days) < since) or (until is not None and max(days) > until):
            return
        for member in block:
            cohort.community_of[member.person_id] = member.community_id
            if member.left:
                cohort.left.add(member.person_id)
        cohort.block_days.append(max(days))
        cohort.first_joined = min(filter(None, (cohort.first_joined, min(days))))
        cohort.last_joined = max(filter(None, (cohort.last_joined, max(days))))

    for member in members:
        block = blocks[member.community_id]
        block.append(member)
        if len(block) == block_size:
            close(block)
            blocks[member.community_id] = []
    return cohort


@dataclass
class AdditiveGroup:
    """Parts that add up to a total (the parts may leave some of the total's people out)."""

    total: Figure
    parts: list[Figure]


def suppress(figures: Iterable[Figure], groups: list[AdditiveGroup], min_size: int) -> None:
    """Hide small figures, then whatever would let a hidden one be worked out."""
    for figure in figures:
        if 0 < figure.people < min_size:
            figure.hide()
    changed = True
    while changed:
        changed = False
        for group in groups:
            changed |= _protect(group, min_size)


def _protect(group: AdditiveGroup, min_size: int) -> bool:
    """Hide more of `group` while its hidden remainder is about 1 to min_size - 1 people."""
    if group.total.suppressed:
        return False
    changed = False
    while True:
        shown = [part for part in group.parts if not part.suppressed]
        remainder = group.total.people - sum(part.people for part in shown)
        if not 0 < remainder < min_size:
            return changed
        candidates = [part for part in shown if part.people > 0]
        if candidates:
            min(candidates, key=lambda part: part.people).hide()
        else:
            group.total.hide()
            return True
        changed = True
