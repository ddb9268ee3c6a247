"""Failures a person can cause. Each is turned into a translated message at the edge."""

from __future__ import annotations

from bot.i18n.translator import N_


class PalaverError(Exception):
    """Base of every failure a person can cause; `message` is a gettext msgid."""

    message = N_("Something went wrong.")

    def __init__(self, **params: object) -> None:
        super().__init__(self.message)
        self.params = params


class UnknownLanguage(PalaverError):
    message = N_("I can't speak that language yet. Please choose one from the list.")


class ConsentRequired(PalaverError):
    message = N_("Please read the note about your data first and choose Accept or Decline.")


class StaleButton(PalaverError):
    message = N_("That button is no longer active.")


class NotAllowed(PalaverError):
    message = N_("Sorry, you can't do that here.")


class NotAMember(PalaverError):
    message = N_(
        "You are not part of a dialogue program yet. Open the invite link an organizer gave "
        "you to join one."
    )


class UnknownProgram(PalaverError):
    message = N_("This program is not open at the moment.")
