"""The organizer's console: list, create, edit, pause and close programs; people and roles.

Everything here is for organizers in a private chat. Each use case loads the person pressing
or typing, asks the Authorizer, and only then reads or changes a program, so a forged button
for someone else's program is refused like any other action one may not take.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.i18n.catalogs import Catalogs
from bot.i18n.translator import Translator
from bot.services.actors import Actor, Actors, Sender
from bot.services.authorization import Authorizer, Permission
from bot.services.console_actions import StatusChange, button_id
from bot.services.errors import NotAllowed, PalaverError, StaleButton
from bot.services.letters import Delivery, OutboxPolicy, Postbox, worker_name
from bot.services.program_errors import (
    ChoiceExpected,
    CommunityInUse,
    LastOrganizer,
    ProgramClosed,
    ProgramNotFound,
)
from bot.services.program_results import (
    AnswerRefused,
    ConfirmClose,
    ConsoleStopped,
    NewProgramSummary,
    PeopleCounts,
    ProgramCard,
    ProgramCreated,
    ProgramEntry,
    ProgramList,
    RoleHolder,
    RoleRevoked,
    RolesList,
    SettingOption,
    SettingQuestion,
    SettingSaved,
    SettingsMenu,
    SettingsShown,
    StatusChanged,
)
from bot.services.program_settings import (
    PENDING_INPUT_LIFETIME,
    SETTING_INPUT,
    ProgramSettings,
    Setting,
    SettingChoices,
    SettingInput,
    draft_from_program,
    parse_default_language,
    parse_flows,
    parse_languages,
    parse_typed,
    parse_yes_no,
    settings_from_draft,
)
from bot.services.replies import Outcome, Reply, Views
from bot.storage.tables import (
    Community,
    MembershipStatus,
    PendingInput,
    Person,
    Program,
    ProgramStatus,
    Role,
    RoleName,
)
from bot.storage.types import utc_now
from bot.storage.unit_of_work import Database, UnitOfWork

# A wizard left alone this long no longer captures what the organizer types: by then the
# text is far more likely meant for a dialogue.
CONFIRM = "confirm"


@dataclass(frozen=True)
class ProgramRoom:
    """A program an organizer acts on, with the organizer and their translator."""

    person: Person
    program: Program
    t: Translator


class ProgramConsole:
    """The organizer console's use cases (private chat, organizers and admins only)."""

    def __init__(
        self,
        database: Database,
        catalogs: Catalogs,
        authorizer: Authorizer,
        choices: SettingChoices,
        views: Views,
        postbox: Postbox | None = None,
    ) -> None:
        self._database = database
        self._catalogs = catalogs
        self._authorizer = authorizer
        self._choices = choices
        self._views = views
        self._actors = Actors(catalogs, choices.consent_version)
        self._postbox = postbox or Postbox(utc_now, OutboxPolicy(worker_name()))

    async def sealed(self, uow: UnitOfWork, sender: Sender, outcome: Outcome) -> Outcome:
        """Keep the outcome's replies in the outbox and commit them with the change."""
        work = Delivery(
            actor_id=0,
            pressed_button=sender.pressed_button,
            postbox=self._postbox,
            actor_chat_id=sender.chat_id,
            pressed_message_id=sender.pressed_message_id,
        )
        for reply in outcome.replies:
            work.say(reply)
        work.notice = outcome.notice
        return await work.seal(uow)

    # --- listing and opening -------------------------------------------------------------

    async def list_programs(self, sender: Sender) -> Outcome:
        """/programs: the programs this person organizes, and "New program" if they may."""
        async with self._database.unit_of_work() as uow:
            actor = await self.organizer(uow, sender)
            person = actor.person
            programs = await uow.programs.organized_by(_id(person))
            may_create = await self._authorizer.allows(uow, person, Permission.CREATE_PROGRAM, None)
            if not programs and not may_create:
                raise NotAllowed()
            # Leaving for the list abandons whatever was being typed.
            await uow.pending_inputs.clear(_id(person))
            return await self.sealed(uow, sender, self._list(actor, programs, may_create))

    def _list(self, actor: Actor, programs: list[Program], may_create: bool) -> Outcome:
        entries = tuple(ProgramEntry(_id(p), p.name, p.status) for p in programs)
        shown = ProgramList(entries, may_create)
        return Outcome(replies=(self._views.render(shown, actor.translator),))

    async def open_program(self, sender: Sender, value: str) -> Outcome:
        """A program's card: its settings, status and what the organizer can do with it."""
        async with self._database.unit_of_work() as uow:
            room = await self.room(uow, sender, value, Permission.VIEW_PROGRAM)
            communities = await uow.communities.of_program(_id(room.program))
            may_manage = await self._authorizer.allows(
                uow, room.person, Permission.MANAGE_PROGRAM, room.program.id
            )
        card = self._card(room, communities, may_manage, replaces_pressed_message=True)
        return Outcome(replies=(card,))

    # --- "New program" and editing: one question at a time --------------------------------

    async def new_program(self, sender: Sender, _value: str = "") -> Outcome:
        """Start "New program": ask for the first setting."""
        async with self._database.unit_of_work() as uow:
            actor = await self.organizer(uow, sender)
            person, t = actor.person, actor.translator
            await self._authorizer.require(uow, person, Permission.CREATE_PROGRAM)
            await uow.pending_inputs.put(_id(person), Setting.NAME, {}, None)
            return await self.sealed(
                uow, sender, Outcome(replies=(self._question(t, Setting.NAME, {}),))
            )

    async def take_text(self, sender: Sender, text: str) -> Outcome | None:
        """A typed answer to the console's question; None when no question is waiting.

        The text handler calls this first, so typing during "New program" or an edit is
        read here and nowhere else.
        """
        async with self._database.unit_of_work() as uow:
            # Most text is a participant's answer: find out without locking anything.
            known = await self._actors.known(uow, sender)
            if known is None or known.person.id is None:
                return None
            person, t = known.person, known.translator
            pending = await uow.pending_inputs.of(known.person.id)
            if pending is None:
                return None
            await self._actors.known(uow, sender, for_update=True)
            if pending.asked_at < utc_now() - PENDING_INPUT_LIFETIME:
                await uow.pending_inputs.clear(known.person.id)
                await uow.commit()
                return None
            setting = _setting(pending.setting)
            try:
                if setting is None or SETTING_INPUT[setting] is not SettingInput.TEXT:
                    raise ChoiceExpected()
                outcome = await self._answered(
                    uow, person, pending, setting, parse_typed(setting, text)
                )
            except PalaverError as error:
                # Ask again, saying what was wrong; nothing of this answer is kept.
                problem = self._views.render(AnswerRefused(error.message, error.params), t)
                if setting is None:
                    return Outcome(replies=(problem,))
                return Outcome(replies=(problem, self._question(t, setting, pending.draft)))
            return await self.sealed(uow, sender, outcome)

    async def answer(self, sender: Sender, value: str) -> Outcome:
        """A button under a console question: a shortcut, a choice, or a toggled option."""
        name, _, option = value.partition(".")
        async with self._database.unit_of_work() as uow:
            person, pending, setting = await self._pending(uow, sender, name)
            t = self.translator_for(person)
            kind = SETTING_INPUT[setting]
            if kind is SettingInput.MULTIPLE_CHOICE:
                if option not in self._options(setting):
                    raise StaleButton()
                chosen = list(pending.draft.get(setting, []))
                chosen = (
                    [o for o in chosen if o != option] if option in chosen else [*chosen, option]
                )
                draft = {**pending.draft, setting: chosen}
                await uow.pending_inputs.put(_id(person), setting, draft, pending.program_id)
                question = self._question(t, setting, draft, replace=True)
                return await self.sealed(uow, sender, Outcome(replies=(question,)))
            if setting is Setting.DEFAULT_LANGUAGE:
                answer: Any = parse_default_language(
                    option, pending.draft.get(Setting.LANGUAGES, [])
                )
            elif setting is Setting.SAME_LANGUAGE_PAIRS:
                answer = parse_yes_no(option)
            else:
                answer = parse_typed(setting, option)
            outcome = await self._answered(uow, person, pending, setting, answer, replace=True)
            return await self.sealed(uow, sender, outcome)

    async def done(self, sender: Sender, value: str) -> Outcome:
        """Done under a multiple choice (languages, dialogues)."""
        async with self._database.unit_of_work() as uow:
            person, pending, setting = await self._pending(uow, sender, value)
            chosen = pending.draft.get(setting, [])
            if setting is Setting.LANGUAGES:
                answer = list(parse_languages(chosen, self._choices))
            elif setting is Setting.FLOWS:
                answer = list(parse_flows(chosen, self._choices))
            else:
                raise StaleButton()
            outcome = await self._answered(uow, person, pending, setting, answer, replace=True)
            return await self.sealed(uow, sender, outcome)

    async def create(self, sender: Sender, _value: str = "") -> Outcome:
        """Create the program "New program" has summarised."""
        async with self._database.unit_of_work() as uow:
            actor = await self.organizer(uow, sender)
            person, t = actor.person, actor.translator
            pending = await uow.pending_inputs.of(_id(person))
            if pending is None or pending.setting != CONFIRM or pending.program_id is not None:
                raise StaleButton()
            await self._authorizer.require(uow, person, Permission.CREATE_PROGRAM)
            program = await create_program(
                uow, settings_from_draft(pending.draft, self._choices), person
            )
            await uow.pending_inputs.clear(_id(person))
            communities = await uow.communities.of_program(_id(program))
            room = ProgramRoom(person, program, t)
            ready = self._views.render(ProgramCreated(program.name), t)
            card = self._card(room, communities, may_manage=True)
            return await self.sealed(uow, sender, Outcome(replies=(ready, card)))

    async def cancel(self, sender: Sender, _value: str = "") -> Outcome:
        """Cancel under a console question: forget the draft, change nothing."""
        async with self._database.unit_of_work() as uow:
            actor = await self.organizer(uow, sender)
            await uow.pending_inputs.clear(actor.person_id)
            stopped = self._views.render(ConsoleStopped(), actor.translator)
            return await self.sealed(uow, sender, Outcome(replies=(stopped,)))

    async def settings_menu(self, sender: Sender, value: str) -> Outcome:
        """The settings of a program, each a button that asks for it anew."""
        async with self._database.unit_of_work() as uow:
            room = await self.room(uow, sender, value, Permission.MANAGE_PROGRAM, writable=True)
        menu = SettingsMenu(_id(room.program), room.program.name)
        return Outcome(replies=(self._views.render(menu, room.t),))

    async def edit(self, sender: Sender, value: str) -> Outcome:
        """Ask for one setting of an existing program."""
        program_value, _, name = value.partition(".")
        setting = _setting(name)
        if setting is None:
            raise StaleButton()
        async with self._database.unit_of_work() as uow:
            room = await self.room(
                uow, sender, program_value, Permission.MANAGE_PROGRAM, writable=True
            )
            communities = await uow.communities.of_program(_id(room.program))
            draft = draft_from_program(room.program, [c.name for c in communities])
            await uow.pending_inputs.put(_id(room.person), setting, draft, room.program.id)
            question = self._question(room.t, setting, draft, replace=True)
            return await self.sealed(uow, sender, Outcome(replies=(question,)))

    # --- status -------------------------------------------------------------------------

    async def change_status(self, sender: Sender, value: str) -> Outcome:
        """Pause, resume, or close (after a confirmation) a program."""
        program_value, _, change = value.partition(".")
        async with self._database.unit_of_work() as uow:
            room = await self.room(
                uow, sender, program_value, Permission.MANAGE_PROGRAM, writable=True
            )
            t, program = room.t, room.program
            if change == StatusChange.ASK_TO_CLOSE:
                ask = ConfirmClose(_id(program), program.name)
                return Outcome(replies=(self._views.render(ask, t),))
            new_status = {
                StatusChange.PAUSE: ProgramStatus.PAUSED,
                StatusChange.RESUME: ProgramStatus.ACTIVE,
                StatusChange.CLOSE: ProgramStatus.CLOSED,
            }.get(change)
            if new_status is None:
                raise StaleButton()
            if new_status is not program.status:
                program.status = new_status
                uow.audit.record(
                    f"program.{new_status.value}",
                    actor_id=room.person.id,
                    subject_type="program",
                    subject_id=program.id,
                )
            communities = await uow.communities.of_program(_id(program))
            card = self._card(room, communities, may_manage=True, replaces_pressed_message=True)
            notice = self._views.render(StatusChanged(new_status), t).text
            changed = Outcome(replies=(card,), notice=notice)
            return await self.sealed(uow, sender, changed)

    # --- people and roles ----------------------------------------------------------------

    async def people(self, sender: Sender, value: str) -> Outcome:
        """How many people per community and status; never who they are."""
        async with self._database.unit_of_work() as uow:
            room = await self.room(uow, sender, value, Permission.VIEW_PROGRAM)
            program_id = _id(room.program)
            communities = await uow.communities.of_program(program_id)
            per_community = await uow.memberships.count_by_community(program_id)
            per_status = await uow.memberships.count_by_status(program_id)
            consented = await uow.memberships.count_consented(
                program_id, room.program.consent_version or self._choices.consent_version
            )
            in_exchange = await uow.memberships.count_in_exchange(program_id)
            finished = await uow.memberships.count_finished(program_id)
            follow_ups = await uow.follow_ups.counts(program_id)
            circles = await uow.circles.counts(program_id)
        counts = PeopleCounts(
            program_id=program_id,
            name=room.program.name,
            per_community=tuple((c.name, per_community[c.id]) for c in communities),
            undisclosed=per_community[None],
            joined=per_status[MembershipStatus.JOINED],
            consented=consented,
            in_exchange=in_exchange,
            finished=finished,
            left=per_status[MembershipStatus.LEFT],
            follow_ups=follow_ups,
            circles=circles,
        )
        return Outcome(replies=(self._views.render(counts, room.t),))

    async def roles(self, sender: Sender, value: str) -> Outcome:
        """Facilitators and organizers by pseudonym, each with a button to revoke the role."""
        async with self._database.unit_of_work() as uow:
            room = await self.room(uow, sender, value, Permission.GRANT_ROLES)
            holders = await uow.role_holders.holders(
                _id(room.program), (RoleName.ORGANIZER, RoleName.FACILITATOR)
            )
        return Outcome(replies=(self._roles_reply(room, holders),))

    async def revoke_role(self, sender: Sender, value: str) -> Outcome:
        """Take a facilitator or organizer role away (never the program's last organizer)."""
        async with self._database.unit_of_work() as uow:
            role = await uow.role_holders.get(button_id(value))
            if role is None or role.name is RoleName.PARTICIPANT:
                raise StaleButton()
            room = await self.room(uow, sender, str(role.program_id), Permission.GRANT_ROLES)
            if (
                role.name is RoleName.ORGANIZER
                and await uow.role_holders.count(role.program_id, RoleName.ORGANIZER) <= 1
            ):
                raise LastOrganizer()
            await uow.role_holders.remove(role)
            uow.audit.record(
                "role.revoked",
                actor_id=room.person.id,
                subject_type="person",
                subject_id=role.person_id,
                program_id=role.program_id,
                role=role.name.value,
            )
            holders = await uow.role_holders.holders(
                role.program_id, (RoleName.ORGANIZER, RoleName.FACILITATOR)
            )
            revoked = Outcome(
                replies=(self._roles_reply(room, holders),),
                notice=self._views.render(RoleRevoked(), room.t).text,
            )
            return await self.sealed(uow, sender, revoked)

    # --- shared by the console, invites and the command line -----------------------------

    async def organizer(self, uow: UnitOfWork, sender: Sender) -> Actor:
        """The actor behind an update, who must have agreed to the consent text in force."""
        return await self._actors.of(uow, sender)

    def translator_for(self, person: Person) -> Translator:
        return self._actors.translator_for(person)

    # --- the steps -------------------------------------------------------------------

    async def room(
        self,
        uow: UnitOfWork,
        sender: Sender,
        program_value: str,
        permission: Permission,
        *,
        writable: bool = False,
    ) -> ProgramRoom:
        """The program named by a button, once the sender may take `permission` in it."""
        actor = await self.organizer(uow, sender)
        program_id = button_id(program_value)
        # Permission first, so a stranger cannot tell which program ids exist.
        await self._authorizer.require(uow, actor.person, permission, program_id)
        program = await uow.programs.get(program_id)
        if program is None:
            raise ProgramNotFound()
        if writable and program.status is ProgramStatus.CLOSED:
            raise ProgramClosed()
        return ProgramRoom(actor.person, program, actor.translator)

    async def _pending(
        self, uow: UnitOfWork, sender: Sender, name: str
    ) -> tuple[Person, PendingInput, Setting]:
        """The organizer and the question they are answering; StaleButton for an old one."""
        person = (await self.organizer(uow, sender)).person
        pending = await uow.pending_inputs.of(_id(person))
        setting = _setting(name)
        if pending is None or setting is None or pending.setting != setting:
            raise StaleButton()
        return person, pending, setting

    async def _answered(
        self,
        uow: UnitOfWork,
        person: Person,
        pending: PendingInput,
        setting: Setting,
        answer: Any,
        *,
        replace: bool = False,
    ) -> Outcome:
        t = self.translator_for(person)
        if pending.program_id is not None:
            return await self._change_setting(uow, person, pending.program_id, setting, answer, t)
        await self._authorizer.require(uow, person, Permission.CREATE_PROGRAM)
        draft = {**pending.draft, setting: answer}
        if setting is Setting.LANGUAGES:
            # The main language must be one of them; with one language there is no question.
            if draft.get(Setting.DEFAULT_LANGUAGE) not in answer:
                draft.pop(Setting.DEFAULT_LANGUAGE, None)
            if len(answer) == 1:
                draft[Setting.DEFAULT_LANGUAGE] = answer[0]
        following = [s for s in Setting if s not in draft]
        if following:
            await uow.pending_inputs.put(_id(person), following[0], draft, None)
            return Outcome(replies=(self._question(t, following[0], draft, replace=replace),))
        await uow.pending_inputs.put(_id(person), CONFIRM, draft, None)
        summary = NewProgramSummary(
            self._shown(settings_from_draft(draft, self._choices)), replace=replace
        )
        return Outcome(replies=(self._views.render(summary, t),))

    async def _change_setting(
        self,
        uow: UnitOfWork,
        person: Person,
        program_id: int,
        setting: Setting,
        answer: Any,
        t: Translator,
    ) -> Outcome:
        await self._authorizer.require(uow, person, Permission.MANAGE_PROGRAM, program_id)
        program = await uow.programs.get(program_id)
        if program is None:
            raise ProgramNotFound()
        if program.status is ProgramStatus.CLOSED:
            raise ProgramClosed()
        if setting is Setting.COMMUNITIES:
            await _replace_communities(uow, program_id, answer)
        elif setting is Setting.QUIET_HOURS:
            program.quiet_hours_start, program.quiet_hours_end = answer if answer else (None, None)
        else:
            setattr(program, setting.value, answer)
        if setting is Setting.LANGUAGES and program.default_language not in answer:
            program.default_language = answer[0]
        uow.audit.record(
            "program.setting_changed",
            actor_id=person.id,
            subject_type="program",
            subject_id=program.id,
            setting=setting.value,
        )
        await uow.pending_inputs.clear(_id(person))
        await uow.programs.flush()
        communities = await uow.communities.of_program(program_id)
        room = ProgramRoom(person, program, t)
        saved = self._views.render(SettingSaved(setting), t)
        return Outcome(replies=(saved, self._card(room, communities, may_manage=True)))

    def _options(self, setting: Setting) -> tuple[str, ...]:
        if setting is Setting.LANGUAGES:
            return self._choices.languages
        if setting is Setting.FLOWS:
            return self._choices.flows
        return ()

    def _question(
        self, t: Translator, setting: Setting, draft: dict[str, Any], *, replace: bool = False
    ) -> Reply:
        """The question for one setting, with its buttons and Cancel."""
        options: tuple[SettingOption, ...] = ()
        if SETTING_INPUT[setting] is SettingInput.MULTIPLE_CHOICE:
            chosen = set(draft.get(setting, []))
            options = tuple(
                SettingOption(option, self._option_label(setting, option), option in chosen)
                for option in self._options(setting)
            )
        elif setting is Setting.DEFAULT_LANGUAGE:
            options = tuple(
                SettingOption(code, self._catalogs.display_name(code))
                for code in draft.get(Setting.LANGUAGES, [])
            )
        elif setting is Setting.CONSENT_VERSION:
            version = self._choices.consent_version
            options = (SettingOption(version, version),)
        return self._views.render(SettingQuestion(setting, options, replace), t)

    def _option_label(self, setting: Setting, option: str) -> str:
        if setting is Setting.LANGUAGES:
            return self._catalogs.display_name(option)
        return option

    def _shown(self, settings: ProgramSettings) -> SettingsShown:
        """The settings as shown, each language by its own name."""
        return SettingsShown(
            settings,
            language_names=tuple(self._catalogs.display_name(code) for code in settings.languages),
            default_language_name=self._catalogs.display_name(settings.default_language),
        )

    def _card(
        self,
        room: ProgramRoom,
        communities: Sequence[Community],
        may_manage: bool,
        *,
        replaces_pressed_message: bool = False,
    ) -> Reply:
        program = room.program
        card = ProgramCard(
            program_id=_id(program),
            name=program.name,
            status=program.status,
            settings=self._shown(_settings_of(program, communities)),
            may_manage=may_manage,
            replaces_pressed_message=replaces_pressed_message,
        )
        return self._views.render(card, room.t)

    def _roles_reply(self, room: ProgramRoom, holders: Sequence[tuple[Role, Person]]) -> Reply:
        program = room.program
        roles = RolesList(
            program_id=_id(program),
            name=program.name,
            closed=program.status is ProgramStatus.CLOSED,
            holders=tuple(
                RoleHolder(
                    role_id=_id(role),
                    role=role.name,
                    pseudonym=holder.pseudonym,
                    is_reader=holder.id == room.person.id,
                )
                for role, holder in holders
            ),
        )
        return self._views.render(roles, room.t)


