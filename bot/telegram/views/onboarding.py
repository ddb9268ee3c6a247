"""First contact's messages: language and consent questions, welcome, help, apologies."""

from __future__ import annotations

from bot.i18n.translator import Translator
from bot.services.onboarding import ConsentAction, LanguageAction
from bot.services.onboarding_results import (
    AlreadyAgreed,
    Apology,
    ConsentDeclined,
    ConsentGiven,
    ConsentQuestion,
    FollowUpsResumed,
    HelpShown,
    Home,
    LanguageChosen,
    LanguageQuestion,
    NoQuestionWaiting,
    OnboardingResult,
    Refused,
    SlowDown,
    UnexpectedMessage,
    UnknownCommand,
)
from bot.services.replies import Button, ButtonAction, Reply

COMMAND_SHOWN_CHARACTERS = 40
"""An unknown command is quoted back only this far (it is whatever someone typed)."""


def render_onboarding(result: OnboardingResult, t: Translator) -> Reply:
    """The message for a result of the onboarding use cases, in the reader's language."""
    match result:
        case LanguageQuestion(languages=languages):
            buttons = tuple(
                (Button(name, ButtonAction(LanguageAction.CHOOSE, code)),)
                for code, name in languages
            )
            return Reply(t.gettext("Which language would you like me to use?"), buttons=buttons)
        case LanguageChosen(name=name):
            return Reply(
                t.gettext("Done. I'll write to you in {language}.", language=name),
                replaces_pressed_message=True,
            )
        case ConsentQuestion():
            return _consent_question(t)
        case ConsentGiven():
            return Reply(t.gettext("Thank you for agreeing."), replaces_pressed_message=True)
        case ConsentDeclined():
            return Reply(
                t.gettext(
                    "That's all right. I keep only your Telegram account number, your "
                    "language and that you said no, so that I don't ask again by "
                    "mistake. If you change your mind, send /start."
                ),
                replaces_pressed_message=True,
            )
        case AlreadyAgreed():
            return Reply(t.gettext("You have already agreed. Thank you."))
        case Home(pseudonym=pseudonym, returning=returning):
            greeting = (
                t.gettext("Welcome back, {pseudonym}.", pseudonym=pseudonym)
                if returning
                else t.gettext(
                    "Welcome, {pseudonym}! This is your name in Palaver: other people see it, "
                    "never your Telegram name.",
                    pseudonym=pseudonym,
                )
            )
            return Reply(f"{greeting}\n\n{_help_text(t)}")
        case FollowUpsResumed():
            return Reply(t.gettext("Reminders and follow-ups are on again."))
        case HelpShown():
            return Reply(_help_text(t))
        case UnknownCommand(command=command):
            return Reply(
                t.gettext(
                    "I don't know the command {command}. Send /help to see what I can do.",
                    command=command[:COMMAND_SHOWN_CHARACTERS],
                )
            )
        case UnexpectedMessage():
            return Reply(
                t.gettext(
                    "I can only read text messages and button presses here. "
                    "Send /help to see what I can do."
                )
            )
        case NoQuestionWaiting():
            return Reply(
                t.gettext(
                    "Thank you. No question is waiting for an answer right now. "
                    "Send /help to see what I can do."
                )
            )
        case SlowDown():
            return Reply(
                t.gettext(
                    "You are sending messages faster than I can read them. Please wait a few "
                    "seconds; the messages you sent just now were not read, so send again what "
                    "matters."
                )
            )
        case Apology():
            return Reply(t.gettext("Sorry, something went wrong on my side. Please try again."))
        case Refused(message=message, params=params):
            return Reply(t.gettext(message, **params))


def _consent_question(t: Translator) -> Reply:
    text = "\n\n".join(
        (
            t.gettext("Before we start, here is what Palaver keeps about you:"),
            t.gettext(
                "• your Telegram account number and the language you choose;\n"
                "• a made-up name that other people see instead of your real name;\n"
                "• your answers in the dialogues you join, so that they can go on."
            ),
            t.gettext(
                "Organizers see only summaries, never who said what. Chats with bots on "
                "Telegram are not end-to-end encrypted, so please never share anything "
                "that could identify you or someone else."
            ),
            t.gettext(
                "What you write to a partner is erased after the program's retention "
                "period (30 days unless the organizers chose otherwise). Send /mydata at "
                "any time to see everything kept about you, and /forget to erase it."
            ),
            t.gettext("You can stop at any time. Do you agree?"),
        )
    )
    buttons = (
        (
            Button(t.gettext("Accept"), ButtonAction(ConsentAction.KIND, ConsentAction.ACCEPT)),
            Button(t.gettext("Decline"), ButtonAction(ConsentAction.KIND, ConsentAction.DECLINE)),
        ),
    )
    return Reply(text, buttons=buttons)


def _help_text(t: Translator) -> str:
    return "\n\n".join(
        (
            t.gettext(
                "Palaver helps people from different communities listen to each other "
                "and talk things through, one conversation at a time."
            ),
            t.gettext(
                "When an organizer invites you to a dialogue program, open their link "
                "and I will guide you from there."
            ),
            t.gettext(
                "/start: begin, or see where you are\n"
                "/language: choose your language\n"
                "/help: show this message"
            ),
            t.gettext("You can always skip a question, take a pause, or leave."),
        )
    )
