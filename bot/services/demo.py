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
    Answer,
    Commitment,
    Community,
    Exchange,
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
        self._taken: set[str] = set()
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

    async def exchange(
        self, program: Program, pair: tuple[Person, Person], started: datetime
    ) -> Exchange:
        assert program.id is not None
        exchange = Exchange(
            program_id=program.id,
            flow_id=DEMO_FLOW,
            status=ExchangeStatus.ENDED,
            started_at=started,
            ended_at=started + timedelta(days=2),
            ended_reason="finished",
        )
        return await self._uow.exchanges.add(exchange, [_id(pair[0]), _id(pair[1])])

    async def answer(
        self,
        program: Program,
        person: Person,
        exchange: Exchange | None,
        started: datetime,
        answers: SimulatedAnswers,
    ) -> None:
        """The runs and answers of one participant, as if they had gone through the flows."""
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
        await self._run(program, person, DEMO_FLOW, exchange, started, story, answers.stopped_at)
        later = started + timedelta(days=30)
        if answers.thermometer_later is not None:
            await self._run(
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
            run = await self._run(
                program,
                person,
                CHECKIN_FLOW,
                None,
                later,
                [("progress", answers.commitment_progress, None, None)],
            )
            self._uow.add(
                Commitment(person_id=_id(person), run_id=run.id, what="(simulated)", owner="me")
            )

    async def _run(
        self,
        program: Program,
        person: Person,
        flow_id: str,
        exchange: Exchange | None,
        started: datetime,
        answers: list[tuple[str, Any, str | None, str | None]],
        stopped_at: str | None = None,
    ) -> Run:
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
        run = await self._uow.runs.add(
            Run(
                person_id=_id(person),
                program_id=program.id,
                exchange_id=exchange.id if exchange else None,
                flow_id=flow_id,
                flow_version=version,
                status=status,
                state=state.to_json(),
                started_at=started,
                updated_at=started + timedelta(days=2),
            )
        )
        for key, value, survey, measure in answers:
            self._uow.add(
                Answer(
                    run_id=run.id or 0,
                    key=key,
                    value=value,
                    survey=survey,
                    measure=measure,
                    answered_at=started,
                )
            )
            self.answers += 1
        return run

    def _follow_up(
        self, program: Program, person: Person, flow_id: str, due: datetime, status: FollowUpStatus
    ) -> None:
        self._uow.add(
            FollowUp(
                person_id=_id(person),
                program_id=program.id,
                flow_id=flow_id,
                due_at=due,
                status=status,
            )
        )

    async def _unused_pseudonym(self) -> str:
        for _ in range(PSEUDONYM_ATTEMPTS):
            pseudonym = random_pseudonym()
            if pseudonym not in self._taken and not await self._uow.people.pseudonym_taken(
                pseudonym
            ):
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
) -> DemoSummary:
    """Add the demo program, a facilitator and simulated participants who joined over `days`."""
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
            exchange = await seeder.exchange(program, pair, joined)
            exchanges += 1
            for person in pair:
                await seeder.answer(program, person, exchange, joined, _simulate(chance))
        await uow.people.flush()
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
