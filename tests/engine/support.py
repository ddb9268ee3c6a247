"""Helpers for the engine tests: tiny flows from YAML and a driver that remembers effects."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from bot.engine import (
    Button,
    ButtonPressed,
    Effect,
    Event,
    Flow,
    Leave,
    PartnerShared,
    RunState,
    SendText,
    ShareWithPartner,
    Skip,
    Start,
    TextReceived,
    read_flow_text,
    step,
)
from bot.engine.effects import EditButtons

E = TypeVar("E")

DIALOGUES = Path(__file__).resolve().parents[2] / "dialogues"
BROKEN_FLOWS = Path(__file__).resolve().parents[1] / "fixtures" / "broken_flows"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def flow_from_steps(steps: str, kind: str = "solo", flow_id: str = "test-flow") -> Flow:
    """A flow around the given steps (YAML list items, indented as written)."""
    header = textwrap.dedent(
        f"""\
        schema_version: 1
        id: {flow_id}
        track: III
        kind: {kind}
        title: Test
        description: A flow for tests.
        duration_minutes: 1
        steps:
        """
    )
    body = textwrap.indent(textwrap.dedent(steps), "  ")
    return read_flow_text(header + body, f"{flow_id}.yaml").flow


@dataclass
class Driver:
    """Feeds events to one run, keeping the state and the effects of the last event."""

    flow: Flow
    state: RunState = field(init=False)
    effects: list[Effect] = field(default_factory=list)
    clock: datetime = T0
    offered: list[Button] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.state = RunState.new(self.flow)

    def now(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    def send(self, event: Event) -> list[Effect]:
        self.state, self.effects = step(self.flow, self.state, event)
        for effect in self.effects:
            if isinstance(effect, SendText | EditButtons) and effect.buttons:
                self.offered = [button for row in effect.buttons for button in row]
        return self.effects

    def start(self) -> list[Effect]:
        return self.send(Start(self.now()))

    def text(self, text: str) -> list[Effect]:
        return self.send(TextReceived(text, self.now()))

    def skip(self) -> list[Effect]:
        return self.send(Skip(self.now()))

    def leave(self) -> list[Effect]:
        return self.send(Leave(self.now()))

    def shared(
        self,
        key: str,
        text: str | None,
        message: str | None = None,
        sender: str = "",
        completes: bool = True,
        heading: str = "{partner} wrote:",
    ) -> list[Effect]:
        event = PartnerShared(
            key,
            text,
            self.now(),
            heading=heading,
            message=message,
            sender=sender,
            completes=completes,
        )
        return self.send(event)

    def buttons(self) -> list[Button]:
        """The buttons offered last (by a message or a keyboard edit)."""
        return self.offered

    def press(self, value: str, button: Button | None = None) -> list[Effect]:
        """Press the offered button with this value (or exactly `button`, e.g. a stale one)."""
        if button is None:
            matching = [b for b in self.buttons() if b.value == value]
            assert matching, f"no button {value!r} among {[b.value for b in self.buttons()]}"
            button = matching[0]
        return self.send(ButtonPressed(button.step_id, button.turn, button.value, self.now()))

    def texts(self) -> list[str]:
        """msgids of the messages the last event sent."""
        return [e.text.msgid for e in self.effects if isinstance(e, SendText)]

    def shares(self) -> list[ShareWithPartner]:
        return [e for e in self.effects if isinstance(e, ShareWithPartner)]


def effects_of(effects: list[Effect], kind: type[E]) -> list[E]:
    """The effects of one type, in order."""
    return [effect for effect in effects if isinstance(effect, kind)]
