"""Who may do what: the one place where Palaver decides.

Handlers never check roles themselves; every use case that needs a permission calls
`Authorizer.require`, which raises NotAllowed (turned into a translated refusal at the edge).
"""

from __future__ import annotations

import enum

from bot.services.errors import NotAllowed
from bot.storage.tables import Person, RoleName
from bot.storage.unit_of_work import UnitOfWork


class Permission(enum.StrEnum):
    """Actions that not everyone may take."""

    CREATE_PROGRAM = "create_program"
    MANAGE_PROGRAM = "manage_program"  # edit settings, pause, close
    MANAGE_INVITES = "manage_invites"
    GRANT_ROLES = "grant_roles"
    VIEW_PROGRAM = "view_program"  # counts per community and status, never identities
    EXPORT = "export"
    FACILITATE = "facilitate"  # run circles, pair people, handle reports
    PARTICIPATE = "participate"


ROLE_PERMISSIONS: dict[RoleName, frozenset[Permission]] = {
    RoleName.ORGANIZER: frozenset(
        {
            Permission.MANAGE_PROGRAM,
            Permission.MANAGE_INVITES,
            Permission.GRANT_ROLES,
            Permission.VIEW_PROGRAM,
            Permission.EXPORT,
            Permission.FACILITATE,
        }
    ),
    RoleName.FACILITATOR: frozenset({Permission.FACILITATE}),
    RoleName.PARTICIPANT: frozenset({Permission.PARTICIPATE}),
}


class Authorizer:
    """Decides with the roles in the database and the operator's PALAVER_ADMINS."""

    def __init__(self, admin_telegram_ids: frozenset[int]) -> None:
        self._admins = admin_telegram_ids

    def is_admin(self, person: Person) -> bool:
        """Admins may create programs; they see only programs they organize.

        They are named in PALAVER_ADMINS or marked in the database (`palaver admins add`).
        """
        return person.telegram_id in self._admins or person.is_admin

    async def allows(
        self, uow: UnitOfWork, person: Person, permission: Permission, program_id: int | None
    ) -> bool:
        """Whether `person` may take `permission` in `program_id` (None: outside programs)."""
        if person.id is None:
            return False
        if permission is Permission.CREATE_PROGRAM:
            return self.is_admin(person) or await uow.roles.holds(person.id, RoleName.ORGANIZER)
        if program_id is None:
            return False
        roles = await uow.roles.names_in(person.id, program_id)
        return any(permission in ROLE_PERMISSIONS[role] for role in roles)

    async def require(
        self,
        uow: UnitOfWork,
        person: Person,
        permission: Permission,
        program_id: int | None = None,
    ) -> None:
        """Raise NotAllowed unless `person` may take `permission` in `program_id`."""
        if not await self.allows(uow, person, permission, program_id):
            raise NotAllowed()
