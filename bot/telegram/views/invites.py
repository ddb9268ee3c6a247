"""The invite screens' messages: the list of working links, one link with its QR code."""

from __future__ import annotations

from bot.i18n.translator import N_, Translator
from bot.services.console_actions import InviteAction, ProgramAction
from bot.services.invite_results import (
    InviteLinkShown,
    InviteList,
    InviteResult,
    LinkWithdrawn,
    ListedInvite,
)
from bot.services.invites import qr_png
from bot.services.replies import Button, ButtonAction, Reply
from bot.storage.tables import InviteKind

PURPOSES: dict[InviteKind, str] = {
    InviteKind.PARTICIPANT: N_("Invite link for people joining “{program}”:"),
    InviteKind.FACILITATOR: N_(
        "One-time link: whoever opens it becomes a facilitator of “{program}”:"
    ),
    InviteKind.ORGANIZER: N_(
        "One-time link: whoever opens it becomes an organizer of “{program}”:"
    ),
}


def render_invites(result: InviteResult, t: Translator) -> Reply:
    """The message for a result of the invite screens, in the reader's language."""
    match result:
        case InviteList():
            return _list(result, t)
        case InviteLinkShown():
            return _link(result, t)
        case LinkWithdrawn():
            return Reply(t.gettext("The link no longer works."))


def _list(shown: InviteList, t: Translator) -> Reply:
    lines = [t.gettext("Invite links of “{program}” that still work:", program=shown.program)]
    rows: list[tuple[Button, ...]] = []
    for number, invite in enumerate(shown.invites, start=1):
        lines.append(f"{number}. {_describe(invite, shown.time_zone, t)}")
        rows.append(
            (
                Button(
                    t.gettext("Show {number}", number=number),
                    ButtonAction(InviteAction.SHOW, str(invite.invite_id)),
                ),
                Button(
                    t.gettext("Revoke {number}", number=number),
                    ButtonAction(InviteAction.REVOKE, str(invite.invite_id)),
                ),
            )
        )
    if not shown.invites:
        lines.append(t.gettext("None yet."))
    pid = str(shown.program_id)

    def new(label: str, value: str) -> tuple[Button, ...]:
        return (Button(label, ButtonAction(InviteAction.NEW, f"{pid}.{value}")),)

    rows.append(new(t.gettext("New participant link"), InviteKind.PARTICIPANT))
    rows += [
        new(
            t.gettext("Participant link for {community}", community=name),
            f"{InviteKind.PARTICIPANT}.{community_id}",
        )
        for community_id, name in shown.communities
    ]
    rows.append(new(t.gettext("Facilitator link (one-time)"), InviteKind.FACILITATOR))
    rows.append(new(t.gettext("Co-organizer link (one-time)"), InviteKind.ORGANIZER))
    rows.append((Button(t.gettext("« Back"), ButtonAction(ProgramAction.OPEN, pid)),))
    return Reply("\n".join(lines), tuple(rows), replaces_pressed_message=True)


def _describe(invite: ListedInvite, time_zone: str, t: Translator) -> str:
    if invite.kind is InviteKind.FACILITATOR:
        text = t.gettext("Facilitator link, works once")
    elif invite.kind is InviteKind.ORGANIZER:
        text = t.gettext("Co-organizer link, works once")
    elif invite.community is not None:
        text = t.gettext(
            "Participant link for {community}, used {count} times",
            community=invite.community,
            count=invite.uses,
        )
    else:
        text = t.gettext("Participant link, used {count} times", count=invite.uses)
    if invite.expires_at is not None:
        text += " " + t.gettext(
            "(until {moment})", moment=t.format_datetime(invite.expires_at, time_zone)
        )
    return text


def _link(shown: InviteLinkShown, t: Translator) -> Reply:
    lines = [t.gettext(PURPOSES[shown.kind], program=shown.program), shown.link]
    if shown.community is not None:
        lines.append(
            t.gettext(
                "People who open it join {community} without being asked.",
                community=shown.community,
            )
        )
    if shown.kind is InviteKind.PARTICIPANT:
        lines.append(t.gettext("Print the QR code on posters or show it at meetings."))
    else:
        lines.append(t.gettext("Send it privately to one person only. It works once and expires."))
    back = Button(
        t.gettext("« Invite links"), ButtonAction(InviteAction.LIST, str(shown.program_id))
    )
    return Reply("\n\n".join(lines), ((back,),), photo=qr_png(shown.link))
