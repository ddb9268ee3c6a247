"""Reports in pair exchanges, and what facilitators do about them.

A participant reports their partner with a reason in one tap; the program's facilitators
get the report privately, with the last messages of the exchange as the reporter saw them
and buttons to act: dismiss, warn, end the exchange, remove from the program. Each step is
authorized in one place (`Authorizer`), kept in the audit log, and tells the people
concerned in their own language, through the outbox.
"""

from __future__ import annotations

import enum

from bot.services.actors import Sender
from bot.services.authorization import Authorizer, Permission
from bot.services.dialogues import Dialogues
from bot.services.errors import StaleButton
from bot.services.letters import Delivery
from bot.services.moderation_results import (
    ExchangeEndedByFacilitator,
    FacilitatorWarning,
    RemovedFromProgram,
    ReportAlert,
    ReportAlreadyHandled,
    ReportHandled,
    ReportLookedAt,
    ReportReasons,
    ReportReceived,
)
from bot.services.replies import Outcome, Reply
from bot.storage.tables import (
    Exchange,
    ExchangeStatus,
    MembershipStatus,
    Person,
    Report,
    ReportOutcome,
)
from bot.storage.unit_of_work import UnitOfWork

MODERATION_BUTTON = "mod"
CONTEXT_MESSAGES = 6
"""How many of the exchange's last messages a facilitator sees with a report."""
CONTEXT_LENGTH = 300


class ReportReason(enum.StrEnum):
    HURTFUL = "hurtful"
    IDENTIFYING = "identifying"
    THREAT = "threat"
    SPAM = "spam"
    OTHER = "other"


REASON_VALUES = frozenset(reason.value for reason in ReportReason)


class ModerationAction(enum.StrEnum):
    DISMISS = "dismiss"
    WARN = "warn"
    END = "end"
    REMOVE = "remove"


OUTCOME_OF = {
    ModerationAction.DISMISS: ReportOutcome.DISMISSED,
    ModerationAction.WARN: ReportOutcome.WARNED,
    ModerationAction.END: ReportOutcome.ENDED,
    ModerationAction.REMOVE: ReportOutcome.REMOVED,
}


