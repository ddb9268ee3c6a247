"""`palaver i18n check`: every shipped language complete, placeholders and plurals right."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli_i18n import i18n_group
from bot.config import REPOSITORY_ROOT

FIXTURES = Path(__file__).parent / "fixtures"
SHIPPED = REPOSITORY_ROOT / "locales"


def check(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(i18n_group, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


def test_shipped_catalogs_are_complete() -> None:
    # The template's freshness against the sources is `palaver i18n check` in the test
    # command; here only the catalogs themselves, so work in progress elsewhere can't fail it.
    code, out, err = check("--locales-dir", str(SHIPPED), "--no-sources")
    assert code == 0, err
    assert "All catalogs are complete." in out
    for language in ("en", "ar", "he", "uk", "ru", "es", "fr"):
        assert f"\n{language} " in out


def test_a_broken_placeholder_fails_the_check_and_says_where() -> None:
    code, out, err = check("--locales-dir", str(FIXTURES / "broken_placeholder"), "--no-sources")
    assert code == 1
    assert "fr/LC_MESSAGES/messages.po:9: 'Welcome back, {pseudonym}.'" in err
    assert "placeholders differ" in err
    assert "1 problem(s)" in err
    assert "fr Français" in out  # the completeness table is printed either way


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    """A copy of the fixture catalogs with the placeholder fixed, to break in other ways."""
    target = tmp_path / "locales"
    shutil.copytree(FIXTURES / "broken_placeholder", target)
    po = target / "fr" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text(encoding="utf-8").replace("{pseudonyme}", "{pseudonym}"), "utf-8")
    return target


def french(locales: Path) -> Path:
    return locales / "fr" / "LC_MESSAGES" / "messages.po"


def test_the_fixed_fixture_passes(locales: Path) -> None:
    code, _out, err = check("--locales-dir", str(locales), "--no-sources")
    assert code == 0, err


def test_an_untranslated_message_fails(locales: Path) -> None:
    po = french(locales)
    po.write_text(po.read_text(encoding="utf-8").replace('"J\'accepte"', '""'), "utf-8")
    code, out, err = check("--locales-dir", str(locales), "--no-sources")
    assert code == 1
    assert "'Accept': not translated" in err
    assert "50.0%" in out


def test_a_message_missing_from_a_catalog_fails(locales: Path) -> None:
    template = locales / "messages.pot"
    template.write_text(
        template.read_text(encoding="utf-8") + '\nmsgid "Decline"\nmsgstr ""\n', "utf-8"
    )
    code, _out, err = check("--locales-dir", str(locales), "--no-sources")
    assert code == 1
    assert "'Decline' is missing; run `palaver i18n update`" in err


def test_fuzzy_entries_fail_unless_listed_as_known(locales: Path) -> None:
    po = french(locales)
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgid "Accept"', '#, fuzzy\nmsgid "Accept"'),
        "utf-8",
    )
    code, _out, err = check("--locales-dir", str(locales), "--no-sources")
    assert code == 1
    assert "'Accept': fuzzy" in err

    (locales / "known-fuzzy.txt").write_text("# unsure\nfr Accept\n", "utf-8")
    code, out, err = check("--locales-dir", str(locales), "--no-sources")
    assert code == 0, err
    assert "fr Français" in out


def test_a_known_fuzzy_entry_that_is_no_longer_fuzzy_must_leave_the_list(locales: Path) -> None:
    (locales / "known-fuzzy.txt").write_text("fr Accept\n", "utf-8")
    code, _out, err = check("--locales-dir", str(locales), "--no-sources")
    assert code == 1
    assert "'fr Accept' is listed as known fuzzy, but is not a fuzzy entry any more" in err


def test_plural_forms_must_match_the_language(locales: Path) -> None:
    po = french(locales)
    text = po.read_text(encoding="utf-8")
    header = text.split('"Plural-Forms: ')[1].split('\\n"')[0]
    po.write_text(text.replace(header, "nplurals=2; plural=(n > 1);"), "utf-8")
    code, _out, err = check("--locales-dir", str(locales), "--no-sources")
    assert code == 1
    assert "nplurals=2, but fr has 3 plural forms" in err


def test_a_plural_rule_other_than_babels_fails(locales: Path) -> None:
    # Babel 2.18 wrote Russian's rule with 10..20; 2.19 writes 12..14 (same count, other text).
    po = french(locales)
    text = po.read_text(encoding="utf-8")
    header = text.split('"Plural-Forms: ')[1].split('\\n"')[0]
    hebrew_rule = "nplurals=3; plural=(n == 1 ? 0 : n == 2 ? 1 : 2);"
    po.write_text(text.replace(header, hebrew_rule), "utf-8")
    code, _out, err = check("--locales-dir", str(locales), "--no-sources")
    assert code == 1
    assert "but Babel" in err
    assert "pybabel init -l fr" in err


def test_a_plural_message_with_a_form_left_out_fails(locales: Path) -> None:
    (locales / "messages.pot").write_text(
        (locales / "messages.pot").read_text(encoding="utf-8")
        + '\nmsgid "{count} participant"\nmsgid_plural "{count} participants"\n'
        'msgstr[0] ""\nmsgstr[1] ""\n',
        "utf-8",
    )
    po = french(locales)
    po.write_text(
        po.read_text(encoding="utf-8")
        + '\nmsgid "{count} participant"\nmsgid_plural "{count} participants"\n'
        'msgstr[0] "{count} participant"\n',
        "utf-8",
    )
    code, _out, err = check("--locales-dir", str(locales), "--no-sources")
    assert code == 1
    assert "some plural forms are empty" in err


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A source tree like Palaver's: babel.cfg, a Python module and a flow."""
    root = tmp_path / "sources"
    (root / "bot").mkdir(parents=True)
    (root / "dialogues").mkdir()
    shutil.copy(REPOSITORY_ROOT / "babel.cfg", root / "babel.cfg")
    (root / "bot" / "greeting.py").write_text(
        'def greet(t):\n    return t.gettext("Welcome back, {pseudonym}."), t.gettext("Accept")\n',
        "utf-8",
    )
    return root


