"""Rehearse a flow in a terminal with the real engine: as one person or as a simulated pair.

Input and output are injected (`read_line`, `write`), so tests drive it with lists and the
CLI with `input`/`click.echo`. Buttons appear as numbered choices; `/skip` skips, `/leave`
leaves and `/quit` stops the rehearsal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.engine.effects import (
    Button,
    ButtonIgnored,
    ButtonRows,
    EditButtons,
    Effect,
    Finished,
    Message,
    NotifyFacilitator,
    RecordAnswer,
    RecordCommitment,
    ScheduleFollowUp,
    SendText,
    ShareWithPartner,
    ShowPartnerShare,
    render_message,
)
from bot.engine.engine import step
from bot.engine.events import ButtonPressed, Event, Leave, Skip, Start, TextReceived
from bot.engine.schema import Flow
from bot.engine.state import RunState


def _identity(text: str) -> str:
    return text


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Person:
    name: str
    partner: str
    state: RunState
    # Buttons of the last question, in the order they are numbered.
    choices: list[Button] = field(default_factory=list)
    numbered: bool = True


class _Quit(Exception):
    """The author typed /quit."""


# The message a partner gets in Telegram when the other leaves (the same catalog entry).
PARTNER_LEFT = (
    "Your partner has ended the exchange. That can happen for many reasons, and it says "
    "nothing about you. Thank you for what you shared. Would you like to meet someone new?"
)


class Rehearsal:
    """One rehearsal of a flow; call `run()`. Use `rehearse()` unless you need the parts."""

    def __init__(
        self,
        flow: Flow,
        read_line: Callable[[str], str],
        write: Callable[[str], None],
        translate: Callable[[str], str] = _identity,
        clock: Callable[[], datetime] = _utc_now,
        as_pair: bool = False,
        names: tuple[str, str] = ("Amani", "Noa"),
    ) -> None:
        self.flow = flow
        self.read_line = read_line
        self.write = write
        self.translate = translate
        self.clock = clock
        self.as_pair = as_pair
        first, second = names
        self.people = [_Person(first, second, RunState.new(flow))]
        if as_pair:
            self.people.append(_Person(second, first, RunState.new(flow)))

    def run(self) -> list[RunState]:
        """Play the flow to its end (or until input runs out); the final run states."""
        heading = f"{self.flow.title} — {self.flow.id} (track {self.flow.track}, {self.flow.kind})"
        self.write(heading)
        self.write("Type an answer, a choice number, /skip, /leave or /quit.\n")
        try:
            for index in range(len(self.people)):
                self._apply(index, Start(self.clock()))
            current = 0
            while True:
                ready = [i for i, p in enumerate(self.people) if p.state.status == "active"]
                if not ready:
                    break
                if current not in ready:
                    current = ready[0]
                    if self.as_pair:
                        self.write(f"\n--- now playing {self.people[current].name} ---")
                self._apply(current, self._read_event(current))
            if any(p.state.status == "waiting_partner" for p in self.people):
                self.write("\nEveryone is waiting for someone else: the flow cannot go on here.")
        except (_Quit, EOFError):
            self.write("\nRehearsal stopped.")
        return [person.state for person in self.people]

    def _read_event(self, index: int) -> Event:
        person = self.people[index]
        prompt = f"{person.name}> " if self.as_pair else "> "
        line = self.read_line(prompt).strip()
        now = self.clock()
        if line == "/quit":
            raise _Quit
        if line == "/skip":
            return Skip(now)
        if line == "/leave":
            return Leave(now)
        if person.numbered and line.isdigit() and 1 <= int(line) <= len(person.choices):
            button = person.choices[int(line) - 1]
            return ButtonPressed(button.step_id, button.turn, button.value, now)
        return TextReceived(line, now)

    def _apply(self, index: int, event: Event) -> None:
        person = self.people[index]
        person.state, effects = step(self.flow, person.state, event)
        relayed: list[ShareWithPartner] = []
        for effect in effects:
            self._show(person, effect)
            if isinstance(effect, ShareWithPartner):
                relayed.append(effect)
        if self.as_pair:
            other = 1 - index
            for share in relayed:
                self._apply(other, share.to_event(self.clock(), sender=person.name))
            if person.state.status == "left" and not self.people[other].state.is_over:
                self._partner_left(self.people[other])

    def _partner_left(self, person: _Person) -> None:
        """As in Telegram: the one left behind is told, and their side ends too."""
        told = self.translate(PARTNER_LEFT)
        self.write(f"\n[{person.name}] {told}")
        person.state, effects = step(self.flow, person.state, Leave(self.clock()))
        for effect in effects:
            if isinstance(effect, Finished):
                self._show(person, effect)

    def _text(self, person: _Person, message: Message) -> str:
        context = {"partner": person.partner, "name": person.name}
        return render_message(message, self.translate, context)

    def _show(self, person: _Person, effect: Effect) -> None:
        who = f"[{person.name}] " if self.as_pair else ""
        if isinstance(effect, SendText):
            self.write(f"\n{who}{self._text(person, effect.text)}")
            if effect.hint is not None:
                self.write(f"  ({self._text(person, effect.hint)})")
            if effect.buttons:
                self._show_buttons(person, effect.buttons)
        elif isinstance(effect, EditButtons):
            self._show_buttons(person, effect.buttons)
        elif isinstance(effect, ShowPartnerShare):
            self.write(f"\n{who}{self._text(person, effect.heading)}")
            for line in effect.text.splitlines() or [""]:
                self.write(f"  | {line}")
        elif isinstance(effect, ShareWithPartner):
            self.write(f"  · shared '{effect.key}' with {person.partner}")
        elif isinstance(effect, RecordAnswer):
            tag = f" [{effect.survey} {effect.measure or ''}]".rstrip() if effect.survey else ""
            self.write(f"  · saved {effect.key} = {effect.value!r}{tag}")
        elif isinstance(effect, RecordCommitment):
            due = effect.due.isoformat() if effect.due else "no date"
            owner = f", owner {effect.owner}" if effect.owner else ""
            self.write(f"  · commitment: {effect.what!r} by {due}{owner}")
        elif isinstance(effect, ScheduleFollowUp):
            self.write(f"  · follow-up '{effect.flow_id}' scheduled in {effect.delay.days} days")
        elif isinstance(effect, NotifyFacilitator):
            self.write(f"  · facilitator notified: {effect.reason}")
        elif isinstance(effect, ButtonIgnored):
            self.write(f"{who}({self._text(person, effect.notice)})")
        elif isinstance(effect, Finished):
            self.write(f"\n{who}— {effect.status} —")

    def _show_buttons(self, person: _Person, rows: ButtonRows) -> None:
        buttons = [button for row in rows for button in row]
        person.choices = buttons
        # Number buttons (0, 10, ... 100) would clash with numbered choices: type them instead.
        person.numbered = not any(button.label.verbatim for button in buttons)
        if person.numbered:
            for number, button in enumerate(buttons, start=1):
                tick = "[x] " if button.selected else ""
                self.write(f"  {number}) {tick}{self._text(person, button.label)}")
        else:
            labels = [self._text(person, b.label) for b in buttons if b.label.verbatim]
            self.write("  [" + "] [".join(labels) + "]   (type a number; /skip to skip)")


def rehearse(
    flow: Flow,
    read_line: Callable[[str], str],
    write: Callable[[str], None],
    translate: Callable[[str], str] = _identity,
    clock: Callable[[], datetime] = _utc_now,
    as_pair: bool = False,
) -> list[RunState]:
    """Rehearse `flow` with injected input and output; returns the final run state(s)."""
    return Rehearsal(flow, read_line, write, translate, clock, as_pair).run()
