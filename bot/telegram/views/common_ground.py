"""The common-ground use cases' messages: ballots, statements, moderation and results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.i18n.translator import N_, Translator
from bot.services.common_ground import (
    COMMON_GROUND_BUTTON,
    STATEMENT_MODERATION_BUTTON,
    VOTE_BUTTON,
    VOTE_CODES,
    StatementTooLong,
)
from bot.services.common_ground_results import (
    AlreadyVoted,
    Ballot,
    CommonGroundResult,
    CommonGroundScreen,
    CommonGroundSummary,
    ConversationOpened,
    PseudonymShown,
    RewordStatement,
    StatementAlreadyHandled,
    StatementModerated,
    StatementReceived,
    StatementResult,
    StatementsOffered,
    StatementToModerate,
    StatementTooLongAgain,
    Voted,
    Words,
    WriteStatement,
    YourStatementEdited,
    YourStatementModerated,
)
from bot.services.opinion_groups import GROUP_NAMES, OpinionGroups
from bot.services.replies import Button, ButtonAction, RelayedWords, Reply
from bot.storage.tables import VoteValue

RESULTS_SHOWN = 5
"""How many bridging and divisive statements the organizer's screen lists."""
NO_ANALYSIS = N_(
    "Opinion groups found from the votes need the optional analysis extra: ask whoever runs "
    "Palaver to install it (pip install 'palaver[analysis]') and restart the bot."
)
VOTE_LABELS = {
    VoteValue.AGREE: N_("Agree"),
    VoteValue.DISAGREE: N_("Disagree"),
    VoteValue.PASS: N_("Pass"),
}
VOTED = {
    VoteValue.AGREE: N_("You agree with this statement:"),
    VoteValue.DISAGREE: N_("You disagree with this statement:"),
    VoteValue.PASS: N_("You passed on this statement:"),
}


def render_common_ground(result: CommonGroundResult, t: Translator) -> Reply:
    """The message for a result of the common-ground use cases, in the reader's language."""
    match result:
        case ConversationOpened(program=program, conversation_id=conversation_id):
            return Reply(
                t.gettext(
                    "{program} asks what you think of a few short statements. Vote "
                    "agree, disagree or pass on each, in private: only totals are ever "
                    "shown, never who voted what. You can add your own statements too, "
                    "and stop whenever you like.",
                    program=program,
                ),
                buttons=(
                    (
                        Button(
                            t.gettext("Show me statements"),
                            ButtonAction(COMMON_GROUND_BUTTON, f"more.{conversation_id}"),
                        ),
                    ),
                ),
            )
        case Ballot(statement_id=statement_id, author=author, words=words):
            heading = (
                t.gettext("A statement by {pseudonym}:", pseudonym=author)
                if author
                else t.gettext("A statement:")
            )
            return Reply(
                heading,
                relayed=_relayed(words),
                buttons=(
                    tuple(
                        Button(
                            t.gettext(VOTE_LABELS[value]),
                            ButtonAction(VOTE_BUTTON, f"{statement_id}.{code}"),
                        )
                        for code, value in VOTE_CODES.items()
                    ),
                ),
            )
        case StatementsOffered():
            return _more_or_add(result, t)
        case WriteStatement():
            return Reply(
                t.gettext(
                    "Write your statement in one short message: something people on "
                    "every side might agree or disagree with, in a sentence. No names "
                    "or anything that identifies someone. A facilitator reads it "
                    "before others see it."
                )
            )
        case AlreadyVoted():
            return Reply(t.gettext("You have already voted on this statement."))
        case Voted(value=value, words=words):
            return Reply(
                t.gettext(VOTED[value]), relayed=_relayed(words), replaces_pressed_message=True
            )
        case StatementTooLongAgain(limit=limit):
            return Reply(t.gettext(StatementTooLong.message, limit=limit))
        case StatementReceived(statement_id=statement_id):
            return Reply(
                t.gettext(
                    "Thank you. A facilitator will read your statement before others are "
                    "offered it. It is shown without your name; you may show your "
                    "pseudonym with it if you like."
                ),
                buttons=(
                    (
                        Button(
                            t.gettext("Show my pseudonym with it"),
                            ButtonAction(COMMON_GROUND_BUTTON, f"name.{statement_id}"),
                        ),
                    ),
                ),
            )
        case PseudonymShown(pseudonym=pseudonym):
            return Reply(
                t.gettext(
                    "Thank you. Your pseudonym, {pseudonym}, will be shown with your statement.",
                    pseudonym=pseudonym,
                ),
                replaces_pressed_message=True,
            )
        case StatementToModerate():
            return _to_moderate(result, t)
        case StatementAlreadyHandled():
            return Reply(t.gettext("This statement has already been handled."))
        case RewordStatement():
            return Reply(
                t.gettext(
                    "Send the statement as it should read, in one message. It is "
                    "offered in your words, and its author is told it was edited."
                )
            )
        case StatementModerated(approved=approved, words=words, replaces=replaces):
            done = (
                t.gettext("Approved: participants are offered it now.")
                if approved
                else t.gettext("Rejected: nobody else will see it.")
            )
            return Reply(done, relayed=_relayed(words), replaces_pressed_message=replaces)
        case YourStatementModerated(approved=approved):
            return Reply(
                t.gettext("Your statement is now offered to others to vote on. Thank you.")
                if approved
                else t.gettext(
                    "A facilitator chose not to offer your statement to others. Thank you "
                    "for writing it; you are welcome to write another."
                )
            )
        case YourStatementEdited(words=words):
            return Reply(
                t.gettext(
                    "A facilitator edited your statement a little and offered it to "
                    "others to vote on. It now reads:"
                ),
                relayed=_relayed(words),
            )
        case CommonGroundSummary():
            return Reply("\n".join(_summary(result, t)))
        case CommonGroundScreen(summary=summary, groups=groups):
            lines = _summary(summary, t)
            lines += ["", *_opinion_groups(t, groups, summary.statements)]
            return Reply("\n".join(lines))


