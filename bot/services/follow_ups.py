"""Follow-ups that arrive: starting what is owed when it is due, and people's say over it.

The database is the only record of what is owed (`follow_up`). A timer only wakes
`FollowUps.dispatch`, which claims due rows with a lease (so two processes never start the
same one, and a dead process's claims run out), decides for each — send it now, move it
past the person's quiet hours, hold it, let it expire, cancel it — and, when it is sent,
writes its messages into the outbox in the same transaction as its new status. The outbox
records whether Telegram took them (`done`, `failed`, or cancelled when blocked).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot.clock import Clock
from bot.i18n.translator import N_
from bot.scheduling.quiet_hours import next_allowed
from bot.scheduling.time_zones import UnknownTimeZone, parse_time_zone
from bot.services.actors import Actor, Sender
from bot.services.authorization import Authorizer, Permission
from bot.services.dialogues import Dialogues
from bot.services.errors import NotAllowed, PalaverError, StaleButton
from bot.services.exchanges import Exchanges
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
    ScheduledAnnouncement,
    ScheduledCircleReminders,
    TimeZoneSet,
    YourTimeZone,
)
from bot.services.letters import Delivery
from bot.services.owed import (
    CIRCLE_REMINDERS,
    GRACE,
    TIME_ZONE_BUTTON,
    FollowUpBook,
    checkin_moment,
    quiet_hours_of,
    zone_for,
    zone_from_button,
    zone_key_for,
)
from bot.services.replies import Outcome, Reply
from bot.storage.tables import (
    Admission,
    CircleState,
    Commitment,
    CommitmentStatus,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Person,
    Program,
    ProgramStatus,
)
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

CHECKIN_BUTTON = "ci"
ANNOUNCEMENT_BUTTON = "an"
HOLD = timedelta(hours=1)
"""How long a follow-up waits when now is not the moment (a conversation under way)."""
CONSENT_HOLD = timedelta(days=1)
"""A person who has not accepted the current consent text yet gets nothing until they do."""
LATER_CHOICES = (3, 7, 14, 30)
"""Days offered when someone says "not yet" to a commitment check-in."""


class CheckinAnswer(enum.StrEnum):
    DONE = "done"
    NOT_YET = "later"
    DROP = "drop"
    IN_DAYS = "in"


class UnknownTimeZoneTyped(PalaverError):
    message = N_(
        "I don't know that place or time zone. Try a large city near you, or a UTC offset, "
        "for example /timezone Nairobi or /timezone +3."
    )


@dataclass(frozen=True)
class FollowUpPolicy:
    """How this process dispatches: who it is, how long a claim lasts, how many per round."""

    worker: str
    lease: timedelta = timedelta(seconds=60)
    batch: int = 30
    """Follow-ups started per round; about one second of Telegram's overall rate, so a
    backlog turns into outbox rows no faster than they can leave."""


class FollowUps:
    """Starts due follow-ups; /stop, /timezone and the check-in buttons; operators' views."""

    def __init__(
        self,
        dialogues: Dialogues,
        exchanges: Exchanges,
        authorizer: Authorizer,
        policy: FollowUpPolicy,
        clock: Clock,
        consent_version: str,
    ) -> None:
        self._dialogues = dialogues
        self._views = dialogues.views
        self._exchanges = exchanges
        self._authorizer = authorizer
        self._policy = policy
        self._clock = clock
        self._consent_version = consent_version

    @property
    def book(self) -> FollowUpBook:
        return self._dialogues.book

    @property
    def batch(self) -> int:
        """Follow-ups started per round."""
        return self._policy.batch

    # --- the dispatcher ------------------------------------------------------------------

    async def dispatch(self) -> int:
        """Claim one round of due follow-ups and start each; how many were claimed.

        Their messages go into the outbox unclaimed: the outbox dispatcher sends them, at
        Telegram's pace.
        """
        now = self._clock()
        ids = await self._dialogues.database.write(
            lambda uow: uow.follow_ups.claim_due(
                now, self._policy.worker, now + self._policy.lease, self._policy.batch
            )
        )
        for follow_up_id in ids:
            try:
                await self._dialogues.retrying(partial(self._start, follow_up_id=follow_up_id))
            except Exception as error:  # one broken follow-up must not hold up the others
                log.exception("follow-up %s could not be started", follow_up_id)
                reason = f"could not be started: {type(error).__name__}"
                await self._dialogues.database.write(
                    partial(self._give_up, follow_up_id=follow_up_id, reason=reason)
                )
        return len(ids)

    async def _give_up(self, uow: UnitOfWork, *, follow_up_id: int, reason: str) -> None:
        """Starting it failed in a way trying again would repeat: record it as failed."""
        follow_up = await uow.follow_ups.claimed(follow_up_id, self._policy.worker)
        if follow_up is not None:
            uow.follow_ups.close(follow_up, FollowUpStatus.FAILED, reason)

    async def next_due_at(self) -> datetime | None:
        async with self._dialogues.database.unit_of_work() as uow:
            return await uow.follow_ups.next_due_at()

    async def _start(self, uow: UnitOfWork, *, follow_up_id: int) -> Outcome:
        follow_up = await uow.follow_ups.claimed(follow_up_id, self._policy.worker)
        if follow_up is None:
            return Outcome()  # someone else's now, or already dealt with
        now = self._clock()
        decision = await self._decide(uow, follow_up, now)
        if decision is not None:
            await uow.commit()
            return Outcome()
        work = self._dialogues.new_system_work(follow_up.id)
        person = await uow.people.by_id(follow_up.person_id)
        assert person is not None  # _decide cancels follow-ups of people who are gone
        if not await self._compose(uow, work, follow_up, person, now):
            await uow.commit()
            return Outcome()
        uow.follow_ups.close(follow_up, FollowUpStatus.QUEUED, None)
        return await work.seal(uow, claim=False)

    async def _decide(self, uow: UnitOfWork, follow_up: FollowUp, now: datetime) -> str | None:
        """Why not to send it now (after recording what becomes of it), or None: send it."""
        person = await uow.people.by_id(follow_up.person_id)
        program = await uow.programs.get(follow_up.program_id) if follow_up.program_id else None
        repo = uow.follow_ups
        reason: str | None = None
        if person is None or person.blocked_bot_at is not None or not person.is_active:
            reason = "the person cannot be reached"
            repo.close(follow_up, FollowUpStatus.CANCELLED, reason)
        elif program is not None and program.status == ProgramStatus.CLOSED:
            reason = "the program is closed"
            repo.close(follow_up, FollowUpStatus.CANCELLED, reason)
        elif program is not None and program.status != ProgramStatus.ACTIVE:
            reason = "the program is paused"
            repo.release(follow_up, now + HOLD, reason)
        elif person.follow_ups_paused_at is not None:
            reason = "paused with /stop"
            repo.release(follow_up, now + HOLD, reason)
        elif not person.has_consented(self._consent_version):
            reason = "waiting for consent"
            repo.release(follow_up, now + CONSENT_HOLD, reason)
        elif (gone := await self._no_longer_relevant(uow, follow_up)) is not None:
            reason = gone
            repo.close(follow_up, FollowUpStatus.CANCELLED, reason)
        elif now - follow_up.not_before > GRACE[follow_up.kind]:
            reason = "overdue after downtime"
            repo.close(follow_up, FollowUpStatus.EXPIRED, reason)
        else:
            allowed = next_allowed(now, zone_for(person, program), quiet_hours_of(program))
            if allowed > now:
                reason = "quiet hours"
                repo.release(follow_up, allowed, reason)
            elif follow_up.kind == FollowUpKind.FLOW and await uow.runs.open_runs_of(
                person.id or 0
            ):
                # Never cut into a conversation under way: try again a little later.
                reason = "a conversation is under way"
                repo.release(follow_up, now + HOLD, reason)
        if reason is not None:
            log.info("follow-up %s not sent now: %s", follow_up.id, reason)
        return reason

    async def _no_longer_relevant(self, uow: UnitOfWork, follow_up: FollowUp) -> str | None:
        match follow_up.kind:
            case FollowUpKind.FLOW:
                if (
                    follow_up.flow_id is None
                    or follow_up.flow_id not in self._dialogues.library.flow_ids()
                ):
                    return "the flow no longer exists"
            case FollowUpKind.COMMITMENT_CHECKIN:
                commitment = await _commitment(uow, follow_up.commitment_id)
                if commitment is None or commitment.status != CommitmentStatus.OPEN:
                    return "the commitment is closed"
            case FollowUpKind.EXCHANGE_NUDGE:
                if not await self._exchanges.nudge_still_due(uow, follow_up):
                    return "the partner answered, or the exchange ended"
            case FollowUpKind.ANNOUNCEMENT:
                if not (follow_up.payload or {}).get("text"):
                    return "the announcement has no words"
                if follow_up.exchange_id is not None and not await self._still_in_circle(
                    uow, follow_up
                ):
                    return "the circle ended, or the member left it"
            case FollowUpKind.CIRCLE_REMINDER:
                if not await self._circle_still_ahead(uow, follow_up):
                    return "the circle began, ended or moved, or the member left"
        return None

    async def _still_in_circle(self, uow: UnitOfWork, follow_up: FollowUp) -> bool:
        found = await uow.circles.get(follow_up.exchange_id or 0)
        member = await uow.circles.member(follow_up.exchange_id or 0, follow_up.person_id)
        return (
            found is not None
            and found[0].state is not CircleState.ENDED
            and member is not None
            and member.left_at is None
            and member.admission is Admission.ADMITTED
        )

    async def _circle_still_ahead(self, uow: UnitOfWork, follow_up: FollowUp) -> bool:
        found = await uow.circles.get(follow_up.exchange_id or 0)
        if found is None:
            return False
        circle, _exchange = found
        member = await uow.circles.member(follow_up.exchange_id or 0, follow_up.person_id)
        return (
            circle.state is CircleState.FORMING
            and circle.starts_at is not None
            and circle.starts_at > self._clock()
            and circle.starts_at - follow_up.due_at in CIRCLE_REMINDERS.values()
            and member is not None
            and member.left_at is None
            and member.admission is Admission.ADMITTED
        )

    async def _compose(
        self, uow: UnitOfWork, work: Delivery, follow_up: FollowUp, person: Person, now: datetime
    ) -> bool:
        """Write the follow-up's messages into `work`; False if there turned out to be none."""
        t = self._dialogues.translator_for(person)
        match follow_up.kind:
            case FollowUpKind.FLOW:
                flow = self._dialogues.library.latest(follow_up.flow_id or "")
                await self._dialogues.start_run(
                    uow, work, person, flow, program_id=follow_up.program_id
                )
            case FollowUpKind.COMMITMENT_CHECKIN:
                commitment = await _commitment(uow, follow_up.commitment_id)
                assert commitment is not None
                work.write(person.telegram_id, self._checkin_question(person, commitment))
            case FollowUpKind.EXCHANGE_NUDGE:
                purpose = str((follow_up.payload or {}).get("purpose", ""))
                work.write(person.telegram_id, self._exchanges.nudge(person, purpose))
            case FollowUpKind.ANNOUNCEMENT:
                payload = follow_up.payload or {}
                program = await uow.programs.get(follow_up.program_id or 0)
                announcement = AnnouncementArrived(
                    in_circle=follow_up.exchange_id is not None,
                    program=program.name if program else "",
                    words=str(payload["text"]),
                    source=str(payload.get("language", t.language)),
                )
                work.write(person.telegram_id, self._views.render(announcement, t))
            case FollowUpKind.CIRCLE_REMINDER:
                found = await uow.circles.get(follow_up.exchange_id or 0)
                assert found is not None
                circle, exchange = found
                assert circle.starts_at is not None
                program = await uow.programs.get(exchange.program_id)
                flow = self._dialogues.library.latest(exchange.flow_id)
                reminder = CircleReminder(
                    title=flow.title,
                    starts_at=circle.starts_at,
                    zone=zone_for(person, program),
                )
                work.write(person.telegram_id, self._views.render(reminder, t))
        return bool(work.postings)

    # --- commitment check-ins ------------------------------------------------------------

    def _checkin_question(self, person: Person, commitment: Commitment) -> Reply:
        t = self._dialogues.translator_for(person)
        return self._views.render(CheckinQuestion(commitment.id, commitment.what), t)

    async def answer_checkin(self, sender: Sender, value: str) -> Outcome:
        """A check-in button: done, not yet (then: when?), or let it go."""
        answer, commitment_id, days = _parse_checkin(value)

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._dialogues.actors.of(uow, sender)
            person, t = actor.person, actor.translator
            commitment = await _commitment(uow, commitment_id, lock=True)
            if commitment is None or commitment.person_id != person.id:
                raise StaleButton()
            if commitment.status != CommitmentStatus.OPEN:
                raise StaleButton()
            work = self._dialogues.work_for(actor)
            now = self._clock()
            if answer == CheckinAnswer.NOT_YET:
                work.say(self._later_question(person, commitment))
                return await work.seal(uow)
            await uow.follow_ups.cancel_pending_for_commitment(commitment_id, "answered")
            if answer == CheckinAnswer.DONE:
                commitment.status, commitment.closed_at = CommitmentStatus.DONE, now
                answered: FollowUpResult = CommitmentDone()
            elif answer == CheckinAnswer.DROP:
                commitment.status, commitment.closed_at = CommitmentStatus.DROPPED, now
                answered = CommitmentDropped()
            else:
                program = await _program_of(uow, commitment)
                zone = zone_for(person, program)
                commitment.due = (now.astimezone(zone) + timedelta(days=days)).date()
                await self.book.owe_checkin(uow, work, person, program, commitment, now)
                answered = CheckinPostponed(commitment.due)
            uow.add(commitment)
            uow.audit.record(
                "commitment.checked_in",
                actor_id=person.id,
                subject_type="commitment",
                subject_id=commitment.id,
                answer=answer.value,
            )
            work.say(self._views.render(answered, t))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    def _later_question(self, person: Person, commitment: Commitment) -> Reply:
        t = self._dialogues.translator_for(person)
        return self._views.render(AskAgainWhen(commitment.id), t)

    # --- a person's say: /stop, /start, /timezone ----------------------------------------

    async def stop(self, sender: Sender) -> Outcome:
        """/stop: no reminders, check-ins or surveys until /start."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actor(uow, sender)
            person = actor.person
            work = self._dialogues.work_for(actor)
            if person.follow_ups_paused_at is None:
                person.follow_ups_paused_at = self._clock()
                uow.add(person)
            work.say(self._views.render(FollowUpsPaused(), actor.translator))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def time_zone(self, sender: Sender, typed: str | None) -> Outcome:
        """/timezone [city or offset]: show or set the person's time zone."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actor(uow, sender)
            person = actor.person
            work = self._dialogues.work_for(actor)
            if not typed or not typed.strip():
                program = await self._first_program(uow, person)
                key = zone_key_for(person, program)
                work.say(self._views.render(YourTimeZone(key, self._clock()), actor.translator))
                work.say(self.book.time_zone_question(person, program))
                return await work.seal(uow)
            try:
                key = parse_time_zone(typed)
            except UnknownTimeZone:
                raise UnknownTimeZoneTyped() from None
            await self._set_zone(uow, work, actor, key, replaces=False)
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def choose_time_zone(self, sender: Sender, value: str) -> Outcome:
        """A time-zone button."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actor(uow, sender)
            try:
                key = parse_time_zone(zone_from_button(value))
            except UnknownTimeZone:
                raise StaleButton() from None
            work = self._dialogues.work_for(actor)
            await self._set_zone(uow, work, actor, key, replaces=True)
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _set_zone(
        self, uow: UnitOfWork, work: Delivery, actor: Actor, key: str, *, replaces: bool
    ) -> None:
        person = actor.person
        person.time_zone, person.time_zone_chosen = key, True
        person.time_zone_asked_at = person.time_zone_asked_at or self._clock()
        uow.add(person)
        programs = {
            program.id or 0: program
            for membership in await uow.exchanges.memberships_of(person.id or 0)
            if (program := await uow.programs.get(membership.program_id)) is not None
        }
        await self.book.move_checkins(uow, person, programs)
        shown = TimeZoneSet(key, self._clock(), zone_for(person, None), replaces)
        work.say(self._views.render(shown, actor.translator))

    async def _actor(self, uow: UnitOfWork, sender: Sender) -> Actor:
        """The consenting person behind the update, their row locked (they change it)."""
        return await self._dialogues.actors.of(uow, sender, for_update=True)

    async def _first_program(self, uow: UnitOfWork, person: Person) -> Program | None:
        for membership in await uow.exchanges.memberships_of(person.id or 0):
            return await uow.programs.get(membership.program_id)
        return None

    # --- organizers and operators --------------------------------------------------------

    async def scheduled(self, sender: Sender) -> Outcome:
        """/followups: for each program the person facilitates or organizes, the
        announcements still to go out (each with a button to cancel it) and counts."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actor(uow, sender)
            programs = await self._programs_facilitated(uow, actor.person)
            if not programs:
                raise NotAllowed()
            schedules = tuple([await self._schedule(uow, program) for program in programs])
            work = self._dialogues.work_for(actor)
            work.say(self._views.render(Scheduled(schedules), actor.translator))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _schedule(self, uow: UnitOfWork, program: Program) -> ProgramSchedule:
        """The announcements and circle reminders the program still has to send."""
        announcements = tuple(
            ScheduledAnnouncement(
                batch=batch,
                words=str((owed[0].payload or {}).get("text", "")),
                due_at=owed[0].due_at,
                people=len(owed),
            )
            for batch, owed in _batches(
                await uow.follow_ups.pending_announcements(program.id or 0)
            ).items()
        )
        by_circle: dict[int, list[FollowUp]] = {}
        for follow_up in await uow.follow_ups.pending_circle_reminders(program.id or 0):
            by_circle.setdefault(follow_up.exchange_id or 0, []).append(follow_up)
        return ProgramSchedule(
            program_id=program.id or 0,
            name=program.name,
            time_zone=program.time_zone,
            announcements=announcements,
            circle_reminders=tuple(
                ScheduledCircleReminders(circle_id, len(owed), owed[0].due_at)
                for circle_id, owed in by_circle.items()
            ),
        )

    async def cancel_announcement(self, sender: Sender, value: str) -> Outcome:
        """The cancel button of a scheduled announcement (cancelled for everyone not yet
        sent), or of a circle's reminders."""
        program_id, batch = _parse_announcement(value)

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._actor(uow, sender)
            person = actor.person
            await self._authorizer.require(uow, person, Permission.FACILITATE, program_id)
            if batch.startswith(CIRCLE_BATCH):
                return await self._cancel_circle_reminders(uow, actor, program_id, batch)
            owed = _batches(await uow.follow_ups.pending_announcements(program_id)).get(batch)
            if not owed:
                raise StaleButton()
            for follow_up in owed:
                await uow.follow_ups.cancel(follow_up.id or 0, "cancelled by a facilitator")
            uow.audit.record(
                "follow_ups.announcement_cancelled",
                actor_id=person.id,
                subject_type="program",
                subject_id=program_id,
                people=len(owed),
            )
            work = self._dialogues.work_for(actor)
            work.say(self._views.render(AnnouncementCancelled(len(owed)), actor.translator))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _cancel_circle_reminders(
        self, uow: UnitOfWork, actor: Actor, program_id: int, batch: str
    ) -> Outcome:
        circle_value = batch.removeprefix(CIRCLE_BATCH)
        found = await uow.circles.get(int(circle_value)) if circle_value.isdigit() else None
        if found is None or found[1].program_id != program_id:
            raise StaleButton()
        count = await uow.follow_ups.cancel_pending_for_circle(
            found[1].id or 0, "cancelled by a facilitator"
        )
        uow.audit.record(
            "follow_ups.circle_reminders_cancelled",
            actor_id=actor.person.id,
            subject_type="circle",
            subject_id=found[1].id,
            count=count,
        )
        work = self._dialogues.work_for(actor)
        work.say(self._views.render(CircleRemindersCancelled(count), actor.translator))
        return await work.seal(uow)

    async def _programs_facilitated(self, uow: UnitOfWork, person: Person) -> list[Program]:
        programs = []
        for program_id in sorted(
            {role.program_id for role in await uow.roles.of_person(person.id or 0)}
        ):
            if await self._authorizer.allows(uow, person, Permission.FACILITATE, program_id):
                program = await uow.programs.get(program_id)
                if program is not None:
                    programs.append(program)
        return programs


