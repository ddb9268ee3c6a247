"""The engine on one person's run: questions, answers, skips, stale buttons, leaving."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.engine import (
    ButtonIgnored,
    ButtonPressed,
    Finished,
    Message,
    RecordAnswer,
    RunState,
    SendText,
    Start,
    TextReceived,
    step,
)
from bot.engine import messages as m
from bot.engine.effects import EditButtons
from tests.engine.support import Driver, effects_of, flow_from_steps

THERMOMETER = flow_from_steps(
    """
    - id: hello
      kind: say
      text: Hello {name}.
      pause_seconds: 2
    - id: warmth
      kind: ask
      text: How warm do you feel?
      answer: {type: scale_0_100}
      survey: pre
      measure: thermometer
    - id: bye
      kind: end
      text: Bye.
    """
)


def answered(driver: Driver) -> list[RecordAnswer]:
    return [e for e in driver.effects if isinstance(e, RecordAnswer)]


def test_start_says_hello_then_asks_the_first_question_with_buttons() -> None:
    driver = Driver(THERMOMETER)
    effects = driver.start()
    hello, question = effects_of(effects, SendText)
    assert isinstance(hello, SendText) and isinstance(question, SendText)
    assert hello.text.msgid == "Hello {name}." and hello.pause_seconds == 2
    assert question.text.msgid == "How warm do you feel?"
    values = [b.value for b in driver.buttons()]
    assert values == [str(n) for n in range(0, 101, 10)] + ["_skip"]
    assert question.hint is not None and question.hint.msgid == m.SCALE_HINT
    assert driver.state.status == "active" and driver.state.step_id == "warmth"


def test_thermometer_accepts_a_tapped_button() -> None:
    driver = Driver(THERMOMETER)
    driver.start()
    driver.press("70")
    assert answered(driver) == [RecordAnswer("warmth", 70, "warmth", "pre", "thermometer")]
    assert driver.state.status == "finished"


@pytest.mark.parametrize(
    ("typed", "value"), [("73", 73), (" 73 ", 73), ("73%", 73), ("72.6", 73), ("٧٥", 75), ("0", 0)]
)
def test_thermometer_accepts_a_typed_number(typed: str, value: int) -> None:
    driver = Driver(THERMOMETER)
    driver.start()
    driver.text(typed)
    assert answered(driver)[0].value == value


@pytest.mark.parametrize("typed", ["warm", "101", "-5", "", "fifty"])
def test_wrong_thermometer_answer_is_reasked_with_what_is_expected(typed: str) -> None:
    driver = Driver(THERMOMETER)
    driver.start()
    before = driver.state
    effects = driver.text(typed)
    assert len(effects) == 1
    reask = effects[0]
    assert isinstance(reask, SendText)
    assert reask.text.msgid == "Please send a number from 0 to 100, or tap one of the buttons."
    assert next(b.value for row in reask.buttons for b in row) == "0"
    assert driver.state == before


def test_skip_records_an_empty_answer_and_moves_on() -> None:
    driver = Driver(THERMOMETER)
    driver.start()
    driver.skip()
    assert answered(driver)[0].value is None
    assert driver.state.answers == {"warmth": None}
    assert driver.state.status == "finished"


def test_skip_button_works_like_the_skip_command() -> None:
    driver = Driver(THERMOMETER)
    driver.start()
    driver.press("_skip")
    assert driver.state.answers == {"warmth": None}


def test_question_that_cannot_be_skipped_says_so_and_stays() -> None:
    flow = flow_from_steps(
        """
        - id: consent
          kind: ask
          text: Do you agree?
          answer: {type: yes_no}
          skippable: false
        - id: bye
          kind: end
          text: Bye.
        """
    )
    driver = Driver(flow)
    driver.start()
    assert "_skip" not in [b.value for b in driver.buttons()]
    driver.skip()
    assert driver.texts() == [m.NOT_SKIPPABLE]
    assert driver.state.step_id == "consent"


def test_stale_button_press_does_not_advance_the_run() -> None:
    flow = flow_from_steps(
        """
        - id: first
          kind: ask
          text: First?
          answer: {type: yes_no}
        - id: second
          kind: ask
          text: Second?
          answer: {type: yes_no}
        - id: bye
          kind: end
          text: Bye.
        """
    )
    driver = Driver(flow)
    driver.start()
    old_yes = driver.buttons()[0]
    driver.press("yes")
    assert driver.state.step_id == "second"
    before = driver.state
    effects = driver.press("yes", button=old_yes)
    assert effects == [ButtonIgnored(Message(m.ALREADY_ANSWERED))]
    assert driver.state == before


def test_double_press_counts_once() -> None:
    flow = flow_from_steps(
        """
        - id: again
          kind: ask
          text: Again?
          answer: {type: yes_no}
        - id: loop
          kind: branch
          cases:
            - {key: again, equals: "yes", goto: again}
          default: bye
        - id: bye
          kind: end
          text: Bye.
        """
    )
    driver = Driver(flow)
    driver.start()
    yes = driver.buttons()[0]
    driver.press("yes", button=yes)
    # The same question is asked again, but with a new turn: the old button is stale.
    assert driver.state.step_id == "again"
    effects = driver.press("yes", button=yes)
    assert effects_of(effects, ButtonIgnored)
    assert not effects_of(effects, RecordAnswer)


def test_button_of_an_unknown_value_is_reasked_not_accepted() -> None:
    driver = Driver(THERMOMETER)
    driver.start()
    current = driver.buttons()[0]
    driver.send(ButtonPressed(current.step_id, current.turn, "55", driver.now()))
    assert driver.texts() == [m.TAP_A_BUTTON]
    assert driver.state.step_id == "warmth"


def test_text_answer_outside_the_length_limits_is_reasked() -> None:
    flow = flow_from_steps(
        """
        - id: story
          kind: ask
          text: Your story?
          answer: {type: text, min_length: 5, max_length: 20}
        - id: bye
          kind: end
          text: Bye.
        """
    )
    driver = Driver(flow)
    driver.start()
    (too_short,) = effects_of(driver.text("Hi"), SendText)
    assert isinstance(too_short, SendText)
    assert too_short.text.msgid == m.TEXT_TOO_SHORT and too_short.text.params == {"min": 5}
    (too_long,) = effects_of(driver.text("x" * 21), SendText)
    assert isinstance(too_long, SendText) and too_long.text.msgid == m.TEXT_TOO_LONG
    driver.text("  A good day.  ")
    assert driver.state.answers == {"story": "A good day."}


def test_likert_single_choice_and_yes_no_accept_buttons_and_typed_answers() -> None:
    flow = flow_from_steps(
        """
        - id: trust
          kind: ask
          text: Trust?
          answer: {type: likert5}
        - id: colour
          kind: ask
          text: Colour?
          answer:
            type: single_choice
            options: [{id: red, label: Red}, {id: blue, label: Deep blue}]
          store_as: favourite
        - id: more
          kind: ask
          text: More?
          answer: {type: yes_no}
        - id: bye
          kind: end
          text: Bye.
        """
    )
    driver = Driver(flow)
    driver.start()
    assert [b.label.msgid for b in driver.buttons()][:2] == ["Strongly disagree", "Disagree"]
    driver.text("4")
    driver.text("deep blue")
    driver.text("Y")
    assert driver.state.answers == {"trust": 4, "favourite": "blue", "more": "yes"}


def test_multiple_choice_ticks_options_then_done_records_them_in_option_order() -> None:
    flow = flow_from_steps(
        """
        - id: needs
          kind: ask
          text: Needs?
          answer:
            type: multiple_choice
            options: [{id: a, label: A}, {id: b, label: B}, {id: c, label: C}]
            min_selections: 1
            max_selections: 2
        - id: bye
          kind: end
          text: Bye.
        """
    )
    driver = Driver(flow)
    driver.start()
    driver.press("_done")
    assert driver.texts() == [m.CHOOSE_AT_LEAST]
    (edit,) = driver.press("c")
    assert isinstance(edit, EditButtons)
    assert [b.value for b in driver.buttons() if b.selected] == ["c"]
    driver.press("a")
    effects = driver.press("b")
    assert effects_of(effects, ButtonIgnored)  # a third tick is over the maximum
    driver.press("c")  # untick
    driver.press("b")
    driver.press("_done")
    assert driver.state.answers == {"needs": ["a", "b"]}
    assert driver.state.status == "finished"


def test_start_again_during_a_run_repeats_the_question_without_advancing() -> None:
    driver = Driver(THERMOMETER)
    driver.start()
    first = driver.buttons()
    before = driver.state
    effects = driver.start()
    assert [e.text.msgid for e in effects_of(effects, SendText)] == ["How warm do you feel?"]
    assert driver.buttons() == first
    assert driver.state == before


def test_leaving_ends_the_run_and_nothing_moves_it_afterwards() -> None:
    driver = Driver(THERMOMETER)
    driver.start()
    current = driver.buttons()[0]
    assert driver.leave() == [Finished("left")]
    left = driver.state
    assert left.status == "left"
    assert driver.text("50") == []
    assert driver.start() == []
    assert effects_of(driver.press("0", button=current), ButtonIgnored)
    assert driver.state == left


def test_input_before_start_is_ignored() -> None:
    driver = Driver(THERMOMETER)
    assert driver.text("hello") == []
    assert driver.state.status == "new"


def test_end_finishes_the_run() -> None:
    driver = Driver(THERMOMETER)
    driver.start()
    effects = driver.text("50")
    assert effects[-1] == Finished("finished")
    assert effects_of(effects, SendText)[-1].text.msgid == "Bye."
    assert driver.state.status == "finished" and driver.state.step_id == "bye"


def test_naive_event_time_is_refused() -> None:
    state = RunState.new(THERMOMETER)
    with pytest.raises(ValueError, match="timezone-aware"):
        step(THERMOMETER, state, Start(datetime(2025, 1, 1)))


def test_restart_mid_run_continues_identically_from_serialised_state() -> None:
    flow = flow_from_steps(
        """
        - id: needs
          kind: ask
          text: Needs?
          answer:
            type: multiple_choice
            options: [{id: a, label: A}, {id: b, label: B}]
        - id: warmth
          kind: ask
          text: Warmth?
          answer: {type: scale_0_100}
        - id: bye
          kind: end
          text: Bye.
        """
    )
    driver = Driver(flow)
    driver.start()
    driver.press("b")
    restored = RunState.from_json(driver.state.to_json())
    assert restored == driver.state
    when = datetime(2025, 3, 2, tzinfo=UTC)
    button = driver.buttons()[-1]
    event = ButtonPressed(button.step_id, button.turn, "_done", when)
    assert step(flow, restored, event) == step(flow, driver.state, event)
    after, _ = step(flow, restored, event)
    assert after.answers == {"needs": ["b"]}
    typed = TextReceived("55", when)
    assert step(flow, RunState.from_json(after.to_json()), typed) == step(flow, after, typed)
