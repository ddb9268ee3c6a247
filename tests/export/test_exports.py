"""Organizer exports: every format from the demo program, the schema, and nobody singled out."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from sqlmodel import select

from bot.cli import main
from bot.config import Settings
from bot.export import ExportFormat, ExportRequest, build_export, data_dictionary_csv
from bot.export.model import Figure, Section
from bot.export.suppression import AdditiveGroup, suppress
from bot.i18n.catalogs import Catalogs
from bot.services.demo import SimulatedAnswers
from bot.storage.tables import Person
from bot.storage.unit_of_work import Database
from tests.export.builders import simulated_program, warm
from tests.support import stored

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "export-schema.json").read_text())


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.dispose()


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("PALAVER_DATABASE_URL", settings.database_url)
    return CliRunner()


async def export_json(settings: Settings, program_id: int, **period: date) -> dict[str, Any]:
    """An export built the way /export builds it: in a worker thread of its own."""
    request = ExportRequest(program_id, ExportFormat.JSON, **period)
    translator = Catalogs.load(settings.locales_dir).translator("en")
    content = await asyncio.to_thread(build_export, settings.database_url, request, translator)
    document: dict[str, Any] = json.loads(content)
    jsonschema.validate(document, SCHEMA)
    return document


def figures(document: dict[str, Any], **labels: Any) -> list[dict[str, Any]]:
    return [
        figure
        for figure in document["figures"]
        if all(figure[name] == value for name, value in labels.items())
    ]


def one(document: dict[str, Any], **labels: Any) -> dict[str, Any]:
    found = figures(document, **labels)
    assert len(found) == 1, f"{len(found)} figures match {labels}"
    return found[0]


def test_demo_program_exports_in_json_and_csv_from_the_command_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    seeded = runner.invoke(main, ["demo-data", "--participants", "60", "--seed", "7"])
    assert seeded.exit_code == 0, seeded.output

    json_out, csv_out = tmp_path / "demo.json", tmp_path / "demo.csv"
    made = runner.invoke(
        main, ["export", "--program", "1", "--format", "json", "--out", str(json_out)]
    )
    assert made.exit_code == 0, made.output
    document = json.loads(json_out.read_text())
    jsonschema.validate(document, SCHEMA)
    assert one(document, section="participants", community=None)["people"] == 60
    assert one(document, section="participants", community="east bank")["people"] == 30
    thermometer = one(
        document, section="change", measure="thermometer", wave="post", community=None
    )
    assert thermometer["mean"] > 0 and thermometer["ci_low"] < thermometer["mean"]
    assert figures(document, section="step_stopped", flow_id="story-exchange")
    assert figures(document, section="answer", key="progress", option="done")

    made = runner.invoke(
        main, ["export", "--program", "1", "--format", "csv", "--out", str(csv_out)]
    )
    assert made.exit_code == 0, made.output
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text())))
    assert len(rows) == len(document["figures"])
    assert rows[0].keys() == document["figures"][0].keys()
    dictionary = list(csv.DictReader((tmp_path / "demo.dictionary.csv").open()))
    assert {row["name"] for row in dictionary if row["kind"] == "column"} == set(rows[0])
    assert {row["section"] for row in rows} <= {
        row["name"] for row in dictionary if row["kind"] == "section"
    }


def test_demo_program_exports_as_markdown_and_html_in_the_chosen_language(
    runner: CliRunner, tmp_path: Path
) -> None:
    runner.invoke(main, ["demo-data", "--participants", "40", "--seed", "5"])
    markdown, html = tmp_path / "demo.md", tmp_path / "demo.html"
    made = runner.invoke(
        main, ["export", "--program", "1", "--format", "md", "--out", str(markdown)]
    )
    assert made.exit_code == 0, made.output
    text = markdown.read_text()
    assert text.startswith("# Program report: Demo: Neighbours across the river")
    assert "| All communities | 40 |" in text
    made = runner.invoke(
        main,
        ["export", "--program", "1", "--format", "html", "--out", str(html), "--language", "uk"],
    )
    assert made.exit_code == 0, made.output
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and '<html lang="uk" dir="ltr">' in page
    assert "Звіт про програму" in page
    # Four charts; one with only small groups says so instead of drawing nothing.
    assert page.count("<svg") + page.count("Нічого показати: замало людей.") == 4


def test_exports_carry_no_telegram_id_pseudonym_or_words(
    runner: CliRunner, settings: Settings, tmp_path: Path
) -> None:
    runner.invoke(main, ["demo-data", "--participants", "40", "--seed", "3"])
    people = stored(settings.database_url, select(Person))
    for export_format in ("json", "csv", "md", "html"):
        out = tmp_path / f"demo.{export_format}"
        runner.invoke(
            main, ["export", "--program", "1", "--format", export_format, "--out", str(out)]
        )
        text = out.read_text()
        for person in people:
            assert str(person.telegram_id) not in text
            assert person.pseudonym and person.pseudonym not in text
        assert "(simulated)" not in text, "what people committed to is their words"


async def test_figures_about_fewer_people_than_the_minimum_are_hidden(
    database: Database, settings: Settings
) -> None:
    program = await simulated_program(database, settings)
    for day in range(1, 11):
        await program.participant(0, day, warm(30, 50, later=60 if day <= 3 else None))
    for day in range(1, 6):
        await program.participant(1, day, warm(40, 45))

    document = await export_json(settings, program.program.id or 0)
    assert one(document, section="participants", community=None)["people"] == 15
    later = figures(document, section="measure", wave="later")
    assert later, "three people answered the later survey"
    assert all(figure["suppressed"] or figure["people"] == 0 for figure in later)
    assert all(figure["mean"] is None for figure in later)
    # The west bank's 5 are shown; the east bank's 10 too: both are whole blocks.
    pre = one(document, section="measure", measure="thermometer", wave="pre", community="west bank")
    assert pre["people"] == 5 and pre["mean"] == 40


def test_complementary_suppression_hides_what_subtraction_would_reveal() -> None:
    total = Figure(Section.PARTICIPANTS, 10)
    east = Figure(Section.PARTICIPANTS, 7, community="east")
    west = Figure(Section.PARTICIPANTS, 3, community="west")
    suppress([total, east, west], [AdditiveGroup(total, [east, west])], 5)
    assert west.suppressed, "fewer than 5 people"
    assert east.suppressed, "10 - 7 would give the hidden 3 back"
    assert not total.suppressed


def test_complementary_suppression_stops_once_the_hidden_part_is_large_enough() -> None:
    total = Figure(Section.PARTICIPANTS, 12)
    east = Figure(Section.PARTICIPANTS, 7, community="east")
    west = Figure(Section.PARTICIPANTS, 3, community="west")
    unsaid = Figure(Section.PARTICIPANTS, 2, community="unsaid")
    suppress([total, east, west, unsaid], [AdditiveGroup(total, [east, west, unsaid])], 5)
    assert west.suppressed and unsaid.suppressed
    assert not east.suppressed, "12 - 7 tells only about 5 people together"


async def test_two_exports_of_overlapping_periods_do_not_single_out_the_person_between_them(
    database: Database, settings: Settings
) -> None:
    program = await simulated_program(database, settings)
    for day in range(1, 11):
        await program.participant(0, day, warm(30 + day, 50 + day, later=60))
        await program.participant(1, day, warm(40, 45, later=50))
    # Someone joins on day 11 with answers unlike anyone else's.
    await program.participant(0, 11, warm(99, 0, later=0))

    program_id = program.program.id or 0
    before = await export_json(settings, program_id, until=date(2026, 9, 10))
    with_them = await export_json(
        settings, program_id, since=date(2026, 9, 2), until=date(2026, 9, 11)
    )
    everything = await export_json(settings, program_id)

    recovered = reidentify(before, everything) + reidentify(with_them, everything)
    assert recovered == [], f"one person's answers can be worked out: {recovered}"
    # Once four more join, theirs is a whole block of five, and a difference is about five.
    for day in range(12, 16):
        await program.participant(0, day, warm(50, 60, later=60))
    grown = await export_json(settings, program_id)
    assert reidentify(before, grown) == []
    assert one(grown, section="participants", community="east bank")["people"] == 15


def reidentify(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    """An attacker's try: the same figure in two exports, about a few people more or less."""

    def label(figure: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            figure[k]
            for k in (
                "section",
                "community",
                "flow_id",
                "step_id",
                "measure",
                "wave",
                "key",
                "option",
                "date",
            )
        )

    earlier = {label(figure): figure for figure in first["figures"]}
    found = []
    for figure in second["figures"]:
        other = earlier.get(label(figure))
        if other is None or figure["people"] is None or other["people"] is None:
            continue
        if 0 < abs(figure["people"] - other["people"]) < first["privacy"]["min_group_size"]:
            found.append(f"{label(figure)}: {other['people']} -> {figure['people']}")
    return found


