"""Invite links: t.me/<bot>?start=<code>, shown with a QR code for posters; revocable.

Participant links may be used by many people (and may name a community, so people need not
choose); facilitator and co-organizer links work once and expire, which is how an organizer
gives someone a role without ever seeing who they are.
"""

from __future__ import annotations

import io
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import segno

from bot.i18n.translator import N_, Translator
from bot.services.actors import Sender
from bot.services.authorization import Permission
from bot.services.console_actions import InviteAction, ProgramAction, button_id
from bot.services.errors import StaleButton
from bot.services.replies import Button, ButtonAction, Outcome, Reply
from bot.storage.tables import Community, Invite, InviteKind, Program
from bot.storage.types import utc_now
from bot.storage.unit_of_work import Database, UnitOfWork

if TYPE_CHECKING:
    from bot.services.programs import ProgramConsole, ProgramRoom

# 24 random bytes: 32 URL-safe characters, far beyond guessing, within Telegram's 64.
CODE_BYTES = 24
ROLE_LINK_LIFETIME = timedelta(days=7)
QR_SCALE = 10
QR_BORDER = 4


KIND_PERMISSION: dict[InviteKind, Permission] = {
    InviteKind.PARTICIPANT: Permission.MANAGE_INVITES,
    InviteKind.FACILITATOR: Permission.GRANT_ROLES,
    InviteKind.ORGANIZER: Permission.GRANT_ROLES,
}


def new_code() -> str:
    """An unguessable invite code of the characters Telegram allows in a deep link."""
    return secrets.token_urlsafe(CODE_BYTES)


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


