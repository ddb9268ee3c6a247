"""A circle's agenda in words and buttons: rounds and their timers, answers, the talking
piece, pauses, the end, seats and agreements."""

from __future__ import annotations

from bot.engine.effects import Message, render_message
from bot.i18n.translator import Translator
from bot.services.circle_agenda_results import (
    Agreed,
    AlreadyAnswered,
    AnswerPassedOn,
    AnswerShown,
    AnswerTooLong,
    AnswerWaitsForTurn,
    CircleAgendaResult,
    CircleAgreements,
    CircleBeginsLater,
    CircleEndedForMembers,
    CirclePausedForMembers,
    CircleResumedForMembers,
    FlowWords,
    LastMinute,
    MemberLeft,
    NoSeat,
    NoStatementNeeded,
    PassedRound,
    RoundComplete,
    RoundCompleteForHosts,
    RoundQuestion,
    StatementTooLong,
    TalkingPieceNow,
    TimeIsUp,
    WordsNotShared,
    YourTurn,
)
from bot.services.circle_rooms import CIRCLE_BUTTON, MEMBER_BUTTON, MemberVerb, Verb
from bot.services.replies import Button, ButtonAction, RelayedWords, Reply


def render_circle_agenda(result: CircleAgendaResult, t: Translator) -> Reply:
    """The message for a result of a circle's agenda, in the reader's language."""
    match result:
        case TimeIsUp(circle_id=circle_id, number=number):
            return _time_is_up(circle_id, number, t)
        case LastMinute():
            return Reply(
                t.gettext(
                    "One minute left in this round. If you'd like to share, now is a "
                    "good moment; or send /skip to pass."
                )
            )
        case RoundQuestion():
            return _question(result, t)
        case WordsNotShared():
            return Reply(
                t.gettext(
                    "A facilitator has paused your messages in this circle for a few "
                    "minutes. Your words were not shared."
                )
            )
        case AlreadyAnswered():
            return Reply(
                t.gettext(
                    "You have already answered this round. Everyone's answers are shown "
                    "together when the round ends."
                )
            )
        case AnswerTooLong(max_length=max_length, length=length):
            return Reply(
                t.gettext(
                    "That is a bit long for one message. Please keep it under {max} "
                    "characters ({length} now).",
                    max=max_length,
                    length=length,
                )
            )
        case PassedRound():
            return Reply(t.gettext("You pass this round. That's fine."))
        case AnswerWaitsForTurn():
            return Reply(
                t.gettext(
                    "Thank you. I will share your words with the circle when your turn comes."
                )
            )
        case FlowWords(words=words, name=name):
            return Reply(_flow_words(words, name, t))
        case NoStatementNeeded():
            return Reply(
                t.gettext(
                    "That's fine: you need not write a statement. You can still vote on "
                    "the others'."
                )
            )
        case StatementTooLong(max_length=max_length):
            return Reply(
                t.gettext(
                    "Please keep your statement under {limit} characters, and send it again.",
                    limit=max_length,
                )
            )
        case TalkingPieceNow(speaker=speaker):
            return Reply(
                t.gettext(
                    "{name} holds the talking piece now. Share when you are ready, or "
                    "send /skip to pass.",
                    name=speaker or "",
                )
            )
        case YourTurn(name=name):
            return Reply(
                t.gettext(
                    "It's your turn, {name}. Share your answer when you are ready, or send "
                    "/skip to pass.",
                    name=name or "",
                )
            )
        case RoundComplete(number=number, last=last):
            return Reply(
                t.gettext("That was the last round. The facilitator will close the circle.")
                if last
                else t.gettext(
                    "Round {number} is complete. The next round begins when the "
                    "facilitator is ready.",
                    number=number,
                )
            )
        case RoundCompleteForHosts():
            return _round_complete_for_hosts(result, t)
        case AnswerPassedOn(passed=passed, author=author):
            return Reply(render_message(Message(passed), t.gettext, {"partner": author or "?"}))
        case AnswerShown():
            return _answer_shown(result, t)
        case CirclePausedForMembers():
            return Reply(
                t.gettext(
                    "The circle is paused for a moment. Nothing you write is shared until it "
                    "goes on; I will tell you."
                )
            )
        case CircleResumedForMembers():
            return Reply(t.gettext("We go on. Thank you for waiting."))
        case CircleEndedForMembers():
            return Reply(t.gettext("The circle has ended. Thank you for listening and sharing."))
        case NoSeat():
            return Reply(
                t.gettext(
                    "Sorry, there is no seat for you in this circle. The facilitators may "
                    "invite you to another one."
                )
            )
        case CircleAgreements():
            return _agreements(result, t)
        case Agreed():
            return Reply(
                t.gettext("Thank you. You agreed to the circle's agreements."),
                replaces_pressed_message=True,
            )
        case CircleBeginsLater():
            return Reply(
                t.gettext(
                    "The circle begins when the facilitator opens the first round. I will "
                    "write to you here."
                )
            )
        case MemberLeft(pseudonym=pseudonym):
            return Reply(
                t.gettext(
                    "{pseudonym} has left the circle. The circle goes on.",
                    pseudonym=pseudonym or "?",
                )
            )


