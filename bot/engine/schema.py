"""The flow schema: what a dialogue flow in `dialogues/*.yaml` may say.

A flow is data written by practitioners. These pydantic models are the single definition of
its shape; `dialogues/schema.json` is generated from them (see `flow_json_schema`) so editors
can validate YAML while people type. Every text is a plain English gettext msgid: the engine
never translates, the shell does, filling placeholders such as `{partner}` and `{name}`.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)

SCHEMA_VERSION = 1
"""The schema version this code reads; each flow file states the version it was written for."""

MAX_BUTTON_VALUE_LENGTH = 16
"""Button values travel in Telegram's 64-byte callback_data beside a run id, so keep them short."""

_SLUG = r"^[a-z0-9][a-z0-9_-]*$"

StepId = Annotated[
    str,
    StringConstraints(pattern=_SLUG, max_length=32),
    Field(description="Lower-case letters, digits, '-' and '_'; at most 32 characters."),
]
AnswerKey = Annotated[
    str,
    StringConstraints(pattern=_SLUG, max_length=32),
    Field(description="Name under which an answer is kept; same spelling rules as step ids."),
]
FlowId = Annotated[
    str,
    StringConstraints(pattern=_SLUG, max_length=40),
    Field(description="Flow identifier, by convention the file name without `.yaml`."),
]
OptionId = Annotated[
    str,
    StringConstraints(pattern=_SLUG, max_length=MAX_BUTTON_VALUE_LENGTH),
    Field(
        description="Short option id, sent back by the button; at most "
        f"{MAX_BUTTON_VALUE_LENGTH} characters."
    ),
]
Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=3000),
    Field(
        description="Plain English text, used as the gettext msgid. May contain placeholders "
        "such as {partner} and {name} that the bot fills in."
    ),
]
SurveyTag = Literal["pre", "post", "later"]


class _Model(BaseModel):
    # Unknown keys are errors: a misspelt `nxt:` must not be silently ignored.
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# --- answer types -------------------------------------------------------------------------


class Option(_Model):
    """One choice in a single or multiple choice question."""

    id: OptionId = Field(description="Stored as the answer and used in branch conditions.")
    label: Text = Field(description="What the button says.")


class TextAnswer(_Model):
    """A free text answer."""

    type: Literal["text"] = Field(description="Free text.")
    min_length: int = Field(1, ge=0, description="Fewest characters accepted.")
    max_length: int = Field(1000, ge=1, le=4000, description="Most characters accepted.")

    @model_validator(mode="after")
    def _lengths_in_order(self) -> TextAnswer:
        if self.min_length > self.max_length:
            raise ValueError(
                f"min_length ({self.min_length}) is larger than max_length ({self.max_length})"
            )
        return self


def _check_unique_options(options: list[Option]) -> None:
    seen: set[str] = set()
    for option in options:
        if option.id in seen:
            raise ValueError(f"option id '{option.id}' is used twice")
        seen.add(option.id)


class SingleChoiceAnswer(_Model):
    """Pick exactly one option; stored as the option id."""

    type: Literal["single_choice"] = Field(description="One of several options.")
    options: list[Option] = Field(min_length=2, max_length=12, description="2 to 12 options.")

    @model_validator(mode="after")
    def _unique_ids(self) -> SingleChoiceAnswer:
        _check_unique_options(self.options)
        return self


class MultipleChoiceAnswer(_Model):
    """Tick several options, then press a "Done" button; stored as a list of option ids."""

    type: Literal["multiple_choice"] = Field(description="Several of several options.")
    options: list[Option] = Field(min_length=2, max_length=12, description="2 to 12 options.")
    min_selections: int = Field(1, ge=0, description="Fewest options to tick before Done.")
    max_selections: int | None = Field(
        None, ge=1, description="Most options that may be ticked; no limit when absent."
    )
    done_label: Text = Field("Done", description="Label of the button that confirms the choice.")

    @model_validator(mode="after")
    def _selection_bounds(self) -> MultipleChoiceAnswer:
        _check_unique_options(self.options)
        most = self.max_selections if self.max_selections is not None else len(self.options)
        if self.min_selections > most:
            raise ValueError(
                f"min_selections ({self.min_selections}) is larger than max_selections ({most})"
            )
        if most > len(self.options):
            raise ValueError(
                f"max_selections ({most}) is larger than the number of options "
                f"({len(self.options)})"
            )
        return self