def test_the_documented_data_dictionary_is_the_one_exports_write() -> None:
    documented = Path(__file__).parents[2] / "docs" / "export-dictionary.csv"
    assert documented.read_bytes() == data_dictionary_csv(), (
        "regenerate docs/export-dictionary.csv from bot.export.data_dictionary_csv()"
    )


async def test_change_is_hidden_when_it_would_reveal_the_few_who_answered_only_before(
    database: Database, settings: Settings
) -> None:
    program = await simulated_program(database, settings)
    for day in range(1, 11):
        await program.participant(0, day, warm(30, 50))
        await program.participant(1, day, warm(40, 45))
    # Two people answer before and then stop: before has 22 answers, the pairs only 20.
    for day in (11, 12):
        for community in (0, 1):
            stopped = SimulatedAnswers(90, 5, stopped_at="story")
            await program.participant(community, day, stopped)
    for day in (13, 14, 15):
        for community in (0, 1):
            await program.participant(community, day, warm(30, 50))

    document = await export_json(settings, program.program.id or 0)
    pre = one(document, section="measure", measure="thermometer", wave="pre", community=None)
    change = one(document, section="change", measure="thermometer", wave="post", community=None)
    assert pre["people"] == 30
    assert change["suppressed"], "before (30) minus the pairs (26) would be about 4 people"
    east = one(
        document, section="change", measure="thermometer", wave="post", community="east bank"
    )
    assert east["suppressed"]
