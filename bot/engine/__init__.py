"""The pure dialogue engine and the flow schema.

`step(flow, state, event) -> (state, effects)` is the whole engine; flows come from
`dialogues/*.yaml` through the loader. Nothing here does I/O beyond reading flow files,
and nothing imports the Telegram, storage or service layers.
"""

from bot.engine.effects import (
    AnswerValue,
    Button,
    ButtonIgnored,
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
from bot.engine.engine import (
    DONE_VALUE,
    SKIP_VALUE,
    FlowDefinitionError,
    FlowVersionMismatch,
    step,
)
from bot.engine.events import (
    ButtonPressed,
    Event,
    Leave,
    PartnerShared,
    Skip,
    Start,
    TextReceived,
)
from bot.engine.loader import (
    FlowLibrary,
    FlowLoadError,
    LoadedFlow,
    UnknownFlowVersion,
    flow_from_snapshot,
    load_flow,
    read_flow_file,
    read_flow_text,
)
from bot.engine.problems import Problem
from bot.engine.schema import Flow, canonical_json, version_hash
from bot.engine.state import RunState, RunStatus

__all__ = [
    "DONE_VALUE",
    "SKIP_VALUE",
    "AnswerValue",
    "Button",
    "ButtonIgnored",
    "ButtonPressed",
    "EditButtons",
    "Effect",
    "Event",
    "Finished",
    "Flow",
    "FlowDefinitionError",
    "FlowLibrary",
    "FlowLoadError",
    "FlowVersionMismatch",
    "Leave",
    "LoadedFlow",
    "Message",
    "NotifyFacilitator",
    "PartnerShared",
    "Problem",
    "RecordAnswer",
    "RecordCommitment",
    "RunState",
    "RunStatus",
    "ScheduleFollowUp",
    "SendText",
    "ShareWithPartner",
    "ShowPartnerShare",
    "Skip",
    "Start",
    "TextReceived",
    "UnknownFlowVersion",
    "canonical_json",
    "flow_from_snapshot",
    "load_flow",
    "read_flow_file",
    "read_flow_text",
    "render_message",
    "step",
    "version_hash",
]
