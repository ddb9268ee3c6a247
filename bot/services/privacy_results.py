"""What the privacy use cases show, as plain data without text (see dialogue_results)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class YourData:
    """/mydata: everything Palaver keeps about the person, as a JSON document."""

    content: bytes


@dataclass(frozen=True)
class NothingKept:
    """/forget (or its button) from someone Palaver keeps nothing about."""


@dataclass(frozen=True)
class ConfirmForgetting:
    """/forget, asked again before everything is erased."""


@dataclass(frozen=True)
class NothingErased:
    """The person chose to keep their data after all."""


@dataclass(frozen=True)
class Forgotten:
    """Everything Palaver kept about the person has been erased."""


PrivacyResult = YourData | NothingKept | ConfirmForgetting | NothingErased | Forgotten