class YesNoAnswer(_Model):
    """Yes or no; stored as "yes" or "no"."""

    type: Literal["yes_no"] = Field(description="Yes or no.")
    yes_label: Text = Field("Yes", description="Label of the yes button.")
    no_label: Text = Field("No", description="Label of the no button.")


DEFAULT_LIKERT_LABELS = (
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
)


class Likert5Answer(_Model):
    """A five-point scale; stored as the number 1 to 5."""

    type: Literal["likert5"] = Field(description="Five-point scale, 1 to 5.")
    labels: tuple[Text, Text, Text, Text, Text] = Field(
        DEFAULT_LIKERT_LABELS, description="Labels for 1 to 5, lowest first."
    )


class Scale0To100Answer(_Model):
    """The feeling thermometer: 0 to 100, by buttons in steps of 10 or by a typed number."""

    type: Literal["scale_0_100"] = Field(description="A number from 0 to 100.")


Answer = Annotated[
    TextAnswer
    | SingleChoiceAnswer
    | MultipleChoiceAnswer
    | YesNoAnswer
    | Likert5Answer
    | Scale0To100Answer,
    Field(discriminator="type"),
]


# --- steps --------------------------------------------------------------------------------


class _Step(_Model):
    id: StepId = Field(description="Unique within the flow; named in errors and diagrams.")
    next: StepId | None = Field(
        None, description="Step to go to afterwards; by default the following step in the list."
    )


class SayStep(_Step):
    """Send a message; the run moves on by itself."""

    kind: Literal["say"]
    text: Text
    pause_seconds: float = Field(
        0, ge=0, le=30, description="Pause after this message, before the next step is shown."
    )


class AskStep(_Step):
    """Ask a question and wait for a valid answer (or a skip)."""

    kind: Literal["ask"]
    text: Text
    answer: Answer = Field(description="What kind of answer is expected.")
    skippable: bool = Field(True, description="People may always skip, unless this is false.")
    survey: SurveyTag | None = Field(
        None, description="Marks a survey item asked before, right after or later."
    )
    measure: AnswerKey | None = Field(
        None, description="What a survey item measures (e.g. `thermometer`), to compare pre/post."
    )
    store_as: AnswerKey | None = Field(None, description="Answer key; the step id by default.")

    @property
    def key(self) -> str:
        """The answer key this question stores its answer under."""
        return self.store_as or self.id


class Case(_Model):
    """One branch case. All conditions given must hold; at least one must be given."""

    key: AnswerKey = Field(description="The answer the conditions look at.")
    equals: str | int | None = Field(
        None, description="The answer is this option id, text or number (a list contains it)."
    )
    in_: list[str | int] | None = Field(
        None, alias="in", description="The answer is one of these (a list contains one)."
    )
    gte: int | None = Field(None, description="The numeric answer is at least this.")
    lte: int | None = Field(None, description="The numeric answer is at most this.")
    answered: bool | None = Field(None, description="true: the question got an answer.")
    skipped: bool | None = Field(None, description="true: the question was skipped.")
    goto: StepId = Field(description="Step to go to when the case matches.")

    @model_validator(mode="after")
    def _has_a_condition(self) -> Case:
        if all(
            value is None
            for value in (
                self.equals,
                self.in_,
                self.gte,
                self.lte,
                self.answered,
                self.skipped,
            )
        ):
            raise ValueError(
                "a case needs a condition: one of equals, in, gte, lte, answered, skipped"
            )
        return self

    def describe(self) -> str:
        """The condition in words, for diagrams and error messages."""
        parts: list[str] = []
        if self.equals is not None:
            parts.append(f"{self.key} = {self.equals}")
        if self.in_ is not None:
            parts.append(f"{self.key} in {', '.join(str(v) for v in self.in_)}")
        if self.gte is not None:
            parts.append(f"{self.key} ≥ {self.gte}")
        if self.lte is not None:
            parts.append(f"{self.key} ≤ {self.lte}")
        if self.answered is not None:
            parts.append(f"{self.key} {'answered' if self.answered else 'not answered'}")
        if self.skipped is not None:
            parts.append(f"{self.key} {'skipped' if self.skipped else 'not skipped'}")
        return " and ".join(parts)


