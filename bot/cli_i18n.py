"""Command-line tools for translations: `palaver i18n extract`, `update` and `check`.

The main CLI adds them with `main.add_command(i18n_group)`. locales/README.md describes the
workflow for translators.
"""

from __future__ import annotations

from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

import bot
from bot.config import load_settings
from bot.i18n.catalogs import CatalogError, Catalogs
from bot.i18n.workflow import (
    KNOWN_FUZZY_NAME,
    MAPPING_NAME,
    TEMPLATE_NAME,
    CatalogReport,
    check_catalogs,
    extract_template,
    read_known_fuzzy,
    update_catalogs,
    write_catalog,
)

SOURCE_DIR = Path(bot.__file__).resolve().parent.parent
"""This checkout: where babel.cfg, bot/ and dialogues/ are."""

_LOCALES_OPTION = click.option(
    "--locales-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The catalog folder (default: PALAVER_LOCALES_DIR, this checkout's locales/).",
)


def _locales_dir(given: Path | None) -> Path:
    return given if given is not None else load_settings().locales_dir


@click.group("i18n")
def i18n_group() -> None:
    """Keep the translations complete: extract messages, update and check the catalogs."""


@i18n_group.command("extract")
@_LOCALES_OPTION
@click.option(
    "--sources",
    "source_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Where babel.cfg and the sources are (default: this checkout).",
)
def extract_command(locales_dir: Path | None, source_dir: Path | None) -> None:
    """Collect every message of bot/ and dialogues/ into locales/messages.pot."""
    target = _locales_dir(locales_dir) / TEMPLATE_NAME
    template = extract_template(source_dir or SOURCE_DIR)
    write_catalog(template, target)
    click.echo(f"Wrote {len(template)} messages to {target}.")


@i18n_group.command("update")
@_LOCALES_OPTION
def update_command(locales_dir: Path | None) -> None:
    """Bring every language's .po up to date with messages.pot (new messages arrive empty)."""
    folder = _locales_dir(locales_dir)
    template = folder / TEMPLATE_NAME
    try:
        updated = update_catalogs(folder, _read_template(template))
    except CatalogError as error:
        raise click.ClickException(str(error)) from None
    for path in updated:
        click.echo(f"Updated {path}.")


@i18n_group.command("check")
@_LOCALES_OPTION
@click.option(
    "--sources",
    "source_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Also check messages.pot is up to date with the sources here (default: this "
    "checkout, when the catalogs are its own).",
)
@click.option("--no-sources", is_flag=True, help="Do not compare messages.pot with the sources.")
def check_command(locales_dir: Path | None, source_dir: Path | None, no_sources: bool) -> None:
    """Check every shipped language is complete and correct; exit 1 with a list if not."""
    folder = _locales_dir(locales_dir)
    if source_dir is None and not no_sources and folder.resolve() == SOURCE_DIR / "locales":
        source_dir = SOURCE_DIR
    extracted = None
    if source_dir is not None and not no_sources:
        if not (source_dir / MAPPING_NAME).is_file():
            raise click.UsageError(f"{source_dir} has no {MAPPING_NAME}; pass --no-sources")
        extracted = extract_template(source_dir)
    report = check_catalogs(folder, read_known_fuzzy(folder / KNOWN_FUZZY_NAME), extracted)
    _print_table(report)
    if not report.ok:
        for problem in report.problems:
            click.echo(problem, err=True)
        click.echo(f"{len(report.problems)} problem(s) in {folder}.", err=True)
        raise SystemExit(1)
    click.echo("All catalogs are complete.")


def _read_template(path: Path) -> Catalog:
    try:
        with path.open("rb") as template_file:
            return read_po(template_file)
    except OSError as error:
        raise CatalogError(f"{path}: {error.strerror}; run `palaver i18n extract` first") from error


def _print_table(report: CatalogReport) -> None:
    catalogs = Catalogs()
    click.echo(f"{'language':<24} {'translated':>10} {'fuzzy':>6} {'missing':>8} {'done':>7}")
    for row in report.languages:
        name = f"{row.language} {catalogs.display_name(row.language)}"
        click.echo(
            f"{name:<24} {row.translated:>10} {row.fuzzy:>6} {row.missing:>8} {row.percent:>6.1f}%"
        )
