"""The facilitator's console in words and buttons: /circles, making a circle, a circle's
card with its controls, and what the controls did."""

from __future__ import annotations

from bot.i18n.translator import Translator
from bot.services.circle_console_results import (
    ChooseCircleFlow,
    ChooseCircleKind,
    ChooseCircleSize,
    ChooseCircleStart,
    CircleCard,
    CircleConsoleResult,
    CircleGoesOn,
    CircleHasEnded,
    CircleInviteLink,
    CircleIsPaused,
    CircleSummary,
    CoHostOnCard,
    ConfirmGroupCircle,
    GroupCircleInstructions,
    MemberOnCard,
    MoreTimeForRound,
    MoreTimeGiven,
    NowCoHosting,
    RoundAnswer,
    RoundIsClosed,
    RoundIsOpen,
    SeatRequestOnCard,
    YourCircles,
)
from bot.services.circle_rooms import (
    CIRCLE_BUTTON,
    NEW_CIRCLE_BUTTON,
    SIZES,
    Verb,
)
from bot.services.replies import Button, ButtonAction, Reply
from bot.storage.tables import CircleState
from bot.telegram.views.labels import CIRCLE_STATE, KIND_LABELS, KIND_NAMES, START_LABELS


def render_circle_console(result: CircleConsoleResult, t: Translator) -> Reply:
    """The message for a result of the facilitator's console, in the reader's language."""
    match result:
        case YourCircles():
            return _your_circles(result, t)
        case ChooseCircleFlow(prefix=prefix, flows=flows):
            rows = tuple(
                (Button(t.gettext(title), ButtonAction(NEW_CIRCLE_BUTTON, f"{prefix}.{flow_id}")),)
                for flow_id, title in flows
            )
            return Reply(t.gettext("Which circle flow?"), buttons=rows)
        case ChooseCircleKind(prefix=prefix):
            rows = tuple(
                (
                    Button(
                        t.gettext(label),
                        ButtonAction(NEW_CIRCLE_BUTTON, f"{prefix}.{kind.value}"),
                    ),
                )
                for kind, label in KIND_LABELS.items()
            )
            return Reply(
                t.gettext(
                    "Where does the circle meet? Relayed keeps everyone's Telegram "
                    "profile private; in a group, members see each other's profiles."
                ),
                buttons=rows,
            )
        case ChooseCircleSize(prefix=prefix):
            row = tuple(
                Button(str(size), ButtonAction(NEW_CIRCLE_BUTTON, f"{prefix}.{size}"))
                for size in SIZES
            )
            question = t.gettext("How many members at most (facilitators not counted)?")
            return Reply(question, buttons=(row,))
        case ChooseCircleStart(prefix=prefix):
            rows = tuple(
                (Button(t.gettext(label), ButtonAction(NEW_CIRCLE_BUTTON, f"{prefix}.{code}")),)
                for code, label in START_LABELS.items()
            )
            question = t.gettext(
                "When does it begin? Members get a reminder a day and an hour before."
            )
            return Reply(question, buttons=rows)
        case ConfirmGroupCircle(prefix=prefix, relayed_instead=relayed_instead, program=program):
            confirm = Button(
                t.gettext("I understand, create it"),
                ButtonAction(NEW_CIRCLE_BUTTON, f"{prefix}.y"),
            )
            relayed = Button(
                t.gettext("Make it relayed instead"),
                ButtonAction(NEW_CIRCLE_BUTTON, relayed_instead),
            )
            warning = t.gettext(
                "In a Telegram group everyone sees everyone's Telegram name, photo and "
                "username, and can message them directly. “{program}” brings together "
                "several communities: for people who may be at risk if they are known, "
                "a relayed circle is safer. Create a group circle anyway?",
                program=program,
            )
            return Reply(warning, buttons=((confirm,), (relayed,)))
        case GroupCircleInstructions(link=link):
            return Reply(
                t.gettext(
                    "To run this circle in a Telegram group, add me to the group with this "
                    "link, then make me an admin who can delete messages and restrict members "
                    "(I need both to moderate):\n{link}",
                    link=link,
                )
            )
        case CircleCard():
            return _card(result, t)
        case CircleInviteLink(link=link):
            return Reply(
                t.gettext(
                    "Invite people to this circle with this link. Each one asks for a seat, "
                    "and you admit them:\n{link}",
                    link=link,
                )
            )
        case CircleHasEnded():
            return Reply(t.gettext("The circle has ended."))
        case RoundIsOpen(number=number):
            return Reply(t.gettext("Round {number} is open.", number=number))
        case RoundIsClosed():
            return Reply(t.gettext("The round is closed."))
        case CircleIsPaused():
            return Reply(t.gettext("The circle is paused."))
        case CircleGoesOn():
            return Reply(t.gettext("The circle goes on."))
        case MoreTimeGiven():
            return Reply(t.gettext("Two more minutes."))
        case NowCoHosting():
            return Reply(t.gettext("You co-host this circle."))
        case MoreTimeForRound():
            return Reply(t.gettext("Two more minutes for this round."))


