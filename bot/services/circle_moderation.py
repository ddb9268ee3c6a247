"""Reports in circles and what the co-hosts do about them: dismiss, delete the message
everywhere (every relayed copy, or the group message), warn, mute, remove. Each is
authorized in one place, audited, and told to the people concerned in their language."""

from __future__ import annotations

from bot.services.actors import Sender
from bot.services.circle_agenda import CircleAgenda
from bot.services.circle_results import (
    AgreementsReminder,
    CircleReportAlert,
    CircleReportAlreadyHandled,
    CircleReportHandled,
    CircleReportLookedAt,
    CircleReportReasons,
    CircleReportReceived,
    DeletedEverywhere,
    MessageTakenDown,
    MutedInCircle,
    RemovedFromCircle,
)
from bot.services.circle_rooms import (
    CONTEXT_CONTRIBUTIONS,
    MODERATION_OUTCOMES,
    MUTE_FOR,
    CircleRooms,
    Moderation,
    Room,
)
from bot.services.errors import NotAllowed, StaleButton
from bot.services.letters import Delivery, Posting
from bot.services.moderation import REASON_VALUES, ReportReason
from bot.services.replies import Outcome, Reply
from bot.storage.tables import (
    Contribution,
    ExchangeMember,
    MemberRole,
    OutboxOp,
    Person,
    Report,
    ReportOutcome,
)
from bot.storage.unit_of_work import UnitOfWork


