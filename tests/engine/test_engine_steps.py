"""Branches, shares and waits, commitments, schedules, notices and flow versions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from bot.engine import (
    FlowLibrary,
    FlowVersionMismatch,
    Message,
    NotifyFacilitator,
    RecordCommitment,
    RunState,
    ScheduleFollowUp,
    SendText,
    ShareWithPartner,
    ShowPartnerShare,
    Start,
    canonical_json,
    flow_from_snapshot,
    read_flow_text,
    step,
    version_hash,
)
from bot.engine import messages as m
from bot.engine.engine import case_matches
from bot.engine.schema import Case
from tests.engine.support import T0, Driver, effects_of, flow_from_steps


@pytest.mark.parametrize(
    ("condition", "answers", "matches"),
    [
        ({"equals": "yes"}, {"k": "yes"}, True),
        ({"equals": "yes"}, {"k": "no"}, False),
        ({"equals": 50}, {"k": 50}, True),
        ({"equals": "b"}, {"k": ["a", "b"]}, True),
        ({"in": ["a", "c"]}, {"k": ["b", "c"]}, True),
        ({"in": ["a", "c"]}, {"k": "b"}, False),
        ({"gte": 40}, {"k": 40}, True),
        ({"gte": 40}, {"k": 39}, False),
        ({"gte": 40, "lte": 60}, {"k": 61}, False),
        ({"lte": 3}, {"k": "2"}, False),  # text is never a number
        ({"gte": 0}, {"k": None}, False),
        ({"answered": True}, {"k": "x"}, True),
        ({"answered": True}, {"k": None}, False),
        ({"answered": False}, {}, True),
        ({"skipped": True}, {"k": None}, True),
        ({"skipped": True}, {}, False),  # never asked is not skipped
        ({"equals": "yes"}, {}, False),
    ],
)
def test_branch_conditions(
    condition: dict[str, object], answers: dict[str, Any], matches: bool
) -> None:
    case = Case.model_validate({"key": "k", "goto": "x", **condition})
    assert case_matches(case, answers) is matches


BRANCHING = flow_from_steps(
    """
    - id: warmth
      kind: ask
      text: Warmth?
      answer: {type: scale_0_100}
    - id: route
      kind: branch
      cases:
        - {key: warmth, lte: 30, goto: cold}
        - {key: warmth, skipped: true, goto: skipped}
      default: warm
    - id: cold
      kind: end
      text: Cold.
    - id: skipped
      kind: end
      text: Skipped.
    - id: warm
      kind: end
      text: Warm.
    """
)


@pytest.mark.parametrize(
    ("answer", "ending"), [("20", "Cold."), ("/skip", "Skipped."), ("90", "Warm.")]
)
def test_branch_goes_to_the_first_matching_case_or_the_default(answer: str, ending: str) -> None:
    driver = Driver(BRANCHING)
    driver.start()
    driver.skip() if answer == "/skip" else driver.text(answer)
    assert driver.texts() == [ending]


PAIR = flow_from_steps(
    """
    - id: story
      kind: ask
      text: Your story?
      answer: {type: text}
    - id: share-story
      kind: share
      key: story
      heading: "{partner}'s story:"
    - id: wait-story
      kind: wait
      key: story
      text: Waiting for {partner}.
    - id: bye
      kind: end
      text: Bye.
    """,
    kind="pair",
)


def test_share_relays_the_answer_and_wait_holds_until_the_partner_shares() -> None:
    driver = Driver(PAIR)
    driver.start()
    effects = driver.text("Mine.")
    assert driver.shares() == [ShareWithPartner("story", "Mine.", "{partner}'s story:")]
    assert driver.texts() == ["Waiting for {partner}."]
    assert driver.state.status == "waiting_partner"
    assert effects[-1] == SendText(Message("Waiting for {partner}."))
    assert driver.text("hello?") == [SendText(Message(m.STILL_WAITING))]
    effects = driver.shared("story", "Theirs.", heading="{partner}'s story:")
    assert effects[0] == ShowPartnerShare(Message("{partner}'s story:"), "Theirs.")
    assert str(driver.state.status) == "finished"


def test_wait_does_not_wait_when_the_share_arrived_earlier() -> None:
    driver = Driver(PAIR)
    driver.start()
    driver.shared("story", "Theirs first.", sender="Noa")
    assert driver.state.step_id == "story" and driver.state.received
    effects = driver.text("Mine.")
    shown = effects_of(effects, ShowPartnerShare)
    assert shown == [
        ShowPartnerShare(Message("{partner} wrote:", {"partner": "Noa"}), "Theirs first.")
    ]
    assert driver.state.status == "finished"
    assert driver.state.received == {}


def test_skipped_share_tells_the_partner_instead_of_showing_nothing() -> None:
    driver = Driver(PAIR)
    driver.start()
    driver.skip()
    assert driver.shares()[0].text is None
    driver.shared("story", None)
    assert driver.texts()[0] == "{partner} chose to skip this one."


def test_fixed_message_share_is_shown_as_a_message() -> None:
    driver = Driver(PAIR)
    driver.start()
    driver.text("Mine.")
    driver.shared("story", None, message="{partner} says you heard them well.")
    assert driver.texts()[0] == "{partner} says you heard them well."


def test_circle_wait_shows_each_share_and_moves_on_when_the_round_completes() -> None:
    driver = Driver(PAIR)
    driver.start()
    driver.text("Mine.")
    first = driver.shared("story", "One.", sender="Ana", completes=False)
    assert effects_of(first, ShowPartnerShare) and driver.state.status == "waiting_partner"
    driver.shared("story", "Two.", sender="Bo", completes=True)
    assert str(driver.state.status) == "finished"


def test_share_for_another_key_does_not_release_the_wait() -> None:
    driver = Driver(PAIR)
    driver.start()
    driver.text("Mine.")
    assert driver.shared("other", "Hm.") == []
    assert driver.state.status == "waiting_partner"


def test_skip_while_waiting_explains_there_is_nothing_to_skip() -> None:
    driver = Driver(PAIR)
    driver.start()
    driver.text("Mine.")
    driver.skip()
    assert driver.texts() == [m.CANNOT_SKIP_WAITING]


COMMIT = flow_from_steps(
    """
    - id: promise
      kind: commit
      text: What will you do?
      ask_owner: true
    - id: later
      kind: schedule
      flow: test-flow
      after: P2W
    - id: tell
      kind: notify
      reason: Someone made a promise.
    - id: bye
      kind: end
      text: Bye.
    """
)


def test_commitment_asks_what_when_and_who_then_records_it() -> None:
    driver = Driver(COMMIT)
    driver.start()
    assert driver.texts() == ["What will you do?"]
    driver.text("Fix the well pump")
    assert [b.value for b in driver.buttons()] == ["d7", "d14", "d30", "_skip"]
    driver.press("d14")
    assert driver.texts() == ["Who will take this on? A role is enough, no names needed."]
    effects = driver.press("group")
    today = driver.clock.date()
    assert effects_of(effects, RecordCommitment) == [
        RecordCommitment(
            "promise", "Fix the well pump", today + timedelta(days=14), "group", "promise"
        )
    ]
    (follow_up,) = effects_of(effects, ScheduleFollowUp)
    assert isinstance(follow_up, ScheduleFollowUp)
    assert follow_up.flow_id == "test-flow" and follow_up.delay == timedelta(weeks=2)
    assert follow_up.due_at == driver.clock + timedelta(weeks=2)
    assert effects_of(effects, NotifyFacilitator) == [
        NotifyFacilitator("Someone made a promise.", "tell")
    ]
    assert driver.state.answers["promise_due"] == (today + timedelta(days=14)).isoformat()


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("next week", m.DUE_INVALID),
        ("2025-02-01", m.DUE_IN_THE_PAST),
        ("31.02.2026", m.DUE_INVALID),
    ],
)
def test_commitment_date_that_is_not_a_future_date_is_reasked(typed: str, problem: str) -> None:
    driver = Driver(COMMIT)
    driver.start()
    driver.text("Paint the school")
    driver.text(typed)
    assert driver.texts() == [problem]
    assert driver.state.commit_phase == "due"


def test_commitment_accepts_typed_dates_and_a_typed_owner() -> None:
    driver = Driver(COMMIT)
    driver.start()
    driver.text("Paint the school")
    driver.text("15.04.2025")
    effects = driver.text("the youth group")
    assert effects_of(effects, RecordCommitment)[0].due == date(2025, 4, 15)


def test_skipping_the_commitment_records_nothing_to_follow_up() -> None:
    driver = Driver(COMMIT)
    driver.start()
    effects = driver.skip()
    assert not effects_of(effects, RecordCommitment)
    assert driver.state.answers["promise"] is None


def test_skipping_only_the_date_keeps_the_commitment_without_one() -> None:
    driver = Driver(COMMIT)
    driver.start()
    driver.text("Call the council")
    driver.skip()
    effects = driver.press("me")
    assert effects_of(effects, RecordCommitment) == [
        RecordCommitment("promise", "Call the council", None, "me", "promise")
    ]


def test_version_hash_ignores_yaml_layout_but_not_content() -> None:
    compact = PAIR_TEXT
    spaced = PAIR_TEXT.replace("kind: ask", "kind:   ask  # comment")
    assert version_hash(read_flow_text(compact).flow) == version_hash(read_flow_text(spaced).flow)
    edited = PAIR_TEXT.replace("Hello.", "Hello there.")
    assert version_hash(read_flow_text(edited).flow) != version_hash(read_flow_text(compact).flow)


PAIR_TEXT = """\
schema_version: 1
id: hello
track: VI
kind: solo
title: Hello
description: Says hello.
duration_minutes: 1
steps:
  - id: hi
    kind: ask
    text: Hello.
    answer: {type: yes_no}
  - id: bye
    kind: end
    text: Bye.
