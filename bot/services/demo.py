"""A demo program with simulated people and answers, to try exports without a real program.

Everything it creates is marked `is_demo` (programs and people), so `remove_demo` deletes
exactly that and nothing else. Demo people have negative Telegram ids, which no Telegram
user has, so they can never be messaged or mistaken for someone real.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from bot.engine import FlowLibrary
from bot.engine.schema import version_hash
from bot.engine.state import RunState
from bot.services.program_settings import ProgramSettings
from bot.services.programs import create_program, grant_role
from bot.services.pseudonyms import random_pseudonym
from bot.storage.tables import (
    Answer,
    Exchange,
    ExchangeStatus,
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
DEMO_PROGRAM_NAME = "Demo: Neighbours across the river"
DEMO_COMMUNITIES = ("east bank", "west bank")
DEMO_PARTICIPANTS_PER_COMMUNITY = 6
FIRST_DEMO_TELEGRAM_ID = -9_000_000_000_000
PSEUDONYM_ATTEMPTS = 50


class DemoAlreadyExists(Exception):
    """`palaver demo-data` ran before; remove the demo first."""


@dataclass(frozen=True)
class DemoSummary:
    program_id: int
    participants: int
    exchanges: int
    answers: int


async def seed_demo(
    uow: UnitOfWork, flows: FlowLibrary, consent_version: str, *, seed: int | None = None
) -> DemoSummary:
    """Add the demo program, a facilitator and simulated participants who finished exchanges."""
    if await _demo_programs(uow):
        raise DemoAlreadyExists()
    chance = random.Random(seed)
    flow = flows.latest(DEMO_FLOW)
    version = version_hash(flow)
    await uow.runs.keep_snapshot(version, flow.id, FlowLibrary.snapshot(flow))
    program = await create_program(
        uow,
        ProgramSettings(
            name=DEMO_PROGRAM_NAME,
            communities=DEMO_COMMUNITIES,
            languages=("en", "uk"),
            default_language="en",
            flows=(DEMO_FLOW,),
            consent_version=consent_version,
            is_demo=True,
        ),
        creator=None,
    )
    assert program.id is not None
    communities = await uow.communities.of_program(program.id)
    next_id = FIRST_DEMO_TELEGRAM_ID
    taken: set[str] = set()

    async def demo_person(language: str) -> Person:
        nonlocal next_id
        next_id -= 1
        person = Person(
            telegram_id=next_id,
            language=language,
            language_chosen=True,
            pseudonym=await _unused_pseudonym(uow, taken),
            consent_version=consent_version,
            consent_given_at=utc_now(),
            is_demo=True,
        )
        uow.people.add(person)
        await uow.people.flush()
        return person

    facilitator = await demo_person("en")
    grant_role(uow, facilitator, program.id, RoleName.FACILITATOR, granted_by_id=None)

    sides: list[list[Person]] = []
    for index, community in enumerate(communities):
        side = []
        for number in range(DEMO_PARTICIPANTS_PER_COMMUNITY):
            person = await demo_person("uk" if (index + number) % 2 else "en")
            uow.memberships.add(
                Membership(
                    person_id=person.id or 0,
                    program_id=program.id,
                    community_id=community.id,
                    community_chosen=True,
                    languages=[person.language],
                    languages_chosen=True,
                )
            )
            grant_role(uow, person, program.id, RoleName.PARTICIPANT, granted_by_id=None)
            side.append(person)
        sides.append(side)

    answers = 0
    exchanges = 0
    started = utc_now() - timedelta(days=14)
    for first, second in zip(*sides, strict=True):
        exchange = Exchange(
            program_id=program.id,
            flow_id=flow.id,
            status=ExchangeStatus.ENDED,
            started_at=started,
            ended_at=started + timedelta(days=2),
            ended_reason="finished",
        )
        await uow.exchanges.add(exchange, [first.id or 0, second.id or 0])
        exchanges += 1
        for person in (first, second):
            # Warmer after the exchange, on average, as the research would lead one to hope.
            before = chance.randint(15, 60)
            after = min(100, before + chance.randint(-5, 30))
            trust_before, trust_after = chance.randint(1, 3), chance.randint(2, 5)
            state = RunState(
                flow_id=flow.id,
                flow_version=version,
                status="finished",
                answers={
                    "thermometer-pre": before,
                    "trust-pre": trust_before,
                    "thermometer-post": after,
                    "trust-post": trust_after,
                },
                started_at=started,
                updated_at=started + timedelta(days=2),
            )
            run = await uow.runs.add(
                Run(
                    person_id=person.id or 0,
                    program_id=program.id,
                    exchange_id=exchange.id,
                    flow_id=flow.id,
                    flow_version=version,
                    status=RunStatus.FINISHED,
                    state=state.to_json(),
                    started_at=started,
                    updated_at=started + timedelta(days=2),
                )
            )
            for key, value, survey, measure in (
                ("thermometer-pre", before, "pre", "thermometer"),
                ("trust-pre", trust_before, "pre", "trust"),
                ("thermometer-post", after, "post", "thermometer"),
                ("trust-post", trust_after, "post", "trust"),
            ):
                uow.add(
                    Answer(run_id=run.id or 0, key=key, value=value, survey=survey, measure=measure)
                )
                answers += 1
    uow.audit.record("demo.seeded", actor_id=None, subject_type="program", subject_id=program.id)
    return DemoSummary(
        program_id=program.id,
        participants=sum(len(side) for side in sides),
        exchanges=exchanges,
        answers=answers,
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


async def _unused_pseudonym(uow: UnitOfWork, taken: set[str]) -> str:
    for _ in range(PSEUDONYM_ATTEMPTS):
        pseudonym = random_pseudonym()
        if pseudonym not in taken and not await uow.people.pseudonym_taken(pseudonym):
            taken.add(pseudonym)
            return pseudonym
    raise RuntimeError("could not find an unused pseudonym; add words to the lists")