async def create_program(
    uow: UnitOfWork, settings: ProgramSettings, creator: Person | None
) -> Program:
    """Add a program and its communities; its creator (if any) becomes its organizer."""
    program = settings.to_program()
    program.created_by_id = creator.id if creator else None
    uow.programs.add(program)
    await uow.programs.flush()
    program_id = _id(program)
    for position, name in enumerate(settings.communities):
        uow.communities.add(Community(program_id=program_id, name=name, position=position))
    uow.audit.record(
        "program.created",
        actor_id=creator.id if creator else None,
        subject_type="program",
        subject_id=program_id,
        is_demo=settings.is_demo,
    )
    if creator is not None:
        grant_role(uow, creator, program_id, RoleName.ORGANIZER, granted_by_id=creator.id)
    await uow.programs.flush()
    return program


def grant_role(
    uow: UnitOfWork,
    person: Person,
    program_id: int,
    role: RoleName,
    *,
    granted_by_id: int | None,
    invite_id: int | None = None,
) -> None:
    """Give `person` a role in a program, audit-logged with internal ids only."""
    uow.roles.add(
        Role(person_id=_id(person), program_id=program_id, name=role, granted_by_id=granted_by_id)
    )
    uow.audit.record(
        "role.granted",
        actor_id=granted_by_id,
        subject_type="person",
        subject_id=person.id,
        program_id=program_id,
        role=role.value,
        invite_id=invite_id,
    )