class Moderation:
    """Reports from participants; facilitators' answers to them."""

    def __init__(self, dialogues: Dialogues, authorizer: Authorizer):
        self._dialogues = dialogues
        self._views = dialogues.views
        self._authorizer = authorizer

    # --- the participant -----------------------------------------------------------------

    def reasons(self, person: Person, action_kind: str, report_action: str) -> Reply:
        """/report: why, in one tap (or go on)."""
        t = self._dialogues.translator_for(person)
        return self._views.render(ReportReasons(action_kind, report_action), t)

    async def report(
        self, uow: UnitOfWork, work: Delivery, person: Person, exchange: Exchange, reason: str
    ) -> None:
        """Keep the report and alert every facilitator of the program."""
        chosen = ReportReason(reason) if reason in REASON_VALUES else ReportReason.OTHER
        people = await uow.exchanges.people_in(exchange.id or 0)
        partner = next((p for p in people if p.id != person.id), None)
        report = Report(
            exchange_id=exchange.id,
            reporter_id=person.id,
            reported_id=partner.id if partner else None,
            reason=chosen.value,
        )
        uow.add(report)
        await uow.session.flush()
        uow.audit.record(
            "exchange.reported",
            actor_id=person.id,
            subject_type="exchange",
            subject_id=exchange.id,
            reason=chosen.value,
        )
        alert = ReportAlert(
            report_id=report.id or 0,
            reporter=person.pseudonym,
            reported=partner.pseudonym if partner else None,
            reason=report.reason or ReportReason.OTHER.value,
            last_messages=await self._last_messages(uow, exchange, person),
        )
        for facilitator in await uow.exchanges.facilitators_of(exchange.program_id):
            if facilitator.id in (person.id, partner.id if partner else None):
                continue  # never alert someone about their own exchange
            ft = self._dialogues.translator_for(facilitator)
            work.write(facilitator.telegram_id, self._views.render(alert, ft))
        t = self._dialogues.translator_for(person)
        work.say(self._views.render(ReportReceived(), t))

    async def _last_messages(
        self, uow: UnitOfWork, exchange: Exchange, reporter: Person
    ) -> tuple[tuple[bool, str | None], ...]:
        """The exchange's last words as the reporter saw them: (written by the reporter, text)."""
        found = await uow.exchanges.last_relayed(exchange.id or 0, CONTEXT_MESSAGES)
        return tuple((m.sender_id == reporter.id, m.text) for m in found)

    # --- the facilitator -----------------------------------------------------------------

    async def act(self, sender: Sender, value: str) -> Outcome:
        """A facilitator's button on a report: dismiss, warn, end the exchange, remove."""
        action, report_id = _parse(value)

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._dialogues.actors.of(uow, sender)
            facilitator, t = actor.person, actor.translator
            report = await uow.exchanges.report(report_id, lock=True)
            exchange = (
                await uow.exchanges.get(report.exchange_id)
                if report is not None and report.exchange_id is not None
                else None
            )
            if report is None or exchange is None:
                raise StaleButton()
            await self._authorizer.require(
                uow, facilitator, Permission.FACILITATE, exchange.program_id
            )
            work = self._dialogues.work_for(actor)
            if report.outcome != ReportOutcome.OPEN:
                handled = self._views.render(ReportAlreadyHandled(), t)
                work.notice = handled.text
                work.say(handled)
                return await work.seal(uow)
            reporter = await uow.people.by_id(report.reporter_id) if report.reporter_id else None
            reported = await uow.people.by_id(report.reported_id) if report.reported_id else None
            await self._carry_out(uow, work, action, exchange, reported)
            report.outcome = OUTCOME_OF[action]
            report.handled_by_id = facilitator.id
            report.resolved_at = self._dialogues.now()
            uow.add(report)
            uow.audit.record(
                "report.handled",
                actor_id=facilitator.id,
                subject_type="report",
                subject_id=report.id,
                outcome=report.outcome.value,
            )
            if reporter is not None and reporter.blocked_bot_at is None:
                rt = self._dialogues.translator_for(reporter)
                looked = ReportLookedAt(acted=action != ModerationAction.DISMISS)
                work.write(reporter.telegram_id, self._views.render(looked, rt))
            work.say(self._views.render(ReportHandled(action), t))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _carry_out(
        self,
        uow: UnitOfWork,
        work: Delivery,
        action: ModerationAction,
        exchange: Exchange,
        reported: Person | None,
    ) -> None:
        if reported is None or action == ModerationAction.DISMISS:
            return
        rt = self._dialogues.translator_for(reported)
        if action == ModerationAction.WARN:
            work.write(reported.telegram_id, self._views.render(FacilitatorWarning(), rt))
            return
        if exchange.status != ExchangeStatus.ENDED:
            await self._dialogues.end_conversation(
                uow, work, exchange, reported, "ended_by_facilitator"
            )
        if action == ModerationAction.END:
            work.write(reported.telegram_id, self._views.render(ExchangeEndedByFacilitator(), rt))
            return
        membership = await uow.exchanges.membership(reported.id or 0, exchange.program_id)
        if membership is not None:
            membership.status = MembershipStatus.LEFT
            membership.left_at = self._dialogues.now()
            uow.add(membership)
        await uow.exchanges.remove_participant(reported.id or 0, exchange.program_id)
        work.write(reported.telegram_id, self._views.render(RemovedFromProgram(), rt))


def _parse(value: str) -> tuple[ModerationAction, int]:
    action, _, report = value.partition(".")
    if action not in {a.value for a in ModerationAction} or not report.isdigit():
        raise StaleButton()
    return ModerationAction(action), int(report)
