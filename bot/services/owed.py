"""Writing down what Palaver owes people later: the follow-up book.

Whoever decides that something is owed later (a flow's schedule step, a commitment with a
due date, a partner gone quiet, an organizer's announcement) writes a `FollowUp` row here, in
its own transaction; the dispatcher (`bot/services/follow_ups.py`) starts it when due. Times
are kept in UTC; a person's own hours (their time zone, or their program's until they tell
us, and the program's quiet hours) decide the local moment.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, tzinfo

from bot.i18n.catalogs import Catalogs
from bot.i18n.translator import N_
from bot.scheduling.quiet_hours import QuietHours, local_moment
from bot.scheduling.time_zones import UnknownTimeZone, zone_of
from bot.services.errors import PalaverError
from bot.services.follow_up_results import TimeZoneQuestion
from bot.services.letters import Delivery
from bot.services.replies import Reply, Views
from bot.storage.tables import (
    Commitment,
    FollowUp,
    FollowUpKind,
    Person,
    Program,
)
from bot.storage.unit_of_work import UnitOfWork

TIME_ZONE_BUTTON = "tz"
ANNOUNCEMENT_MAX_LENGTH = 2000
CHECKIN_HOUR = 10
"""Commitment check-ins arrive at 10:00 on the due date, the person's time."""
CIRCLE_REMINDERS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
"""How long before a circle's start its members are reminded."""
GRACE: dict[FollowUpKind, timedelta] = {
    FollowUpKind.FLOW: timedelta(days=14),
    FollowUpKind.COMMITMENT_CHECKIN: timedelta(days=7),
    FollowUpKind.EXCHANGE_NUDGE: timedelta(hours=12),
    FollowUpKind.CIRCLE_REMINDER: timedelta(minutes=30),
    FollowUpKind.ANNOUNCEMENT: timedelta(days=1),
}
"""How late a follow-up may still be sent after Palaver was down (measured from when it
could first have been sent); later than this it is marked expired, never sent in a burst."""


def zone_key_for(person: Person, program: Program | None) -> str:
    """The person's time zone, or their program's until they have told us theirs."""
    if person.time_zone_chosen or program is None:
        return person.time_zone
    return program.time_zone


def zone_for(person: Person, program: Program | None) -> tzinfo:
    try:
        return zone_of(zone_key_for(person, program))
    except UnknownTimeZone:
        return zone_of("UTC")


def quiet_hours_of(program: Program | None) -> QuietHours | None:
    """The program's quiet hours (None: the program chose to have none)."""
    if program is None or program.quiet_hours_start is None or program.quiet_hours_end is None:
        return None
    if program.quiet_hours_start == program.quiet_hours_end:
        return None
    return QuietHours(program.quiet_hours_start, program.quiet_hours_end)


def checkin_moment(due: date, person: Person, program: Program | None) -> datetime:
    """When a commitment due on `due` is asked about: 10:00 that day, the person's time."""
    return local_moment(due, CHECKIN_HOUR, zone_for(person, program))


def zone_button_value(key: str) -> str:
    """A zone key as button data, which allows only letters, digits, '_', '.' and '-'."""
    return key.replace("/", ".").replace("+", "p").replace(":", "")


def zone_from_button(value: str) -> str:
    """The zone key behind `zone_button_value` (not checked: parse it)."""
    if value.startswith("UTC") and len(value) == len("UTCp0530") and value[3] in "p-":
        sign = "+" if value[3] == "p" else "-"
        return f"UTC{sign}{value[4:6]}:{value[6:8]}"
    return value.replace(".", "/")


class AnnouncementTooLong(PalaverError):
    message = N_("An announcement needs words, at most {limit} characters.")


class AnnouncementInPast(PalaverError):
    message = N_("That time has already passed; choose a time in the future.")


