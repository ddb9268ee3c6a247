"""Interpreting the engine's effects: the rows they ask to keep and the messages they ask
to send, for one run of a flow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.engine import (
    ButtonIgnored,
    EditButtons,
    Event,
    NotifyFacilitator,
    RecordAnswer,
    RecordCommitment,
    RunState,
    ScheduleFollowUp,
    SendText,
    ShareWithPartner,
    ShowPartnerShare,
)
from bot.i18n.translator import Translator
from bot.services.dialogue_results import (
    DialogueResult,
    FacilitatorAttention,
    FlowButtonsChanged,
    FlowNotice,
    FlowPrompt,
    PartnerShared,
)
from bot.services.letters import Delivery
from bot.services.owed import FollowUpBook
from bot.services.replies import Views
from bot.storage.tables import Answer, Commitment, Person, RelayedMessage, Run
from bot.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Scene:
    """A run being driven: whose it is, in their language, and who else is in its
    conversation (each partner with their own run)."""

    run: Run
    person: Person
    translator: Translator
    partners: tuple[tuple[Person, Run], ...]

    @property
    def context(self) -> dict[str, str | int]:
        """What a flow's messages may name: the person and their partners, by pseudonym."""
        return {"name": self.person.pseudonym or "", "partner": names(self.partners)}


class EffectInterpreter:
    """Turns one run's effects into stored rows and messages in the use case's Delivery."""

    def __init__(
        self,
        book: FollowUpBook,
        views: Views,
        translator_for: Callable[[Person], Translator],
        clock: Callable[[], datetime],
    ) -> None:
        self._book = book
        self._views = views
        self._translator_for = translator_for
        self._clock = clock

    async def perform(
        self, uow: UnitOfWork, work: Delivery, scene: Scene, effect: object, quiet: bool
    ) -> list[tuple[Run, Event]]:
        """Perform `effect`; what it shares comes back as events for the partners' runs.
        `quiet`: the run is stopped from outside, so nothing is shown to its person."""
        run, person, t = scene.run, scene.person, scene.translator

        def show(result: DialogueResult, pause_after: float = 0.0) -> None:
            if quiet:
                return
            reply = self._views.render(result, t)
            if person.id == work.actor_id:
                work.say(reply, pause_after)
            else:
                work.write(person.telegram_id, reply, pause_after)

        context, run_id = scene.context, run.id or 0
        match effect:
            case SendText(text=text, buttons=buttons, hint=hint, pause_seconds=pause):
                show(FlowPrompt(run_id, text, hint, buttons, context), pause)
            case EditButtons(buttons=buttons):
                if work.pressed_button and person.id == work.actor_id:
                    show(FlowButtonsChanged(run_id, buttons, context))
            case ShowPartnerShare(heading=heading, text=words):
                partners = scene.partners
                source = partners[0][0].language if len(partners) == 1 else t.language
                show(PartnerShared(heading, context, words, source))
            case ButtonIgnored(notice=notice):
                if work.pressed_button and person.id == work.actor_id:
                    work.notice = self._views.render(FlowNotice(notice, context), t).text
                else:
                    show(FlowNotice(notice, context))
            case RecordAnswer(key=key, value=value, survey=survey, measure=measure):
                uow.add(
                    Answer(run_id=run.id or 0, key=key, value=value, survey=survey, measure=measure)
                )
            case RecordCommitment(what=what, due=due, owner=owner):
                commitment = Commitment(
                    person_id=person.id or 0, run_id=run.id, what=what, due=due, owner=owner
                )
                uow.add(commitment)
                if due is not None:
                    await uow.session.flush()
                    program = await uow.programs.get(run.program_id) if run.program_id else None
                    await self._book.owe_checkin(
                        uow, work, person, program, commitment, self._clock()
                    )
            case ScheduleFollowUp(flow_id=flow_id, due_at=due_at):
                await self._book.owe_flow(
                    uow, work, person, run.program_id, flow_id, due_at, self._clock()
                )
            case NotifyFacilitator(reason=reason):
                await self._notify_facilitators(uow, work, run, person, reason)
            case ShareWithPartner() as share:
                return self._share(uow, scene, share)
        return []

    def _share(
        self, uow: UnitOfWork, scene: Scene, share: ShareWithPartner
    ) -> list[tuple[Run, Event]]:
        run, person = scene.run, scene.person
        deliveries: list[tuple[Run, Event]] = []
        for partner, partner_run in scene.partners:
            if RunState.from_json(partner_run.state).is_over or run.exchange_id is None:
                continue
            uow.add(
                RelayedMessage(
                    exchange_id=run.exchange_id,
                    sender_id=person.id,
                    recipient_id=partner.id,
                    key=share.key,
                    text=share.text,
                )
            )
            event = share.to_event(self._clock(), sender=person.pseudonym or "")
            deliveries.append((partner_run, event))
        return deliveries

    async def _notify_facilitators(
        self, uow: UnitOfWork, work: Delivery, run: Run, person: Person, reason: str
    ) -> None:
        uow.audit.record(
            "facilitator.notified",
            actor_id=person.id,
            subject_type="run",
            subject_id=run.id,
            reason=reason,
        )
        if run.program_id is None:
            return
        for facilitator in await uow.exchanges.facilitators_of(run.program_id):
            attention = FacilitatorAttention(person.pseudonym or "?", reason)
            reply = self._views.render(attention, self._translator_for(facilitator))
            work.write(facilitator.telegram_id, reply)


def names(partners: tuple[tuple[Person, Run], ...]) -> str:
    """Partners' pseudonyms, as a flow's message names them."""
    return ", ".join(person.pseudonym or "?" for person, _run in partners)
