"""The flow extractor: `pybabel extract` finds every flow text, on the line that says it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_file

from bot.config import REPOSITORY_ROOT
from bot.engine.check import flow_texts
from bot.engine.loader import read_flow_file
from bot.i18n.workflow import extract_template

STORY = REPOSITORY_ROOT / "dialogues" / "story-exchange.yaml"


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def extracted(path: Path) -> list[tuple[int, str, list[str]]]:
    # Through the entry point, exactly as babel.cfg's [palaver_flows: ...] section does.
    return [
        (line, str(message), comments)
        for line, message, comments, _context in extract_from_file("palaver_flows", str(path))
    ]


def test_every_flow_text_is_extracted() -> None:
    messages = {message for _line, message, _comments in extracted(STORY)}
    assert messages == {text for _step, text in flow_texts(read_flow_file(STORY).flow)}


def test_texts_carry_the_line_that_writes_them() -> None:
    found = {message: line for line, message, _comments in extracted(STORY)}
    assert found["Story exchange"] == line_of(STORY, "title: Story exchange")
    assert found["{partner} introduces themselves:"] == line_of(
        STORY, 'heading: "{partner} introduces themselves:"'
    )
    folded = "Welcome, {name}. In this exchange you and {partner}, someone from the other"
    assert (
        found[
            folded + " community, will share a few stories from your lives and listen to "
            "each other. There are no right answers, and nobody here needs to win an "
            "argument."
        ]
        == line_of(STORY, "id: welcome") + 2
    )


def test_defaults_nobody_spelt_out_point_at_their_step() -> None:
    commitment = REPOSITORY_ROOT / "dialogues" / "commitment-checkin.yaml"
    lines = commitment.read_text(encoding="utf-8").splitlines()
    assert not any("yes_label" in line for line in lines)
    found: dict[str, int] = {}
    for line, message, _comments in extracted(commitment):
        found.setdefault(message, line)
    first_yes_no = line_of(commitment, "type: yes_no")
    step_line = max(n for n, line in enumerate(lines[:first_yes_no], 1) if "- id:" in line)
    assert found["Yes"] == found["No"] == step_line


def test_comments_name_the_flow_and_step() -> None:
    comments = {message: comments for _line, message, comments in extracted(STORY)}
    assert comments["{partner} introduces themselves:"] == ["flow story-exchange, step share-intro"]


def test_one_template_holds_bot_and_flow_messages() -> None:
    template = extract_template(REPOSITORY_ROOT)
    locations = {path for message in template for path, _line in message.locations}
    assert "bot/engine/messages.py" in locations
    assert "dialogues/story-exchange.yaml" in locations
    assert template["Skip"] is not None
