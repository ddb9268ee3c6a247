"""Programs with simulated participants for export tests, set up through Palaver's services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.engine import FlowLibrary
from bot.services.demo import DemoSeeder, SimulatedAnswers
from bot.services.program_settings import ProgramSettings
from bot.services.programs import create_program
from bot.storage.tables import Community, Person, Program
from bot.storage.unit_of_work import Database

START = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
"""The first joining day of the programs below."""


@dataclass
class SimulatedProgram:
    """A program being filled with simulated participants, one at a time."""

    database: Database
    program: Program
    communities: list[Community]
    flows: FlowLibrary
    settings: Settings
    joined: int = 0

    async def participant(
        self,
        community: int,
        day: int,
        answers: SimulatedAnswers,
    ) -> Person:
        """One more participant of `communities[community]`, who joined on `day` (1 = START)."""
        async with self.database.unit_of_work() as uow:
            seeder = DemoSeeder(
                uow, self.flows, self.settings.consent_version, -1_000_000 - self.joined
            )
            (person,) = await seeder.people(1)
            at = START + timedelta(days=day - 1)
            seeder.join(person, self.program, self.communities[community], at)
            seeder.answer(self.program, person, None, at, answers)
            await seeder.flush()
            await uow.commit()
        self.joined += 1
        return person


async def simulated_program(
    database: Database, settings: Settings, *, min_group_size: int = 5
) -> SimulatedProgram:
    """An empty two-community program offering the story exchange and its follow-ups."""
    flows = FlowLibrary.from_directory(settings.dialogues_dir)
    async with database.unit_of_work() as uow:
        seeder = DemoSeeder(uow, flows, settings.consent_version)
        await seeder.keep_snapshots()
        program = await create_program(
            uow,
            ProgramSettings(
                name="Neighbours across the river",
                communities=("east bank", "west bank"),
                languages=("en", "ar"),
                default_language="en",
                flows=("story-exchange", "exchange-followup", "commitment-checkin"),
                min_group_size=min_group_size,
                consent_version=settings.consent_version,
            ),
            creator=None,
        )
        assert program.id is not None
        communities = await uow.communities.of_program(program.id)
        await uow.commit()
    return SimulatedProgram(database, program, communities, flows, settings)


def warm(before: int, after: int, later: int | None = None) -> SimulatedAnswers:
    """Someone who finished the exchange, `before` and `after` on the thermometer."""
    return SimulatedAnswers(
        thermometer_pre=before,
        trust_pre=2,
        thermometer_post=after,
        trust_post=4,
        heard_right="yes",
        thermometer_later=later,
        talked_since="yes" if later is not None else None,
    )