class FollowUpBook:
    """Writes follow-ups, asking the person for their time zone the first time one is owed."""

    def __init__(self, catalogs: Catalogs, views: Views) -> None:
        self._catalogs = catalogs
        self._views = views

    async def owe(
        self,
        uow: UnitOfWork,
        work: Delivery | None,
        person: Person,
        program: Program | None,
        follow_up: FollowUp,
    ) -> bool:
        """Keep `follow_up` (once, if it has a dedupe key); True if it is new."""
        if follow_up.dedupe_key is not None:
            new = await uow.follow_ups.add_once(follow_up)
        else:
            await uow.follow_ups.add(follow_up)
            new = True
        if new and work is not None:
            self.ask_time_zone_once(work, person, program, follow_up.created_at)
        return new

    async def owe_flow(
        self,
        uow: UnitOfWork,
        work: Delivery,
        person: Person,
        program_id: int | None,
        flow_id: str,
        due_at: datetime,
        now: datetime,
    ) -> None:
        """A flow to start for the person at `due_at` (a flow's schedule step)."""
        program = await uow.programs.get(program_id) if program_id is not None else None
        await self.owe(
            uow,
            work,
            person,
            program,
            FollowUp(
                person_id=person.id or 0,
                program_id=program_id,
                kind=FollowUpKind.FLOW,
                flow_id=flow_id,
                due_at=due_at,
                not_before=due_at,
                created_at=now,
            ),
        )

    async def owe_circle_reminders(
        self,
        uow: UnitOfWork,
        work: Delivery | None,
        person: Person,
        program: Program | None,
        circle_id: int,
        starts_at: datetime,
        now: datetime,
    ) -> None:
        """Reminders a day and an hour before a circle starts (those still ahead)."""
        for label, before in CIRCLE_REMINDERS.items():
            moment = starts_at - before
            if moment <= now:
                continue
            await self.owe(
                uow,
                work,
                person,
                program,
                FollowUp(
                    person_id=person.id or 0,
                    program_id=program.id if program else None,
                    kind=FollowUpKind.CIRCLE_REMINDER,
                    exchange_id=circle_id,
                    due_at=moment,
                    not_before=moment,
                    created_at=now,
                    dedupe_key=f"circle:{circle_id}:{person.id}:{label}",
                ),
            )

    async def owe_checkin(
        self,
        uow: UnitOfWork,
        work: Delivery | None,
        person: Person,
        program: Program | None,
        commitment: Commitment,
        now: datetime,
    ) -> None:
        """A check-in on the commitment's due date (none if it has no date)."""
        if commitment.due is None or commitment.id is None:
            return
        moment = max(checkin_moment(commitment.due, person, program), now)
        await self.owe(
            uow,
            work,
            person,
            program,
            FollowUp(
                person_id=person.id or 0,
                program_id=program.id if program else None,
                kind=FollowUpKind.COMMITMENT_CHECKIN,
                commitment_id=commitment.id,
                due_at=moment,
                not_before=moment,
                created_at=now,
            ),
        )

    async def move_checkins(
        self, uow: UnitOfWork, person: Person, program_of: dict[int, Program]
    ) -> None:
        """The person's zone changed: their pending check-ins keep 10:00 local time."""
        for follow_up in await uow.follow_ups.pending_of(person.id or 0):
            if follow_up.kind != FollowUpKind.COMMITMENT_CHECKIN or not follow_up.commitment_id:
                continue
            commitment = await uow.follow_ups.commitment(follow_up.commitment_id)
            if commitment is None or commitment.due is None:
                continue
            program = program_of.get(follow_up.program_id or 0)
            moment = checkin_moment(commitment.due, person, program)
            follow_up.due_at = follow_up.not_before = moment
            uow.add(follow_up)

    async def announce(
        self,
        uow: UnitOfWork,
        program: Program,
        at: datetime,
        text: str,
        language: str,
        *,
        author_id: int | None,
        now: datetime,
        circle_id: int | None = None,
    ) -> int:
        """Owe each participant of `program` (or, `circle_id`, each member of that circle of
        the program) the words `text` (in `language`) at `at`, each in their own hours; how
        many people. `author_id` None: the operator."""
        words = text.strip()
        if not words or len(words) > ANNOUNCEMENT_MAX_LENGTH:
            raise AnnouncementTooLong(limit=ANNOUNCEMENT_MAX_LENGTH)
        if at < now:
            raise AnnouncementInPast()
        if circle_id is None:
            people = await uow.follow_ups.participants_of(program.id or 0)
        else:
            people = await uow.follow_ups.members_of_circle(circle_id, program.id or 0)
        batch = uuid.uuid4().hex[:12]  # one announcement to many: cancelled as one
        for person in people:
            await self.owe(
                uow,
                None,
                person,
                program,
                FollowUp(
                    person_id=person.id or 0,
                    program_id=program.id,
                    kind=FollowUpKind.ANNOUNCEMENT,
                    payload={"text": words, "language": language, "batch": batch},
                    exchange_id=circle_id,
                    due_at=at,
                    not_before=at,
                    created_at=now,
                    created_by_id=author_id,
                ),
            )
        uow.audit.record(
            "follow_ups.announced",
            actor_id=author_id,
            subject_type="program" if circle_id is None else "circle",
            subject_id=program.id if circle_id is None else circle_id,
            people=len(people),
            at=at.isoformat(),
        )
        return len(people)

    def ask_time_zone_once(
        self, work: Delivery, person: Person, program: Program | None, now: datetime
    ) -> None:
        """The first time something is owed to them later, ask where they are (once)."""
        if person.time_zone_chosen or person.time_zone_asked_at is not None:
            return
        person.time_zone_asked_at = now
        work.write_last(person.telegram_id, self.time_zone_question(person, program))

    def time_zone_question(self, person: Person, program: Program | None) -> Reply:
        """Which time zone they are in: a button for the program's zone, or type their city."""
        t = self._catalogs.translator(self._catalogs.negotiate(person.language))
        offered = [program.time_zone] if program is not None else []
        if person.time_zone_chosen and person.time_zone not in offered:
            offered.insert(0, person.time_zone)
        if "UTC" not in offered:
            offered.append("UTC")
        return self._views.render(TimeZoneQuestion(tuple(offered)), t)
