"""Encoding button actions into Telegram's callback_data (at most 64 bytes) and back.

Anything that does not decode to a known action is treated as forged or stale: the person
pressing is told the button no longer works, and nothing else happens.
"""

from __future__ import annotations

import re

from bot.services.errors import StaleButton
from bot.services.replies import ButtonAction

MAX_CALLBACK_DATA_BYTES = 64
_SEPARATOR = ":"
_PART = re.compile(r"^[A-Za-z0-9_.-]*$")


def encode(action: ButtonAction) -> str:
    """callback_data for an action; raises ValueError for an action that cannot fit."""
    data = f"{action.kind}{_SEPARATOR}{action.value}"
    if (
        not action.kind
        or not _PART.match(action.kind)
        or not _PART.match(action.value)
        or len(data.encode()) > MAX_CALLBACK_DATA_BYTES
    ):
        raise ValueError(f"button action {action!r} cannot be encoded as callback data")
    return data


def decode(data: str | None, known_kinds: frozenset[str]) -> ButtonAction:
    """The action behind pressed callback_data; StaleButton if it is not one of ours."""
    if not data or len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
        raise StaleButton()
    kind, separator, value = data.partition(_SEPARATOR)
    if not separator or kind not in known_kinds or not _PART.match(value):
        raise StaleButton()
    return ButtonAction(kind, value)
