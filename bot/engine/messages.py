"""The engine's own texts: re-asks, notices and button labels, as gettext msgids.

They are marked with `N_` so the translation extractor (keyword `N_`) finds them; the shell
translates them like any flow text.
"""

from __future__ import annotations


def N_(message: str) -> str:  # gettext's conventional name
    """Mark a string for extraction without translating it (the shell translates it)."""
    return message


SKIP = N_("Skip")
ALREADY_ANSWERED = N_("That question has already been answered.")
NOT_SKIPPABLE = N_("This question can't be skipped, sorry. Please answer it to go on.")
STILL_WAITING = N_(
    "{partner} hasn't replied yet. I'll send you their answer here as soon as it arrives."
)
CANNOT_SKIP_WAITING = N_(
    "There is nothing to skip right now: we are waiting for {partner}. "
    "You can leave at any time with /leave."
)

TEXT_TOO_SHORT = N_("Please write a little more: at least {min} characters.")
TEXT_TOO_LONG = N_(
    "That is a bit long for one message. Please keep it under {max} characters ({length} now)."
)
TAP_A_BUTTON = N_("Please tap one of the buttons.")
SCALE_HINT = N_("Tap a number, or type any number from 0 to 100.")
SCALE_INVALID = N_("Please send a number from 0 to 100, or tap one of the buttons.")
LIKERT_INVALID = N_("Please tap one of the buttons, or send a number from 1 to 5.")
YES_NO_INVALID = N_("Please tap Yes or No.")
CHOOSE_HINT = N_("Tap every option that applies, then tap Done.")
CHOOSE_AT_LEAST = N_("Please choose at least {min}, then tap Done.")
CHOOSE_AT_MOST = N_("You can choose up to {max}. Untick one to choose another.")

DUE_IN_A_WEEK = N_("In a week")
DUE_IN_TWO_WEEKS = N_("In two weeks")
DUE_IN_A_MONTH = N_("In a month")
DUE_HINT = N_("Tap one of the buttons, or send a date like {example}.")
DUE_INVALID = N_("Please send a date like {example}, or tap one of the buttons.")
DUE_IN_THE_PAST = N_("That date has already passed. Please choose a later one.")
OWNER_ME = N_("Me")
OWNER_GROUP = N_("Our group")
