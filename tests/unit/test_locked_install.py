"""The suite runs on exactly the versions `requirements.lock` names (the README installs them)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.config import REPOSITORY_ROOT

LOCK = REPOSITORY_ROOT / "requirements.lock"


def locked_versions() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith((" ", "#", "-")):
            continue
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{line!r} is not an exact pin"
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def test_every_locked_package_is_installed_at_its_locked_version() -> None:
    pins = locked_versions()
    assert "babel" in pins and "python-telegram-bot" in pins
    wrong = {}
    for name, pinned in pins.items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "missing"
        if installed != pinned:
            wrong[name] = (pinned, installed)
    assert not wrong, f"installed versions differ from requirements.lock: {wrong}"