def _flow_words(words: str, name: str | None, t: Translator) -> str:
    """Words of the circle's flow, translated, addressed to `name`."""
    return render_message(Message(words), t.gettext, {"name": name or ""})


def _time_is_up(circle_id: int, number: int, t: Translator) -> Reply:
    return Reply(
        t.gettext(
            "Time is up for round {number} of circle {circle}. Close it "
            "now, or give two more minutes?",
            number=number,
            circle=circle_id,
        ),
        buttons=(
            (
                Button(
                    t.gettext("Close the round"),
                    ButtonAction(CIRCLE_BUTTON, f"{Verb.CLOSE}.{circle_id}"),
                ),
                Button(
                    t.gettext("Two more minutes"),
                    ButtonAction(CIRCLE_BUTTON, f"{Verb.MORE}.{circle_id}"),
                ),
            ),
        ),
    )


def _question(question: RoundQuestion, t: Translator) -> Reply:
    """A round's question, for a member or for the whole group."""
    lines = [
        t.gettext("Round {number}", number=question.number),
        render_message(Message(question.question), t.gettext, {}),
    ]
    if question.minutes is not None:
        lines.append(
            t.ngettext(
                "This round has {count} minute.",
                "This round has {count} minutes.",
                question.minutes,
            )
        )
    speaker = question.speaker or "?"
    if question.in_turn and question.for_group:
        lines.append(
            t.gettext(
                "We go in turn, one at a time. {speaker} holds the talking piece first.",
                speaker=speaker,
            )
        )
    elif question.in_turn and question.reader_speaks_first:
        lines.append(
            t.gettext(
                "We go in turn, and you hold the talking piece first: share your "
                "answer, or send /skip to pass."
            )
        )
    elif question.in_turn:
        lines.append(
            t.gettext(
                "We go in turn; {speaker} begins. You can write now: I will share "
                "your words when your turn comes.",
                speaker=speaker,
            )
        )
    return Reply("\n\n".join(lines))


def _round_complete_for_hosts(complete: RoundCompleteForHosts, t: Translator) -> Reply:
    verb, label = (
        (Verb.END, t.gettext("End the circle"))
        if complete.last
        else (Verb.NEXT, t.gettext("Next round"))
    )
    return Reply(
        t.gettext(
            "Round {number} of circle {circle} is complete: {answers} answered.",
            number=complete.number,
            circle=complete.circle_id,
            answers=complete.answers,
        ),
        buttons=((Button(label, ButtonAction(CIRCLE_BUTTON, f"{verb}.{complete.circle_id}")),),),
    )


def _answer_shown(shown: AnswerShown, t: Translator) -> Reply:
    """Someone's answer under their pseudonym, translated for the reader when sent."""
    heading = render_message(Message(shown.heading), t.gettext, {"partner": shown.author or "?"})
    button = (
        Button(
            t.gettext("Delete everywhere"),
            ButtonAction(CIRCLE_BUTTON, f"{Verb.DELETE}.{shown.contribution_id}"),
        )
        if shown.for_host
        else Button(
            t.gettext("Report"),
            ButtonAction(MEMBER_BUTTON, f"{MemberVerb.REPORT}.{shown.contribution_id}"),
        )
    )
    return Reply(
        heading,
        buttons=((button,),),
        relayed=RelayedWords(shown.words, shown.source, t.language),
    )


def _agreements(agreements: CircleAgreements, t: Translator) -> Reply:
    """The circle's agreements and a button to accept them."""
    text = (
        _flow_words(agreements.agreements, agreements.name, t)
        if agreements.agreements
        else t.gettext(
            "Our agreements: listen to understand, speak for yourself, keep it short, and keep "
            "what others share in this circle."
        )
    )
    if agreements.again:
        text = (
            t.gettext("Everyone accepts the circle's agreements before speaking.") + f"\n\n{text}"
        )
    agree = Button(
        t.gettext("Yes, I agree"),
        ButtonAction(MEMBER_BUTTON, f"{MemberVerb.AGREE}.{agreements.circle_id}"),
    )
    question = t.gettext("Can you go along with these agreements?")
    return Reply(f"{text}\n\n{question}", buttons=((agree,),))
