"""The follow-up views: check-ins, announcements, /timezone and /followups, in each reader's
language."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.config import REPOSITORY_ROOT
from bot.i18n.catalogs import Catalogs
from bot.services.follow_up_results import (
    AnnouncementArrived,
    AnnouncementCancelled,
    AskAgainWhen,
    CheckinQuestion,
    ProgramSchedule,
    Scheduled,
    ScheduledAnnouncement,
    TimeZoneSet,
)
from bot.services.replies import ButtonAction, RelayedWords
from bot.telegram.views import TelegramViews

CATALOGS = Catalogs.load(REPOSITORY_ROOT / "locales")
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_a_checkin_names_the_commitment_and_offers_three_answers() -> None:
    reply = TelegramViews().render(CheckinQuestion(5, "Call Ana"), CATALOGS.translator("en"))
    assert reply.text == (
        "Today is the day you set for your commitment:\n\nCall Ana\n\nHow is it going?"
    )
    assert [(row[0].label, row[0].action) for row in reply.buttons] == [
        ("Done", ButtonAction("ci", "done.5")),
        ("Not yet", ButtonAction("ci", "later.5")),
        ("Let it go", ButtonAction("ci", "drop.5")),
    ]


def test_not_yet_asks_when_in_the_readers_language() -> None:
    reply = TelegramViews().render(AskAgainWhen(5), CATALOGS.translator("uk"))
    assert reply.replaces_pressed_message
    assert [row[0].action.value for row in reply.buttons] == [
        "in.5.3",
        "in.5.7",
        "in.5.14",
        "in.5.30",
    ]
    assert reply.buttons[1][0].label == "За тиждень"


def test_an_announcement_keeps_the_organizers_words_apart_for_translation() -> None:
    shown = AnnouncementArrived(in_circle=True, program="", words="Hola", source="es")
    reply = TelegramViews().render(shown, CATALOGS.translator("uk"))
    assert reply.text == "Повідомлення від фасилітаторів вашого кола:"
    assert reply.relayed == RelayedWords("Hola", "es", "uk")


def test_a_new_time_zone_is_confirmed_with_the_time_there() -> None:
    shown = TimeZoneSet("America/New_York", NOON, UTC, replaces=True)
    reply = TelegramViews().render(shown, CATALOGS.translator("en"))
    assert reply.text.startswith("Thank you. Your time zone is now America/New York; it is ")
    assert reply.replaces_pressed_message


def test_scheduled_announcements_are_listed_with_a_button_to_cancel_each() -> None:
    program = ProgramSchedule(
        program_id=3,
        name="Bridges",
        time_zone="UTC",
        announcements=(ScheduledAnnouncement("ab12", "Meet on Friday", NOON, 2),),
        circle_reminders=(),
    )
    reply = TelegramViews().render(Scheduled((program,)), CATALOGS.translator("en"))
    lines = reply.text.split("\n")
    assert lines[0] == "“Bridges”"
    assert lines[1].endswith(": “Meet on Friday”, to 2 people")
    assert lines[-1].startswith("Operators schedule announcements with:")
    [[cancel]] = reply.buttons
    assert (cancel.label, cancel.action) == (
        "Cancel: Meet on Friday",
        ButtonAction("an", "3.ab12"),
    )


def test_a_cancelled_announcement_counts_people_in_the_readers_plural() -> None:
    reply = TelegramViews().render(AnnouncementCancelled(5), CATALOGS.translator("uk"))
    assert reply.text == "Скасовано: 5 людей не отримають це оголошення."
    assert reply.replaces_pressed_message