def _your_circles(shown: YourCircles, t: Translator) -> Reply:
    lines = [t.gettext("Your circles:")]
    rows: list[tuple[Button, ...]] = []
    for circle in shown.circles:
        lines.append(_summary(circle, t))
        rows.append(
            (
                Button(
                    t.gettext("Open circle {number}", number=circle.circle_id),
                    ButtonAction(CIRCLE_BUTTON, f"{Verb.OPEN}.{circle.circle_id}"),
                ),
            )
        )
    if not shown.circles:
        lines.append(t.gettext("None open yet."))
    for program in shown.programs:
        rows.append(
            (
                Button(
                    t.gettext("New circle in “{program}”", program=program.name),
                    ButtonAction(NEW_CIRCLE_BUTTON, str(program.program_id)),
                ),
            )
        )
    return Reply("\n".join(lines), buttons=tuple(rows))


def _summary(circle: CircleSummary, t: Translator) -> str:
    return t.gettext(
        "{number}. {program}: {state}, {count} of {capacity} members, round {round}",
        number=circle.circle_id,
        program=circle.program if circle.program is not None else "?",
        state=t.gettext(CIRCLE_STATE[circle.state]),
        count=circle.members,
        capacity=circle.capacity,
        round=circle.round_number,
    )


def _card(card: CircleCard, t: Translator) -> Reply:
    """Who is in, who agreed, who answered; then the controls."""
    lines = [
        t.gettext(
            "Circle {number}: “{title}”, {kind}, {state}.",
            number=card.circle_id,
            title=t.gettext(card.title),
            kind=t.gettext(KIND_NAMES[card.kind]),
            state=t.gettext(CIRCLE_STATE[card.state]),
        ),
        t.gettext(
            "Round {number} of {rounds}{open}.",
            number=card.round_number,
            rounds=card.rounds,
            open=t.gettext(" (open)") if card.round_open else "",
        ),
        t.gettext("Members: {count} of {capacity}.", count=card.members, capacity=card.capacity),
    ]
    if card.begins_at is not None:
        lines.append(
            t.gettext("Begins {when}.", when=t.format_datetime(card.begins_at, card.time_zone))
        )
    rows: list[tuple[Button, ...]] = []
    for seat in card.roster:
        name = seat.pseudonym or "?"
        match seat:
            case CoHostOnCard():
                lines.append(t.gettext("• {name}: co-host", name=name))
            case SeatRequestOnCard(person_id=person_id):
                community = _community(seat.community, t)
                lines.append(
                    t.gettext(
                        "• {name} ({community}): asks for a seat", name=name, community=community
                    )
                )
                rows.append(
                    (
                        Button(
                            t.gettext("Admit {name}", name=name),
                            ButtonAction(
                                CIRCLE_BUTTON, f"{Verb.ADMIT}.{card.circle_id}.{person_id}"
                            ),
                        ),
                        Button(
                            t.gettext("Decline"),
                            ButtonAction(
                                CIRCLE_BUTTON, f"{Verb.DECLINE}.{card.circle_id}.{person_id}"
                            ),
                        ),
                    )
                )
            case MemberOnCard():
                marks = [t.gettext("agreed") if seat.agreed else t.gettext("has not agreed yet")]
                if seat.answer is not None:
                    marks.append(_answer(seat.answer, t))
                if seat.holds_piece:
                    marks.append(t.gettext("holds the talking piece"))
                community = _community(seat.community, t)
                lines.append(f"• {name} ({community}): {', '.join(marks)}")
    rows.extend(_controls(card, t))
    if not card.hosting and card.state is not CircleState.ENDED:
        rows.append(
            (
                Button(
                    t.gettext("Co-host this circle"),
                    ButtonAction(CIRCLE_BUTTON, f"{Verb.COHOST}.{card.circle_id}"),
                ),
            )
        )
    return Reply("\n".join(lines), buttons=tuple(rows))


def _community(name: str | None, t: Translator) -> str:
    return name if name is not None else t.gettext("community not given")


def _answer(answer: RoundAnswer, t: Translator) -> str:
    match answer:
        case RoundAnswer.PASSED:
            return t.gettext("passed")
        case RoundAnswer.ANSWERED:
            return t.gettext("answered")
        case RoundAnswer.NOT_ANSWERED:
            return t.gettext("not answered")


def _controls(card: CircleCard, t: Translator) -> list[tuple[Button, ...]]:
    """The buttons that run the circle, as its state allows."""

    def button(label: str, verb: Verb) -> Button:
        return Button(label, ButtonAction(CIRCLE_BUTTON, f"{verb}.{card.circle_id}"))

    if card.state is CircleState.ENDED:
        return []
    rows: list[tuple[Button, ...]] = []
    if card.state is CircleState.FORMING:
        rows.append((button(t.gettext("Begin the first round"), Verb.BEGIN),))
    elif card.state is CircleState.RUNNING:
        step = (
            button(t.gettext("Next round"), Verb.NEXT)
            if card.has_next_round
            else button(t.gettext("End the circle"), Verb.END)
        )
        row = [step]
        if card.round_open:
            row.insert(0, button(t.gettext("Close the round"), Verb.CLOSE))
        rows.append(tuple(row))
        timed = [button(t.gettext("Pause"), Verb.PAUSE)]
        if card.round_open and card.timed:
            timed.append(button(t.gettext("Two more minutes"), Verb.MORE))
        rows.append(tuple(timed))
    else:
        rows.append((button(t.gettext("Resume"), Verb.RESUME),))
    rows.append(
        (
            button(t.gettext("Invite link"), Verb.LINK),
            button(t.gettext("Refresh"), Verb.OPEN),
            button(t.gettext("End"), Verb.END),
        )
    )
    return rows
