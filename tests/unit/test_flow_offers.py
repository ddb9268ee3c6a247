"""Programs offer only flows that run today, and the README says exactly which ones do."""

from __future__ import annotations

import re

from bot.config import REPOSITORY_ROOT
from bot.engine import FlowLibrary
from bot.services.circle_rooms import circle_flows
from bot.services.program_settings import offered_flows

SHIPPED = FlowLibrary.from_directory(REPOSITORY_ROOT / "dialogues")
README = (REPOSITORY_ROOT / "README.md").read_text(encoding="utf-8")


def flows_named_in(text: str) -> set[str]:
    return set(re.findall(r"`([a-z-]+)`", text)) & set(SHIPPED.flow_ids())


def test_community_action_is_a_circle_flow() -> None:
    assert SHIPPED.latest("community-action").kind == "circle"


def test_programs_are_offered_only_solo_and_pair_flows() -> None:
    assert offered_flows(SHIPPED) == (
        "commitment-checkin",
        "exchange-followup",
        "listening-campaign",
        "story-exchange",
    )


def test_facilitators_run_the_dialogue_circle_and_not_yet_action_planning() -> None:
    assert circle_flows(SHIPPED) == ["dialogue-circle"]


def test_the_readme_lists_exactly_the_flows_that_run() -> None:
    works_today = README.split("What works today:", 1)[1].split("\nNot yet:", 1)[0]
    not_yet = README.split("\nNot yet:", 1)[1].split("\n## ", 1)[0]
    running = set(offered_flows(SHIPPED)) | set(circle_flows(SHIPPED))
    assert flows_named_in(works_today) == running
    assert flows_named_in(not_yet) == set(SHIPPED.flow_ids()) - running
