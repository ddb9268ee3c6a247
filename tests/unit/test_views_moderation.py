"""The moderation views: /report, facilitators' alerts and their answers, in each reader's
language."""

from __future__ import annotations

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs
from bot.services.moderation import ModerationAction
from bot.services.moderation_results import ReportAlert, ReportHandled, ReportReasons
from bot.services.replies import ButtonAction
from bot.telegram.views import TelegramViews

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")


def test_report_reasons_are_one_tap_each_with_a_way_back() -> None:
    reply = TelegramViews().render(ReportReasons("x", "report"), CATALOGS.translator("en"))
    assert reply.text.startswith("Do you want to report your partner to the facilitators?")
    labels = [(row[0].label, row[0].action) for row in reply.buttons]
    assert labels[0] == ("Disrespectful or hurtful", ButtonAction("x", "report.hurtful"))
    assert labels[-1] == ("No, go on", ButtonAction("x", "keep"))
    assert len(labels) == 6


def test_a_facilitator_sees_the_report_in_their_language_with_the_last_words() -> None:
    alert = ReportAlert(
        report_id=9,
        reporter="Blue Heron",
        reported=None,
        reason="threat",
        last_messages=((True, "hello"), (False, None), (False, "x" * 301)),
    )
    reply = TelegramViews().render(alert, CATALOGS.translator("fr"))
    lines = reply.text.split("\n")
    assert lines[0] == "Signalement : Blue Heron a signalé ?, son binôme d'échange."
    assert lines[1] == "Motif : Menace quelqu'un"
    assert lines[4] == "— Blue Heron: hello"
    assert lines[6] == "— ?: " + "x" * 300 + "…"
    assert [(row[0].label, row[0].action) for row in reply.buttons][:2] == [
        ("Classer sans suite", ButtonAction("mod", "dismiss.9")),
        ("Avertir", ButtonAction("mod", "warn.9")),
    ]


def test_a_handled_report_names_what_was_done() -> None:
    reply = TelegramViews().render(ReportHandled(ModerationAction.WARN), CATALOGS.translator("en"))
    assert reply.text == "Done: Warn."
    assert reply.replaces_pressed_message