def _batches(follow_ups: list[FollowUp]) -> dict[str, list[FollowUp]]:
    """Announcements grouped as they were scheduled (one batch per announcement)."""
    found: dict[str, list[FollowUp]] = {}
    for follow_up in follow_ups:
        batch = str((follow_up.payload or {}).get("batch", follow_up.id))
        found.setdefault(batch, []).append(follow_up)
    return found


CIRCLE_BATCH = "circle"
"""Marks a cancel button as a circle's reminders (announcement batches are hex)."""


def _parse_announcement(value: str) -> tuple[int, str]:
    program, _, batch = value.partition(".")
    if not program.isdigit() or not batch or not batch.isalnum():
        raise StaleButton()
    return int(program), batch


def _parse_checkin(value: str) -> tuple[CheckinAnswer, int, int]:
    parts = value.split(".")
    try:
        answer = CheckinAnswer(parts[0])
        commitment_id = int(parts[1])
        days = int(parts[2]) if answer == CheckinAnswer.IN_DAYS else 0
    except (ValueError, IndexError):
        raise StaleButton() from None
    expected = 3 if answer == CheckinAnswer.IN_DAYS else 2
    if len(parts) != expected or (answer == CheckinAnswer.IN_DAYS and days not in LATER_CHOICES):
        raise StaleButton()
    return answer, commitment_id, days


async def _commitment(
    uow: UnitOfWork, commitment_id: int | None, *, lock: bool = False
) -> Commitment | None:
    if commitment_id is None:
        return None
    return await uow.follow_ups.commitment(commitment_id, lock=lock)


async def _program_of(uow: UnitOfWork, commitment: Commitment) -> Program | None:
    if commitment.run_id is None:
        return None
    run = await uow.runs.get(commitment.run_id)
    if run is None or run.program_id is None:
        return None
    return await uow.programs.get(run.program_id)


__all__ = [
    "ANNOUNCEMENT_BUTTON",
    "CHECKIN_BUTTON",
    "TIME_ZONE_BUTTON",
    "FollowUpPolicy",
    "FollowUps",
    "checkin_moment",
]
