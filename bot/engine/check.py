"""The flow checker behind `palaver flows check`: everything an author can get wrong.

Errors stop a flow from being used; warnings point at something that is probably a mistake.
Every problem names the file, the line and the step, and says what to do about it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from bot.engine.loader import FlowLoadError, LoadedFlow, read_flow_file
from bot.engine.problems import Problem, Severity
from bot.engine.schema import (
    PAIR_STEP_TYPES,
    AskStep,
    BranchStep,
    Case,
    CommitStep,
    EndStep,
    Flow,
    Likert5Answer,
    MultipleChoiceAnswer,
    Scale0To100Answer,
    ScheduleStep,
    ShareStep,
    SingleChoiceAnswer,
    StatementsStep,
    TextAnswer,
    WaitStep,
    YesNoAnswer,
)


def check_flow_files(
    paths: Iterable[Path],
    known_flow_ids: Iterable[str] = (),
    translations: Mapping[str, set[str]] | None = None,
) -> list[Problem]:
    """Check flow files (directories are searched for `*.yaml`), sorted by file and line.

    `known_flow_ids` are flows that exist elsewhere (schedule targets); the ids of the
    checked files count too. `translations` maps a language code to the msgids it has:
    each flow text missing from one gives a warning.
    """
    files = sorted(_flow_files(paths))
    problems: list[Problem] = []
    loaded: list[LoadedFlow] = []
    for path in files:
        try:
            loaded.append(read_flow_file(path))
        except FlowLoadError as error:
            problems.extend(error.problems)
    # Files that failed the schema still count as existing, so a schedule naming one is
    # not reported twice.
    known = {*known_flow_ids, *(item.flow.id for item in loaded), *(path.stem for path in files)}
    first_source: dict[str, str] = {}
    for item in loaded:
        flow_id = item.flow.id
        if flow_id in first_source:
            problems.append(
                Problem(
                    "error",
                    item.source,
                    1,
                    None,
                    f"flow id '{flow_id}' is already used by {first_source[flow_id]}; "
                    "flow ids must be unique",
                )
            )
        first_source.setdefault(flow_id, item.source)
        stem = Path(item.source).stem
        if stem != flow_id:
            problems.append(
                Problem(
                    "warning",
                    item.source,
                    1,
                    None,
                    f"the file is named '{stem}' but the flow id is '{flow_id}'; "
                    f"rename one so `palaver try {flow_id}` finds it",
                )
            )
        problems.extend(check_loaded_flow(item, known, translations))
    return sorted(problems, key=lambda p: (p.file, p.line, p.severity, p.message))


def _flow_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from path.glob("*.yaml")
            yield from path.glob("*.yml")
        else:
            yield path


def check_loaded_flow(
    loaded: LoadedFlow,
    known_flow_ids: Iterable[str] | None = None,
    translations: Mapping[str, set[str]] | None = None,
) -> list[Problem]:
    """Check one schema-valid flow: structure, answers, pairing, schedules and translations.

    Schedule targets are only checked when `known_flow_ids` is given.
    """
    checker = _FlowChecker(loaded)
    checker.check_structure()
    checker.check_answers()
    checker.check_pairing()
    checker.check_surveys()
    if known_flow_ids is not None:
        checker.check_schedules(set(known_flow_ids) | {loaded.flow.id})
    if translations:
        checker.check_translations(translations)
    return checker.problems


def flow_texts(flow: Flow) -> list[tuple[str | None, str]]:
    """Every translatable text of a flow as (step id or None for the header, msgid).

    Defaults count too (a "Yes" button nobody spelt out still needs translating).
    """
    texts: list[tuple[str | None, str]] = [(None, flow.title), (None, flow.description)]
    for step in flow.steps:
        texts.extend((step.id, text) for text in _step_texts(step))
    return texts


def _step_texts(step: object) -> list[str]:
    if isinstance(step, AskStep):
        answer = step.answer
        texts = [step.text]
        if isinstance(answer, SingleChoiceAnswer | MultipleChoiceAnswer):
            texts.extend(option.label for option in answer.options)
        if isinstance(answer, MultipleChoiceAnswer):
            texts.append(answer.done_label)
        if isinstance(answer, YesNoAnswer):
            texts.extend([answer.yes_label, answer.no_label])
        if isinstance(answer, Likert5Answer):
            texts.extend(answer.labels)
        return texts
    if isinstance(step, ShareStep):
        return [step.heading] if step.message is None else [step.message]
    if isinstance(step, WaitStep):
        return [step.text, step.skipped_text]
    if isinstance(step, CommitStep):
        return [step.text, step.due_text, *([step.owner_text] if step.ask_owner else [])]
    text = getattr(step, "text", None)
    return [text] if isinstance(text, str) else []


def _suggest(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _strongly_connected(nodes: list[str], edges: Mapping[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm; flows are small, so recursion depth is no concern."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, []):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(component)

    for node in nodes:
        if node not in index:
            visit(node)
    return components


class _FlowChecker:
    def __init__(self, loaded: LoadedFlow) -> None:
        self.loaded = loaded
        self.flow = loaded.flow
        self.problems: list[Problem] = []
        # Keys and the questions storing them; commitments store `key`, `key_due`, `key_owner`.
        self.stored: dict[str, list[AskStep | CommitStep]] = {}
        for step in self.flow.steps:
            if isinstance(step, AskStep):
                self.stored.setdefault(step.key, []).append(step)
            elif isinstance(step, CommitStep):
                for key in (step.key, f"{step.key}_due", f"{step.key}_owner"):
                    self.stored.setdefault(key, []).append(step)

    def report(self, severity: Severity, step_id: str | None, message: str) -> None:
        self.problems.append(
            Problem(severity, self.loaded.source, self.loaded.line_of(step_id), step_id, message)
        )

    # --- structure ------------------------------------------------------------------------

    def check_structure(self) -> None:
        flow = self.flow
        ids = [step.id for step in flow.steps]
        seen: set[str] = set()
        for position, step in enumerate(flow.steps):
            if step.id in seen:
                self.problems.append(
                    Problem(
                        "error",
                        self.loaded.source,
                        self.loaded.line_at_index(position),
                        step.id,
                        f"step id '{step.id}' is used twice (first on line "
                        f"{self.loaded.line_of(step.id)}); give each step its own id",
                    )
                )
            seen.add(step.id)
        if len(seen) < len(ids):
            # With two steps of one id, "the step after it" is ambiguous: fix that first.
            return

        edges: dict[str, list[str]] = {}
        dangling = False
        for step in flow.steps:
            targets: list[str] = []
            for target, _ in flow.successors(step.id):
                if flow.has_step(target):
                    targets.append(target)
                else:
                    self.report(
                        "error",
                        step.id,
                        f"goes to step '{target}', which does not exist{_suggest(target, ids)}",
                    )
            edges[step.id] = targets
            if len(targets) < len(flow.successors(step.id)):
                dangling = True
            if not flow.successors(step.id) and not isinstance(step, EndStep | BranchStep):
                self.report(
                    "error",
                    step.id,
                    "is the last step but not an `end`: the run would stop without a goodbye; "
                    "add `next:` or an end step after it",
                )

        if dangling:
            # The step an unknown target was meant to name would look unreachable too;
            # one precise error is better than a cascade.
            return
        reachable = self._reachable(flow.steps[0].id, edges)
        for step in flow.steps:
            if step.id not in reachable:
                self.report(
                    "error",
                    step.id,
                    "is never reached: no step leads here (check the `next`/`goto` that "
                    "should point to it)",
                )

        components = _strongly_connected([s for s in ids if s in reachable], edges)
        for component in components:
            members = set(component)
            is_cycle = len(component) > 1 or component[0] in edges.get(component[0], [])
            leaves = any(t not in members for node in component for t in edges.get(node, []))
            has_end = any(isinstance(flow.step_by_id(node), EndStep) for node in component)
            if is_cycle and not leaves and not has_end:
                ordered = sorted(component, key=flow.position)
                self.report(
                    "error",
                    ordered[0],
                    f"loop with no exit: {' → '.join(ordered)} → {ordered[0]} never leads to "
                    "an end; give one of its branches a way out",
                )

        # Without input nothing changes, so a cycle made only of say/branch/share/... steps
        # would spin forever.
        idle = {
            s.id
            for s in flow.steps
            if s.id in reachable and not isinstance(s, AskStep | CommitStep | WaitStep)
        }
        idle_edges = {node: [t for t in edges.get(node, []) if t in idle] for node in idle}
        for component in _strongly_connected(sorted(idle, key=flow.position), idle_edges):
            if len(component) > 1 or component[0] in idle_edges.get(component[0], []):
                ordered = sorted(component, key=flow.position)
                self.report(
                    "error",
                    ordered[0],
                    f"loop without a question: {' → '.join(ordered)} → {ordered[0]} would go "
                    "round forever; put an ask or wait step in the loop",
                )

    @staticmethod
    def _reachable(start: str, edges: Mapping[str, list[str]]) -> set[str]:
        seen = {start}
        todo = [start]
        while todo:
            for target in edges.get(todo.pop(), []):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    # --- answers --------------------------------------------------------------------------

    def check_answers(self) -> None:
        for key, askers in self.stored.items():
            kinds = {self._answer_kind(key, asker) for asker in askers}
            if len(kinds) > 1:
                self.report(
                    "warning",
                    askers[-1].id,
                    f"answer '{key}' is stored by steps with different answer types "
                    f"({', '.join(sorted(kinds))}); use a separate `store_as` for each",
                )
        for step in self.flow.steps:
            if isinstance(step, BranchStep):
                for case in step.cases:
                    self._check_case(step, case)
            relayed = step.answer_key if isinstance(step, ShareStep) else None
            if relayed is not None and relayed not in self.stored:
                self.report(
                    "error",
                    step.id,
                    f"shares answer '{relayed}', which no question stores"
                    f"{_suggest(relayed, self.stored)}; set `answer:` to the "
                    "question's `store_as` (or id)",
                )

    @staticmethod
    def _answer_kind(key: str, asker: AskStep | CommitStep) -> str:
        if isinstance(asker, CommitStep):
            return "date" if key.endswith("_due") and key != asker.key else "text"
        return asker.answer.type

    def _check_case(self, branch: BranchStep, case: Case) -> None:
        askers = self.stored.get(case.key)
        if not askers:
            known = ", ".join(sorted(self.stored)) or "none"
            self.report(
                "error",
                branch.id,
                f"branches on answer '{case.key}', which no question stores"
                f"{_suggest(case.key, self.stored)} (stored answers: {known})",
            )
            return
        asker = askers[0]
        compared = [v for v in [case.equals, *(case.in_ or [])] if v is not None]
        if isinstance(asker, AskStep):
            answer = asker.answer
            if case.skipped is not None and not asker.skippable:
                self.report(
                    "warning",
                    branch.id,
                    f"checks whether '{case.key}' was skipped, but step '{asker.id}' "
                    "cannot be skipped",
                )
            allowed: set[str] | None = None
            if isinstance(answer, SingleChoiceAnswer | MultipleChoiceAnswer):
                allowed = {option.id for option in answer.options}
            elif isinstance(answer, YesNoAnswer):
                allowed = {"yes", "no"}
            elif isinstance(answer, Likert5Answer):
                allowed = {str(n) for n in range(1, 6)}
            if allowed is not None:
                for value in compared:
                    if str(value) not in allowed:
                        self.report(
                            "error",
                            branch.id,
                            f"compares '{case.key}' with '{value}', which is not one of the "
                            f"answers of step '{asker.id}' ({', '.join(sorted(allowed))})",
                        )
            numeric = isinstance(answer, Likert5Answer | Scale0To100Answer)
            if (case.gte is not None or case.lte is not None) and not numeric:
                self.report(
                    "error",
                    branch.id,
                    f"uses gte/lte on '{case.key}', but step '{asker.id}' has a "
                    f"{answer.type} answer; gte/lte only work on likert5 and scale_0_100",
                )
            if numeric:
                low, high = (1, 5) if isinstance(answer, Likert5Answer) else (0, 100)
                for bound in (case.gte, case.lte):
                    if bound is not None and not low <= bound <= high:
                        self.report(
                            "warning",
                            branch.id,
                            f"compares '{case.key}' with {bound}, outside its range "
                            f"{low} to {high}",
                        )
            if isinstance(answer, Scale0To100Answer):
                for value in compared:
                    if not str(value).isdigit() or not 0 <= int(str(value)) <= 100:
                        self.report(
                            "error",
                            branch.id,
                            f"compares '{case.key}' with '{value}', but it is a number from "
                            "0 to 100; use gte/lte for ranges",
                        )
            if isinstance(answer, TextAnswer) and compared:
                self.report(
                    "warning",
                    branch.id,
                    f"compares the free text '{case.key}' with fixed words; people rarely "
                    "type the same words, so use a choice question or `answered`",
                )
        elif case.gte is not None or case.lte is not None:
            self.report(
                "error",
                branch.id,
                f"uses gte/lte on commitment answer '{case.key}'; use `answered` or `skipped`",
            )

    # --- pairs, circles, schedules, surveys, translations ---------------------------------

    def check_pairing(self) -> None:
        shared = {s.key for s in self.flow.steps if isinstance(s, ShareStep)}
        awaited = {s.key for s in self.flow.steps if isinstance(s, WaitStep)}
        for step in self.flow.steps:
            if self.flow.kind != "circle" and isinstance(step, StatementsStep):
                self.report(
                    "error",
                    step.id,
                    "a statements step is a circle's round; make the flow `kind: circle`, "
                    "or remove the step",
                )
                continue
            if self.flow.kind == "solo" and isinstance(step, PAIR_STEP_TYPES):
                self.report(
                    "error",
                    step.id,
                    f"a {step.kind} step needs a partner, but this flow's kind is solo; "
                    "make the flow `kind: pair` or `circle`, or remove the step",
                )
                continue
            if isinstance(step, WaitStep) and step.key not in shared:
                self.report(
                    "error",
                    step.id,
                    f"waits for '{step.key}', but no step shares '{step.key}': the run would "
                    f"wait forever{_suggest(step.key, shared)}",
                )
            if isinstance(step, ShareStep) and step.key not in awaited:
                self.report(
                    "warning",
                    step.id,
                    f"shares '{step.key}', but no step waits for it, so the partner never "
                    "sees it; add a wait step with the same key",
                )

    def check_schedules(self, known: set[str]) -> None:
        for step in self.flow.steps:
            if isinstance(step, ScheduleStep) and step.flow not in known:
                self.report(
                    "error",
                    step.id,
                    f"schedules flow '{step.flow}', which does not exist"
                    f"{_suggest(step.flow, known)}",
                )

    def check_surveys(self) -> None:
        tags: dict[str, dict[str, AskStep]] = {}
        for step in self.flow.steps:
            if not isinstance(step, AskStep):
                continue
            if step.measure is not None and step.survey is None:
                self.report(
                    "warning",
                    step.id,
                    f"measures '{step.measure}' but has no `survey:` tag (pre, post or later), "
                    "so exports cannot compare it",
                )
            if step.survey is not None and step.measure is None:
                self.report(
                    "warning",
                    step.id,
                    "is a survey item without `measure:`, so exports cannot line up its "
                    "pre and post answers",
                )
            if step.measure is not None and step.survey is not None:
                tags.setdefault(step.measure, {}).setdefault(step.survey, step)
        for measure, by_tag in tags.items():
            if "pre" in by_tag and "post" not in by_tag:
                self.report(
                    "warning",
                    by_tag["pre"].id,
                    f"measure '{measure}' is asked before (pre) but never after (post) "
                    "in this flow",
                )
            types = {step.answer.type for step in by_tag.values()}
            if len(types) > 1:
                self.report(
                    "warning",
                    next(iter(by_tag.values())).id,
                    f"measure '{measure}' is asked with different answer types "
                    f"({', '.join(sorted(types))}), so pre and post cannot be compared",
                )

    def check_translations(self, translations: Mapping[str, set[str]]) -> None:
        texts = flow_texts(self.flow)
        for language, msgids in sorted(translations.items()):
            missing = [(step_id, text) for step_id, text in texts if text not in msgids]
            if len(missing) == len(texts):
                self.report(
                    "warning",
                    None,
                    f"none of its {len(texts)} texts has a '{language}' translation yet",
                )
                continue
            for step_id, text in missing:
                short = text if len(text) <= 50 else text[:47] + "..."
                self.report("warning", step_id, f"no '{language}' translation for \"{short}\"")
