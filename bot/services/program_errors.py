"""Failures organizers and joiners can cause around programs, invites and settings.

Each message is a gettext msgid; the command line shows the English text with its params.
"""

from __future__ import annotations

from bot.i18n.translator import N_
from bot.services.errors import PalaverError


class ProgramNameLength(PalaverError):
    message = N_("The name should be between {low} and {high} characters long.")


class TooFewCommunities(PalaverError):
    message = N_(
        "Please name at least two communities, one per line or separated by commas, "
        "for example: east bank, west bank"
    )


class TooManyCommunities(PalaverError):
    message = N_("A program can bring together at most {high} communities.")


class CommunityNameLength(PalaverError):
    message = N_("Each community name should be at most {high} characters long.")


class DuplicateCommunity(PalaverError):
    message = N_("“{name}” appears twice. Please give each community its own name.")


class CommunityInUse(PalaverError):
    message = N_(
        "People have already chosen “{name}”, so it can't be removed. Keep it in the list."
    )


class UnknownTimeZone(PalaverError):
    message = N_(
        "I don't know the time zone “{value}”. Please write it like Europe/Kyiv or Asia/Beirut."
    )


class MalformedQuietHours(PalaverError):
    message = N_(
        "Please write quiet hours as two hours from 0 to 23, for example 22-7 "
        "(no messages from 22:00 to 7:00)."
    )


class NumberOutOfRange(PalaverError):
    message = N_("Please send a whole number from {low} to {high}.")


class MalformedConsentVersion(PalaverError):
    message = N_(
        "A consent version is up to 32 letters, digits, dots or dashes, for example 2026-11."
    )


class NoLanguageChosen(PalaverError):
    message = N_("Please choose at least one language.")


class UnknownProgramLanguage(PalaverError):
    message = N_("I can't speak “{value}” yet. Choose among: {known}.")


class NoFlowChosen(PalaverError):
    message = N_("Please choose at least one dialogue.")


class UnknownFlow(PalaverError):
    message = N_("There is no dialogue “{value}”. Choose among: {known}.")


class ChoiceExpected(PalaverError):
    message = N_("Please answer with one of the buttons.")


class ProgramNotFound(PalaverError):
    message = N_("That program no longer exists.")


class ProgramClosed(PalaverError):
    message = N_("This program is closed: it can be read and exported, but not changed.")


class InviteUnknown(PalaverError):
    message = N_(
        "This invite link is not valid. Please check it, or ask the organizer for a new one."
    )


class InviteRevoked(PalaverError):
    message = N_(
        "This invite link has been withdrawn by the organizer. Please ask them for a new one."
    )


class InviteExpired(PalaverError):
    message = N_("This invite link has expired. Please ask the organizer for a new one.")


class InviteUsedUp(PalaverError):
    message = N_("This invite link has already been used. Each such link works only once.")


class ProgramPaused(PalaverError):
    message = N_("“{program}” is paused and not taking new people right now. Please try later.")


class ProgramNotOpen(PalaverError):
    message = N_("“{program}” has ended and is not taking new people.")


class LastOrganizer(PalaverError):
    message = N_("A program needs at least one organizer, so this role can't be revoked.")


class NotAMember(PalaverError):
    message = N_("You are not taking part in that program. Open its invite link to join.")