def _relayed(words: Words) -> RelayedWords:
    return RelayedWords(words.text, words.source, words.target)


def _more_or_add(result: StatementsOffered, t: Translator) -> Reply:
    more = Button(
        t.gettext("More statements"),
        ButtonAction(COMMON_GROUND_BUTTON, f"more.{result.conversation_id}"),
    )
    add = Button(
        t.gettext("Add my own statement"),
        ButtonAction(COMMON_GROUND_BUTTON, f"add.{result.conversation_id}"),
    )
    if result.any_left:
        return Reply(
            t.gettext(
                "Vote on each in private: only totals are shown, never who voted "
                "what. When you are done, ask for more, or add a statement of your own."
            ),
            buttons=((more,), (add,)),
        )
    return Reply(
        t.gettext(
            "You have voted on every statement for now. Come back later with "
            "/vote: new ones arrive as people write them. You can also add your own."
        ),
        buttons=((add,),),
    )


def _to_moderate(result: StatementToModerate, t: Translator) -> Reply:
    statement_id = result.statement_id
    return Reply(
        t.gettext(
            "A participant wrote a new statement. Offer it to everyone to vote on? "
            "Approve it if it is short, fair and identifies nobody."
        ),
        relayed=_relayed(result.words),
        buttons=(
            (
                Button(
                    t.gettext("Approve"),
                    ButtonAction(STATEMENT_MODERATION_BUTTON, f"ok.{statement_id}"),
                ),
                Button(
                    t.gettext("Edit"),
                    ButtonAction(STATEMENT_MODERATION_BUTTON, f"ed.{statement_id}"),
                ),
                Button(
                    t.gettext("Reject"),
                    ButtonAction(STATEMENT_MODERATION_BUTTON, f"no.{statement_id}"),
                ),
            ),
        ),
    )


def _summary(summary: CommonGroundSummary, t: Translator) -> list[str]:
    """Bridging and divisive statements, as the organizers' screen shows them."""
    found = summary.found
    status = t.gettext("open") if summary.is_open else t.gettext("closed")
    lines = [
        t.gettext("Common ground in {program} ({status})", program=summary.program, status=status),
        t.gettext(
            "{approved} statements offered, {pending} waiting for a facilitator.",
            approved=summary.approved,
            pending=summary.pending,
        ),
    ]
    for community_id, voters in sorted(found.counted.items()):
        lines.append(
            t.gettext(
                "{community}: {voters} voters",
                community=summary.communities.get(community_id, "?"),
                voters=voters,
            )
        )
    if found.hidden:
        lines.append(
            t.gettext(
                "Communities with fewer than {minimum} voters are not shown.",
                minimum=found.min_voters,
            )
        )
    lines += ["", t.gettext("Agreed across every community:")]
    lines += _listed(t, found.bridging, summary.statements, summary.communities) or [
        t.gettext(
            "Nothing yet: each community needs {minimum} votes on a statement.",
            minimum=found.min_voters,
        )
    ]
    lines += ["", t.gettext("Where communities differ most:")]
    lines += _listed(t, found.divisive, summary.statements, summary.communities) or [
        t.gettext("Nothing stands out yet.")
    ]
    return lines


def _opinion_groups(
    t: Translator, found: OpinionGroups | None, statements: Mapping[int, str]
) -> list[str]:
    """The groups found from the votes: sizes and what each agrees with more than the
    others, never who is in them."""
    if found is None:
        return [t.gettext(NO_ANALYSIS)]
    lines = [
        t.gettext(
            "Opinion groups found from the votes (of everyone with {votes} votes or more):",
            votes=found.min_votes,
        )
    ]
    if not found.groups:
        lines.append(
            t.gettext(
                "None yet: a group needs {minimum} people whose votes differ from the others'.",
                minimum=found.min_members,
            )
        )
    for name, group in zip(GROUP_NAMES, found.groups, strict=False):
        lines.append(
            t.ngettext(
                "Group {name}: {count} person. Agrees more than the others with:",
                "Group {name}: {count} people. Agree more than the others with:",
                group.size,
                name=name,
            )
        )
        for r in group.representative:
            text = statements.get(r.statement_id)
            if text is None:
                continue
            shares = t.gettext(
                "{inside}% agree in the group, {outside}% among the others",
                inside=round(100 * r.inside.agrees / r.inside.votes),
                outside=round(100 * r.outside.agrees / r.outside.votes),
            )
            lines.append(f"• {text} ({shares})")
        if not group.representative:
            lines.append(t.gettext("Nothing stands out yet."))
    if found.hidden:
        lines.append(
            t.gettext(
                "Opinion groups with fewer than {minimum} people are not shown.",
                minimum=found.min_members,
            )
        )
    return lines


def _listed(
    t: Translator,
    found: Sequence[StatementResult],
    statements: Mapping[int, str],
    communities: Mapping[int, str],
) -> list[str]:
    lines = []
    for result in found[:RESULTS_SHOWN]:
        text = statements.get(result.statement_id)
        if text is None:
            continue
        shares = ", ".join(
            t.gettext(
                "{community} {agreed}% agree",
                community=communities.get(community_id, "?"),
                agreed=round(100 * tally.agrees / tally.votes) if tally.votes else 0,
            )
            for community_id, tally in sorted(result.by_community.items())
        )
        lines.append(f"• {text} ({shares})")
    return lines
