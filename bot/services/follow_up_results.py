"""What the follow-up use cases show, as plain data without text (see dialogue_results)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo


@dataclass(frozen=True)
class AnnouncementArrived:
    """An announcement reaching a member: from their circle's facilitators (`in_circle`) or
    from the organizers of `program` (its name); `words` as written, in `source` language."""

    in_circle: bool
    program: str
    words: str
    source: str


@dataclass(frozen=True)
class CircleReminder:
    """A circle (its flow's `title`, a msgid) begins at `starts_at`, shown in `zone`."""

    title: str
    starts_at: datetime
    zone: tzinfo


@dataclass(frozen=True)
class CheckinQuestion:
    """The day set for a commitment has come: how is it going?"""

    commitment_id: int | None
    what: str


@dataclass(frozen=True)
class AskAgainWhen:
    """ "Not yet" to a check-in: when shall Palaver ask again?"""

    commitment_id: int | None


@dataclass(frozen=True)
class CommitmentDone:
    """The person did what they committed to."""


@dataclass(frozen=True)
class CommitmentDropped:
    """The person let their commitment go."""


@dataclass(frozen=True)
class CheckinPostponed:
    """The check-in comes again on `day`."""

    day: date


@dataclass(frozen=True)
class FollowUpsPaused:
    """/stop: nothing more until /start."""


@dataclass(frozen=True)
class YourTimeZone:
    """/timezone alone: the person's zone (an IANA key) and its offset at `moment`."""

    zone: str
    moment: datetime


@dataclass(frozen=True)
class TimeZoneQuestion:
    """Which time zone they are in: a button for each of `zones` (IANA keys), or type it."""

    zones: tuple[str, ...]


@dataclass(frozen=True)
class TimeZoneSet:
    """A new time zone (an IANA key): the time `now` there (in `local`); `replaces`: it
    was chosen with a button, whose message it replaces."""

    zone: str
    now: datetime
    local: tzinfo
    replaces: bool


@dataclass(frozen=True)
class ScheduledAnnouncement:
    """One announcement still to go out: its `batch`, words, first due time, recipients."""

    batch: str
    words: str
    due_at: datetime
    people: int


@dataclass(frozen=True)
class ScheduledCircleReminders:
    """The reminders still owed for one circle, the next one due at `next_due_at`."""

    circle_id: int
    count: int
    next_due_at: datetime


@dataclass(frozen=True)
class ProgramSchedule:
    """What a program still has to send; times shown in the program's `time_zone`."""

    program_id: int
    name: str
    time_zone: str
    announcements: tuple[ScheduledAnnouncement, ...]
    circle_reminders: tuple[ScheduledCircleReminders, ...]


@dataclass(frozen=True)
class Scheduled:
    """/followups: each program the person facilitates, with buttons to cancel."""

    programs: tuple[ProgramSchedule, ...]


@dataclass(frozen=True)
class AnnouncementCancelled:
    """A scheduled announcement cancelled: so many `people` will not get it."""

    people: int


@dataclass(frozen=True)
class CircleRemindersCancelled:
    """A circle's reminders cancelled: so many will not be sent."""

    count: int


FollowUpResult = (
    AnnouncementArrived
    | CircleReminder
    | CheckinQuestion
    | AskAgainWhen
    | CommitmentDone
    | CommitmentDropped
    | CheckinPostponed
    | FollowUpsPaused
    | YourTimeZone
    | TimeZoneQuestion
    | TimeZoneSet
    | Scheduled
    | AnnouncementCancelled
    | CircleRemindersCancelled
)
