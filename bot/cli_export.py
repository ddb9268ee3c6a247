"""`palaver export`: a program's figures as CSV, JSON, Markdown or an HTML report.

The main CLI adds it with `main.add_command(export_command)`.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from bot.cli_errors import PalaverCliError
from bot.cli_programs import _find_program, _with_database
from bot.config import Settings, load_settings
from bot.export import (
    ExportFormat,
    ExportReport,
    ExportRequest,
    collect_report,
    data_dictionary_csv,
    render,
)
from bot.export.polis import NoCommonGround, PolisData, collect_polis, polis_files
from bot.i18n.catalogs import Catalogs
from bot.storage.unit_of_work import UnitOfWork

POLIS_FORMAT = "polis"
PROGRESS_BAR_FROM_ROWS = 20_000
"""Show a progress bar when the export reads at least this many runs and answers."""


@click.command("export")
@click.option("--program", "program", help="The program's id or exact name.")
@click.option(
    "--circle",
    "circle",
    type=int,
    help="With --format polis: a circle's statements round instead of the program's "
    "conversation (see `palaver circles list`).",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only people who joined on or after this day (YYYY-MM-DD, UTC).",
)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only people who joined on or before this day (YYYY-MM-DD, UTC).",
)
@click.option(
    "--format",
    "export_format",
    required=True,
    type=click.Choice([*(f.value for f in ExportFormat), POLIS_FORMAT]),
    help="csv: tidy table (a data dictionary is written beside it); json: follows "
    "docs/export-schema.json; md: Markdown summary; html: report with charts; polis: the "
    "common-ground votes as a Polis CSV export (--out is then a folder).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(writable=True, path_type=Path),
    help="The file to write (for polis: the folder to write the files in).",
)
@click.option(
    "--language",
    help="Language of the Markdown and HTML report (the program's default otherwise).",
)
def export_command(
    program: str | None,
    circle: int | None,
    since: datetime | None,
    until: datetime | None,
    export_format: str,
    out: Path,
    language: str | None,
) -> None:
    """Export what PROGRAM did: participation, drop-out, surveys, commitments, follow-ups.

    Only figures about groups are exported, never one person: groups smaller than the
    program's minimum group size are hidden, with whatever would reveal them. The period
    selects people by the day they joined, in whole blocks of that size per community.
    """
    settings = load_settings()
    if program is None and circle is None:
        raise click.UsageError("name the program (--program), or a circle (--circle)")
    if export_format == POLIS_FORMAT:
        if since or until:
            raise click.UsageError("--since and --until do not apply to --format polis")
        _export_polis(settings, program, circle, out)
        return
    if circle is not None:
        raise click.UsageError("--circle goes with --format polis (its statements round)")
    assert program is not None
    if since and until and since > until:
        raise click.UsageError("--since is after --until")
    if out.is_dir():
        raise click.UsageError(f"--out {out} is a folder; name the file to write")
    catalogs = Catalogs.load(settings.locales_dir, settings.default_locale)
    chosen = ExportFormat(export_format)

    async def collect(uow: UnitOfWork) -> ExportReport:
        found = await _find_program(uow, program)
        assert found.id is not None
        request = ExportRequest(
            program_id=found.id,
            format=chosen,
            since=_day(since),
            until=_day(until),
            language=catalogs.negotiate(language or found.default_language),
        )
        rows = await uow.exports.count_rows(found.id)
        if rows < PROGRESS_BAR_FROM_ROWS:
            return await collect_report(uow, request)
        with click.progressbar(length=rows, label="Reading the program") as bar:
            return await collect_report(uow, request, bar.update)

    report = _with_database(settings, collect)
    content = render(report, chosen, catalogs.translator(report.language))
    try:
        out.write_bytes(content)
        if chosen is ExportFormat.CSV:
            dictionary = out.with_name(f"{out.stem}.dictionary.csv")
            dictionary.write_bytes(data_dictionary_csv())
    except OSError as error:
        raise PalaverCliError(f"could not write {out}: {error.strerror}") from None
    hidden = sum(1 for figure in report.figures if figure.suppressed)
    click.echo(
        f"Wrote {out} ({len(content)} bytes): {len(report.figures)} figures, {hidden} hidden "
        f"because they concern fewer than {report.program.min_group_size} people."
    )
    if chosen is ExportFormat.CSV:
        click.echo(f"The columns are explained in {dictionary}.")


def _export_polis(settings: Settings, program: str | None, circle: int | None, out: Path) -> None:
    """A common-ground conversation (a program's, or a circle's statements round) as the
    five files of a Polis CSV export, in `out`."""

    async def collect(uow: UnitOfWork) -> PolisData:
        if circle is not None:
            circle_found = await uow.circles.get(circle)
            if circle_found is None:
                raise PalaverCliError(f"no circle {circle}; see `palaver circles list`")
            found = await _find_program(uow, program or str(circle_found[1].program_id))
            if found.id != circle_found[1].program_id:
                raise PalaverCliError(f"circle {circle} is not in program {found.id}")
        else:
            assert program is not None
            found = await _find_program(uow, program)
        try:
            return await collect_polis(uow, found, circle)
        except NoCommonGround:
            if circle is not None:
                raise PalaverCliError(f"circle {circle} has had no statements round yet") from None
            raise PalaverCliError(
                f"program {found.id} has no common-ground conversation; start one with "
                f"`palaver commonground seed --program {found.id} --file statements.txt`"
            ) from None

    data = _with_database(settings, collect)
    files = polis_files(data)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (out / name).write_bytes(content)
    except OSError as error:
        raise PalaverCliError(f"could not write {out}: {error.strerror}") from None
    voters = len({vote.person_id for vote in data.votes})
    click.echo(
        f"Wrote {len(files)} Polis files in {out}: {len(data.statements)} statements, "
        f"{len(data.votes)} votes by {voters} people (numbered, never named)."
    )


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment is not None else None
