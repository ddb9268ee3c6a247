"""A program's common-ground conversation as the files of a Polis CSV export.

`summary.csv`, `comments.csv`, `votes.csv`, `participant-votes.csv` and `comment-groups.csv`,
with Polis's columns and vote convention (agree 1, disagree -1, pass 0), so that Polis tools
and analysis libraries (red-dwarf, polis-client notebooks) read Palaver's data as theirs.

People are numbered 0, 1, 2… in the order they first voted: never a Telegram id or a
pseudonym. The communities are the groups (`group-id` 0, 1… in the program's order); a
community with fewer voters than the conversation's minimum is no group at all (its people's
`group-id` is left empty and it has no columns in `comment-groups.csv`). A rejected
statement's words are left out: they were rejected for a reason.

Opinion groups found from the votes (bot/services/opinion_groups.py, with the `analysis`
extra) are added without changing Polis's columns: `comment-groups.csv` gets
`opinion-group-a-votes`… after the communities' columns, one set per group shown on the
organizer's screen (the same letters), and `summary.csv` an `opinion-groups` row (empty
without the extra). Who is in which opinion group is not written anywhere.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bot.services.common_ground_results import Tally, counted_communities
from bot.services.opinion_groups import GROUP_NAMES, OpinionGroups, opinion_groups
from bot.storage.common_ground_repositories import CastVote
from bot.storage.tables import (
    CommonGround,
    Community,
    Program,
    Statement,
    StatementStatus,
    VoteValue,
)
from bot.storage.unit_of_work import UnitOfWork

POLIS_VOTE = {VoteValue.AGREE: 1, VoteValue.DISAGREE: -1, VoteValue.PASS: 0}
MODERATED = {StatementStatus.APPROVED: 1, StatementStatus.PENDING: 0, StatementStatus.REJECTED: -1}
FILES = (
    "summary.csv",
    "comments.csv",
    "votes.csv",
    "participant-votes.csv",
    "comment-groups.csv",
)


@dataclass(frozen=True)
class PolisData:
    """Everything the Polis files are made of, read from the database."""

    program: Program
    conversation: CommonGround
    statements: list[Statement]
    votes: list[CastVote]
    communities: list[Community]


class NoCommonGround(Exception):
    """The program has no statements conversation to export."""


async def collect_polis(
    uow: UnitOfWork, program: Program, circle_id: int | None = None
) -> PolisData:
    """The program's conversation (or, `circle_id`, that circle's statements round), its
    statements and every vote (with the voter's community)."""
    conversation = (
        await uow.common_ground.of_program(program.id or 0)
        if circle_id is None
        else await uow.common_ground.of_circle(circle_id)
    )
    if conversation is not None and conversation.program_id != program.id:
        conversation = None
    if conversation is None:
        raise NoCommonGround()
    return PolisData(
        program=program,
        conversation=conversation,
        statements=await uow.common_ground.statements(conversation.id or 0),
        votes=await uow.common_ground.votes(conversation),
        communities=sorted(
            await uow.communities.of_program(program.id or 0), key=lambda c: (c.position, c.id)
        ),
    )


def polis_files(data: PolisData) -> dict[str, bytes]:
    """The five files of a Polis export, by name."""
    numbers: dict[int, int] = {}
    for vote in data.votes:
        numbers.setdefault(vote.person_id, len(numbers))
    for statement in data.statements:
        if statement.author_id is not None and not statement.seeded:
            numbers.setdefault(statement.author_id, len(numbers))
    community_of = {vote.person_id: vote.community_id for vote in data.votes}
    voters = Counter(community_of.values())
    counted = counted_communities(voters, data.conversation.min_voters)
    groups = {
        c.id or 0: index for index, c in enumerate(c for c in data.communities if c.id in counted)
    }
    statement_ids = [s.id or 0 for s in data.statements]

    tallies: dict[int, Counter[VoteValue]] = {i: Counter() for i in statement_ids}
    by_group: dict[tuple[int, int], Counter[VoteValue]] = {}
    by_person: dict[int, dict[int, int]] = {}
    for vote in data.votes:
        tallies.setdefault(vote.statement_id, Counter())[vote.value] += 1
        group = groups.get(vote.community_id or 0) if vote.community_id is not None else None
        if group is not None:
            by_group.setdefault((vote.statement_id, group), Counter())[vote.value] += 1
        by_person.setdefault(numbers[vote.person_id], {})[vote.statement_id] = POLIS_VOTE[
            vote.value
        ]
    written = Counter(
        numbers[s.author_id] for s in data.statements if s.author_id in numbers and not s.seeded
    )
    opinions = _opinion_groups(data)

    summary = _table(
        None,
        [
            ["topic", data.program.name],
            ["url", ""],
            ["voters", len(by_person)],
            ["voters-in-conv", len(by_person)],
            ["commenters", len(written)],
            ["comments", len(data.statements)],
            ["groups", len(groups)],
            ["conversation-description", ""],
            ["opinion-groups", "" if opinions is None else len(opinions.groups)],
        ],
    )
    comments = _table(
        [
            "timestamp",
            "datetime",
            "comment-id",
            "author-id",
            "agrees",
            "disagrees",
            "moderated",
            "comment-body",
        ],
        [
            [
                _milliseconds(s.created_at),
                _polis_datetime(s.created_at),
                s.id,
                numbers[s.author_id] if s.author_id in numbers and not s.seeded else -1,
                tallies[s.id or 0][VoteValue.AGREE],
                tallies[s.id or 0][VoteValue.DISAGREE],
                MODERATED[s.status],
                "" if s.status is StatementStatus.REJECTED else s.text,
            ]
            for s in data.statements
        ],
    )
    votes = _table(
        ["timestamp", "datetime", "comment-id", "voter-id", "vote"],
        [
            [
                _milliseconds(v.voted_at),
                _polis_datetime(v.voted_at),
                v.statement_id,
                numbers[v.person_id],
                POLIS_VOTE[v.value],
            ]
            for v in data.votes
        ],
    )
    group_of_number = {
        numbers[person]: groups.get(community) if community is not None else None
        for person, community in community_of.items()
    }
    participant_votes = _table(
        ["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]
        + [str(i) for i in statement_ids],
        [
            [
                number,
                "" if group_of_number.get(number) is None else group_of_number[number],
                written[number],
                len(cast),
                sum(1 for value in cast.values() if value == 1),
                sum(1 for value in cast.values() if value == -1),
                *(cast.get(i, "") for i in statement_ids),
            ]
            for number, cast in sorted(by_person.items())
        ],
    )
    letters = [_group_letter(index) for index in range(len(groups))]
    shown = opinions.groups if opinions is not None else ()
    comment_groups = _table(
        ["comment-id", "comment", "total-votes", "total-agrees", "total-disagrees", "total-passes"]
        + [
            f"group-{letter}-{what}"
            for letter in letters
            for what in ("votes", "agrees", "disagrees", "passes")
        ]
        + [
            f"opinion-group-{name.lower()}-{what}"
            for name, _ in zip(GROUP_NAMES, shown, strict=False)
            for what in ("votes", "agrees", "disagrees", "passes")
        ],
        [
            [
                s.id,
                "" if s.status is StatementStatus.REJECTED else s.text,
                *_counts(tallies[s.id or 0]),
                *(
                    count
                    for index in range(len(groups))
                    for count in _counts(by_group.get((s.id or 0, index), Counter()))
                ),
                *(
                    count
                    for group in shown
                    for count in _tally_counts(group.by_statement.get(s.id or 0, Tally()))
                ),
            ]
            for s in data.statements
        ],
    )
    return {
        "summary.csv": summary,
        "comments.csv": comments,
        "votes.csv": votes,
        "participant-votes.csv": participant_votes,
        "comment-groups.csv": comment_groups,
    }


def _opinion_groups(data: PolisData) -> OpinionGroups | None:
    """The opinion groups the organizer's screen shows: from the votes on approved statements."""
    approved = {s.id for s in data.statements if s.status is StatementStatus.APPROVED}
    return opinion_groups(
        [vote for vote in data.votes if vote.statement_id in approved],
        data.conversation.min_voters,
    )


def _tally_counts(tally: Tally) -> list[int]:
    return [tally.votes, tally.agrees, tally.disagrees, tally.passes]


def _counts(tally: Counter[VoteValue]) -> list[int]:
    agrees, disagrees, passes = (tally[v] for v in VoteValue)
    return [agrees + disagrees + passes, agrees, disagrees, passes]


def _group_letter(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index] if index < 26 else str(index)


def _milliseconds(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _polis_datetime(moment: datetime) -> str:
    """Polis's own way of writing a time (JavaScript's Date.toString in UTC)."""
    return moment.strftime("%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)")


def _table(header: list[str] | None, body: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows([_safe(cell) for cell in row] for row in body)
    return out.getvalue().encode()


def _safe(cell: object) -> object:
    """Words that a spreadsheet would run as a formula are kept as words."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@"):
        return "'" + cell
    return cell
