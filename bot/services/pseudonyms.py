"""Pseudonyms: how people appear to each other, so no real name ever crosses the divide."""

from __future__ import annotations

import secrets

# Neutral words from nature: nothing tied to a place, faith, side or nation.
_QUALITIES = (
    "Amber", "Bright", "Calm", "Clear", "Gentle", "Golden", "Green", "Kind", "Light",
    "Little", "Morning", "Patient", "Quiet", "Silver", "Steady", "Swift", "Warm", "Wild",
)  # fmt: skip
_NATURE = (
    "Birch", "Brook", "Cedar", "Cloud", "Crane", "Dove", "Fern", "Finch", "Heron", "Lark",
    "Maple", "Meadow", "Olive", "Pine", "Rain", "River", "Robin", "Sparrow", "Willow", "Wren",
)  # fmt: skip


def random_pseudonym() -> str:
    """A friendly, Latin-script name like "Quiet Heron 42"."""
    quality = secrets.choice(_QUALITIES)
    nature = secrets.choice(_NATURE)
    return f"{quality} {nature} {secrets.randbelow(90) + 10}"
