"""The flow checker, the CLI for authors, diagrams, the published schema and rehearsal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli_flows import flows_group, try_command
from bot.engine import FlowLoadError, load_flow, read_flow_file, read_flow_text
from bot.engine.check import check_flow_files, flow_texts
from bot.engine.graph import to_dot, to_mermaid, with_readme_diagrams
from bot.engine.rehearsal import rehearse
from bot.engine.schema import flow_json_schema_text, parse_duration
from tests.engine.support import BROKEN_FLOWS, DIALOGUES, T0

SHIPPED = sorted(DIALOGUES.glob("*.yaml"))
BROKEN = {
    "bad-min-max.yaml": (12, "story", "min_length (500) is larger than max_length (100)"),
    "branch-on-missing-option.yaml": (19, "check", "'green', which is not one of the answers"),
    "branch-on-unknown-key.yaml": (
        14,
        "check",
        "'moood', which no question stores (did you mean 'mood'?)",
    ),
    "dead-end.yaml": (12, "name", "is the last step but not an `end`"),
    "duplicate-step-id.yaml": (12, "hello", "step id 'hello' is used twice (first on line 9)"),
    "gte-on-choice.yaml": (19, "check", "gte/lte only work on likert5 and scale_0_100"),
    "loop-without-exit.yaml": (12, "again", "loop with no exit: again → more → again"),
    "loop-without-question.yaml": (12, "echo", "loop without a question: echo → back → echo"),
    "not-yaml.yaml": (13, None, "not valid YAML"),
    "schedule-in-months.yaml": (
        12,
        "later",
        "after: 'P1M' counts months or years, and their length varies; write P30D or P52W",
    ),
    "schedule-unknown-flow.yaml": (
        9,
        "later",
        "'commitment-chekin', which does not exist (did you mean 'commitment-checkin'?)",
    ),
    "share-in-solo-flow.yaml": (14, "share-story", "needs a partner, but this flow's kind is solo"),
    "unknown-field.yaml": (12, "hello", "unknown field 'nxt'"),
    "unknown-next.yaml": (
        9,
        "hello",
        "goes to step 'goodby', which does not exist (did you mean 'goodbye'?)",
    ),
    "unknown-step-kind.yaml": (9, "hello", "kind 'shout' is not known"),
    "unreachable-step.yaml": (13, "forgotten", "is never reached"),
    "wait-never-shared.yaml": (17, "wait-story", "waits for 'stroy', but no step shares 'stroy'"),
    "wrong-schema-version.yaml": (2, None, "schema_version 2 is not supported"),
}


def test_every_broken_fixture_is_listed_here() -> None:
    assert sorted(p.name for p in BROKEN_FLOWS.glob("*.yaml")) == sorted(BROKEN)


def test_shipped_flows_pass_the_check_without_warnings() -> None:
    assert check_flow_files([DIALOGUES]) == []


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_check_names_file_line_and_step_of_each_defect(name: str) -> None:
    line, step_id, message = BROKEN[name]
    path = BROKEN_FLOWS / name
    problems = check_flow_files([path], known_flow_ids={"commitment-checkin"})
    errors = [p for p in problems if p.severity == "error"]
    assert errors, f"{name} passed the check"
    first = errors[0]
    assert (first.file, first.line, first.step_id) == (str(path), line, step_id), str(first)
    assert message in first.message
    where = f"step '{step_id}': " if step_id else ""
    assert str(first) == f"{path}:{line}: {where}{first.message}"


def test_loading_a_broken_flow_raises_with_the_problems() -> None:
    with pytest.raises(FlowLoadError) as raised:
        load_flow(BROKEN_FLOWS / "unknown-next.yaml")
    assert "goodby" in str(raised.value)


def test_yes_and_no_stay_words_in_flow_files() -> None:
    flow = read_flow_file(DIALOGUES / "story-exchange.yaml").flow
    options = flow.step_by_id("heard-right").answer.options  # type: ignore[union-attr]
    assert [o.id for o in options] == ["yes", "partly", "no"]


def test_missing_translations_are_warnings_not_errors() -> None:
    path = DIALOGUES / "exchange-followup.yaml"
    texts = {text for _, text in flow_texts(read_flow_file(path).flow)}
    almost = texts - {"Thank you, {name}. That's all. Take care."}
    problems = check_flow_files([path], translations={"ar": almost, "uk": set()})
    assert {p.severity for p in problems} == {"warning"}
    messages = [str(p) for p in problems]
    assert any("step 'thanks': no 'ar' translation for" in m for m in messages)
    assert any("has a 'uk' translation yet" in m for m in messages)


def test_check_command_exits_nonzero_and_prints_file_line_step_on_errors() -> None:
    result = CliRunner().invoke(flows_group, ["check", str(BROKEN_FLOWS / "unknown-next.yaml")])
    assert result.exit_code == 1
    assert f"{BROKEN_FLOWS / 'unknown-next.yaml'}:9: step 'hello': goes to step 'goodby'" in (
        result.output
    )


def test_check_command_passes_on_the_shipped_flows() -> None:
    result = CliRunner().invoke(flows_group, ["check"])
    assert result.exit_code == 0, result.output
    assert "All flows are fine" in result.output


def test_graph_command_prints_mermaid_with_labelled_branches() -> None:
    result = CliRunner().invoke(flows_group, ["graph", "commitment-checkin"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("flowchart TD\n")
    assert '-->|"progress = done"|' in result.output
    assert '-->|"otherwise"|' in result.output


def test_graph_of_an_unknown_flow_lists_the_known_ones() -> None:
    result = CliRunner().invoke(flows_group, ["graph", "no-such-flow"])
    assert result.exit_code != 0
    assert "story-exchange" in result.output


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_diagrams_have_a_node_per_step_and_an_edge_per_transition(path: Path) -> None:
    flow = read_flow_file(path).flow
    mermaid = to_mermaid(flow)
    dot = to_dot(flow)
    transitions = sum(len(flow.successors(s.id)) for s in flow.steps)
    assert mermaid.count("-->") == transitions
    assert dot.count(" -> ") == transitions
    assert dot.startswith(f'digraph "{flow.id}"')


def test_readme_diagrams_are_up_to_date() -> None:
    readme = (DIALOGUES / "README.md").read_text(encoding="utf-8")
    flows = [read_flow_file(path).flow for path in SHIPPED]
    assert readme == with_readme_diagrams(readme, flows), "run `palaver flows readme`"


def test_readme_table_lists_every_shipped_flow() -> None:
    readme = (DIALOGUES / "README.md").read_text(encoding="utf-8")
    for path in SHIPPED:
        flow = read_flow_file(path).flow
        assert f"| `{flow.id}` | {flow.track} | {flow.kind} | {flow.duration_minutes} |" in readme


def test_published_json_schema_matches_the_models() -> None:
    committed = (DIALOGUES / "schema.json").read_text(encoding="utf-8")
    assert committed == flow_json_schema_text(), "run `palaver flows schema --write`"
    assert json.loads(committed)["properties"]["schema_version"]["const"] == 1


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("P14D", 14 * 86400),
        ("P2W", 14 * 86400),
        ("P1WT12H", 7.5 * 86400),
        ("PT36H", 1.5 * 86400),
        ("P1D", 86400),
        ("PT10M", 600),
        ("PT30S", 30),
        ("PT90S", 90),
        ("P1DT2H30M15S", 86400 + 2 * 3600 + 30 * 60 + 15),
        ("P1096D", 1096 * 86400),
    ],
)
def test_iso_durations_in_weeks_days_hours_minutes_and_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["14 days", "P", "PT", "P1DT", "PT1.5H", "-P1D", "p14d", "P1H"])
def test_durations_of_the_wrong_form_are_refused_with_examples(text: str) -> None:
    with pytest.raises(ValueError, match="is not an ISO-8601 duration such as P14D"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["P1M", "P1Y", "P0Y14D", "P1Y2M3D", "P6MT1H"])
def test_durations_in_months_or_years_are_refused_because_their_length_varies(text: str) -> None:
    with pytest.raises(ValueError, match="their length varies; write P30D or P52W"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["P0D", "PT0S", "P0WT0H0M"])
def test_a_zero_duration_is_refused_as_no_delay(text: str) -> None:
    with pytest.raises(ValueError, match="no delay at all; write one such as PT10M"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["P1097D", "P157W", "PT94694401S", "P99999999999999999999D"])
def test_durations_longer_than_three_years_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"longer than three years.*write at most P1096D"):
        parse_duration(text)


def test_option_ids_longer_than_sixteen_characters_are_refused() -> None:
    text = (DIALOGUES / "listening-campaign.yaml").read_text(encoding="utf-8")
    with pytest.raises(FlowLoadError, match="at most 16 characters"):
        read_flow_text(text.replace("id: other-side", "id: people-on-the-other-side"))


def test_rehearsal_plays_a_solo_flow_with_numbered_buttons() -> None:
    flow = read_flow_file(DIALOGUES / "listening-campaign.yaml").flow
    replies = iter(
        ["1", "3", "1", "2", "10", "Water is short every summer.", "A well.", "4", "1", "2"]
    )
    output: list[str] = []
    states = rehearse(flow, lambda prompt: next(replies), output.append, clock=lambda: T0)
    assert states[0].status == "finished"
    assert states[0].answers["topics"] == ["safety", "basics"]
    shown = "\n".join(output)
    assert "  1) Yes, let's start" in shown
    assert "  1) [x] Safety" in shown
    assert "— finished —" in shown


def test_rehearsal_as_a_pair_delivers_shares_between_the_two_people() -> None:
    flow = read_flow_file(DIALOGUES / "story-exchange.yaml").flow
    output: list[str] = []
    states = rehearse(flow, lambda _: "/skip", output.append, clock=lambda: T0, as_pair=True)
    assert [s.status for s in states] == ["finished", "finished"]
    shown = "\n".join(output)
    assert "Noa chose to skip this one." in shown
    assert "--- now playing Noa ---" in shown


def test_rehearsal_as_a_pair_tells_the_partner_when_one_leaves_and_ends_both() -> None:
    flow = read_flow_file(DIALOGUES / "story-exchange.yaml").flow
    output: list[str] = []
    replies = iter(["/leave"])
    states = rehearse(flow, lambda _: next(replies), output.append, clock=lambda: T0, as_pair=True)
    assert [s.status for s in states] == ["left", "left"], "nobody is left waiting"
    shown = "\n".join(output)
    assert "[Noa] Your partner has ended the exchange." in shown
    assert "Rehearsal stopped." not in shown, "it ended by itself, not for lack of input"


def test_rehearsal_translates_with_the_given_function() -> None:
    flow = read_flow_file(DIALOGUES / "exchange-followup.yaml").flow
    output: list[str] = []
    rehearse(flow, lambda _: "/quit", output.append, translate=lambda text: text.upper())
    assert any("ABOUT A MONTH AGO" in line for line in output)
    assert output[-1] == "\nRehearsal stopped."


def test_try_command_runs_until_input_ends() -> None:
    result = CliRunner().invoke(try_command, ["exchange-followup"], input="50\n")
    assert result.exit_code == 0, result.output
    assert "How warm or cold" in result.output
    assert "Rehearsal stopped." in result.output


def test_try_with_a_language_without_a_catalog_names_the_available_ones() -> None:
    result = CliRunner().invoke(try_command, ["exchange-followup", "--lang", "xx"])
    assert result.exit_code == 2
    assert "there is no 'xx' catalog" in result.output
    assert "en" in result.output


def test_engine_imports_nothing_from_telegram_storage_or_services() -> None:
    import ast

    engine_dir = Path(__file__).resolve().parents[2] / "bot" / "engine"
    forbidden = ("bot.telegram", "bot.storage", "bot.services", "telegram", "sqlalchemy")
    for source in engine_dir.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(forbidden), f"{source.name} imports {name}"