class BranchStep(_Step):
    """Go to a step depending on earlier answers: the first matching case wins."""

    kind: Literal["branch"]
    cases: list[Case] = Field(min_length=1)
    default: StepId = Field(description="Step to go to when no case matches.")

    @model_validator(mode="after")
    def _no_next(self) -> BranchStep:
        if self.next is not None:
            raise ValueError("a branch goes to `default` when no case matches; remove `next`")
        return self


DEFAULT_SHARE_HEADING = "{partner} wrote:"


class ShareStep(_Step):
    """Relay an earlier answer (or a fixed message) to the partner(s)."""

    kind: Literal["share"]
    key: AnswerKey = Field(
        description="What the partner's `wait` step waits for; both sides use the same key."
    )
    answer: AnswerKey | None = Field(
        None, description="Answer to relay; the same as `key` unless `message` is given."
    )
    message: Text | None = Field(
        None,
        description="A fixed message to relay instead of an answer, written as the partner "
        "reads it (e.g. '{partner} says you heard them well.').",
    )
    heading: Text = Field(
        DEFAULT_SHARE_HEADING, description="Shown to the partner above the relayed answer."
    )

    @model_validator(mode="after")
    def _answer_or_message(self) -> ShareStep:
        if self.answer is not None and self.message is not None:
            raise ValueError("a share relays either an `answer` or a `message`, not both")
        return self

    @property
    def answer_key(self) -> str | None:
        """The answer relayed, or None when a fixed message is relayed."""
        if self.message is not None:
            return None
        return self.answer or self.key


DEFAULT_WAIT_SKIPPED_TEXT = "{partner} chose to skip this one."


class _Round(_Step):
    """Settings a circle's round can have (they mean nothing in a pair)."""

    time_limit: str | None = Field(
        None,
        description=(
            "Circles: how long the round runs, as an ISO-8601 duration (e.g. PT5M); the bot "
            "says how much time is left. None: until everyone has answered or a facilitator "
            "closes it."
        ),
    )
    when_time_is_up: Literal["ask_facilitator", "close"] = Field(
        "ask_facilitator",
        description="Circles: when a timed round's time is up, ask the facilitators whether "
        "to close it or give more time, or close it at once.",
    )

    @field_validator("time_limit")
    @classmethod
    def _limit(cls, time_limit: str | None) -> str | None:
        if time_limit is not None:
            parse_duration(time_limit)
        return time_limit

    @property
    def limit(self) -> timedelta | None:
        """How long the round runs, when it is timed."""
        return parse_duration(self.time_limit) if self.time_limit is not None else None


class WaitStep(_Round):
    """Wait until the partner has shared `key`; show it and move on."""

    kind: Literal["wait"]
    key: AnswerKey = Field(description="The share to wait for.")
    text: Text = Field(description="Shown while waiting, when the partner has not shared yet.")
    skipped_text: Text = Field(
        DEFAULT_WAIT_SKIPPED_TEXT, description="Shown when the partner skipped what was awaited."
    )
    talking_piece: bool = Field(
        False,
        description="Circles: members speak one at a time, in turn; each answer is shown to "
        "the circle as soon as it is given, and the next member is invited.",
    )


class StatementsStep(_Round):
    """Circles only: members write short statements and vote agree / disagree / pass, in
    private, on everyone else's; the circle sees what it agrees on, across communities."""

    kind: Literal["statements"]
    text: Text = Field(description="Invites members to write statements.")
    moderated: bool = Field(
        True,
        description="A facilitator approves each statement before anyone votes on it; "
        "false lets statements through at once.",
    )


