"""Telegram's own list of each method's parameters, checked before a call is handled.

`methods.json` holds, for every method the local Bot API implements, the parameters of the
Telegram Bot API (names, types, required or not), taken from the API as data published by
telegram-bot-api-spec (MIT licence, `LICENSE-botapi-spec`). A call with a parameter Telegram
does not know, without one it requires, or with a value of the wrong shape is refused with a
400, as Telegram would: so a typo in Palaver fails in a test, not in production.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from .models import UploadedFile

# How Telegram words a missing parameter, where it has its own words for it.
_MISSING = {
    "text": "message text is empty",
    "message_id": "message identifier is not specified",
}


class ParameterProblem(ValueError):
    """A call does not match Telegram's definition of the method; says what is wrong."""


@dataclass(frozen=True, slots=True)
class Parameter:
    """One parameter of a Bot API method."""

    name: str
    types: tuple[str, ...]
    required: bool


@cache
def bot_api_methods() -> dict[str, dict[str, Parameter]]:
    """Parameters of each implemented method, by method name (as Telegram spells it)."""
    raw = json.loads(resources.files(__package__).joinpath("methods.json").read_text("utf-8"))
    return {
        method: {
            name: Parameter(name, tuple(field["types"]), bool(field["required"]))
            for name, field in fields.items()
        }
        for method, fields in raw["methods"].items()
    }


def bot_api_version() -> str:
    """The Bot API version `methods.json` was taken from."""
    raw = json.loads(resources.files(__package__).joinpath("methods.json").read_text("utf-8"))
    return str(raw["version"])


def check_parameters(method: str, params: dict[str, Any], files: dict[str, UploadedFile]) -> None:
    """Refuse a call Telegram would refuse for its parameters (ParameterProblem)."""
    spec = bot_api_methods().get(method)
    if spec is None:
        return
    attached = {
        value.removeprefix("attach://")
        for value in _strings_in(params)
        if value.startswith("attach://")
    }
    for name in [*params, *(f for f in files if f not in attached)]:
        if name not in spec:
            raise ParameterProblem(f"{method} has no parameter {name!r}")
    for parameter in spec.values():
        if parameter.name in files:
            if "InputFile" not in parameter.types:
                raise ParameterProblem(f"{parameter.name} can't be a file")
            continue
        if parameter.name not in params:
            if parameter.required:
                raise ParameterProblem(_MISSING.get(parameter.name, f"{parameter.name} is empty"))
            continue
        value = params[parameter.name]
        if not any(_fits(value, kind) for kind in parameter.types):
            raise ParameterProblem(
                f"can't parse {parameter.name}: expected {' or '.join(parameter.types)}"
            )


def _fits(value: Any, kind: str) -> bool:
    if kind == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "String":
        # Form fields are strings; a string of digits arrives decoded as a number.
        return isinstance(value, str | int | float) and not isinstance(value, bool)
    if kind == "Boolean":
        return isinstance(value, bool)
    if kind.startswith("Array of "):
        return isinstance(value, list)
    if kind == "InputFile":
        return isinstance(value, str) and value.startswith("attach://")
    # Every other type is a Telegram object: a JSON object.
    return isinstance(value, dict)


def _strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings_in(item)]
    return []