async def _replace_communities(uow: UnitOfWork, program_id: int, names: Sequence[str]) -> None:
    """Keep communities whose name stays, add new ones, remove dropped ones nobody chose."""
    existing = {c.name.casefold(): c for c in await uow.communities.of_program(program_id)}
    wanted = {name.casefold() for name in names}
    for key, community in existing.items():
        if key not in wanted:
            if await uow.memberships.in_community(_id(community)):
                raise CommunityInUse(name=community.name)
            await uow.communities.remove(community)
    for position, name in enumerate(names):
        kept = existing.get(name.casefold())
        if kept is None:
            uow.communities.add(Community(program_id=program_id, name=name, position=position))
        else:
            kept.name, kept.position = name, position


def _settings_of(program: Program, communities: Sequence[Community]) -> ProgramSettings:
    quiet = (
        (program.quiet_hours_start, program.quiet_hours_end)
        if program.quiet_hours_start is not None and program.quiet_hours_end is not None
        else None
    )
    return ProgramSettings(
        name=program.name,
        communities=tuple(c.name for c in communities),
        languages=tuple(program.languages),
        default_language=program.default_language,
        flows=tuple(program.flows),
        same_language_pairs=program.same_language_pairs,
        time_zone=program.time_zone,
        quiet_hours=quiet,
        min_group_size=program.min_group_size,
        retention_days=program.retention_days,
        consent_version=program.consent_version or "",
        is_demo=program.is_demo,
    )


def _setting(name: str) -> Setting | None:
    try:
        return Setting(name)
    except ValueError:
        return None


def _id(row: Person | Program | Community | Role) -> int:
    assert row.id is not None, "a row used before it was flushed"
    return row.id
