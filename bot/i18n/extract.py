"""A Babel extractor for dialogue flows, so `pybabel extract` finds every text in dialogues/.

Registered as the `palaver_flows` extraction method (an entry point in pyproject.toml) and
used from babel.cfg. Each text is reported on the line where the YAML writes it, with the
flow and step as a comment for translators. Texts that a flow leaves to a default (a "Yes"
button nobody spelt out) are reported on their step's line.

This is build tooling, not runtime code: it reads flows with the engine's own loader and
`flow_texts`, so the extractor and the flow checker never disagree about what a flow says.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

from bot.engine.check import flow_texts
from bot.engine.loader import parse_yaml, read_flow_text

ExtractedMessage = tuple[int, str | None, str, list[str]]
"""What Babel expects from an extractor: line, function name, message, comments."""


def extract_flows(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[ExtractedMessage]:
    """Yield every translatable text of one flow file (Babel's extractor interface).

    A file that is not a valid flow raises the loader's FlowLoadError, which names the
    line and the problem: extraction must not silently miss a flow's texts.
    """
    source = getattr(fileobj, "name", "<flow>")
    text = fileobj.read().decode(str(options.get("encoding", "utf-8")))
    loaded = read_flow_text(text, str(source))
    root = parse_yaml(text, str(source)).node
    steps = _step_nodes(root)
    for step_id, message in flow_texts(loaded.flow):
        if step_id is None:
            node = root
            where = f"flow {loaded.flow.id}"
        else:
            node = steps.get(step_id)
            where = f"flow {loaded.flow.id}, step {step_id}"
        line = _line_of_text(node, message) or loaded.line_of(step_id)
        yield line, None, message, [where]


def _step_nodes(root: yaml.Node | None) -> dict[str, yaml.Node]:
    """Each step's YAML mapping by step id (the first step with an id wins)."""
    steps_node = _value_of(root, "steps")
    found: dict[str, yaml.Node] = {}
    if isinstance(steps_node, yaml.SequenceNode):
        for step_node in steps_node.value:
            step_id = _value_of(step_node, "id")
            if isinstance(step_id, yaml.ScalarNode):
                found.setdefault(str(step_id.value), step_node)
    return found


def _value_of(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                found: yaml.Node = value_node
                return found
    return None


def _line_of_text(node: yaml.Node | None, text: str) -> int | None:
    """The 1-based line of the first scalar value equal to `text` under `node`.

    The search does not descend into `steps`, so a flow's title is found in its header.
    """
    if isinstance(node, yaml.ScalarNode):
        return node.start_mark.line + 1 if node.value == text else None
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == "steps":
                continue
            line = _line_of_text(value_node, text)
            if line is not None:
                return line
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            line = _line_of_text(item, text)
            if line is not None:
                return line
    return None