"""


def test_run_keeps_the_flow_version_it_started_with_after_an_edit() -> None:
    original = read_flow_text(PAIR_TEXT).flow
    edited = read_flow_text(PAIR_TEXT.replace("Hello.", "Hello, friend.")).flow
    library = FlowLibrary()
    library.add(original)
    state, _ = step(original, RunState.new(original), Start(T0))
    library.add(edited)  # the file changed while the run was under way
    assert library.is_outdated(state)
    assert library.latest("hello") == edited
    assert library.for_run(state) == original
    with pytest.raises(FlowVersionMismatch):
        step(edited, state, Start(T0))
    new_state, _ = step(library.latest("hello"), RunState.new(edited), Start(T0))
    assert not library.is_outdated(new_state)


def test_flow_snapshot_restores_the_exact_version_after_a_restart() -> None:
    original = read_flow_text(PAIR_TEXT).flow
    snapshot = FlowLibrary.snapshot(original)
    assert snapshot == canonical_json(original)
    restored = flow_from_snapshot(snapshot, expected_version=version_hash(original))
    assert restored == original
    library = FlowLibrary()
    library.add(read_flow_text(PAIR_TEXT.replace("Bye.", "Goodbye.")).flow)
    library.add_snapshot(snapshot)
    assert library.get("hello", version_hash(original)) == original
    assert library.latest("hello") != original