class CommitStep(_Step):
    """Capture a commitment: what, by when and (optionally) who."""

    kind: Literal["commit"]
    text: Text = Field(description="Asks what the person or group will do.")
    due_text: Text = Field("By when?", description="Asks for the date it will be done by.")
    ask_owner: bool = Field(False, description="Also ask who will take it on.")
    owner_text: Text = Field(
        "Who will take this on? A role is enough, no names needed.",
        description="Asks who will take it on.",
    )
    skippable: bool = Field(True, description="People may always skip, unless this is false.")
    store_as: AnswerKey | None = Field(None, description="Answer key; the step id by default.")

    @property
    def key(self) -> str:
        """The answer key of the commitment's text (`_due` and `_owner` keys sit beside it)."""
        return self.store_as or self.id


_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_SECONDS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}
LONGEST_DELAY = timedelta(days=3 * 365 + 1)
"""Three years, a leap day among them: the longest a follow-up may wait."""


def parse_duration(text: str) -> timedelta:
    """An ISO-8601 duration in weeks, days, hours, minutes and seconds, e.g. P14D or PT30S."""
    match = _DURATION.match(text)
    if not match or text in ("P", "PT") or text.endswith("T"):
        raise ValueError(f"'{text}' is not an ISO-8601 duration such as P14D, P2W, PT12H or PT30S")
    parts = match.groupdict()
    if parts["years"] is not None or parts["months"] is not None:
        raise ValueError(
            f"'{text}' counts months or years, and their length varies; write P30D or P52W"
        )
    # Whole seconds first: a huge number of days would overflow timedelta before the check.
    seconds = sum(int(parts[unit] or 0) * size for unit, size in _SECONDS.items())
    if seconds == 0:
        raise ValueError(f"'{text}' is no delay at all; write one such as PT10M or P1D")
    if seconds > LONGEST_DELAY.total_seconds():
        raise ValueError(
            f"'{text}' is longer than three years, the longest a follow-up may wait; "
            f"write at most P{LONGEST_DELAY.days}D"
        )
    return timedelta(seconds=seconds)


class ScheduleStep(_Step):
    """Ask for a follow-up flow to start after a delay; the run moves on by itself."""

    kind: Literal["schedule"]
    flow: FlowId = Field(description="The flow to start later.")
    after: str | None = Field(
        None,
        description=(
            "ISO-8601 duration in weeks, days, hours, minutes or seconds, from PT1S to three "
            "years, e.g. P14D, P2W, PT12H or P1DT2H30M. No months or years: their length varies."
        ),
    )
    days: int | None = Field(None, ge=0, le=3650, description="Delay in days (instead of after).")

    @field_validator("after")
    @classmethod
    def _duration(cls, after: str | None) -> str | None:
        # Checked on the field, so the checker points at the `after:` line itself.
        if after is not None:
            parse_duration(after)
        return after

    @model_validator(mode="after")
    def _one_delay(self) -> ScheduleStep:
        if (self.after is None) == (self.days is None):
            raise ValueError("give the delay either as `after` (e.g. P14D) or as `days`")
        return self

    @property
    def delay(self) -> timedelta:
        """How long after this step the follow-up should start."""
        if self.after is not None:
            return parse_duration(self.after)
        return timedelta(days=self.days or 0)


class NotifyStep(_Step):
    """Tell the program's facilitators something (never shown to the person)."""

    kind: Literal["notify"]
    reason: str = Field(
        min_length=1, max_length=500, description="What the facilitator is told, in English."
    )


class EndStep(_Step):
    """Say goodbye and finish the run."""

    kind: Literal["end"]
    text: Text

    @model_validator(mode="after")
    def _no_next(self) -> EndStep:
        if self.next is not None:
            raise ValueError("an end step finishes the run; remove `next`")
        return self


Step = Annotated[
    SayStep
    | AskStep
    | BranchStep
    | ShareStep
    | WaitStep
    | CommitStep
    | ScheduleStep
    | NotifyStep
    | StatementsStep
    | EndStep,
    Field(discriminator="kind"),
]

