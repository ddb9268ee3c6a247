"""The /export views, and the time zone question the follow-up book asks."""

from __future__ import annotations

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs
from bot.services.export_results import ChooseExportFormat, ExportablePrograms, ExportFile
from bot.services.follow_up_results import TimeZoneQuestion
from bot.services.replies import ButtonAction
from bot.telegram.views import TelegramViews

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")
EN = CATALOGS.translator("en")


def test_the_time_zone_question_offers_each_zone_as_a_button() -> None:
    reply = TelegramViews().render(TimeZoneQuestion(("America/New_York", "UTC")), EN)
    assert [row[0].label for row in reply.buttons] == ["America/New York", "UTC"]


def test_export_buttons_cut_long_program_names_and_name_the_format() -> None:
    long_name = "A program with a name far too long for a button"
    reply = TelegramViews().render(ExportablePrograms(((4, long_name),)), EN)
    assert reply.buttons[0][0].label.endswith("…")
    assert len(reply.buttons[0][0].label) == 40
    formats = TelegramViews().render(ChooseExportFormat(4, "30", ("csv",)), EN)
    assert formats.buttons[0][0].label == "Table (CSV)"
    assert formats.buttons[0][0].action == ButtonAction("export_format", "4.30.csv")


def test_the_export_file_is_sent_with_a_caption_about_small_groups() -> None:
    reply = TelegramViews().render(ExportFile("Town talk", 5, "town.csv", b"a,b"), EN)
    assert reply.document is not None and reply.document.filename == "town.csv"
    assert "any group smaller than 5 people is hidden" in reply.text
