"""A demo program with simulated people and answers, to try exports without a real program.

Everything it creates is marked `is_demo` (programs and people), so `remove_demo` deletes
exactly that and nothing else. Demo people have negative Telegram ids, which no Telegram
user has, so they can never be messaged or mistaken for someone real.

The simulated people join over `days` days, pair up across the two communities for a story
exchange (most finish it, some stop part-way), and many answer the later survey and check
in on a commitment, so every part of an export has something to show. It scales to tens of
thousands of people for benchmarks: rows are written in batches, not one by one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.engine import FlowLibrary
from bot.engine.schema import Flow, version_hash
from bot.engine.state import RunState
from bot.services.program_settings import ProgramSettings
from bot.services.programs import create_program, grant_role
from bot.services.pseudonyms import random_pseudonym
from bot.storage.tables import (
    Commitment,
    Community,
    Exchange,
    ExchangeMember,
    ExchangeStatus,
    FollowUp,
    FollowUpStatus,
    Membership,
    Person,
    Program,
    RoleName,
    Run,
    RunStatus,
)
from bot.storage.types import utc_now
from bot.storage.unit_of_work import UnitOfWork

DEMO_FLOW = "story-exchange"
LATER_FLOW = "exchange-followup"
CHECKIN_FLOW = "commitment-checkin"
DEMO_PROGRAM_NAME = "Demo: Neighbours across the river"
DEMO_COMMUNITIES = ("east bank", "west bank")
DEMO_PARTICIPANTS_PER_COMMUNITY = 6
DEMO_DAYS = 14
FIRST_DEMO_TELEGRAM_ID = -9_000_000_000_000
PSEUDONYM_ATTEMPTS = 50
BATCH = 500
"""People written per flush when seeding a large demo."""
STOP_STEPS = ("intro", "story", "wait-story", "heard")
"""Where simulated people who do not finish the exchange stop."""


class DemoAlreadyExists(Exception):
    """`palaver demo-data` ran before; remove the demo first."""


@dataclass(frozen=True)
class DemoSummary:
    program_id: int
    participants: int
    exchanges: int
    answers: int


@dataclass(frozen=True)
class SimulatedAnswers:
    """What one simulated participant answers; None: they never got that far."""

    thermometer_pre: int
    trust_pre: int
    thermometer_post: int | None = None
    trust_post: int | None = None
    heard_right: str | None = None
    stopped_at: str | None = None
    thermometer_later: int | None = None
    talked_since: str | None = None
    commitment_progress: str | None = None


@dataclass
class _PlannedRun:
    run: Run
    exchange: Exchange | None
    answers: list[tuple[str, Any, str | None, str | None]]
    commitment: bool


class DemoSeeder:
    """Writes simulated people into one demo program, through the same tables people fill."""

    def __init__(
        self,
        uow: UnitOfWork,
        flows: FlowLibrary,
        consent_version: str,
        first_telegram_id: int = FIRST_DEMO_TELEGRAM_ID,
    ) -> None:
        self._uow = uow
        self._consent_version = consent_version
        self._flows: dict[str, tuple[Flow, str]] = {}
        for flow_id in (DEMO_FLOW, LATER_FLOW, CHECKIN_FLOW):
            flow = flows.latest(flow_id)
            self._flows[flow_id] = (flow, version_hash(flow))
        self._next_telegram_id = first_telegram_id
        self._taken: set[str] | None = None
        self._exchanges: list[tuple[Exchange, tuple[int, int]]] = []
        self._runs: list[_PlannedRun] = []
        self.answers = 0

    async def keep_snapshots(self) -> None:
        for flow, version in self._flows.values():
            await self._uow.runs.keep_snapshot(version, flow.id, FlowLibrary.snapshot(flow))

    async def people(self, count: int, language: str = "en") -> list[Person]:
        """`count` consented demo people, with ids."""
        people = []
        for _ in range(count):
            self._next_telegram_id -= 1
            person = Person(
                telegram_id=self._next_telegram_id,
                language=language,
                language_chosen=True,
                pseudonym=await self._unused_pseudonym(),
                consent_version=self._consent_version,
                consent_given_at=utc_now(),
                is_demo=True,
            )
            self._uow.people.add(person)
            people.append(person)
        await self._uow.people.flush()
        return people

    def join(self, person: Person, program: Program, community: Community, at: datetime) -> None:
        """Make `person` a participant of `community`, joined at `at`."""
        assert program.id is not None
        self._uow.memberships.add(
            Membership(
                person_id=_id(person),
                program_id=program.id,
                community_id=community.id,
                community_chosen=True,
                languages=[person.language],
                languages_chosen=True,
                joined_at=at,
            )
        )
        grant_role(self._uow, person, program.id, RoleName.PARTICIPANT, granted_by_id=None)

    def exchange(
        self, program: Program, pair: tuple[Person, Person], started: datetime
    ) -> Exchange:
        """A finished exchange of the pair (written by `flush`)."""
        assert program.id is not None
        exchange = Exchange(
            program_id=program.id,
            flow_id=DEMO_FLOW,
            status=ExchangeStatus.ENDED,
            started_at=started,
            ended_at=started + timedelta(days=2),
            ended_reason="finished",
        )
        self._exchanges.append((exchange, (_id(pair[0]), _id(pair[1]))))
        return exchange

    async def flush(self) -> None:
        """Write the exchanges, runs and answers planned so far, a few statements for all."""
        for exchange, _ in self._exchanges:
            self._uow.add(exchange)
        await self._uow.people.flush()
        for exchange, members in self._exchanges:
            for person_id in members:
                self._uow.add(ExchangeMember(exchange_id=exchange.id or 0, person_id=person_id))
        for planned in self._runs:
            if planned.exchange is not None:
                planned.run.exchange_id = planned.exchange.id
            self._uow.add(planned.run)
        await self._uow.people.flush()
        answers: list[dict[str, Any]] = []
        for planned in self._runs:
            run_id = planned.run.id or 0
            answers += (
                {
                    "run_id": run_id,
                    "key": key,
                    "value": value,
                    "survey": survey,
                    "measure": measure,
                    "answered_at": planned.run.started_at,
                }
                for key, value, survey, measure in planned.answers
            )
            if planned.commitment:
                commitment = Commitment(
                    person_id=planned.run.person_id, run_id=run_id, what="(simulated)"
                )
                self._uow.add(commitment)
        # Hundreds of thousands of answers in a large demo: one executemany, not one by one.
        await self._uow.demo.add_answers(answers)
        await self._uow.people.flush()
        self._exchanges.clear()
        self._runs.clear()

    def answer(
        self,
        program: Program,
        person: Person,
        exchange: Exchange | None,
        started: datetime,
        answers: SimulatedAnswers,
    ) -> None:
        """The runs and answers of one participant, as if they had gone through the flows.

        Written by `flush`, with everyone else's.
        """
        story: list[tuple[str, Any, str | None, str | None]] = [
            ("thermometer-pre", answers.thermometer_pre, "pre", "thermometer"),
            ("trust-pre", answers.trust_pre, "pre", "trust"),
        ]
        if answers.stopped_at is None:
            story += [
                ("heard-right", answers.heard_right, None, None),
                ("thermometer-post", answers.thermometer_post, "post", "thermometer"),
                ("trust-post", answers.trust_post, "post", "trust"),
            ]
        self._run(program, person, DEMO_FLOW, exchange, started, story, answers.stopped_at)
        later = started + timedelta(days=30)
        if answers.thermometer_later is not None:
            self._run(
                program,
                person,
                LATER_FLOW,
                None,
                later,
                [
                    ("thermometer-later", answers.thermometer_later, "later", "thermometer"),
                    ("talked-since", answers.talked_since, "later", "talked_since"),
                ],
            )
            self._follow_up(program, person, LATER_FLOW, later, FollowUpStatus.DONE)
        if answers.commitment_progress is not None:
            self._run(
                program,
                person,
                CHECKIN_FLOW,
                None,
                later,
                [("progress", answers.commitment_progress, None, None)],
                commitment=True,
            )

    def check_ins(
        self, program: Program, person: Person, started: datetime, count: int, chance: random.Random
    ) -> None:
        """`count` commitment check-ins in one run, as a loop of "check again" would give."""
        outcomes = ("done", "under-way", "stuck", "not-started", "dropped")
        self._run(
            program,
            person,
            CHECKIN_FLOW,
            None,
            started + timedelta(days=30),
            [("progress", chance.choice(outcomes), None, None) for _ in range(count)],
        )

    def _run(
        self,
        program: Program,
        person: Person,
        flow_id: str,
        exchange: Exchange | None,
        started: datetime,
        answers: list[tuple[str, Any, str | None, str | None]],
        stopped_at: str | None = None,
        *,
        commitment: bool = False,
    ) -> None:
        _flow, version = self._flows[flow_id]
        status = RunStatus.LEFT if stopped_at else RunStatus.FINISHED
        state = RunState(
            flow_id=flow_id,
            flow_version=version,
            status=status.value,
            step_id=stopped_at,
            answers={key: value for key, value, _, _ in answers},
            started_at=started,
            updated_at=started + timedelta(days=2),
        )
        run = Run(
            person_id=_id(person),
            program_id=program.id,
            flow_id=flow_id,
            flow_version=version,
            status=status,
            state=state.to_json(),
            started_at=started,
            updated_at=started + timedelta(days=2),
        )
        self._runs.append(_PlannedRun(run, exchange, answers, commitment))
        self.answers += len(answers)

    def _follow_up(
        self, program: Program, person: Person, flow_id: str, due: datetime, status: FollowUpStatus
    ) -> None:
        self._uow.add(
            FollowUp(
                person_id=_id(person),
                program_id=program.id,
                flow_id=flow_id,
                due_at=due,
                not_before=due,
                status=status,
                sent_at=due if status == FollowUpStatus.DONE else None,
            )
        )

    async def _unused_pseudonym(self) -> str:
        if self._taken is None:
            self._taken = await self._uow.demo.pseudonyms_in_use()
        for _ in range(PSEUDONYM_ATTEMPTS):
            pseudonym = random_pseudonym()
            if pseudonym not in self._taken:
                self._taken.add(pseudonym)
                return pseudonym
        # Large demos run out of word pairs: number them (demo people never talk to anyone).
        pseudonym = f"demo-{-self._next_telegram_id}"
        self._taken.add(pseudonym)
        return pseudonym


async def seed_demo(
    uow: UnitOfWork,
    flows: FlowLibrary,
    consent_version: str,
    *,
    seed: int | None = None,
    per_community: int = DEMO_PARTICIPANTS_PER_COMMUNITY,
    days: int = DEMO_DAYS,
    answers_per_participant: int = 0,
) -> DemoSummary:
    """Add the demo program, a facilitator and simulated participants who joined over `days`.

    `answers_per_participant`: give everyone at least this many answers, the ones beyond
    their survey answers as repeated commitment check-ins (for benchmarks of large programs).
    """
    if await _demo_programs(uow):
        raise DemoAlreadyExists()
    chance = random.Random(seed)
    seeder = DemoSeeder(uow, flows, consent_version)
    await seeder.keep_snapshots()
    program = await create_program(
        uow,
        ProgramSettings(
            name=DEMO_PROGRAM_NAME,
            communities=DEMO_COMMUNITIES,
            languages=("en", "uk"),
            default_language="en",
            flows=(DEMO_FLOW, LATER_FLOW, CHECKIN_FLOW),
            consent_version=consent_version,
            is_demo=True,
        ),
        creator=None,
    )
    assert program.id is not None
    communities = await uow.communities.of_program(program.id)
    (facilitator,) = await seeder.people(1)
    grant_role(uow, facilitator, program.id, RoleName.FACILITATOR, granted_by_id=None)

    first_day = utc_now() - timedelta(days=days + 31)
    exchanges = 0
    for start in range(0, per_community, BATCH):
        size = min(BATCH, per_community - start)
        sides = [await seeder.people(size, "en" if i == 0 else "uk") for i in range(2)]
        for offset in range(size):
            number = start + offset
            joined = first_day + timedelta(days=days * number / max(1, per_community))
            pair = (sides[0][offset], sides[1][offset])
            for community, person in zip(communities, pair, strict=True):
                seeder.join(person, program, community, joined)
            exchange = seeder.exchange(program, pair, joined)
            exchanges += 1
            for person in pair:
                given = seeder.answers
                seeder.answer(program, person, exchange, joined, _simulate(chance))
                missing = answers_per_participant - (seeder.answers - given)
                if missing > 0:
                    seeder.check_ins(program, person, joined, missing, chance)
        await seeder.flush()
    uow.audit.record("demo.seeded", actor_id=None, subject_type="program", subject_id=program.id)
    return DemoSummary(
        program_id=program.id,
        participants=2 * per_community,
        exchanges=exchanges,
        answers=seeder.answers,
    )


def _simulate(chance: random.Random) -> SimulatedAnswers:
    """One participant's answers: warmer after the exchange, on average, as one would hope."""
    before = chance.randint(15, 60)
    trust_before = chance.randint(1, 3)
    if chance.random() < 0.2:
        return SimulatedAnswers(before, trust_before, stopped_at=chance.choice(STOP_STEPS))
    after = min(100, before + chance.randint(-5, 30))
    later = chance.random() < 0.6
    return SimulatedAnswers(
        thermometer_pre=before,
        trust_pre=trust_before,
        thermometer_post=after,
        trust_post=chance.randint(2, 5),
        heard_right=chance.choice(("yes", "yes", "partly", "no")),
        thermometer_later=min(100, max(0, after + chance.randint(-15, 10))) if later else None,
        talked_since=chance.choice(("yes", "no")) if later else None,
        commitment_progress=(
            chance.choice(("done", "under-way", "stuck", "not-started", "dropped"))
            if chance.random() < 0.4
            else None
        ),
    )


async def remove_demo(uow: UnitOfWork) -> int:
    """Delete every demo program and demo person (and, through them, their rows)."""
    programs = await _demo_programs(uow)
    await uow.demo.remove_all()
    if programs:
        uow.audit.record("demo.removed", actor_id=None, subject_type="program", subject_id=None)
    return len(programs)


async def _demo_programs(uow: UnitOfWork) -> list[Program]:
    return [program for program in await uow.programs.every() if program.is_demo]


def _id(person: Person) -> int:
    assert person.id is not None, "flush people before using their id"
    return person.id