INPUT_STEP_TYPES = (AskStep, WaitStep, CommitStep)
"""Steps where a run stops and waits for the person or their partner."""

PAIR_STEP_TYPES = (ShareStep, WaitStep)
"""Steps that only make sense with a partner or a circle."""


class Flow(_Model):
    """A dialogue flow: metadata and an ordered list of steps."""

    schema_version: Literal[1] = Field(description="The schema version this file is written for.")
    id: FlowId
    track: Literal["III", "VI"] = Field(
        description="Multi-track diplomacy: III people to people, VI activism."
    )
    kind: Literal["solo", "pair", "circle"] = Field(
        description="One person alone, two partners, or a group."
    )
    title: Text
    description: Text
    duration_minutes: int = Field(ge=1, le=600, description="Rough time it takes, in minutes.")
    allow_media: bool = Field(
        default=False,
        description=(
            "Whether partners may send photos, voice notes and files to each other. They are "
            "relayed as copies, never forwarded, so the sender's identity does not travel."
        ),
    )
    steps: list[Step] = Field(min_length=1)

    _index: dict[str, int] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        """Index steps by id (the first one wins; the checker reports duplicates)."""
        index: dict[str, int] = {}
        for position, step in enumerate(self.steps):
            index.setdefault(step.id, position)
        self._index = index

    def has_step(self, step_id: str) -> bool:
        """Whether a step with this id exists."""
        return step_id in self._index

    def position(self, step_id: str) -> int:
        """Where the step with this id sits in the list; KeyError if there is none."""
        return self._index[step_id]

    def step_by_id(self, step_id: str) -> Step:
        """The step with this id; KeyError if there is none."""
        return self.steps[self._index[step_id]]

    def following(self, step_id: str) -> str | None:
        """Where a non-branching step goes next: its `next`, else the step below it."""
        position = self._index[step_id]
        step = self.steps[position]
        if step.next is not None:
            return step.next
        if isinstance(step, EndStep | BranchStep):
            return None
        if position + 1 < len(self.steps):
            return self.steps[position + 1].id
        return None

    def successors(self, step_id: str) -> list[tuple[str, str | None]]:
        """Every step this one can lead to, with the edge's condition (None: unconditional)."""
        step = self.step_by_id(step_id)
        if isinstance(step, BranchStep):
            edges: list[tuple[str, str | None]] = [
                (case.goto, case.describe()) for case in step.cases
            ]
            edges.append((step.default, "otherwise"))
            return edges
        following = self.following(step_id)
        return [] if following is None else [(following, None)]


def canonical_json(flow: Flow) -> str:
    """The flow as canonical JSON: equal content gives equal text, whatever the YAML layout."""
    return _canonical(flow)[0]


def version_hash(flow: Flow) -> str:
    """sha256 of the flow's canonical content: a run remembers the version it started with."""
    return _canonical(flow)[1]


_CANONICAL_LIMIT = 512
_CANONICAL: dict[int, tuple[Flow, str, str]] = {}
"""Each flow's canonical JSON and hash, worked out once: every run started needs them, and
flows never change once loaded. The flow is kept with them, so its id stays its own."""


def _canonical(flow: Flow) -> tuple[str, str]:
    known = _CANONICAL.get(id(flow))
    if known is None or known[0] is not flow:
        text = json.dumps(
            flow.model_dump(mode="json", by_alias=True),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        known = (flow, text, hashlib.sha256(text.encode()).hexdigest())
        if len(_CANONICAL) >= _CANONICAL_LIMIT:
            _CANONICAL.clear()  # a process that loads flows again and again (tests)
        _CANONICAL[id(flow)] = known
    return known[1], known[2]


def flow_json_schema() -> dict[str, Any]:
    """The JSON Schema of a flow file, as published in `dialogues/schema.json`."""
    schema = Flow.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def flow_json_schema_text() -> str:
    """`flow_json_schema()` as the exact text committed to `dialogues/schema.json`."""
    return json.dumps(flow_json_schema(), indent=2, ensure_ascii=False) + "\n"
