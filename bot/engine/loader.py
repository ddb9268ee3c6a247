"""Reading flow files: YAML to a validated `Flow`, keeping each step's line for messages.

Versions: a flow's version is `version_hash(flow)`, the sha256 of its canonical content. A
run stores the version it started with, and `FlowLibrary` keeps every version it has seen,
so editing a file never changes the flow under a run already under way. To survive a
restart after an edit, the shell stores `canonical_json(flow)` next to the run (or in a
table keyed by version) and restores it with `flow_from_snapshot`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.engine.problems import Problem
from bot.engine.schema import Flow, canonical_json, version_hash
from bot.engine.state import RunState


class _FlowYamlLoader(yaml.SafeLoader):
    """Safe YAML with YAML 1.2 booleans: only true/false, so `id: yes` stays the text "yes"."""


_FlowYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_FlowYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class FlowLoadError(Exception):
    """A flow file that cannot be used; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


class UnknownFlowVersion(KeyError):
    """No flow with this id and version is known (load it from the run's snapshot)."""


@dataclass(frozen=True)
class LoadedFlow:
    """A flow with where it came from: the source name and the line of each step."""

    flow: Flow
    source: str
    step_lines: tuple[int, ...] = ()
    line: int = 1

    @property
    def version(self) -> str:
        """The flow's version hash."""
        return version_hash(self.flow)

    def line_of(self, step_id: str | None) -> int:
        """The line a step starts on (the first step with that id; the top when unknown)."""
        if step_id is None or not self.flow.has_step(step_id):
            return self.line
        return self.line_at_index(self.flow.position(step_id))

    def line_at_index(self, position: int) -> int:
        """The line the step at this position in the list starts on."""
        if 0 <= position < len(self.step_lines):
            return self.step_lines[position]
        return self.line


@dataclass(frozen=True)
class ParsedYaml:
    """A YAML document as data, with the node tree that knows the line of every value."""

    data: Any
    node: yaml.Node | None


def parse_yaml(text: str, source: str) -> ParsedYaml:
    """Parse YAML text; FlowLoadError (with the line) when it is not valid YAML."""
    loader = _FlowYamlLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        reason = error.problem or str(error)
        raise FlowLoadError(
            [Problem("error", source, line, None, f"not valid YAML: {reason}")]
        ) from error
    except yaml.YAMLError as error:
        raise FlowLoadError(
            [Problem("error", source, 1, None, f"not valid YAML: {error}")]
        ) from error
    finally:
        loader.dispose()
    return ParsedYaml(data, node)


def line_at(node: yaml.Node | None, location: Iterable[int | str]) -> int:
    """The 1-based line of the value at a pydantic error location, as near as it can be found.

    Location parts that are not in the YAML (the tags of a discriminated union) are
    skipped; a missing key points at the mapping that lacks it.
    """
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in location:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                    line = key_node.start_mark.line + 1
                    node = value_node
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
    return line


def _step_id_at(data: Any, location: tuple[int | str, ...]) -> str | None:
    if len(location) >= 2 and location[0] == "steps" and isinstance(location[1], int):
        steps = data.get("steps") if isinstance(data, dict) else None
        if isinstance(steps, list) and 0 <= location[1] < len(steps):
            step = steps[location[1]]
            step_id = step.get("id") if isinstance(step, dict) else None
            if isinstance(step_id, str):
                return step_id
    return None


def _field_path(data: Any, location: tuple[int | str, ...], error_type: str) -> str:
    """The dotted field path of an error, without list positions and union tags.

    Tags (the `kind` of a step, the `type` of an answer) appear in pydantic's location but
    not in the YAML, so a part that is not a key of the data at that point is a tag, except
    the last part of a "missing" error, which is the missing field itself.
    """
    names: list[str] = []
    node = data
    for position, part in enumerate(location):
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            continue
        if isinstance(node, dict) and part in node:
            names.append(part)
            node = node[part]
        elif error_type == "missing" and position == len(location) - 1:
            names.append(part)
    return ".".join(names[1:] if names[:1] == ["steps"] else names)


def _describe(data: Any, error: Any) -> str:
    location = tuple(error["loc"])
    kind = str(error["type"])
    field_name = _field_path(data, location, kind)
    message = str(error["msg"]).removeprefix("Value error, ")
    context = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return f"unknown field '{field_name.rsplit('.', 1)[-1]}' (check the spelling)"
    if kind == "union_tag_invalid":
        discriminator = str(context.get("discriminator", "kind")).strip("'")
        return (
            f"{discriminator} '{context.get('tag')}' is not known; "
            f"use one of {context.get('expected_tags')}"
        )
    if kind == "union_tag_not_found":
        discriminator = str(context.get("discriminator", "kind")).strip("'")
        return f"missing '{discriminator}': say what sort of step or answer this is"
    if location == ("schema_version",):
        return (
            f"schema_version {error.get('input')!r} is not supported; this version of "
            "Palaver reads schema_version 1"
        )
    if kind == "missing":
        return f"missing required field '{field_name}'"
    return f"{field_name}: {message}" if field_name else message


