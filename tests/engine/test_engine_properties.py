"""Property: whatever people press or type, in whatever order, the engine never breaks."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine import (
    ButtonPressed,
    Event,
    Finished,
    Leave,
    PartnerShared,
    RunState,
    Skip,
    Start,
    TextReceived,
    load_flow,
    step,
)
from tests.engine.support import DIALOGUES, T0

FLOWS = {
    path.stem: load_flow(path, {p.stem for p in DIALOGUES.glob("*.yaml")}).flow
    for path in sorted(DIALOGUES.glob("*.yaml"))
}
STEP_IDS = sorted({s.id for flow in FLOWS.values() for s in flow.steps})
VALUES = ["_skip", "_done", "yes", "no", "0", "50", "100", "1", "5", "d7", "me", "a", "partly"]

# An action is an event template; the button ones may borrow the real current step and turn
# ("fresh") or use an arbitrary, probably stale one.
actions = st.one_of(
    st.tuples(st.just("start")),
    st.tuples(
        st.just("text"), st.text(max_size=30) | st.sampled_from(["50", "yes", "3", "2030-01-01"])
    ),
    st.tuples(st.just("fresh"), st.sampled_from(VALUES)),
    st.tuples(
        st.just("stale"), st.sampled_from(STEP_IDS), st.integers(0, 40), st.sampled_from(VALUES)
    ),
    st.tuples(
        st.just("share"),
        st.sampled_from(["intro", "story", "heard", "confirmation", "why-care", "x"]),
        st.booleans(),
    ),
    st.tuples(st.just("skip")),
    st.tuples(st.just("leave")),
)


def to_event(action: tuple[object, ...], state: RunState, index: int) -> Event:
    now = T0 + timedelta(minutes=index)
    kind = action[0]
    if kind == "start":
        return Start(now)
    if kind == "text":
        return TextReceived(str(action[1]), now)
    if kind == "fresh":
        return ButtonPressed(state.step_id or "", state.turn, str(action[1]), now)
    if kind == "stale":
        return ButtonPressed(str(action[1]), int(str(action[2])), str(action[3]), now)
    if kind == "share":
        return PartnerShared(str(action[1]), "words", now, completes=bool(action[2]))
    if kind == "skip":
        return Skip(now)
    return Leave(now)


@settings(max_examples=300, deadline=None)
@given(flow_id=st.sampled_from(sorted(FLOWS)), script=st.lists(actions, max_size=40))
def test_random_events_never_raise_and_never_move_a_finished_run(
    flow_id: str, script: list[tuple[object, ...]]
) -> None:
    flow = FLOWS[flow_id]
    state = RunState.new(flow)
    for index, action in enumerate(script):
        event = to_event(action, state, index)
        new_state, effects = step(flow, state, event)
        if state.is_over:
            assert new_state == state
            assert not any(isinstance(e, Finished) for e in effects)
        if any(isinstance(e, Finished) for e in effects):
            assert new_state.is_over
        assert new_state.turn >= state.turn
        assert RunState.from_json(new_state.to_json()) == new_state
        if new_state.status in ("active", "waiting_partner"):
            assert new_state.step_id is not None and flow.has_step(new_state.step_id)
        state = new_state
