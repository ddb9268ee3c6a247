"""The state of one person's run through a flow: immutable, JSON-serialisable."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.engine.schema import Flow, version_hash

RunStatus = Literal["new", "active", "waiting_partner", "finished", "left"]
CommitPhase = Literal["what", "due", "owner"]


class ReceivedShare(BaseModel):
    """A partner's share, kept so a later `wait` for it need not wait."""

    model_config = ConfigDict(frozen=True)

    text: str | None
    message: str | None = None
    heading: str
    sender: str = ""
    completes: bool = True
    received_at: datetime


class RunState(BaseModel):
    """Where one person is in one flow.

    Treat it as a value: the engine never mutates a state, it returns a new one. `turn`
    grows each time a question is put, so a button from an earlier question (an older
    turn) is recognised as stale.
    """

    model_config = ConfigDict(frozen=True)

    flow_id: str
    flow_version: str = Field(description="version_hash of the flow the run started with.")
    status: RunStatus = "new"
    step_id: str | None = None
    turn: int = 0
    answers: dict[str, str | int | list[str] | None] = Field(default_factory=dict)
    received: dict[str, list[ReceivedShare]] = Field(default_factory=dict)
    selection: list[str] = Field(
        default_factory=list, description="Options ticked so far in a multiple choice."
    )
    commit_phase: CommitPhase | None = None
    started_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def new(cls, flow: Flow) -> RunState:
        """A run of `flow` that has not started yet; send it `Start`."""
        return cls(flow_id=flow.id, flow_version=version_hash(flow))

    @property
    def is_over(self) -> bool:
        """Finished or left: no event changes it any more."""
        return self.status in ("finished", "left")

    def to_json(self) -> str:
        """The state as JSON, for the database."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> RunState:
        """A state from `to_json` output."""
        return cls.model_validate_json(text)
