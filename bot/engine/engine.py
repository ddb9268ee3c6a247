"""The dialogue engine: a pure function from (flow, run state, event) to (new state, effects).

No I/O, no clock, no Telegram, no database, no translation: the shell stores the state,
performs the effects and translates their msgids. The same engine drives the terminal
rehearsal, so what an author rehearses is what people get.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.engine import messages as m
from bot.engine.effects import (
    AnswerValue,
    Button,
    ButtonIgnored,
    ButtonRows,
    EditButtons,
    Effect,
    Finished,
    Message,
    NotifyFacilitator,
    RecordAnswer,
    RecordCommitment,
    ScheduleFollowUp,
    SendText,
    ShareWithPartner,
    ShowPartnerShare,
)
from bot.engine.events import (
    ButtonPressed,
    Event,
    Leave,
    PartnerShared,
    Start,
    TextReceived,
)
from bot.engine.schema import (
    AskStep,
    BranchStep,
    Case,
    CommitStep,
    EndStep,
    Flow,
    Likert5Answer,
    MultipleChoiceAnswer,
    NotifyStep,
    SayStep,
    Scale0To100Answer,
    ScheduleStep,
    ShareStep,
    SingleChoiceAnswer,
    StatementsStep,
    TextAnswer,
    WaitStep,
    YesNoAnswer,
    version_hash,
)
from bot.engine.state import ReceivedShare, RunState

SKIP_VALUE = "_skip"
"""Button value of the Skip button (option ids cannot start with '_', so no clash)."""
DONE_VALUE = "_done"
"""Button value of the Done button of a multiple choice."""

COMMITMENT_WHAT_MAX_LENGTH = 500
OWNER_MAX_LENGTH = 100
_DUE_BUTTONS = (
    ("d7", m.DUE_IN_A_WEEK, 7),
    ("d14", m.DUE_IN_TWO_WEEKS, 14),
    ("d30", m.DUE_IN_A_MONTH, 30),
)
_OWNER_BUTTONS = (("me", m.OWNER_ME), ("group", m.OWNER_GROUP))
_DAY_FIRST_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


class FlowVersionMismatch(Exception):
    """The run started with another version of the flow than the one passed in.

    The shell must drive a run with the flow version it started with (see
    `loader.FlowLibrary`), so editing a flow file never corrupts runs under way.
    """


class FlowDefinitionError(Exception):
    """The flow cannot be run as written (the checker reports these before they happen)."""


def step(flow: Flow, state: RunState, event: Event) -> tuple[RunState, list[Effect]]:
    """Apply one event to a run: the new state and the effects the shell must perform.

    Raises FlowVersionMismatch when `flow` is not the version the run started with, and
    ValueError when the event's time is not timezone-aware.
    """
    if event.now.tzinfo is None or event.now.utcoffset() is None:
        raise ValueError(f"event time must be timezone-aware, got {event.now!r}")
    if state.flow_id != flow.id or state.flow_version != version_hash(flow):
        raise FlowVersionMismatch(
            f"run of {state.flow_id}@{state.flow_version[:12]} cannot be driven by "
            f"{flow.id}@{version_hash(flow)[:12]}; load the version the run started with"
        )
    if state.is_over:
        # A finished run never changes; a late button only gets a polite notice.
        if isinstance(event, ButtonPressed):
            return state, [ButtonIgnored(Message(m.ALREADY_ANSWERED))]
        return state, []

    effects: list[Effect] = []
    if isinstance(event, Leave):
        left = state.model_copy(update={"status": "left", "updated_at": event.now})
        return left, [Finished("left")]
    if isinstance(event, PartnerShared):
        return _on_partner_shared(flow, state, event, effects), effects
    if isinstance(event, Start):
        if state.status == "new":
            started = state.model_copy(
                update={"status": "active", "started_at": event.now, "updated_at": event.now}
            )
            return _enter(flow, started, flow.steps[0].id, event.now, effects), effects
        effects.extend(_prompt(flow, state))
        return state, effects
    if state.status == "new":
        if isinstance(event, ButtonPressed):
            return state, [ButtonIgnored(Message(m.ALREADY_ANSWERED))]
        return state, []
    if isinstance(event, ButtonPressed):
        return _on_button(flow, state, event, effects), effects
    if isinstance(event, TextReceived):
        return _on_text(flow, state, event, effects), effects
    return _on_skip(flow, state, event.now, effects), effects


# --- moving through the flow --------------------------------------------------------------


def _enter(
    flow: Flow, state: RunState, step_id: str | None, now: datetime, effects: list[Effect]
) -> RunState:
    """Run steps from `step_id` on until one needs input (ask, commit, wait) or the end."""
    # Answers cannot change without input, so meeting a step twice here means the flow
    # loops forever without asking anything.
    visited: set[str] = set()
    current = step_id
    while True:
        if current is None:
            # Fell off the end of the list without an `end` step (the checker reports it).
            return _finish(state.model_copy(update={"updated_at": now}), effects)
        if current in visited:
            raise FlowDefinitionError(
                f"flow '{flow.id}' loops through step '{current}' without asking anything"
            )
        if not flow.has_step(current):
            raise FlowDefinitionError(f"flow '{flow.id}' has no step '{current}'")
        visited.add(current)
        here = flow.step_by_id(current)
        if isinstance(here, SayStep):
            effects.append(SendText(Message(here.text), pause_seconds=here.pause_seconds))
        elif isinstance(here, BranchStep):
            current = _choose(here, state.answers)
            continue
        elif isinstance(here, ShareStep):
            effects.append(_share(here, state.answers))
        elif isinstance(here, ScheduleStep):
            effects.append(ScheduleFollowUp(here.flow, here.delay, now + here.delay))
        elif isinstance(here, NotifyStep):
            effects.append(NotifyFacilitator(here.reason, here.id))
        elif isinstance(here, StatementsStep):
            # Only a circle's agenda runs a statements round; a rehearsal shows its words.
            effects.append(SendText(Message(here.text)))
        elif isinstance(here, AskStep | CommitStep):
            asking = state.model_copy(
                update={
                    "step_id": here.id,
                    "status": "active",
                    "turn": state.turn + 1,
                    "selection": [],
                    "commit_phase": "what" if isinstance(here, CommitStep) else None,
                    "updated_at": now,
                }
            )
            effects.extend(_prompt(flow, asking))
            return asking
        elif isinstance(here, WaitStep):
            pending = state.received.get(here.key, [])
            received = {k: v for k, v in state.received.items() if k != here.key}
            state = state.model_copy(update={"received": received})
            effects.extend(_show_share(here, share) for share in pending)
            if not any(share.completes for share in pending):
                waiting = state.model_copy(
                    update={
                        "step_id": here.id,
                        "status": "waiting_partner",
                        # A new turn makes the buttons of the previous question stale.
                        "turn": state.turn + 1,
                        "updated_at": now,
                    }
                )
                effects.append(SendText(Message(here.text)))
                return waiting
        elif isinstance(here, EndStep):
            effects.append(SendText(Message(here.text)))
            return _finish(
                state.model_copy(update={"step_id": here.id, "updated_at": now}), effects
            )
        current = flow.following(here.id)


def _finish(state: RunState, effects: list[Effect]) -> RunState:
    effects.append(Finished("finished"))
    return state.model_copy(update={"status": "finished", "commit_phase": None, "selection": []})


def _choose(branch: BranchStep, answers: dict[str, AnswerValue]) -> str:
    for case in branch.cases:
        if case_matches(case, answers):
            return case.goto
    return branch.default


def case_matches(case: Case, answers: dict[str, AnswerValue]) -> bool:
    """Whether every condition of a branch case holds for these answers.

    A list answer (multiple choice) `equals` an option when it contains it. `skipped` means
    explicitly skipped, not "never asked". Values compare by their text, so `equals: 5`
    matches the answer 5 and `equals: "5"` does too.
    """
    present = case.key in answers
    value = answers.get(case.key)
    given = [value] if not isinstance(value, list) else value
    checks: list[bool] = []
    if case.answered is not None:
        checks.append((present and value is not None) == case.answered)
    if case.skipped is not None:
        checks.append((present and value is None) == case.skipped)
    if case.equals is not None:
        checks.append(value is not None and str(case.equals) in {str(v) for v in given})
    if case.in_ is not None:
        wanted = {str(v) for v in case.in_}
        checks.append(value is not None and any(str(v) in wanted for v in given))
    numeric = isinstance(value, int) and not isinstance(value, bool)
    if case.gte is not None:
        checks.append(numeric and isinstance(value, int) and value >= case.gte)
    if case.lte is not None:
        checks.append(numeric and isinstance(value, int) and value <= case.lte)
    return all(checks)


def _share(share: ShareStep, answers: dict[str, AnswerValue]) -> ShareWithPartner:
    if share.message is not None:
        return ShareWithPartner(share.key, None, share.heading, message=share.message)
    value = answers.get(share.answer_key or share.key)
    if value is None:
        text = None
    elif isinstance(value, list):
        text = ", ".join(value)
    else:
        text = str(value)
    return ShareWithPartner(share.key, text, share.heading)


def _show_share(wait: WaitStep, share: ReceivedShare) -> Effect:
    params: dict[str, str | int] = {"partner": share.sender} if share.sender else {}
    if share.message is not None:
        return SendText(Message(share.message, params))
    if share.text is None:
        return SendText(Message(wait.skipped_text, params))
    return ShowPartnerShare(Message(share.heading, params), share.text)


def _on_partner_shared(
    flow: Flow, state: RunState, event: PartnerShared, effects: list[Effect]
) -> RunState:
    share = ReceivedShare(
        text=event.text,
        message=event.message,
        heading=event.heading,
        sender=event.sender,
        completes=event.completes,
        received_at=event.now,
    )
    here = (
        flow.step_by_id(state.step_id) if state.step_id and flow.has_step(state.step_id) else None
    )
    if state.status == "waiting_partner" and isinstance(here, WaitStep) and here.key == event.key:
        effects.append(_show_share(here, share))
        if not share.completes:
            return state.model_copy(update={"updated_at": event.now})
        return _enter(flow, state, flow.following(here.id), event.now, effects)
    # Not waiting for it yet: keep it for the `wait` step, so that one need not wait.
    received = dict(state.received)
    received[event.key] = [*received.get(event.key, []), share]
    return state.model_copy(update={"received": received, "updated_at": event.now})


# --- questions ----------------------------------------------------------------------------


def _prompt(flow: Flow, state: RunState) -> list[Effect]:
    """The current question (or waiting notice) again, with buttons of the current turn."""
    if state.step_id is None or not flow.has_step(state.step_id):
        return []
    here = flow.step_by_id(state.step_id)
    if isinstance(here, AskStep):
        return [
            SendText(
                Message(here.text),
                _ask_buttons(here, state.turn, state.selection),
                hint=_ask_hint(here),
            )
        ]
    if isinstance(here, CommitStep):
        return [_commit_prompt(here, state)]
    if isinstance(here, WaitStep):
        return [SendText(Message(here.text))]
    return []


def _button(label: Message, value: str, step_id: str, turn: int, selected: bool = False) -> Button:
    return Button(label, value, step_id, turn, selected)


def _skip_row(skippable: bool, step_id: str, turn: int) -> tuple[tuple[Button, ...], ...]:
    if not skippable:
        return ()
    return ((_button(Message(m.SKIP), SKIP_VALUE, step_id, turn),),)


def _ask_buttons(ask: AskStep, turn: int, selection: list[str]) -> ButtonRows:
    answer = ask.answer
    sid = ask.id
    rows: list[tuple[Button, ...]] = []
    if isinstance(answer, SingleChoiceAnswer):
        rows = [(_button(Message(o.label), o.id, sid, turn),) for o in answer.options]
    elif isinstance(answer, MultipleChoiceAnswer):
        rows = [
            (_button(Message(o.label), o.id, sid, turn, o.id in selection),) for o in answer.options
        ]
        rows.append((_button(Message(answer.done_label), DONE_VALUE, sid, turn),))
    elif isinstance(answer, YesNoAnswer):
        rows = [
            (
                _button(Message(answer.yes_label), "yes", sid, turn),
                _button(Message(answer.no_label), "no", sid, turn),
            )
        ]
    elif isinstance(answer, Likert5Answer):
        rows = [
            (_button(Message(label), str(n), sid, turn),)
            for n, label in enumerate(answer.labels, start=1)
        ]
    elif isinstance(answer, Scale0To100Answer):
        numbers = [
            _button(Message(str(n), verbatim=True), str(n), sid, turn) for n in range(0, 101, 10)
        ]
        rows = [tuple(numbers[0:4]), tuple(numbers[4:8]), tuple(numbers[8:])]
    return (*rows, *_skip_row(ask.skippable, sid, turn))


def _ask_hint(ask: AskStep) -> Message | None:
    answer = ask.answer
    if isinstance(answer, Scale0To100Answer):
        return Message(m.SCALE_HINT)
    if isinstance(answer, MultipleChoiceAnswer):
        return Message(m.CHOOSE_HINT)
    return None


def _reask(problem: Message, buttons: ButtonRows) -> SendText:
    return SendText(problem, buttons)


class _Invalid:
    """An answer that does not fit the question, with the msgid explaining what fits."""

    def __init__(self, problem: Message) -> None:
        self.problem = problem


def _parse_typed_answer(ask: AskStep, typed: str) -> AnswerValue | _Invalid:
    answer = ask.answer
    text = typed.strip()
    if isinstance(answer, TextAnswer):
        if len(text) < answer.min_length:
            return _Invalid(Message(m.TEXT_TOO_SHORT, {"min": answer.min_length}))
        if len(text) > answer.max_length:
            return _Invalid(
                Message(m.TEXT_TOO_LONG, {"max": answer.max_length, "length": len(text)})
            )
        return text
    if isinstance(answer, Scale0To100Answer):
        return _parse_scale(text)
    if isinstance(answer, Likert5Answer):
        if text in {"1", "2", "3", "4", "5"}:
            return int(text)
        labels = {label.casefold(): n for n, label in enumerate(answer.labels, start=1)}
        return labels.get(text.casefold(), _Invalid(Message(m.LIKERT_INVALID)))
    if isinstance(answer, YesNoAnswer):
        folded = text.casefold()
        if folded in {"yes", "y", answer.yes_label.casefold()}:
            return "yes"
        if folded in {"no", "n", answer.no_label.casefold()}:
            return "no"
        return _Invalid(Message(m.YES_NO_INVALID))
    if isinstance(answer, SingleChoiceAnswer):
        # Typed English labels or ids are accepted too (rehearsal, screen readers).
        for option in answer.options:
            if text.casefold() in {option.id, option.label.casefold()}:
                return option.id
        return _Invalid(Message(m.TAP_A_BUTTON))
    return _Invalid(Message(m.CHOOSE_HINT))


def _parse_scale(text: str) -> int | _Invalid:
    cleaned = text.removesuffix("%").strip()
    try:
        # float() accepts any Unicode digits, so "٧٥" counts as 75 for Arabic keyboards.
        number = float(cleaned)
    except ValueError:
        return _Invalid(Message(m.SCALE_INVALID))
    if not 0 <= number <= 100:
        return _Invalid(Message(m.SCALE_INVALID))
    return round(number)


def _pressed_answer(ask: AskStep, value: str) -> AnswerValue | _Invalid:
    answer = ask.answer
    accepted: dict[str, AnswerValue] = {}
    if isinstance(answer, SingleChoiceAnswer):
        accepted = {o.id: o.id for o in answer.options}
    elif isinstance(answer, YesNoAnswer):
        accepted = {"yes": "yes", "no": "no"}
    elif isinstance(answer, Likert5Answer):
        accepted = {str(n): n for n in range(1, 6)}
    elif isinstance(answer, Scale0To100Answer):
        accepted = {str(n): n for n in range(0, 101, 10)}
    if value in accepted:
        return accepted[value]
    return _Invalid(Message(m.TAP_A_BUTTON))


def _accept(
    flow: Flow,
    state: RunState,
    ask: AskStep,
    value: AnswerValue,
    now: datetime,
    effects: list[Effect],
) -> RunState:
    effects.append(RecordAnswer(ask.key, value, ask.id, ask.survey, ask.measure))
    answered = state.model_copy(
        update={"answers": {**state.answers, ask.key: value}, "selection": [], "updated_at": now}
    )
    return _enter(flow, answered, flow.following(ask.id), now, effects)


# --- handling input -----------------------------------------------------------------------


def _is_current(state: RunState, event: ButtonPressed) -> bool:
    return state.status == "active" and event.step_id == state.step_id and event.turn == state.turn


def _on_button(
    flow: Flow, state: RunState, event: ButtonPressed, effects: list[Effect]
) -> RunState:
    if not _is_current(state, event) or state.step_id is None:
        # From an earlier question, or pressed twice: the first press already counted.
        effects.append(ButtonIgnored(Message(m.ALREADY_ANSWERED)))
        return state
    if event.value == SKIP_VALUE:
        return _on_skip(flow, state, event.now, effects)
    here = flow.step_by_id(state.step_id)
    if isinstance(here, CommitStep):
        return _commit_button(flow, state, here, event, effects)
    if not isinstance(here, AskStep):
        effects.append(ButtonIgnored(Message(m.ALREADY_ANSWERED)))
        return state
    if isinstance(here.answer, MultipleChoiceAnswer):
        return _toggle(flow, state, here, here.answer, event, effects)
    value = _pressed_answer(here, event.value)
    if isinstance(value, _Invalid):
        effects.append(_reask(value.problem, _ask_buttons(here, state.turn, state.selection)))
        return state
    return _accept(flow, state, here, value, event.now, effects)


def _toggle(
    flow: Flow,
    state: RunState,
    ask: AskStep,
    answer: MultipleChoiceAnswer,
    event: ButtonPressed,
    effects: list[Effect],
) -> RunState:
    most = answer.max_selections or len(answer.options)
    if event.value == DONE_VALUE:
        if len(state.selection) < answer.min_selections:
            problem = Message(m.CHOOSE_AT_LEAST, {"min": answer.min_selections})
            effects.append(_reask(problem, _ask_buttons(ask, state.turn, state.selection)))
            return state
        # Keep the options' order, not the order of tapping, so exports compare.
        chosen = [o.id for o in answer.options if o.id in state.selection]
        return _accept(flow, state, ask, chosen, event.now, effects)
    if event.value not in {o.id for o in answer.options}:
        effects.append(
            _reask(Message(m.CHOOSE_HINT), _ask_buttons(ask, state.turn, state.selection))
        )
        return state
    if event.value in state.selection:
        selection = [v for v in state.selection if v != event.value]
    elif len(state.selection) >= most:
        effects.append(ButtonIgnored(Message(m.CHOOSE_AT_MOST, {"max": most})))
        return state
    else:
        selection = [*state.selection, event.value]
    ticked = state.model_copy(update={"selection": selection, "updated_at": event.now})
    effects.append(EditButtons(ask.id, state.turn, _ask_buttons(ask, state.turn, selection)))
    return ticked


def _on_text(flow: Flow, state: RunState, event: TextReceived, effects: list[Effect]) -> RunState:
    if state.status == "waiting_partner":
        effects.append(SendText(Message(m.STILL_WAITING)))
        return state
    if state.step_id is None:
        return state
    here = flow.step_by_id(state.step_id)
    if isinstance(here, CommitStep):
        return _commit_text(flow, state, here, event, effects)
    if not isinstance(here, AskStep):
        return state
    value = _parse_typed_answer(here, event.text)
    if isinstance(value, _Invalid):
        effects.append(_reask(value.problem, _ask_buttons(here, state.turn, state.selection)))
        return state
    return _accept(flow, state, here, value, event.now, effects)


def _on_skip(flow: Flow, state: RunState, now: datetime, effects: list[Effect]) -> RunState:
    if state.status == "waiting_partner":
        effects.append(SendText(Message(m.CANNOT_SKIP_WAITING)))
        return state
    if state.step_id is None:
        return state
    here = flow.step_by_id(state.step_id)
    if isinstance(here, AskStep):
        if not here.skippable:
            effects.append(
                _reask(Message(m.NOT_SKIPPABLE), _ask_buttons(here, state.turn, state.selection))
            )
            return state
        return _accept(flow, state, here, None, now, effects)
    if isinstance(here, CommitStep):
        if not here.skippable:
            effects.append(SendText(Message(m.NOT_SKIPPABLE)))
            return state
        return _skip_commitment(flow, state, here, now, effects)
    return state


# --- commitments --------------------------------------------------------------------------


def _due_example(now: datetime) -> str:
    return (now.date() + timedelta(days=14)).isoformat()


def _commit_prompt(commit: CommitStep, state: RunState) -> SendText:
    sid, turn = commit.id, state.turn
    skip = _skip_row(commit.skippable, sid, turn)
    if state.commit_phase == "due":
        due_row = tuple(
            _button(Message(label), value, sid, turn) for value, label, _ in _DUE_BUTTONS
        )
        example = state.updated_at or state.started_at
        params: dict[str, str | int] = {
            "example": _due_example(example) if example else "2030-12-31"
        }
        return SendText(
            Message(commit.due_text), (due_row, *skip), hint=Message(m.DUE_HINT, params)
        )
    if state.commit_phase == "owner":
        owner_row = tuple(
            _button(Message(label), value, sid, turn) for value, label in _OWNER_BUTTONS
        )
        return SendText(Message(commit.owner_text), (owner_row, *skip))
    return SendText(Message(commit.text), skip)


def _next_commit_phase(
    state: RunState, commit: CommitStep, update: dict[str, object], effects: list[Effect]
) -> RunState:
    moved = state.model_copy(update={**update, "turn": state.turn + 1})
    effects.append(_commit_prompt(commit, moved))
    return moved


def _commit_text(
    flow: Flow, state: RunState, commit: CommitStep, event: TextReceived, effects: list[Effect]
) -> RunState:
    text = event.text.strip()
    key = commit.key
    if state.commit_phase == "what":
        if not text:
            effects.append(
                _reask(Message(m.TEXT_TOO_SHORT, {"min": 1}), _commit_prompt(commit, state).buttons)
            )
            return state
        if len(text) > COMMITMENT_WHAT_MAX_LENGTH:
            problem = Message(
                m.TEXT_TOO_LONG, {"max": COMMITMENT_WHAT_MAX_LENGTH, "length": len(text)}
            )
            effects.append(_reask(problem, _commit_prompt(commit, state).buttons))
            return state
        answers = {**state.answers, key: text}
        return _next_commit_phase(
            state,
            commit,
            {"answers": answers, "commit_phase": "due", "updated_at": event.now},
            effects,
        )
    if state.commit_phase == "due":
        due = _parse_due(text)
        buttons = _commit_prompt(commit, state).buttons
        if due is None:
            effects.append(
                _reask(Message(m.DUE_INVALID, {"example": _due_example(event.now)}), buttons)
            )
            return state
        if due < event.now.date():
            effects.append(_reask(Message(m.DUE_IN_THE_PAST), buttons))
            return state
        return _set_due(flow, state, commit, due, event.now, effects)
    if not text or len(text) > OWNER_MAX_LENGTH:
        problem = (
            Message(m.TEXT_TOO_SHORT, {"min": 1})
            if not text
            else Message(m.TEXT_TOO_LONG, {"max": OWNER_MAX_LENGTH, "length": len(text)})
        )
        effects.append(_reask(problem, _commit_prompt(commit, state).buttons))
        return state
    return _complete_commitment(flow, state, commit, text, event.now, effects)


def _commit_button(
    flow: Flow, state: RunState, commit: CommitStep, event: ButtonPressed, effects: list[Effect]
) -> RunState:
    if state.commit_phase == "due":
        for value, _, days in _DUE_BUTTONS:
            if event.value == value:
                due = event.now.date() + timedelta(days=days)
                return _set_due(flow, state, commit, due, event.now, effects)
    if state.commit_phase == "owner":
        for value, _ in _OWNER_BUTTONS:
            if event.value == value:
                return _complete_commitment(flow, state, commit, value, event.now, effects)
    effects.append(_reask(Message(m.TAP_A_BUTTON), _commit_prompt(commit, state).buttons))
    return state


def _parse_due(text: str) -> date | None:
    day_first = _DAY_FIRST_DATE.match(text)
    try:
        if day_first:
            day, month, year = (int(part) for part in day_first.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        return None


def _set_due(
    flow: Flow, state: RunState, commit: CommitStep, due: date, now: datetime, effects: list[Effect]
) -> RunState:
    answers = {**state.answers, f"{commit.key}_due": due.isoformat()}
    if commit.ask_owner:
        return _next_commit_phase(
            state, commit, {"answers": answers, "commit_phase": "owner", "updated_at": now}, effects
        )
    dated = state.model_copy(update={"answers": answers})
    return _complete_commitment(flow, dated, commit, None, now, effects)


def _complete_commitment(
    flow: Flow,
    state: RunState,
    commit: CommitStep,
    owner: str | None,
    now: datetime,
    effects: list[Effect],
) -> RunState:
    key = commit.key
    answers = dict(state.answers)
    if commit.ask_owner:
        answers[f"{key}_owner"] = owner
    what = answers.get(key)
    due_text = answers.get(f"{key}_due")
    if isinstance(what, str):
        due = date.fromisoformat(due_text) if isinstance(due_text, str) else None
        effects.append(RecordCommitment(key, what, due, owner, commit.id))
    done = state.model_copy(update={"answers": answers, "commit_phase": None, "updated_at": now})
    return _enter(flow, done, flow.following(commit.id), now, effects)


def _skip_commitment(
    flow: Flow, state: RunState, commit: CommitStep, now: datetime, effects: list[Effect]
) -> RunState:
    key = commit.key
    if state.commit_phase == "what":
        # Nothing promised: nothing to record or follow up.
        answers = {**state.answers, key: None}
        skipped = state.model_copy(
            update={"answers": answers, "commit_phase": None, "updated_at": now}
        )
        return _enter(flow, skipped, flow.following(commit.id), now, effects)
    if state.commit_phase == "due":
        answers = {**state.answers, f"{key}_due": None}
        undated = state.model_copy(update={"answers": answers})
        if commit.ask_owner:
            return _next_commit_phase(
                undated, commit, {"commit_phase": "owner", "updated_at": now}, effects
            )
        return _complete_commitment(flow, undated, commit, None, now, effects)
    return _complete_commitment(flow, state, commit, None, now, effects)
