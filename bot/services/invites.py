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

from bot.services.actors import Sender
from bot.services.authorization import Permission
from bot.services.console_actions import button_id
from bot.services.errors import StaleButton
from bot.services.invite_results import InviteLinkShown, InviteList, LinkWithdrawn, ListedInvite
from bot.services.replies import Outcome, Reply, Views
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

    def __init__(self, database: Database, console: ProgramConsole, views: Views) -> None:
        self._database = database
        self._console = console
        self._views = views

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
            notice = self._views.render(LinkWithdrawn(), room.t).text
            revoked = Outcome(replies=(reply,), notice=notice)
            return await self._console.sealed(uow, sender, revoked)

    # --- the messages ----------------------------------------------------------------

    async def _list_reply(self, uow: UnitOfWork, room: ProgramRoom) -> Reply:
        program = room.program
        assert program.id is not None
        communities = await uow.communities.of_program(program.id)
        names = {c.id: c.name for c in communities}
        invites = await uow.invites.usable_of_program(program.id, utc_now())
        shown = InviteList(
            program_id=program.id,
            program=program.name,
            time_zone=program.time_zone,
            invites=tuple(
                ListedInvite(
                    invite_id=invite.id or 0,
                    kind=invite.kind,
                    community=names.get(invite.community_id),
                    uses=invite.uses,
                    expires_at=invite.expires_at,
                )
                for invite in invites
            ),
            communities=tuple((c.id or 0, c.name) for c in communities),
        )
        return self._views.render(shown, room.t)

    def _link_reply(
        self, room: ProgramRoom, invite: Invite, community: Community | None, bot_username: str
    ) -> Reply:
        shown = InviteLinkShown(
            program_id=room.program.id or 0,
            program=room.program.name,
            kind=invite.kind,
            link=invite_link(bot_username, invite.code),
            community=community.name if community is not None else None,
        )
        return self._views.render(shown, room.t)
