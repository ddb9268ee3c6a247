"""Reports in circles and what the co-hosts do about them: dismiss, delete the message
everywhere (every relayed copy, or the group message), warn, mute, remove. Each is
authorized in one place, audited, and told to the people concerned in their language."""

from __future__ import annotations

from bot.i18n.translator import Translator
from bot.services.actors import Sender
from bot.services.circle_agenda import CircleAgenda
from bot.services.circle_rooms import (
    CIRCLE_BUTTON,
    CONTEXT_CONTRIBUTIONS,
    MEMBER_BUTTON,
    MODERATION_LABELS,
    MODERATION_OUTCOMES,
    MUTE_FOR,
    CircleRooms,
    MemberVerb,
    Moderation,
    Room,
    Verb,
)
from bot.services.errors import NotAllowed, StaleButton
from bot.services.letters import Delivery, Posting
from bot.services.moderation import REASON_LABELS, REASON_VALUES, ReportReason
from bot.services.replies import Button, ButtonAction, Outcome, Reply
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
        self._authorizer = kit.authorizer
        self._consent_version = kit.consent_version
        self._clock = kit.clock
        self._agenda = agenda

    async def report_reasons(self, uow: UnitOfWork, person: Person, contribution_id: int) -> Reply:
        contribution = await uow.circles.contribution(contribution_id)
        if contribution is None or contribution.deleted_at is not None:
            raise StaleButton()
        member = await uow.circles.member(contribution.exchange_id, person.id or 0)
        if member is None or member.role is not MemberRole.MEMBER:
            raise NotAllowed()
        t = self._kit.t(person)
        rows = tuple(
            (
                Button(
                    t.gettext(label),
                    ButtonAction(
                        MEMBER_BUTTON, f"{MemberVerb.REASON}.{contribution_id}.{reason.value}"
                    ),
                ),
            )
            for reason, label in REASON_LABELS.items()
        )
        return Reply(
            t.gettext(
                "Report this message to the facilitators? Tap what is wrong with it. They will "
                "see it and who wrote it (by pseudonym), never who reported it."
            ),
            buttons=rows,
        )

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
        for facilitator in await self._kit.facilitators(uow, room.exchange):
            ft = self._kit.t(facilitator)
            context = "\n".join(
                f"• {roster[c.author_id].pseudonym if c.author_id in roster else '?'}: "
                f"{(c.text or '')[:200]}"
                for c in earlier
            )
            lines = [
                ft.gettext(
                    "{reporter} reported a message in circle {circle} ({reason}). It was "
                    "written by {author}:",
                    reporter=person.pseudonym or "?",
                    circle=room.id,
                    reason=ft.gettext(REASON_LABELS[chosen]),
                    author=(author.pseudonym if author else None) or "?",
                ),
                f"“{contribution.text or ''}”",
            ]
            if context:
                lines += [ft.gettext("Before it in this round:"), context]
            rows = tuple(
                (
                    Button(
                        ft.gettext(label),
                        ButtonAction(CIRCLE_BUTTON, f"{Verb.MODERATE}.{report.id}.{action}"),
                    ),
                )
                for action, label in MODERATION_LABELS.items()
            )
            work.write(facilitator.telegram_id, Reply("\n\n".join(lines), buttons=rows))
        thanks = room.t.gettext(
            "Thank you. The facilitators will look at it. I will tell you what they did."
        )
        if in_private:
            work.write(person.telegram_id, Reply(thanks))
        else:
            work.say(Reply(thanks, replaces_pressed_message=True))

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
                work.notice = t.gettext("A co-host has already handled this report.")
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
                rt = self._kit.t(reporter)
                work.write(reporter.telegram_id, Reply(self._told_reporter(rt, action)))
            work.say(
                Reply(
                    t.gettext("Done: {action}.", action=t.gettext(MODERATION_LABELS[action])),
                    replaces_pressed_message=True,
                )
            )
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
        at = self._kit.t(author)
        if action is Moderation.DELETE:
            text = at.gettext(
                "A facilitator removed one of your messages from the circle because it went "
                "against the circle's agreements. Please keep to them."
            )
        elif action is Moderation.WARN:
            text = at.gettext(
                "A facilitator asks you to keep to the circle's agreements: listen to "
                "understand, speak for yourself, and respect everyone here."
            )
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
            text = at.gettext(
                "A facilitator has paused your messages in this circle for 10 minutes, "
                "because of a message that went against the agreements. You can still read."
            )
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
            text = at.gettext(
                "A facilitator has removed you from the circle because of messages that went "
                "against its agreements."
            )
        else:
            return
        work.write(author.telegram_id, Reply(text))

    def _told_reporter(self, t: Translator, action: Moderation) -> str:
        if action is Moderation.DISMISS:
            return t.gettext(
                "A facilitator looked at the message you reported and decided to leave it. "
                "Thank you for telling us; you can always call /timeout."
            )
        return t.gettext(
            "A facilitator looked at the message you reported and acted on it ({action}). "
            "Thank you for telling us.",
            action=t.gettext(MODERATION_LABELS[action]),
        )

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
            work.notice = room.t.gettext("Deleted from every chat.")
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
