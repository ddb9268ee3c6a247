"""Command-line tools for flow authors: `flows check`, `flows graph` and `try`.

The main CLI adds them with `main.add_command(flows_group)` and `main.add_command(try_command)`.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import click

import bot
from bot.config import load_settings
from bot.engine.check import check_flow_files
from bot.engine.graph import to_dot, to_mermaid, with_readme_diagrams
from bot.engine.loader import FlowLoadError, LoadedFlow, load_flow, read_flow_file
from bot.engine.problems import has_errors
from bot.engine.rehearsal import rehearse
from bot.engine.schema import flow_json_schema_text
from bot.i18n.catalogs import SOURCE_LANGUAGE, Catalogs

DIALOGUES_DIR = Path(bot.__file__).resolve().parent.parent / "dialogues"
"""The flows shipped with Palaver."""


def _catalogs() -> Catalogs:
    return Catalogs.load(load_settings().locales_dir)


def _translator(language: str | None) -> Callable[[str], str]:
    if language is None or language == SOURCE_LANGUAGE:
        return lambda text: text
    catalogs = _catalogs()
    if language not in catalogs.languages:
        raise click.UsageError(
            f"there is no '{language}' catalog; available: {', '.join(catalogs.languages)}"
        )
    return catalogs.translator(language).gettext


def _find_flow(name: str) -> LoadedFlow:
    """A checked flow by path or by id (looked up in the shipped dialogues)."""
    path = Path(name)
    if not path.exists():
        path = DIALOGUES_DIR / f"{name}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in DIALOGUES_DIR.glob("*.yaml"))
        raise click.UsageError(f"no flow '{name}'; known flows: {', '.join(known)}")
    known_ids = {p.stem for p in path.parent.glob("*.yaml")}
    try:
        return load_flow(path, known_ids)
    except FlowLoadError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{path} has errors; fix them first (`palaver flows check {path}`)"
        ) from None


@click.group("flows")
def flows_group() -> None:
    """Check, draw and maintain dialogue flows."""


@flows_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def check_command(paths: tuple[Path, ...]) -> None:
    """Check flow files (default: the shipped dialogues/); exit 1 on any error."""
    targets = list(paths) or [DIALOGUES_DIR]
    # Flows in the shipped directory may be scheduled from anywhere.
    known = {p.stem for p in DIALOGUES_DIR.glob("*.yaml")}
    translations = _catalogs().translated_msgids()
    problems = check_flow_files(targets, known, translations)
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")
    errors = sum(problem.severity == "error" for problem in problems)
    warnings = len(problems) - errors
    if has_errors(problems):
        click.echo(f"{errors} error(s), {warnings} warning(s).", err=True)
        raise SystemExit(1)
    click.echo(f"All flows are fine ({warnings} warning(s)).")


@flows_group.command("graph")
@click.argument("flow")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["mermaid", "dot", "svg"]),
    default="mermaid",
    show_default=True,
    help="Mermaid text, Graphviz DOT, or SVG (needs Graphviz's `dot`).",
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout."
)
def graph_command(flow: str, output_format: str, output: Path | None) -> None:
    """Draw FLOW (an id or a path) as a diagram of its steps and branches."""
    loaded = _find_flow(flow)
    if output_format == "mermaid":
        text = to_mermaid(loaded.flow)
    elif output_format == "dot":
        text = to_dot(loaded.flow)
    else:
        text = _svg(to_dot(loaded.flow))
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.")


def _svg(dot_source: str) -> str:
    dot = shutil.which("dot")
    if dot is None:
        raise click.ClickException(
            "Graphviz's `dot` program was not found; install Graphviz, or use "
            "--format mermaid (renders on GitHub and GitLab)"
        )
    result = subprocess.run(
        [dot, "-Tsvg"], input=dot_source, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise click.ClickException(f"`dot` failed: {result.stderr.strip()}")
    return result.stdout


@flows_group.command("schema")
@click.option("--write", is_flag=True, help="Update dialogues/schema.json instead of printing.")
def schema_command(write: bool) -> None:
    """Print (or write) the JSON Schema of flow files."""
    text = flow_json_schema_text()
    if write:
        (DIALOGUES_DIR / "schema.json").write_text(text, encoding="utf-8")
        click.echo(f"Wrote {DIALOGUES_DIR / 'schema.json'}.")
    else:
        click.echo(text, nl=False)


@flows_group.command("readme")
def readme_command() -> None:
    """Regenerate the flow diagrams in dialogues/README.md."""
    readme = DIALOGUES_DIR / "README.md"
    flows = [read_flow_file(path).flow for path in sorted(DIALOGUES_DIR.glob("*.yaml"))]
    readme.write_text(with_readme_diagrams(readme.read_text(encoding="utf-8"), flows), "utf-8")
    click.echo(f"Updated the diagrams in {readme}.")


@click.command("try")
@click.argument("flow")
@click.option("--lang", "language", help="Show the flow in this language (e.g. ar, he, uk).")
@click.option("--as-pair", is_flag=True, help="Play both partners, taking turns.")
def try_command(flow: str, language: str | None, as_pair: bool) -> None:
    """Rehearse FLOW in the terminal with the real engine; no Telegram needed."""
    loaded = _find_flow(flow)
    if loaded.flow.kind != "solo" and not as_pair:
        click.echo(
            f"Note: '{loaded.flow.id}' is a {loaded.flow.kind} flow; add --as-pair to play "
            "two people so shared answers have somewhere to go.\n"
        )
    rehearse(loaded.flow, input, click.echo, translate=_translator(language), as_pair=as_pair)
