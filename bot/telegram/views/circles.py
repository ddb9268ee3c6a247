"""Circles' messages to members, co-hosts and groups: seats, /timeout and /leave, a circle's
Telegram group, statements rounds; reports are circle_moderation's."""

from __future__ import annotations

from bot.engine.effects import Message, render_message
from bot.i18n.translator import Translator
from bot.services.circle_results import (
    AlreadyCoHosting,
    AlreadySeated,
    CircleAlreadyPaused,
    CircleModerationResult,
    CircleResult,
    GroupLinked,
    GroupRights,
    LeftCircle,
    RemovedFromGroup,
    ReportNeedsReply,
    SeatAlreadyRequested,
    SeatAsked,
    SeatRequested,
    StatementReceived,
    StatementsRoundOpened,
    StatementsRoundResults,
    TalkingPieceHeld,
    TimeOutCalled,
    WayIntoCircle,
)
from bot.services.circle_rooms import CIRCLE_BUTTON, Verb
from bot.services.replies import Button, ButtonAction, Reply
from bot.telegram.views.circle_moderation import render_circle_moderation


def render_circle(result: CircleResult, t: Translator) -> Reply:
    """The message for a result of the circles use cases, in the reader's language."""
    if isinstance(result, CircleModerationResult):
        return render_circle_moderation(result, t)
    match result:
        case AlreadyCoHosting():
            return Reply(t.gettext("You co-host this circle. Send /circles to run it."))
        case AlreadySeated():
            return Reply(t.gettext("You already have a seat in this circle."))
        case SeatAlreadyRequested():
            return Reply(t.gettext("The facilitator has your request and will answer soon."))
        case SeatRequested():
            return _seat_requested(result, t)
        case SeatAsked(title=title):
            return Reply(
                t.gettext(
                    "You asked for a seat in a circle: “{title}”. A facilitator will let you in "
                    "shortly, and I will tell you here.",
                    title=t.gettext(title),
                )
            )
        case CircleAlreadyPaused():
            return Reply(t.gettext("The circle is already paused."))
        case TimeOutCalled(circle_id=circle_id, pseudonym=pseudonym):
            return Reply(
                t.gettext(
                    "{pseudonym} called a time out in circle {number}. The circle is paused. "
                    "Check in with them, then resume when everyone is ready.",
                    pseudonym=pseudonym or "?",
                    number=circle_id,
                ),
                buttons=(
                    (
                        Button(
                            t.gettext("Resume"),
                            ButtonAction(CIRCLE_BUTTON, f"{Verb.RESUME}.{circle_id}"),
                        ),
                    ),
                ),
            )
        case LeftCircle():
            return Reply(
                t.gettext("You have left the circle. Thank you for what you shared. Take care.")
            )
        case GroupLinked(circle_id=circle_id, title=title, link=link, can_moderate=can_moderate):
            linked = t.gettext(
                "This group now holds circle {number}: “{title}”. To speak in the circle, each "
                "member first accepts its agreements in a private chat with me: {link}",
                number=circle_id,
                title=t.gettext(title),
                link=link,
            )
            return Reply(f"{linked}\n\n{_rights(can_moderate, t)}")
        case GroupRights(can_moderate=can_moderate):
            return Reply(_rights(can_moderate, t))
        case TalkingPieceHeld(speaker=speaker):
            return Reply(
                t.gettext(
                    "{speaker} holds the talking piece. Your turn will come.",
                    speaker=speaker or "?",
                )
            )
        case WayIntoCircle(link=link):
            return Reply(
                t.gettext(
                    "Welcome. To take part in this circle, please open this link, accept the "
                    "circle's agreements, and wait to be let in: {link}",
                    link=link,
                )
            )
        case ReportNeedsReply():
            return Reply(t.gettext("Reply to the message you want to report with /report."))
        case RemovedFromGroup(circle_id=circle_id, link=link):
            return Reply(
                t.gettext(
                    "I was removed from the group of circle {number}, so the circle is paused. "
                    "To go on, add me to a group again with this link:\n{link}",
                    number=circle_id,
                    link=link,
                )
            )
        case StatementsRoundOpened():
            return _statements_round(result, t)
        case StatementReceived(moderated=moderated):
            if moderated:
                return Reply(
                    t.gettext(
                        "Thank you. A facilitator reads each statement before the circle votes "
                        "on it. It is shown without your name."
                    )
                )
            return Reply(
                t.gettext(
                    "Thank you. The circle is voting on it now; it is shown without your name."
                )
            )
        case StatementsRoundResults(circle_id=circle_id, summary=summary):
            heading = t.gettext(
                "What circle {circle} wrote and voted on in its statements round:",
                circle=circle_id,
            )
            return Reply(f"{heading}\n\n{summary}")


def _seat_requested(request: SeatRequested, t: Translator) -> Reply:
    def button(label: str, verb: Verb) -> Button:
        return Button(
            label, ButtonAction(CIRCLE_BUTTON, f"{verb}.{request.circle_id}.{request.person_id}")
        )

    return Reply(
        t.gettext(
            "{pseudonym} ({community}) asks for a seat in circle {number}.",
            pseudonym=request.pseudonym or "?",
            community=(
                request.community
                if request.community is not None
                else t.gettext("community not given")
            ),
            number=request.circle_id,
        ),
        buttons=(
            (button(t.gettext("Admit"), Verb.ADMIT), button(t.gettext("Decline"), Verb.DECLINE)),
        ),
    )


def _rights(can_moderate: bool, t: Translator) -> str:
    """What the bot can do in a circle's group, and what it needs to do more."""
    if can_moderate:
        return t.gettext(
            "I am an admin here, so I can see every message, delete messages and mute members "
            "when a facilitator asks me to."
        )
    return t.gettext(
        "I am not an admin here yet. Please make me an admin who can delete messages and "
        "restrict members: without that I can post the agenda, but I may not see members' "
        "messages, and I cannot delete a message or mute anyone."
    )


def _statements_round(opened: StatementsRoundOpened, t: Translator) -> Reply:
    how = (
        t.gettext(
            "This round happens in private: I have written to each member. Statements and "
            "votes stay there; only totals are shown."
        )
        if opened.in_group
        else t.gettext(
            "Write each statement as its own short message; you can write several. Then vote "
            "on the others' as they arrive: only totals are shown, never who voted what."
        )
    )
    question = render_message(Message(opened.question), t.gettext, {"name": opened.name or ""})
    return Reply("\n\n".join((t.gettext("Round {number}", number=opened.number), question, how)))