def _step_lines(node: yaml.Node | None) -> tuple[int, ...]:
    if not isinstance(node, yaml.MappingNode):
        return ()
    for key_node, value_node in node.value:
        if key_node.value == "steps" and isinstance(value_node, yaml.SequenceNode):
            return tuple(item.start_mark.line + 1 for item in value_node.value)
    return ()


def read_flow_text(text: str, source: str = "<flow>") -> LoadedFlow:
    """Parse and validate flow YAML against the schema; FlowLoadError names line and step."""
    parsed = parse_yaml(text, source)
    if not isinstance(parsed.data, dict):
        raise FlowLoadError(
            [Problem("error", source, 1, None, "a flow file must be a YAML mapping (key: value)")]
        )
    try:
        flow = Flow.model_validate(parsed.data)
    except ValidationError as error:
        problems = [
            Problem(
                "error",
                source,
                line_at(parsed.node, detail["loc"]),
                _step_id_at(parsed.data, detail["loc"]),
                _describe(parsed.data, detail),
            )
            for detail in error.errors()
        ]
        raise FlowLoadError(problems) from error
    return LoadedFlow(flow, source, _step_lines(parsed.node))


def read_flow_file(path: Path) -> LoadedFlow:
    """`read_flow_text` for a file; the source is the path as given."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FlowLoadError(
            [Problem("error", str(path), 1, None, f"cannot read file: {error.strerror}")]
        ) from error
    return read_flow_text(text, str(path))


def load_flow(path: Path, known_flow_ids: Iterable[str] | None = None) -> LoadedFlow:
    """Read a flow file and check it; FlowLoadError if the checker finds any error."""
    # Imported here because the checker itself reads files through this module.
    from bot.engine.check import check_loaded_flow

    loaded = read_flow_file(path)
    errors = [
        problem
        for problem in check_loaded_flow(loaded, known_flow_ids)
        if problem.severity == "error"
    ]
    if errors:
        raise FlowLoadError(errors)
    return loaded


def flow_from_snapshot(snapshot: str, expected_version: str | None = None) -> Flow:
    """A flow from `canonical_json` output, optionally insisting on its version hash."""
    flow = Flow.model_validate_json(snapshot)
    if expected_version is not None and version_hash(flow) != expected_version:
        raise UnknownFlowVersion(
            f"snapshot of '{flow.id}' has version {version_hash(flow)[:12]}, "
            f"not {expected_version[:12]}"
        )
    return flow


class FlowLibrary:
    """Every flow version this process has seen, by id and version hash.

    `latest` is what new runs start with; `for_run` is what a run under way must use.
    """

    def __init__(self) -> None:
        self._versions: dict[tuple[str, str], Flow] = {}
        self._latest: dict[str, Flow] = {}

    def add(self, flow: Flow) -> str:
        """Remember a flow (as the latest of its id); returns its version hash."""
        version = version_hash(flow)
        self._versions[(flow.id, version)] = flow
        self._latest[flow.id] = flow
        return version

    def add_snapshot(self, snapshot: str) -> Flow:
        """Remember an older version restored from a run's snapshot, without making it latest."""
        flow = flow_from_snapshot(snapshot)
        self._versions[(flow.id, version_hash(flow))] = flow
        self._latest.setdefault(flow.id, flow)
        return flow

    @classmethod
    def from_directory(cls, directory: Path) -> FlowLibrary:
        """Load and check every `*.yaml` flow in a directory; FlowLoadError on any error."""
        paths = sorted(directory.glob("*.yaml"))
        library = cls()
        known = {path.stem for path in paths}
        problems: list[Problem] = []
        for path in paths:
            try:
                library.add(load_flow(path, known).flow)
            except FlowLoadError as error:
                problems.extend(error.problems)
        if problems:
            raise FlowLoadError(problems)
        return library

    def flow_ids(self) -> list[str]:
        """Ids of all known flows, sorted."""
        return sorted(self._latest)

    def latest(self, flow_id: str) -> Flow:
        """The newest version of a flow, for starting new runs; KeyError if unknown."""
        return self._latest[flow_id]

    def get(self, flow_id: str, version: str) -> Flow:
        """An exact version of a flow; UnknownFlowVersion if it was never seen."""
        try:
            return self._versions[(flow_id, version)]
        except KeyError:
            raise UnknownFlowVersion(f"{flow_id}@{version[:12]}") from None

    def for_run(self, state: RunState) -> Flow:
        """The flow version a run started with."""
        return self.get(state.flow_id, state.flow_version)

    def is_outdated(self, state: RunState) -> bool:
        """Whether the flow has been edited since the run started (the run keeps its version)."""
        latest = self._latest.get(state.flow_id)
        return latest is not None and version_hash(latest) != state.flow_version

    @staticmethod
    def snapshot(flow: Flow) -> str:
        """The text to store beside a run so its version can be restored after a restart."""
        return canonical_json(flow)
