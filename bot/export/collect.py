"""Reading one program into an ExportReport: stream the rows, keep only per-person tallies.

Memory grows with the number of participants (a few small values each), never with the
number of answers: answers are streamed and folded into each person's latest value per
question, then counted per community. Nothing that names a person leaves this module:
figures count people, and people are keys of dictionaries that are dropped at the end.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from bot.engine.loader import flow_from_snapshot
from bot.engine.schema import (
    AskStep,
    Flow,
    Likert5Answer,
    MultipleChoiceAnswer,
    SingleChoiceAnswer,
    YesNoAnswer,
)
from bot.export.model import (
    NOT_STATED,
    ExportReport,
    ExportRequest,
    Figure,
    FlowInfo,
    Period,
    ProgramInfo,
    Section,
)
from bot.export.statistics import RunningMean
from bot.export.suppression import AdditiveGroup, Cohort, select_cohort, suppress
from bot.storage.types import utc_now
from bot.storage.unit_of_work import UnitOfWork

WAVES = ("pre", "post", "later")
NOT_STARTED = "(not started)"
Progress = Callable[[int], None]
"""Told how many more rows have been read (for a progress bar)."""


class ProgramNotFound(Exception):
    """There is no program with the id asked for."""


@dataclass(frozen=True)
class QuestionShape:
    """The options of a question whose answers can be counted (never free text)."""

    options: tuple[str, ...]
    multiple: bool


@dataclass
class _Tallies:
    """Per-person latest values; people are internal ids that never reach a figure."""

    latest_run: dict[tuple[int, str], tuple[str, str | None]] = field(default_factory=dict)
    measures: dict[int, dict[tuple[str, str], float]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    choices: dict[tuple[str, str], dict[int, str | list[str]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    exchange_outcome: dict[int, str] = field(default_factory=dict)
    committed: set[int] = field(default_factory=set)
    follow_ups: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    reporters: set[int] = field(default_factory=set)


async def collect_report(
    uow: UnitOfWork, request: ExportRequest, progress: Progress | None = None
) -> ExportReport:
    """Everything an export of `request` may say, small groups already hidden."""
    tick = progress or (lambda _rows: None)
    program = await uow.exports.program(request.program_id)
    if program is None or program.id is None:
        raise ProgramNotFound()
    block = max(1, program.min_group_size)
    communities = await uow.exports.communities(program.id)
    names: dict[int | None, str] = {c.id: c.name for c in communities}
    names[None] = NOT_STATED

    cohort = select_cohort(
        [member async for member in uow.exports.members(program.id)],
        block,
        request.since,
        request.until,
    )
    tallies = _Tallies()
    versions: set[str] = set()
    async for run in uow.exports.runs(program.id):
        tick(1)
        if run.person_id not in cohort:
            continue
        versions.add(run.flow_version)
        step = None if run.status == "finished" else json.loads(run.state).get("step_id")
        tallies.latest_run[(run.person_id, run.flow_id)] = (run.status, step)

    snapshots = {
        version: flow_from_snapshot(text)
        for version, text in (await uow.exports.flow_snapshots(versions)).items()
    }
    shapes = {version: _countable_questions(flow) for version, flow in snapshots.items()}
    async for answer in uow.exports.answers(program.id):
        tick(1)
        if answer.person_id not in cohort:
            continue
        if answer.survey in WAVES and answer.measure and _is_number(answer.value):
            tallies.measures[answer.person_id][(answer.measure, answer.survey)] = float(
                answer.value
            )
            continue
        shape = shapes.get(answer.flow_version, {}).get(answer.key)
        if shape is None or not _fits(answer.value, shape):
            continue  # free text (never exported) or a skipped question
        value = answer.value if isinstance(answer.value, list) else str(answer.value)
        tallies.choices[(answer.flow_id, answer.key)][answer.person_id] = value

    async for member in uow.exports.exchange_members(program.id):
        if member.person_id in cohort:
            tallies.exchange_outcome[member.person_id] = member.ended_reason or member.status
    async for commitment in uow.exports.commitments(program.id):
        if commitment.person_id in cohort:
            tallies.committed.add(commitment.person_id)
    async for follow_up in uow.exports.follow_ups(program.id):
        if follow_up.person_id in cohort:
            tallies.follow_ups[follow_up.status].add(follow_up.person_id)
    for reporter in await uow.exports.reported_people(program.id):
        if reporter is not None and reporter in cohort:
            tallies.reporters.add(reporter)

    flows = await _flow_infos(uow, program.flows, snapshots.values())
    step_order = {flow.id: [step.id for step in flow.steps] for flow in snapshots.values()}
    builder = _FigureBuilder(cohort, names)
    builder.participation(cohort, block)
    builder.flows(tallies, step_order)
    builder.measures(tallies)
    builder.choices(
        tallies,
        {
            (snapshots[version].id, key): shape
            for version, questions in shapes.items()
            for key, shape in questions.items()
        },
    )
    builder.activities(tallies)
    suppress(builder.figures, builder.groups, block)
    return ExportReport(
        program=ProgramInfo(
            id=program.id,
            name=program.name,
            status=str(program.status),
            created_on=program.created_at.date(),
            languages=tuple(program.languages),
            communities=tuple(c.name for c in communities),
            flows=tuple(flows),
            min_group_size=block,
        ),
        period=Period(
            requested_since=request.since,
            requested_until=request.until,
            first_joined=cohort.first_joined,
            last_joined=cohort.last_joined,
        ),
        generated_at=utc_now(),
        language=request.language,
        figures=builder.figures,
    )


class _FigureBuilder:
    """Turns per-person tallies into figures per community and for all, with their sums."""

    def __init__(self, cohort: Cohort, names: dict[int | None, str]) -> None:
        self._community_of = cohort.community_of
        present = set(cohort.community_of.values())
        self._groups_order = [key for key in names if key is not None] + (
            [None] if None in present else []
        )
        self._names = names
        self.figures: list[Figure] = []
        self.groups: list[AdditiveGroup] = []

    def breakdown(self, section: Section, people: Iterable[int], **labels: str) -> Figure:
        """One figure for all communities and one per community; the latter add up."""
        counts = Counter(self._community_of[person] for person in people)
        total = self._add(Figure(section, sum(counts.values()), **labels))  # type: ignore[arg-type]
        parts = [
            self._add(
                Figure(section, counts[key], community=self._names[key], **labels)  # type: ignore[arg-type]
            )
            for key in self._groups_order
        ]
        self.groups.append(AdditiveGroup(total, parts))
        return total

    def partition(self, totals: list[Figure], parts: list[list[Figure]]) -> None:
        """`parts[i]` add up to `totals[i]`, one list per community (and all) alike."""
        self.groups.extend(
            AdditiveGroup(total, [part_list[index] for part_list in parts])
            for index, total in enumerate(totals)
        )

    def participation(self, cohort: Cohort, block: int) -> None:
        everyone = list(cohort.community_of)
        joined = self.breakdown(Section.PARTICIPANTS, everyone)
        left = self.breakdown(Section.LEFT, cohort.left)
        self.groups.append(AdditiveGroup(joined, [left]))
        # Blocks complete one at a time, so the running total grows by whole blocks.
        for day, total in _running_totals(cohort.block_days, block):
            self._add(Figure(Section.PARTICIPATION, total, day=day))

    def flows(self, tallies: _Tallies, step_order: dict[str, list[str]]) -> None:
        by_flow: dict[str, dict[int, tuple[str, str | None]]] = defaultdict(dict)
        for (person, flow_id), latest in tallies.latest_run.items():
            by_flow[flow_id][person] = latest
        for flow_id in sorted(by_flow):
            runs = by_flow[flow_id]
            started = self._span(Section.FLOW_STARTED, list(runs), flow_id=flow_id)
            finished = self._span(
                Section.FLOW_FINISHED,
                [p for p, (status, _) in runs.items() if status == "finished"],
                flow_id=flow_id,
            )
            stopped: dict[str, list[int]] = defaultdict(list)
            for person, (status, step) in runs.items():
                if status != "finished":
                    stopped[step or NOT_STARTED].append(person)
            order = step_order.get(flow_id, [])
            steps = sorted(stopped, key=lambda s: order.index(s) if s in order else -1)
            parts = [finished] + [
                self._span(Section.STEP_STOPPED, stopped[step], flow_id=flow_id, step_id=step)
                for step in steps
            ]
            self.partition(started, parts)

    def measures(self, tallies: _Tallies) -> None:
        keys = sorted({key for values in tallies.measures.values() for key in values})
        for measure in sorted({m for m, _ in keys}):
            waves: dict[str, list[Figure]] = {}
            for wave in WAVES:
                if (measure, wave) in keys:
                    waves[wave] = self._means(
                        Section.MEASURE,
                        tallies,
                        lambda values, m=measure, w=wave: values.get((m, w)),  # type: ignore[misc]
                        measure=measure,
                        wave=wave,
                    )
            for wave in WAVES[1:]:
                if (measure, "pre") in keys and (measure, wave) in keys:
                    change = self._means(
                        Section.CHANGE,
                        tallies,
                        lambda values, m=measure, w=wave: _change(values, m, w),  # type: ignore[misc]
                        measure=measure,
                        wave=wave,
                    )
                    # The paired people are some of each wave's: with the wave's mean and
                    # the change, the few who answered one wave only could be worked out.
                    self.partition(waves["pre"], [change])
                    self.partition(waves[wave], [change])

    def choices(self, tallies: _Tallies, shapes: dict[tuple[str, str], QuestionShape]) -> None:
        """Counted answers per question; `shapes` by flow id and answer key."""
        for (flow_id, key), answers in sorted(tallies.choices.items()):
            shape = shapes[(flow_id, key)]
            respondents = self._span(Section.ANSWER, list(answers), flow_id=flow_id, key=key)
            options = []
            for option in shape.options:
                chosen = [
                    person
                    for person, value in answers.items()
                    if value == option or (isinstance(value, list) and option in value)
                ]
                option_figures = self._span(
                    Section.ANSWER, chosen, flow_id=flow_id, key=key, option=option
                )
                if shape.multiple:
                    # Not ticking is as telling as ticking: each option is its own split.
                    self.partition(respondents, [option_figures])
                options.append(option_figures)
            if not shape.multiple:
                self.partition(respondents, options)

    def activities(self, tallies: _Tallies) -> None:
        in_exchange = self._span(Section.EXCHANGES, list(tallies.exchange_outcome))
        outcomes: dict[str, list[int]] = defaultdict(list)
        for person, outcome in tallies.exchange_outcome.items():
            outcomes[outcome].append(person)
        self.partition(
            in_exchange,
            [self._span(Section.EXCHANGES, outcomes[o], option=o) for o in sorted(outcomes)],
        )
        self.breakdown(Section.COMMITMENTS, tallies.committed)
        for status in sorted(tallies.follow_ups):
            self.breakdown(Section.FOLLOW_UPS, tallies.follow_ups[status], option=status)
        self.breakdown(Section.MODERATION, tallies.reporters, option="report")

    def _span(self, section: Section, people: list[int], **labels: str) -> list[Figure]:
        """breakdown() returning [all, community 1, community 2, ...] for partitions."""
        before = len(self.figures)
        self.breakdown(section, people, **labels)
        return self.figures[before:]

    def _means(
        self,
        section: Section,
        tallies: _Tallies,
        value_of: Callable[[dict[tuple[str, str], float]], float | None],
        **labels: str,
    ) -> list[Figure]:
        """Mean figures for all communities and each one, like `_span`."""
        before = len(self.figures)
        stats: dict[int | None, RunningMean] = defaultdict(RunningMean)
        overall = RunningMean()
        for person, values in tallies.measures.items():
            value = value_of(values)
            if value is not None:
                stats[self._community_of[person]].add(value)
                overall.add(value)
        total = self._add(_mean_figure(section, overall, None, labels))
        parts = [
            self._add(_mean_figure(section, stats[key], self._names[key], labels))
            for key in self._groups_order
        ]
        self.groups.append(AdditiveGroup(total, parts))
        return self.figures[before:]

    def _add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure


def _mean_figure(
    section: Section, stats: RunningMean, community: str | None, labels: dict[str, str]
) -> Figure:
    interval = stats.interval()
    return Figure(
        section,
        stats.n,
        community=community,
        mean=round(stats.mean, 1) if stats.n else None,
        ci_low=round(interval[0], 1) if interval else None,
        ci_high=round(interval[1], 1) if interval else None,
        **labels,  # type: ignore[arg-type]
    )


def _change(values: dict[tuple[str, str], float], measure: str, wave: str) -> float | None:
    before, after = values.get((measure, "pre")), values.get((measure, wave))
    return None if before is None or after is None else after - before


def _running_totals(block_days: list[date], block: int) -> list[tuple[date, int]]:
    totals: list[tuple[date, int]] = []
    for index, day in enumerate(sorted(block_days), start=1):
        if totals and totals[-1][0] == day:
            totals[-1] = (day, index * block)
        else:
            totals.append((day, index * block))
    return totals


def _countable_questions(flow: Flow) -> dict[str, QuestionShape]:
    """Questions whose answers are options (never free text), by answer key."""
    shapes: dict[str, QuestionShape] = {}
    for step in flow.steps:
        if not isinstance(step, AskStep):
            continue
        answer = step.answer
        if isinstance(answer, SingleChoiceAnswer | MultipleChoiceAnswer):
            options = tuple(option.id for option in answer.options)
            shapes[step.key] = QuestionShape(options, isinstance(answer, MultipleChoiceAnswer))
        elif isinstance(answer, YesNoAnswer):
            shapes[step.key] = QuestionShape(("yes", "no"), False)
        elif isinstance(answer, Likert5Answer):
            shapes[step.key] = QuestionShape(("1", "2", "3", "4", "5"), False)
    return shapes


def _fits(value: object, shape: QuestionShape) -> bool:
    if shape.multiple:
        return isinstance(value, list) and all(item in shape.options for item in value)
    return str(value) in shape.options and not isinstance(value, list | bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


async def _flow_infos(uow: UnitOfWork, flow_ids: list[str], seen: Iterable[Flow]) -> list[FlowInfo]:
    flows = {flow.id: flow for flow in seen}
    missing = [flow_id for flow_id in flow_ids if flow_id not in flows]
    for text in (await uow.exports.latest_snapshots(missing)).values():
        flow = flow_from_snapshot(text)
        flows[flow.id] = flow
    ordered = list(dict.fromkeys([*flow_ids, *sorted(flows)]))
    return [
        FlowInfo(flow_id, flows[flow_id].track, flows[flow_id].kind, flows[flow_id].title)
        if flow_id in flows
        else FlowInfo(flow_id, "", "", flow_id)
        for flow_id in ordered
    ]
