"""Joining a program's messages: the community and languages questions, welcomes, roles."""

from __future__ import annotations

from bot.i18n.translator import Translator
from bot.services.console_actions import NO_COMMUNITY, JoinAction
from bot.services.joining_results import (
    AlreadyTakingPart,
    CommunityChosen,
    CommunityQuestion,
    InviteRefused,
    Joined,
    JoiningResult,
    JoiningStarted,
    LanguagesChosen,
    LanguagesQuestion,
    RoleGranted,
    RoleHeld,
)
from bot.services.replies import Button, ButtonAction, Reply
from bot.storage.tables import RoleName

SELECTED_MARK = "✓ "
LANGUAGES_PER_ROW = 2


def render_joining(result: JoiningResult, t: Translator) -> Reply:
    """The message for a result of joining a program, in the reader's language."""
    match result:
        case JoiningStarted(program=program):
            return Reply(
                t.gettext(
                    "You are joining “{program}”. Two short questions first.", program=program
                )
            )
        case AlreadyTakingPart(program=program):
            return Reply(t.gettext("You are already taking part in “{program}”.", program=program))
        case CommunityQuestion():
            return _community_question(result, t)
        case CommunityChosen(community=community):
            choice = community if community is not None else t.gettext("Prefer not to say")
            return Reply(
                t.gettext("You chose: {community}.", community=choice),
                replaces_pressed_message=True,
            )
        case LanguagesQuestion():
            return _languages_question(result, t)
        case LanguagesChosen(names=names):
            return Reply(
                t.gettext("You read: {languages}.", languages=", ".join(names)),
                replaces_pressed_message=True,
            )
        case Joined(program=program, pseudonym=pseudonym):
            return Reply(
                t.gettext(
                    "Welcome to “{program}”, {pseudonym}! You can skip any question, take a "
                    "pause or leave at any time.",
                    program=program,
                    pseudonym=pseudonym,
                )
            )
        case InviteRefused(message=message, params=params):
            return Reply(t.gettext(message, **params))
        case RoleHeld(role=role, program=program):
            if role is RoleName.FACILITATOR:
                return Reply(
                    t.gettext("You are already a facilitator of “{program}”.", program=program)
                )
            return Reply(t.gettext("You are already an organizer of “{program}”.", program=program))
        case RoleGranted(role=role, program=program):
            if role is RoleName.FACILITATOR:
                return Reply(
                    t.gettext(
                        "You are now a facilitator of “{program}”. Thank you for helping people "
                        "listen to each other.",
                        program=program,
                    )
                )
            return Reply(
                t.gettext(
                    "You are now an organizer of “{program}”. Send /programs to manage it.",
                    program=program,
                )
            )


def _community_question(question: CommunityQuestion, t: Translator) -> Reply:
    program_id = question.program_id
    rows = [
        (Button(name, ButtonAction(JoinAction.COMMUNITY, f"{program_id}.{community_id}")),)
        for community_id, name in question.communities
    ]
    rows.append(
        (
            Button(
                t.gettext("Prefer not to say"),
                ButtonAction(JoinAction.COMMUNITY, f"{program_id}.{NO_COMMUNITY}"),
            ),
        )
    )
    return Reply(
        t.gettext(
            "Which community of “{program}” do you belong to? Organizers only ever see how "
            "many people chose each one, never who.",
            program=question.program,
        ),
        buttons=tuple(rows),
    )


def _languages_question(question: LanguagesQuestion, t: Translator) -> Reply:
    program_id = question.program_id
    options = [
        Button(
            (SELECTED_MARK if chosen else "") + name,
            ButtonAction(JoinAction.LANGUAGE, f"{program_id}.{code}"),
        )
        for code, name, chosen in question.languages
    ]
    rows: list[tuple[Button, ...]] = [
        tuple(options[i : i + LANGUAGES_PER_ROW]) for i in range(0, len(options), LANGUAGES_PER_ROW)
    ]
    rows.append((Button(t.gettext("Done"), ButtonAction(JoinAction.DONE, str(program_id))),))
    return Reply(
        t.gettext("Which of these languages can you read? Tap each one, then Done."),
        buttons=tuple(rows),
        replaces_pressed_message=question.replaces,
    )