class CircleModeration:
    """Members' reports and the co-hosts' decisions."""

    def __init__(self, kit: CircleRooms, agenda: CircleAgenda) -> None:
        self._kit = kit
        self._dialogues = kit.dialogues
        self._views = kit.views
        self._authorizer = kit.authorizer
        self._clock = kit.clock
        self._agenda = agenda

    async def report_reasons(self, uow: UnitOfWork, person: Person, contribution_id: int) -> Reply:
        contribution = await uow.circles.contribution(contribution_id)
        if contribution is None or contribution.deleted_at is not None:
            raise StaleButton()
        member = await uow.circles.member(contribution.exchange_id, person.id or 0)
        if member is None or member.role is not MemberRole.MEMBER:
            raise NotAllowed()
        return self._views.render(CircleReportReasons(contribution_id), self._kit.t(person))

    async def report(
        self,
        uow: UnitOfWork,
        work: Delivery,
        person: Person,
        contribution_id: int,
        reason: str,
        *,
        in_private: bool = False,
    ) -> None:
        """Keep the report and alert the co-hosts; the reporter is thanked where they pressed
        (or, `in_private`, in their private chat: a report made in a group stays unseen)."""
        contribution = await uow.circles.contribution(contribution_id)
        if contribution is None or contribution.deleted_at is not None:
            raise StaleButton()
        room = await self._kit.room(uow, person, contribution.exchange_id, lock=True)
        member = await uow.circles.member(room.id, person.id or 0)
        if member is None or member.role is not MemberRole.MEMBER:
            raise NotAllowed()
        chosen = ReportReason(reason) if reason in REASON_VALUES else ReportReason.OTHER
        report = Report(
            exchange_id=room.id,
            reporter_id=person.id,
            reported_id=contribution.author_id,
            contribution_id=contribution.id,
            reason=chosen.value,
            created_at=self._clock(),
        )
        uow.add(report)
        await uow.session.flush()
        uow.audit.record(
            "circle.reported",
            actor_id=person.id,
            subject_type="contribution",
            subject_id=contribution.id,
            report_id=report.id,
            reason=chosen.value,
        )
        author = await uow.people.by_id(contribution.author_id) if contribution.author_id else None
        earlier = [
            c
            for c in await uow.circles.contributions(room.id, contribution.round_number)
            if c.id != contribution.id and c.text and c.deleted_at is None and c.released_at
        ][-CONTEXT_CONTRIBUTIONS:]
        roster = {p.id: p for _m, p in await uow.circles.roster(room.id)}
        alert = CircleReportAlert(
            report_id=report.id,
            circle_id=room.id,
            reporter=person.pseudonym,
            reason=chosen.value,
            author=author.pseudonym if author else None,
            words=contribution.text or "",
            earlier=tuple(
                (roster[c.author_id].pseudonym if c.author_id in roster else "?", c.text or "")
                for c in earlier
            ),
        )
        for facilitator in await self._kit.facilitators(uow, room.exchange):
            work.write(facilitator.telegram_id, self._views.render(alert, self._kit.t(facilitator)))
        thanks = self._views.render(CircleReportReceived(replaces=not in_private), room.t)
        if in_private:
            work.write(person.telegram_id, thanks)
        else:
            work.say(thanks)

    async def moderate(self, sender: Sender, report_id: int, action_value: str) -> Outcome:
        """A facilitator's decision on a report in a circle."""
        try:
            action = Moderation(action_value)
        except ValueError:
            raise StaleButton() from None

        async def use_case(uow: UnitOfWork) -> Outcome:
            report = await uow.exchanges.report(report_id, lock=True)
            if report is None or report.exchange_id is None:
                raise StaleButton()
            room = await self._kit.facilitating(uow, sender, report.exchange_id, lock=True)
            work = self._kit.work(room.person, sender)
            t = room.t
            if report.outcome is not ReportOutcome.OPEN:
                work.notice = self._views.render(CircleReportAlreadyHandled(), t).text
                return await work.seal(uow)
            report.outcome = MODERATION_OUTCOMES[action]
            report.handled_by_id = room.person.id
            report.resolved_at = self._clock()
            uow.audit.record(
                "circle.report_handled",
                actor_id=room.person.id,
                subject_type="report",
                subject_id=report.id,
                outcome=report.outcome.value,
            )
            author = await uow.people.by_id(report.reported_id) if report.reported_id else None
            contribution = (
                await uow.circles.contribution(report.contribution_id)
                if report.contribution_id
                else None
            )
            if action is Moderation.DELETE and contribution is not None:
                await self._delete(uow, work, room, contribution)
            if author is not None:
                member = await uow.circles.member(room.id, author.id or 0)
                await self._consequence(uow, work, room, action, author, member)
            reporter = await uow.people.by_id(report.reporter_id) if report.reporter_id else None
            if reporter is not None:
                looked = CircleReportLookedAt(action.value)
                work.write(reporter.telegram_id, self._views.render(looked, self._kit.t(reporter)))
            work.say(self._views.render(CircleReportHandled(action.value), t))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _consequence(
        self,
        uow: UnitOfWork,
        work: Delivery,
        room: Room,
        action: Moderation,
        author: Person,
        member: ExchangeMember | None,
    ) -> None:
        told: MessageTakenDown | AgreementsReminder | MutedInCircle | RemovedFromCircle
        if action is Moderation.DELETE:
            told = MessageTakenDown()
        elif action is Moderation.WARN:
            told = AgreementsReminder()
        elif action is Moderation.MUTE and member is not None:
            member.muted_until = self._clock() + MUTE_FOR
            if self._kit.in_group(room) and room.exchange.chat_id is not None:
                work.postings.append(
                    Posting(
                        room.exchange.chat_id,
                        Reply(""),
                        OutboxOp.RESTRICT,
                        user_id=author.telegram_id,
                        until=int(member.muted_until.timestamp()),
                    )
                )
            told = MutedInCircle()
        elif action is Moderation.REMOVE and member is not None:
            await self._agenda.without(uow, work, room, member, author, removed=True)
            if self._kit.in_group(room) and room.exchange.chat_id is not None:
                work.postings.append(
                    Posting(
                        room.exchange.chat_id,
                        Reply(""),
                        OutboxOp.REMOVE,
                        user_id=author.telegram_id,
                    )
                )
            told = RemovedFromCircle()
        else:
            return
        work.write(author.telegram_id, self._views.render(told, self._kit.t(author)))

    async def delete_from_copy(self, sender: Sender, contribution_id: int) -> Outcome:
        """ "Delete everywhere" under a co-host's copy of an answer."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            contribution = await uow.circles.contribution(contribution_id)
            if contribution is None:
                raise StaleButton()
            room = await self._kit.facilitating(uow, sender, contribution.exchange_id, lock=True)
            work = self._kit.work(room.person, sender)
            if contribution.deleted_at is None:
                await self._delete(uow, work, room, contribution)
                author = (
                    await uow.people.by_id(contribution.author_id)
                    if contribution.author_id
                    else None
                )
                if author is not None:
                    await self._consequence(uow, work, room, Moderation.DELETE, author, None)
            work.notice = self._views.render(DeletedEverywhere(), room.t).text
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _delete(
        self, uow: UnitOfWork, work: Delivery, room: Room, contribution: Contribution
    ) -> None:
        """Take an answer down: its words are forgotten and every relayed copy deleted."""
        contribution.deleted_at = self._clock()
        contribution.text = None
        for copy in await uow.circles.copies_of(contribution.id or 0):
            work.postings.append(
                Posting(copy.chat_id, Reply(""), OutboxOp.DELETE, message_id=copy.message_id)
            )
            await uow.session.delete(copy)
        if contribution.group_message_id is not None and room.exchange.chat_id is not None:
            work.postings.append(
                Posting(
                    room.exchange.chat_id,
                    Reply(""),
                    OutboxOp.DELETE,
                    message_id=contribution.group_message_id,
                )
            )
        uow.audit.record(
            "circle.message_deleted",
            actor_id=room.person.id,
            subject_type="contribution",
            subject_id=contribution.id,
        )

    # ================================================================ the card
