"""The privacy use cases' messages: /mydata and /forget."""

from __future__ import annotations

from bot.i18n.translator import Translator
from bot.services.privacy import FORGET_BUTTON
from bot.services.privacy_results import (
    ConfirmForgetting,
    Forgotten,
    NothingErased,
    NothingKept,
    PrivacyResult,
    YourData,
)
from bot.services.replies import Button, ButtonAction, Document, Reply

MY_DATA_FILENAME = "palaver-my-data.json"


def render_privacy(result: PrivacyResult, t: Translator) -> Reply:
    """The message for a result of the privacy use cases, in the reader's language."""
    match result:
        case YourData(content=content):
            return Reply(
                t.gettext(
                    "Here is everything Palaver keeps about you. To erase it all, send /forget."
                ),
                document=Document(MY_DATA_FILENAME, content),
            )
        case NothingKept():
            return Reply(t.gettext("Palaver keeps nothing about you."))
        case ConfirmForgetting():
            return Reply(
                t.gettext(
                    "Do you want Palaver to erase everything it keeps about you: your "
                    "name here, your answers, your words to partners, your programs and "
                    "planned reminders? A conversation under way will end. This cannot "
                    "be undone."
                ),
                buttons=(
                    (
                        Button(
                            t.gettext("Yes, erase everything"), ButtonAction(FORGET_BUTTON, "yes")
                        ),
                        Button(t.gettext("No, keep it"), ButtonAction(FORGET_BUTTON, "no")),
                    ),
                ),
            )
        case NothingErased():
            return Reply(t.gettext("Nothing was erased."), replaces_pressed_message=True)
        case Forgotten():
            return Reply(
                t.gettext(
                    "Everything Palaver kept about you has been erased. Thank you for "
                    "the time you gave. If you ever want to come back, send /start."
                ),
                replaces_pressed_message=True,
            )
