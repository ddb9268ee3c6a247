"""Button kinds of the program console, invites and joining, and how their values are read.

Values carry internal ids only; every use case re-checks who is pressing before acting on
the id, so a forged value is refused like any action one may not take.
"""

from __future__ import annotations

from bot.services.errors import StaleButton

MAX_ID_DIGITS = 12


class ProgramAction:
    """Button kinds of the organizer console."""

    LIST = "programs"
    OPEN = "program"  # "<program id>"
    NEW = "program_new"
    ANSWER = "program_answer"  # "<setting>.<option>": a shortcut, a choice or a toggle
    DONE = "program_done"  # "<setting>": finish a multiple choice
    CREATE = "program_create"
    CANCEL = "program_cancel"
    SETTINGS = "program_settings"  # "<program id>"
    EDIT = "program_edit"  # "<program id>.<setting>"
    STATUS = "program_status"  # "<program id>.<StatusChange>"
    PEOPLE = "program_people"  # "<program id>"
    ROLES = "program_roles"  # "<program id>"
    REVOKE_ROLE = "role_revoke"  # "<role id>"


class StatusChange:
    PAUSE = "paused"
    RESUME = "active"
    ASK_TO_CLOSE = "close"
    CLOSE = "closed"


class InviteAction:
    """Button kinds of the invite screens."""

    LIST = "invites"  # "<program id>"
    NEW = "invite_new"  # "<program id>.<kind>" or "<program id>.participant.<community id>"
    SHOW = "invite_show"  # "<invite id>"
    REVOKE = "invite_revoke"  # "<invite id>"


class JoinAction:
    """Button kinds of joining a program."""

    COMMUNITY = "join_community"  # "<program id>.<community id>" or "<program id>.none"
    LANGUAGE = "join_language"  # "<program id>.<language>"
    DONE = "join_done"  # "<program id>"


NO_COMMUNITY = "none"


def button_id(value: str) -> int:
    """An internal id from a button's value; anything else is a stale or forged button."""
    if not value.isdigit() or len(value) > MAX_ID_DIGITS:
        raise StaleButton()
    return int(value)