def qr_png(link: str) -> bytes:
    """A PNG QR code of `link`, large enough to print on a poster."""
    image = io.BytesIO()
    segno.make(link, error="m").save(image, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return image.getvalue()


async def make_invite(
    uow: UnitOfWork,
    program: Program,
    kind: InviteKind,
    *,
    community: Community | None = None,
    created_by_id: int | None,
    expires_at: datetime | None = None,
) -> Invite:
    """A new invite link for a program; role links are one-time and expire within a week."""
    assert program.id is not None
    grants_role = kind is not InviteKind.PARTICIPANT
    invite = Invite(
        code=new_code(),
        program_id=program.id,
        kind=kind,
        community_id=community.id if community else None,
        max_uses=1 if grants_role else None,
        created_by_id=created_by_id,
        expires_at=expires_at or (utc_now() + ROLE_LINK_LIFETIME if grants_role else None),
    )
    uow.invites.add(invite)
    await uow.invites.flush()
    uow.audit.record(
        "invite.created",
        actor_id=created_by_id,
        subject_type="invite",
        subject_id=invite.id,
        program_id=program.id,
        kind=kind.value,
        community_id=invite.community_id,
    )
    return invite


class InviteDesk:
    """The organizer's invite screens: list, make, show again and revoke links."""

    def __init__(self, database: Database, console: ProgramConsole) -> None:
        self._database = database
        self._console = console

    async def list(self, sender: Sender, value: str) -> Outcome:
        """The links of a program that still work, and buttons to make new ones."""
        async with self._database.unit_of_work() as uow:
            room = await self._console.room(
                uow, sender, value, Permission.MANAGE_INVITES, writable=True
            )
            reply = await self._list_reply(uow, room)
        return Outcome(replies=(reply,))

    async def create(self, sender: Sender, value: str, bot_username: str) -> Outcome:
        """Make a link of the kind the button names, then show it with its QR code."""
        program_value, _, rest = value.partition(".")
        kind_value, _, community_value = rest.partition(".")
        try:
            kind = InviteKind(kind_value)
        except ValueError:
            raise StaleButton() from None
        async with self._database.unit_of_work() as uow:
            room = await self._console.room(
                uow, sender, program_value, KIND_PERMISSION[kind], writable=True
            )
            community = None
            if community_value:
                community = await uow.communities.get(button_id(community_value))
                if (
                    community is None
                    or community.program_id != room.program.id
                    or kind is not InviteKind.PARTICIPANT
                ):
                    raise StaleButton()
            invite = await make_invite(
                uow, room.program, kind, community=community, created_by_id=room.person.id
            )
            await uow.commit()
        return Outcome(replies=(self._link_reply(room, invite, community, bot_username),))

    async def show(self, sender: Sender, value: str, bot_username: str) -> Outcome:
        """Show a working link again, with its QR code."""
        async with self._database.unit_of_work() as uow:
            invite = await uow.invites.get(button_id(value))
            if invite is None:
                raise StaleButton()
            room = await self._console.room(
                uow, sender, str(invite.program_id), KIND_PERMISSION[invite.kind]
            )
            community = (
                await uow.communities.get(invite.community_id) if invite.community_id else None
            )
        return Outcome(replies=(self._link_reply(room, invite, community, bot_username),))

    async def revoke(self, sender: Sender, value: str) -> Outcome:
        """Withdraw a link: whoever opens it from now on is told it was withdrawn."""
        async with self._database.unit_of_work() as uow:
            invite = await uow.invites.get(button_id(value))
            if invite is None:
                raise StaleButton()
            room = await self._console.room(
                uow, sender, str(invite.program_id), KIND_PERMISSION[invite.kind]
            )
            if invite.revoked_at is None:
                invite.revoked_at = utc_now()
                uow.audit.record(
                    "invite.revoked",
                    actor_id=room.person.id,
                    subject_type="invite",
                    subject_id=invite.id,
                    program_id=invite.program_id,
                )
            reply = await self._list_reply(uow, room)
            revoked = Outcome(replies=(reply,), notice=room.t.gettext("The link no longer works."))
            return await self._console.sealed(uow, sender, revoked)

    # --- the messages ----------------------------------------------------------------

    async def _list_reply(self, uow: UnitOfWork, room: ProgramRoom) -> Reply:
        t, program = room.t, room.program
        assert program.id is not None
        communities = await uow.communities.of_program(program.id)
        names = {c.id: c.name for c in communities}
        invites = await uow.invites.usable_of_program(program.id, utc_now())
        lines = [t.gettext("Invite links of “{program}” that still work:", program=program.name)]
        rows: list[tuple[Button, ...]] = []
        for number, invite in enumerate(invites, start=1):
            description = self._describe(t, invite, names.get(invite.community_id), program)
            lines.append(f"{number}. {description}")
            rows.append(
                (
                    Button(
                        t.gettext("Show {number}", number=number),
                        ButtonAction(InviteAction.SHOW, str(invite.id)),
                    ),
                    Button(
                        t.gettext("Revoke {number}", number=number),
                        ButtonAction(InviteAction.REVOKE, str(invite.id)),
                    ),
                )
            )
        if not invites:
            lines.append(t.gettext("None yet."))
        pid = str(program.id)

        def new(label: str, value: str) -> tuple[Button, ...]:
            return (Button(label, ButtonAction(InviteAction.NEW, f"{pid}.{value}")),)

        rows.append(new(t.gettext("New participant link"), InviteKind.PARTICIPANT))
        rows += [
            new(
                t.gettext("Participant link for {community}", community=c.name),
                f"{InviteKind.PARTICIPANT}.{c.id}",
            )
            for c in communities
        ]
        rows.append(new(t.gettext("Facilitator link (one-time)"), InviteKind.FACILITATOR))
        rows.append(new(t.gettext("Co-organizer link (one-time)"), InviteKind.ORGANIZER))
        rows.append((Button(t.gettext("« Back"), ButtonAction(ProgramAction.OPEN, pid)),))
        return Reply("\n".join(lines), tuple(rows), replaces_pressed_message=True)

    def _describe(
        self, t: Translator, invite: Invite, community: str | None, program: Program
    ) -> str:
        if invite.kind is InviteKind.FACILITATOR:
            text = t.gettext("Facilitator link, works once")
        elif invite.kind is InviteKind.ORGANIZER:
            text = t.gettext("Co-organizer link, works once")
        elif community is not None:
            text = t.gettext(
                "Participant link for {community}, used {count} times",
                community=community,
                count=invite.uses,
            )
        else:
            text = t.gettext("Participant link, used {count} times", count=invite.uses)
        if invite.expires_at is not None:
            text += " " + t.gettext(
                "(until {moment})",
                moment=t.format_datetime(invite.expires_at, program.time_zone),
            )
        return text

    def _link_reply(
        self, room: ProgramRoom, invite: Invite, community: Community | None, bot_username: str
    ) -> Reply:
        t, program = room.t, room.program
        link = invite_link(bot_username, invite.code)
        purposes = {
            InviteKind.PARTICIPANT: N_("Invite link for people joining “{program}”:"),
            InviteKind.FACILITATOR: N_(
                "One-time link: whoever opens it becomes a facilitator of “{program}”:"
            ),
            InviteKind.ORGANIZER: N_(
                "One-time link: whoever opens it becomes an organizer of “{program}”:"
            ),
        }
        lines = [t.gettext(purposes[invite.kind], program=program.name), link]
        if community is not None:
            lines.append(
                t.gettext(
                    "People who open it join {community} without being asked.",
                    community=community.name,
                )
            )
        if invite.kind is InviteKind.PARTICIPANT:
            lines.append(t.gettext("Print the QR code on posters or show it at meetings."))
        else:
            lines.append(
                t.gettext("Send it privately to one person only. It works once and expires.")
            )
        back = Button(t.gettext("« Invite links"), ButtonAction(InviteAction.LIST, str(program.id)))
        return Reply("\n\n".join(lines), ((back,),), photo=qr_png(link))
