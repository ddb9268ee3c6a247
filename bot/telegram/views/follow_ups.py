"""The follow-up use cases' messages: announcements, reminders, check-ins, /stop,
/timezone and /followups."""

from __future__ import annotations

from bot.i18n.translator import Translator
from bot.scheduling.time_zones import describe_offset
from bot.services.follow_up_results import (
    AnnouncementArrived,
    AnnouncementCancelled,
    AskAgainWhen,
    CheckinPostponed,
    CheckinQuestion,
    CircleReminder,
    CircleRemindersCancelled,
    CommitmentDone,
    CommitmentDropped,
    FollowUpResult,
    FollowUpsPaused,
    ProgramSchedule,
    Scheduled,
    TimeZoneQuestion,
    TimeZoneSet,
    YourTimeZone,
)
from bot.services.follow_ups import (
    ANNOUNCEMENT_BUTTON,
    CHECKIN_BUTTON,
    CIRCLE_BATCH,
    LATER_CHOICES,
    CheckinAnswer,
)
from bot.services.owed import TIME_ZONE_BUTTON, zone_button_value
from bot.services.replies import Button, ButtonAction, RelayedWords, Reply


def render_follow_up(result: FollowUpResult, t: Translator) -> Reply:
    """The message for a result of the follow-up use cases, in the reader's language."""
    match result:
        case AnnouncementArrived(in_circle=in_circle, program=program, words=words, source=source):
            heading = (
                t.gettext("A message from your circle's facilitators:")
                if in_circle
                else t.gettext("A message from the organizers of {program}:", program=program)
            )
            return Reply(heading, relayed=RelayedWords(words, source, t.language))
        case CircleReminder(title=title, starts_at=starts_at, zone=zone):
            return Reply(
                t.gettext(
                    "A reminder: your circle “{title}” begins {when}. See you there.",
                    title=t.gettext(title),
                    when=t.format_datetime(starts_at, zone),
                )
            )
        case CheckinQuestion():
            return _checkin_question(result, t)
        case AskAgainWhen():
            return _later_question(result, t)
        case CommitmentDone():
            return _answered(t.gettext("Well done, and thank you for telling me."))
        case CommitmentDropped():
            return _answered(
                t.gettext("Thank you for telling me. Letting something go is part of the work too.")
            )
        case CheckinPostponed(day=day):
            return _answered(
                t.gettext("All right. I will ask again on {day}.", day=t.format_date(day))
            )
        case FollowUpsPaused():
            return Reply(
                t.gettext(
                    "Paused: I will send you no reminders, check-ins or surveys until you "
                    "send /start. Nothing is lost; /forget erases everything."
                )
            )
        case YourTimeZone(zone=zone, moment=moment):
            return Reply(
                t.gettext(
                    "Your time zone: {zone} ({offset}).",
                    zone=zone.replace("_", " "),
                    offset=describe_offset(zone, moment),
                )
            )
        case TimeZoneQuestion(zones=zones):
            return Reply(
                t.gettext(
                    "So that reminders reach you at a good time of day: which time zone are you "
                    "in? Tap one, or send /timezone followed by your city or UTC offset, for "
                    "example /timezone Nairobi or /timezone +3."
                ),
                buttons=tuple(
                    (
                        Button(
                            zone.replace("_", " "),
                            ButtonAction(TIME_ZONE_BUTTON, zone_button_value(zone)),
                        ),
                    )
                    for zone in zones
                ),
            )
        case TimeZoneSet(zone=zone, now=now, local=local, replaces=replaces):
            return Reply(
                t.gettext(
                    "Thank you. Your time zone is now {zone}; it is {time} there.",
                    zone=zone.replace("_", " "),
                    time=t.format_time(now, local),
                ),
                replaces_pressed_message=replaces,
            )
        case Scheduled(programs=programs):
            return _scheduled(programs, t)
        case AnnouncementCancelled(people=people):
            return _answered(
                t.ngettext(
                    "Cancelled: {count} person will not get it.",
                    "Cancelled: {count} people will not get it.",
                    people,
                )
            )
        case CircleRemindersCancelled(count=count):
            return _answered(
                t.ngettext(
                    "Cancelled: {count} reminder will not be sent.",
                    "Cancelled: {count} reminders will not be sent.",
                    count,
                )
            )


