"""Small pieces with sharp edges: message splitting, callback data, partner matching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.errors import StaleButton
from bot.services.matching import Candidate, can_pair, choose_partner
from bot.services.replies import ButtonAction
from bot.telegram.callback_data import decode, encode
from bot.telegram.delivery import MAX_MESSAGE_LENGTH, split_text

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_long_text_is_split_at_paragraphs_and_nothing_is_lost() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 300 for n in range(6)]
    text = "\n\n".join(paragraphs)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(part) <= MAX_MESSAGE_LENGTH for part in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace(
        "\n", ""
    )


def test_text_without_spaces_is_cut_hard_but_kept_whole() -> None:
    text = "x" * 10_000
    parts = split_text(text)
    assert [len(part) for part in parts] == [4096, 4096, 1808]


def test_short_text_is_one_part() -> None:
    assert split_text("Hello") == ["Hello"]


def test_callback_data_round_trips() -> None:
    action = ButtonAction("r", "12.3.yes")
    assert decode(encode(action), frozenset({"r"})) == action


@pytest.mark.parametrize("data", ["", "r", "zz:1", "r:1 2", "r:" + "9" * 70, "r:<script>"])
def test_forged_callback_data_is_stale(data: str) -> None:
    with pytest.raises(StaleButton):
        decode(data, frozenset({"r"}))


def test_an_action_too_long_for_telegram_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match="cannot be encoded"):
        encode(ButtonAction("r", "x" * 70))


def person(pid: int, community: int | None, *languages: str, waited: int = 0) -> Candidate:
    return Candidate(pid, community, frozenset(languages), NOW - timedelta(minutes=waited))


def test_partners_come_from_different_communities() -> None:
    seeker = person(1, 10, "en")
    assert not can_pair(seeker, person(2, 10, "en"), set(), same_language_required=True)
    assert can_pair(seeker, person(3, 20, "en"), set(), same_language_required=True)


def test_two_people_who_did_not_say_their_community_are_never_paired() -> None:
    assert not can_pair(
        person(1, None, "en"), person(2, None, "en"), set(), same_language_required=True
    )
    assert can_pair(person(1, None, "en"), person(2, 20, "en"), set(), same_language_required=True)


def test_a_shared_language_is_required_only_when_the_program_says_so() -> None:
    seeker, other = person(1, 10, "ar"), person(2, 20, "he")
    assert not can_pair(seeker, other, set(), same_language_required=True)
    assert can_pair(seeker, other, set(), same_language_required=False)


def test_past_partners_are_never_paired_again() -> None:
    assert not can_pair(person(1, 10, "en"), person(2, 20, "en"), {2}, same_language_required=True)


def test_the_longest_waiting_eligible_person_is_chosen() -> None:
    seeker = person(1, 10, "en")
    waiting = [
        person(2, 20, "en", waited=5),
        person(3, 20, "en", waited=50),
        person(4, 10, "en", waited=99),
    ]
    chosen = choose_partner(seeker, waiting, set(), same_language_required=True)
    assert chosen is not None and chosen.person_id == 3
