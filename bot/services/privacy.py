"""People's data rights and data minimisation: see everything, erase everything, forget old words.

Follows the ICRC Handbook on Data Protection in Humanitarian Action: collect the least,
keep it the shortest, let people see and erase it.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, update
from sqlmodel import col, select

from bot.engine import Flow, RunState
from bot.engine.schema import AskStep, TextAnswer
from bot.services.actors import Sender
from bot.services.dialogues import Dialogues
from bot.services.errors import ConsentRequired, StaleButton
from bot.services.letters import Delivery
from bot.services.privacy_results import (
    ConfirmForgetting,
    Forgotten,
    NothingErased,
    NothingKept,
    YourData,
)
from bot.services.replies import Outcome
from bot.storage.tables import (
    Answer,
    Commitment,
    Community,
    Contribution,
    Exchange,
    FollowUp,
    Membership,
    Person,
    Program,
    RelayedMessage,
    Role,
    Run,
    Statement,
    Vote,
)
from bot.storage.types import utc_now
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

FORGET_BUTTON = "forget"
RETENTION_CHECK_SECONDS = 6 * 60 * 60


class CircleSeats(Protocol):
    """Circles go on without someone who is gone (see `Circles.member_gone`)."""

    async def member_gone(self, uow: UnitOfWork, work: Delivery, person: Person) -> None: ...


class Privacy:
    """/mydata, /forget and the retention of relayed words."""

    def __init__(self, dialogues: Dialogues, circles: CircleSeats | None = None) -> None:
        self._dialogues = dialogues
        self._views = dialogues.views
        self._circles = circles

    # --- /mydata ---------------------------------------------------------------------------

    async def my_data(self, sender: Sender) -> Outcome:
        """A JSON file with everything Palaver keeps about the person."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            # Without consent too: everyone may see what Palaver keeps about them.
            actor = await self._dialogues.actors.known(uow, sender)
            if actor is None:
                raise ConsentRequired()
            document = json.dumps(
                await self._everything_about(uow, actor.person), indent=2, ensure_ascii=False
            ).encode()
            return Outcome(replies=(self._views.render(YourData(document), actor.translator),))

        return await self._dialogues.retrying(use_case)

    async def _everything_about(self, uow: UnitOfWork, person: Person) -> dict[str, Any]:
        pid = person.id or 0
        session = uow.session
        memberships = []
        for membership in (
            await session.exec(select(Membership).where(Membership.person_id == pid))
        ).all():
            program = await session.get(Program, membership.program_id)
            community = (
                await session.get(Community, membership.community_id)
                if membership.community_id
                else None
            )
            memberships.append(
                {
                    "program": program.name if program else None,
                    "community": community.name if community else None,
                    "languages": membership.languages,
                    "status": membership.status,
                    "joined_at": _iso(membership.joined_at),
                }
            )
        runs = (await session.exec(select(Run).where(Run.person_id == pid))).all()
        run_ids = [run.id for run in runs]
        answers = (await session.exec(select(Answer).where(col(Answer.run_id).in_(run_ids)))).all()
        return {
            "about": "Everything Palaver keeps about you, as of "
            + utc_now().isoformat()
            + ". Your words sent to partners are kept only for the program's retention period.",
            "person": {
                "telegram_id": person.telegram_id,
                "language": person.language,
                "time_zone": person.time_zone if person.time_zone_chosen else None,
                "follow_ups_paused": person.follow_ups_paused_at is not None,
                "pseudonym": person.pseudonym,
                "consent_version": person.consent_version,
                "consent_given_at": _iso(person.consent_given_at),
                "consent_declined_at": _iso(person.consent_declined_at),
                "created_at": _iso(person.created_at),
            },
            "programs": memberships,
            "roles": [
                {"program_id": role.program_id, "role": role.name}
                for role in (await session.exec(select(Role).where(Role.person_id == pid))).all()
            ],
            "dialogues": [
                {
                    "flow": run.flow_id,
                    "status": run.status,
                    "started_at": _iso(run.started_at),
                    "answers": [
                        {
                            "question": answer.key,
                            "answer": answer.value,
                            "answered_at": _iso(answer.answered_at),
                        }
                        for answer in answers
                        if answer.run_id == run.id
                    ],
                }
                for run in runs
            ],
            "commitments": [
                {
                    "what": c.what,
                    "due": c.due.isoformat() if c.due else None,
                    "owner": c.owner,
                    "status": c.status,
                }
                for c in (
                    await session.exec(select(Commitment).where(Commitment.person_id == pid))
                ).all()
            ],
            "planned_follow_ups": [
                {
                    "kind": f.kind,
                    "flow": f.flow_id,
                    "due_at": _iso(f.due_at),
                    "status": f.status,
                    "sent_at": _iso(f.sent_at),
                }
                for f in (
                    await session.exec(select(FollowUp).where(FollowUp.person_id == pid))
                ).all()
            ],
            "words_in_circles": [
                {
                    "circle": c.exchange_id,
                    "round": c.round_number,
                    "text": c.text,
                    "passed": c.passed,
                    "said_at": _iso(c.created_at),
                }
                for c in (
                    await session.exec(select(Contribution).where(Contribution.author_id == pid))
                ).all()
            ],
            "statements_written": [
                {"text": st.text, "status": st.status, "written_at": _iso(st.created_at)}
                for st in (
                    await session.exec(select(Statement).where(Statement.author_id == pid))
                ).all()
            ],
            "votes": [
                {"statement": st.text, "vote": v.value, "voted_at": _iso(v.voted_at)}
                for v, st in (
                    await session.exec(
                        select(Vote, Statement)
                        .join(Statement, col(Statement.id) == col(Vote.statement_id))
                        .where(Vote.person_id == pid)
                    )
                ).all()
            ],
            "words_sent_to_partners": [
                {"text": m.text, "sent_at": _iso(m.created_at)}
                for m in (
                    await session.exec(
                        select(RelayedMessage).where(RelayedMessage.sender_id == pid)
                    )
                ).all()
                if m.text is not None
            ],
        }

    # --- /forget ---------------------------------------------------------------------------

    async def ask_to_forget(self, sender: Sender) -> Outcome:
        """/forget: explain what erasing means and ask for confirmation."""

        async def use_case(uow: UnitOfWork) -> Outcome:
            # Without consent too: everyone may have what Palaver keeps about them erased.
            actor = await self._dialogues.actors.known(uow, sender)
            if actor is None:
                t = self._dialogues.translator_for_stranger(sender)
                return Outcome(replies=(self._views.render(NothingKept(), t),))
            return Outcome(replies=(self._views.render(ConfirmForgetting(), actor.translator),))

        return await self._dialogues.retrying(use_case)

    async def answer_forget(self, sender: Sender, value: str) -> Outcome:
        """The confirmation buttons of /forget."""
        if value == "no":
            t = await self._dialogues.translator_for_sender(sender)
            return Outcome(replies=(self._views.render(NothingErased(), t),))
        if value != "yes":
            raise StaleButton()

        async def use_case(uow: UnitOfWork) -> Outcome:
            actor = await self._dialogues.actors.known(uow, sender, for_update=True)
            if actor is None:
                t = self._dialogues.translator_for_stranger(sender)
                return Outcome(notice=self._views.render(NothingKept(), t).text)
            work = self._dialogues.work_for(actor)
            await self._erase(uow, work, actor.person)
            work.say(self._views.render(Forgotten(), actor.translator))
            return await work.seal(uow)

        return await self._dialogues.retrying(use_case)

    async def _erase(self, uow: UnitOfWork, work: Delivery, person: Person) -> None:
        pid = person.id or 0
        session = uow.session
        exchange = await uow.exchanges.current_of(pid)
        if exchange is not None:
            await self._dialogues.end_conversation(uow, work, exchange, person, "member_forgotten")
        if self._circles is not None:
            await self._circles.member_gone(uow, work, person)
        await self._scrub_partner_runs(uow, person)
        # Their own words to partners go; what partners wrote to them is the partners' data.
        await session.exec(delete(RelayedMessage).where(col(RelayedMessage.sender_id) == pid))
        await session.exec(delete(Contribution).where(col(Contribution.author_id) == pid))
        # Their statements go with their words (and the votes on them); their votes go with
        # the person row.
        await session.exec(delete(Statement).where(col(Statement.author_id) == pid))
        await uow.outbox.forget_letters_to(person.telegram_id)
        # Everything else that is theirs goes with the person row (ON DELETE CASCADE).
        await session.delete(person)
        uow.audit.record("person.forgotten", actor_id=None, subject_type="person", subject_id=pid)

    async def _scrub_partner_runs(self, uow: UnitOfWork, person: Person) -> None:
        """Remove the person's words and pseudonym from the runs of everyone they talked with."""
        pid = person.id or 0
        session = uow.session
        for exchange_id in await uow.exchanges.exchange_ids_of(pid):
            for run in await uow.runs.of_exchange(exchange_id):
                if run.person_id == pid:
                    continue
                state = RunState.from_json(run.state)
                scrubbed = state.model_copy(
                    update={
                        "received": {
                            key: [
                                share.model_copy(update={"text": None, "sender": ""})
                                if share.sender == person.pseudonym
                                else share
                                for share in shares
                            ]
                            for key, shares in state.received.items()
                        }
                    }
                )
                await session.exec(
                    update(Run).where(col(Run.id) == run.id).values(state=scrubbed.to_json())
                )

    # --- retention ---------------------------------------------------------------------------

    async def apply_retention(self, now: datetime | None = None) -> int:
        """Erase relayed words (pairs' and circles'), and free-text answers, older than each
        program's retention.

        Returns how many texts were erased. Exports never need them: they use choices and
        numbers only.
        """
        moment = now or utc_now()

        async def use_case(uow: UnitOfWork) -> Outcome:
            erased = 0
            session = uow.session
            for program in (await session.exec(select(Program))).all():
                cutoff = moment - timedelta(days=program.retention_days)
                exchange_ids = select(Exchange.id).where(Exchange.program_id == program.id)
                result = await session.exec(
                    update(RelayedMessage)
                    .where(
                        col(RelayedMessage.exchange_id).in_(exchange_ids),
                        col(RelayedMessage.created_at) < cutoff,
                        col(RelayedMessage.text).is_not(None),
                    )
                    .values(text=None)
                )
                erased += result.rowcount
                said = await session.exec(
                    update(Contribution)
                    .where(
                        col(Contribution.exchange_id).in_(exchange_ids),
                        col(Contribution.created_at) < cutoff,
                        col(Contribution.text).is_not(None),
                    )
                    .values(text=None)
                )
                erased += said.rowcount
                erased += await self._erase_old_answers(uow, program.id or 0, cutoff)
            await uow.commit()
            if erased:
                log.info("retention: erased %d old texts", erased)
            return Outcome(notice=str(erased))

        outcome = await self._dialogues.retrying(use_case)
        return int(outcome.notice or 0)

    async def _erase_old_answers(self, uow: UnitOfWork, program_id: int, cutoff: datetime) -> int:
        session = uow.session
        erased = 0
        old_runs = (
            await session.exec(
                select(Run).where(Run.program_id == program_id, col(Run.updated_at) < cutoff)
            )
        ).all()
        for run in old_runs:
            flow = await self._dialogues.flow_of(uow, run)
            free_text = _free_text_keys(flow)
            state = RunState.from_json(run.state)
            answers = {
                key: (None if key in free_text else value) for key, value in state.answers.items()
            }
            received = {
                key: [share.model_copy(update={"text": None}) for share in shares]
                for key, shares in state.received.items()
            }
            if answers == state.answers and received == state.received:
                continue
            scrubbed = state.model_copy(update={"answers": answers, "received": received})
            await session.exec(
                update(Run).where(col(Run.id) == run.id).values(state=scrubbed.to_json())
            )
            result = await session.exec(
                update(Answer)
                .where(col(Answer.run_id) == run.id, col(Answer.key).in_(free_text))
                .values(value=None)
            )
            erased += result.rowcount
        return erased


def _free_text_keys(flow: Flow) -> set[str]:
    return {
        step.key
        for step in flow.steps
        if isinstance(step, AskStep) and isinstance(step.answer, TextAnswer)
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