def _answered(text: str) -> Reply:
    """`text` in place of the message whose button was pressed."""
    return Reply(text, replaces_pressed_message=True)


def _checkin_question(question: CheckinQuestion, t: Translator) -> Reply:
    def button(label: str, answer: CheckinAnswer) -> Button:
        return Button(
            label, ButtonAction(CHECKIN_BUTTON, f"{answer.value}.{question.commitment_id}")
        )

    return Reply(
        t.gettext(
            "Today is the day you set for your commitment:\n\n{what}\n\nHow is it going?",
            what=question.what,
        ),
        buttons=(
            (button(t.gettext("Done"), CheckinAnswer.DONE),),
            (button(t.gettext("Not yet"), CheckinAnswer.NOT_YET),),
            (button(t.gettext("Let it go"), CheckinAnswer.DROP),),
        ),
    )


def _later_question(question: AskAgainWhen, t: Translator) -> Reply:
    labels = {
        3: t.gettext("In 3 days"),
        7: t.gettext("In a week"),
        14: t.gettext("In two weeks"),
        30: t.gettext("In a month"),
    }
    later = f"{CheckinAnswer.IN_DAYS.value}.{question.commitment_id}"
    return Reply(
        t.gettext("No problem. When shall I ask again?"),
        buttons=tuple(
            (Button(labels[days], ButtonAction(CHECKIN_BUTTON, f"{later}.{days}")),)
            for days in LATER_CHOICES
        ),
        replaces_pressed_message=True,
    )


def _scheduled(programs: tuple[ProgramSchedule, ...], t: Translator) -> Reply:
    lines: list[str] = []
    rows: list[tuple[Button, ...]] = []
    for program in programs:
        lines.append(f"“{program.name}”")
        if not program.announcements:
            lines.append(t.gettext("No announcements scheduled."))
        for owed in program.announcements:
            lines.append(
                t.ngettext(
                    "{when}: “{words}”, to {count} person",
                    "{when}: “{words}”, to {count} people",
                    owed.people,
                    when=t.format_datetime(owed.due_at, program.time_zone),
                    words=_preview(owed.words),
                )
            )
            rows.append(
                (
                    Button(
                        t.gettext("Cancel: {words}", words=_preview(owed.words, 24)),
                        ButtonAction(ANNOUNCEMENT_BUTTON, f"{program.program_id}.{owed.batch}"),
                    ),
                )
            )
        for reminders in program.circle_reminders:
            circle = reminders.circle_id
            lines.append(
                t.ngettext(
                    "Circle {circle}: {count} reminder, the next on {when}",
                    "Circle {circle}: {count} reminders, the next on {when}",
                    reminders.count,
                    circle=circle,
                    when=t.format_datetime(reminders.next_due_at, program.time_zone),
                )
            )
            rows.append(
                (
                    Button(
                        t.gettext("Cancel circle {circle}'s reminders", circle=circle),
                        ButtonAction(
                            ANNOUNCEMENT_BUTTON, f"{program.program_id}.{CIRCLE_BATCH}{circle}"
                        ),
                    ),
                )
            )
        lines.append("")
    lines.append(
        t.gettext(
            "Operators schedule announcements with: palaver followups announce. Each "
            "person gets them outside their quiet hours."
        )
    )
    return Reply("\n".join(lines), buttons=tuple(rows))


def _preview(words: str, length: int = 60) -> str:
    return words if len(words) <= length else words[: length - 1].rstrip() + "…"