def test_a_string_added_without_extracting_fails(sources: Path, locales: Path) -> None:
    code, _out, err = check("--locales-dir", str(locales), "--sources", str(sources))
    assert code == 0, err

    with (sources / "bot" / "greeting.py").open("a", encoding="utf-8") as module:
        module.write('\n\ndef added(t):\n    return t.gettext("Good evening")\n')
    code, _out, err = check("--locales-dir", str(locales), "--sources", str(sources))
    assert code == 1
    assert "'Good evening' (bot/greeting.py:6) is not in the template" in err
    assert "run `palaver i18n extract`" in err


def test_extract_and_update_bring_a_new_flow_text_into_every_catalog(
    sources: Path, locales: Path
) -> None:
    shutil.copy(
        REPOSITORY_ROOT / "dialogues" / "exchange-followup.yaml",
        sources / "dialogues" / "exchange-followup.yaml",
    )
    runner = CliRunner()
    paths = ["--locales-dir", str(locales)]
    extract = runner.invoke(i18n_group, ["extract", *paths, "--sources", str(sources)])
    assert extract.exit_code == 0, extract.output
    update = runner.invoke(i18n_group, ["update", *paths])
    assert update.exit_code == 0, update.output
    po_text = french(locales).read_text(encoding="utf-8")
    assert '#: dialogues/exchange-followup.yaml:7\nmsgid "A month after your story exchange"' in (
        po_text
    )
    assert 'msgstr "J\'accepte"' in po_text  # translations already there are kept
    code, _out, err = check(*paths, "--sources", str(sources))
    assert code == 1
    assert "'A month after your story exchange': not translated" in err
