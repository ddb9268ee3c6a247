"""The organizer console's messages: program list and cards, "New program", settings, roles."""

from __future__ import annotations

from bot.i18n.translator import N_, Translator
from bot.services.console_actions import InviteAction, ProgramAction, StatusChange
from bot.services.program_results import (
    AnswerRefused,
    ConfirmClose,
    ConsoleStopped,
    NewProgramSummary,
    PeopleCounts,
    ProgramCard,
    ProgramCreated,
    ProgramList,
    ProgramResult,
    RoleRevoked,
    RolesList,
    SettingQuestion,
    SettingSaved,
    SettingsMenu,
    SettingsShown,
    StatusChanged,
)
from bot.services.program_settings import NO_QUIET_HOURS, SETTING_INPUT, Setting, SettingInput
from bot.services.replies import Button, ButtonAction, Reply
from bot.storage.tables import (
    CircleState,
    FollowUpKind,
    FollowUpStatus,
    InviteKind,
    ProgramStatus,
    RoleName,
)
from bot.telegram.views.labels import CIRCLE_STATE

BUTTON_LABEL_LENGTH = 40

SETTING_LABELS: dict[Setting, str] = {
    Setting.NAME: N_("Name"),
    Setting.COMMUNITIES: N_("Communities"),
    Setting.LANGUAGES: N_("Languages"),
    Setting.DEFAULT_LANGUAGE: N_("Main language"),
    Setting.FLOWS: N_("Dialogues"),
    Setting.SAME_LANGUAGE_PAIRS: N_("Same-language pairs"),
    Setting.TIME_ZONE: N_("Time zone"),
    Setting.QUIET_HOURS: N_("Quiet hours"),
    Setting.MIN_GROUP_SIZE: N_("Smallest group in exports"),
    Setting.RETENTION_DAYS: N_("Days to keep relayed words"),
    Setting.CONSENT_VERSION: N_("Consent text version"),
}

SETTING_QUESTIONS: dict[Setting, str] = {
    Setting.NAME: N_(
        "What is the program called? For example: Neighbours across the river, spring 2027"
    ),
    Setting.COMMUNITIES: N_(
        "Which communities does it bring together? Send their names, one per line or "
        "separated by commas (at least two). People choose theirs when they join, or "
        "“prefer not to say”."
    ),
    Setting.LANGUAGES: N_("Which languages will people use? Tap each one, then Done."),
    Setting.DEFAULT_LANGUAGE: N_("Which of them is the program's main language?"),
    Setting.FLOWS: N_("Which dialogues does the program offer? Tap each one, then Done."),
    Setting.SAME_LANGUAGE_PAIRS: N_(
        "Should partners always share a language? If not, people may be paired across languages."
    ),
    Setting.TIME_ZONE: N_(
        "Which time zone is the program in? Send its name, like Europe/Kyiv, or tap UTC."
    ),
    Setting.QUIET_HOURS: N_(
        "When should I stay quiet? Send hours like 22-7 (no reminders from 22:00 to 7:00 in "
        "the program's time zone), or tap No quiet hours."
    ),
    Setting.MIN_GROUP_SIZE: N_(
        "In exports, groups smaller than this are hidden so that nobody can be singled out. "
        "Send a number, or tap the recommended one."
    ),
    Setting.RETENTION_DAYS: N_(
        "After how many days should I delete the words people relayed to each other? Send a "
        "number, or tap the usual one."
    ),
    Setting.CONSENT_VERSION: N_(
        "Which version of the consent text applies to this program? Tap the current one, or "
        "send another."
    ),
}

STATUS_LABELS: dict[ProgramStatus, str] = {
    ProgramStatus.ACTIVE: N_("open"),
    ProgramStatus.PAUSED: N_("paused"),
    ProgramStatus.CLOSED: N_("closed"),
}

STATUS_NOTICES: dict[ProgramStatus, str] = {
    ProgramStatus.PAUSED: N_("Paused: nobody can join and no reminders are sent."),
    ProgramStatus.ACTIVE: N_("Open again."),
    ProgramStatus.CLOSED: N_("Closed. It stays readable and exportable."),
}

ROLE_LABELS: dict[RoleName, str] = {
    RoleName.PARTICIPANT: N_("participant"),
    RoleName.FACILITATOR: N_("facilitator"),
    RoleName.ORGANIZER: N_("organizer"),
}

FOLLOW_UP_KIND = {
    FollowUpKind.FLOW: N_("later flows and surveys"),
    FollowUpKind.COMMITMENT_CHECKIN: N_("commitment check-ins"),
    FollowUpKind.EXCHANGE_NUDGE: N_("nudges in exchanges"),
    FollowUpKind.CIRCLE_REMINDER: N_("circle reminders"),
    FollowUpKind.ANNOUNCEMENT: N_("announcements"),
}
FOLLOW_UP_STATUS = {
    FollowUpStatus.PENDING: N_("scheduled"),
    FollowUpStatus.QUEUED: N_("sending"),
    FollowUpStatus.DONE: N_("sent"),
    FollowUpStatus.CANCELLED: N_("cancelled"),
    FollowUpStatus.EXPIRED: N_("expired"),
    FollowUpStatus.FAILED: N_("failed"),
}


def render_program(result: ProgramResult, t: Translator) -> Reply:
    """The message for a result of the organizer console, in the organizer's language."""
    match result:
        case ProgramList():
            return _list(result, t)
        case ProgramCard():
            return _card(result, t)
        case SettingQuestion():
            return _question(result, t)
        case AnswerRefused(message=message, params=params):
            return Reply(t.gettext(message, **params))
        case NewProgramSummary(settings=settings, replace=replace):
            buttons = (
                (
                    Button(t.gettext("Create program"), ButtonAction(ProgramAction.CREATE)),
                    Button(t.gettext("Cancel"), ButtonAction(ProgramAction.CANCEL)),
                ),
            )
            text = "\n\n".join(
                (
                    t.gettext("Here is the new program. Create it?"),
                    _describe(settings, t),
                    t.gettext("You can change every setting later."),
                )
            )
            return Reply(text, buttons, replaces_pressed_message=replace)
        case ProgramCreated(name=name):
            return Reply(
                t.gettext(
                    "“{program}” is ready. Next, make invite links for participants and "
                    "facilitators.",
                    program=name,
                ),
                replaces_pressed_message=True,
            )
        case ConsoleStopped():
            return Reply(t.gettext("Stopped. Nothing was changed."), replaces_pressed_message=True)
        case SettingsMenu():
            return _settings_menu(result, t)
        case SettingSaved(setting=setting):
            return Reply(
                t.gettext("Saved: {setting}.", setting=t.gettext(SETTING_LABELS[setting])),
                replaces_pressed_message=True,
            )
        case ConfirmClose(program_id=program_id, name=name):
            buttons = (
                (
                    Button(
                        t.gettext("Yes, close it"),
                        ButtonAction(ProgramAction.STATUS, f"{program_id}.{StatusChange.CLOSE}"),
                    ),
                    Button(t.gettext("« Back"), ButtonAction(ProgramAction.OPEN, str(program_id))),
                ),
            )
            text = t.gettext(
                "Close “{program}” for good? Nobody can join it any more and it can't be "
                "changed, but you can still see its numbers and export them.",
                program=name,
            )
            return Reply(text, buttons, replaces_pressed_message=True)
        case StatusChanged(status=status):
            return Reply(t.gettext(STATUS_NOTICES[status]))
        case PeopleCounts():
            return _people(result, t)
        case RolesList():
            return _roles(result, t)
        case RoleRevoked():
            return Reply(t.gettext("Role revoked."))


def _list(result: ProgramList, t: Translator) -> Reply:
    if result.programs:
        lines = [t.gettext("Your programs:")]
        lines += [
            t.gettext(
                "• {program} ({status})",
                program=program.name,
                status=t.gettext(STATUS_LABELS[program.status]),
            )
            for program in result.programs
        ]
        text = "\n".join(lines)
    else:
        text = t.gettext("You don't organize any program yet.")
    buttons = [
        (
            Button(
                short_label(program.name), ButtonAction(ProgramAction.OPEN, str(program.program_id))
            ),
        )
        for program in result.programs
    ]
    if result.may_create:
        buttons.append((Button(t.gettext("New program"), ButtonAction(ProgramAction.NEW)),))
    return Reply(text, buttons=tuple(buttons))


def _question(result: SettingQuestion, t: Translator) -> Reply:
    """The question for one setting, with its buttons and Cancel."""
    setting = result.setting
    rows: list[tuple[Button, ...]] = []

    def answer(label: str, option: str) -> Button:
        return Button(label, ButtonAction(ProgramAction.ANSWER, f"{setting}.{option}"))

    kind = SETTING_INPUT[setting]
    if kind is SettingInput.MULTIPLE_CHOICE:
        options = [
            answer(("✓ " if option.chosen else "") + option.label, option.value)
            for option in result.options
        ]
        rows += [tuple(options[i : i + 2]) for i in range(0, len(options), 2)]
        rows.append((Button(t.gettext("Done"), ButtonAction(ProgramAction.DONE, str(setting))),))
    elif setting is Setting.DEFAULT_LANGUAGE:
        rows += [(answer(option.label, option.value),) for option in result.options]
    elif setting is Setting.SAME_LANGUAGE_PAIRS:
        rows.append((answer(t.gettext("Yes"), "yes"), answer(t.gettext("No"), "no")))
    elif setting is Setting.TIME_ZONE:
        rows.append((answer("UTC", "UTC"),))
    elif setting is Setting.QUIET_HOURS:
        rows.append((answer(t.gettext("No quiet hours"), NO_QUIET_HOURS),))
    elif setting is Setting.MIN_GROUP_SIZE:
        rows.append((answer("5", "5"),))
    elif setting is Setting.RETENTION_DAYS:
        rows.append((answer("30", "30"),))
    elif setting is Setting.CONSENT_VERSION:
        rows += [(answer(option.label, option.value),) for option in result.options]
    rows.append((Button(t.gettext("Cancel"), ButtonAction(ProgramAction.CANCEL)),))
    return Reply(
        t.gettext(SETTING_QUESTIONS[setting]),
        buttons=tuple(rows),
        replaces_pressed_message=result.replace,
    )


def _describe(shown: SettingsShown, t: Translator) -> str:
    """Every setting on its own line, for the summary and the program card."""
    settings = shown.settings
    quiet = (
        t.gettext(
            "from {start}:00 to {end}:00",
            start=settings.quiet_hours[0],
            end=settings.quiet_hours[1],
        )
        if settings.quiet_hours
        else t.gettext("none")
    )
    values: dict[Setting, str] = {
        Setting.NAME: settings.name,
        Setting.COMMUNITIES: ", ".join(settings.communities),
        Setting.LANGUAGES: ", ".join(shown.language_names),
        Setting.DEFAULT_LANGUAGE: shown.default_language_name,
        Setting.FLOWS: ", ".join(settings.flows),
        Setting.SAME_LANGUAGE_PAIRS: t.gettext("Yes")
        if settings.same_language_pairs
        else t.gettext("No"),
        Setting.TIME_ZONE: settings.time_zone,
        Setting.QUIET_HOURS: quiet,
        Setting.MIN_GROUP_SIZE: str(settings.min_group_size),
        Setting.RETENTION_DAYS: str(settings.retention_days),
        Setting.CONSENT_VERSION: settings.consent_version,
    }
    return "\n".join(
        t.gettext("{setting}: {value}", setting=t.gettext(SETTING_LABELS[s]), value=v)
        for s, v in values.items()
    )


def _card(card: ProgramCard, t: Translator) -> Reply:
    text = "\n\n".join(
        (
            t.gettext(
                "“{program}” is {status}.",
                program=card.name,
                status=t.gettext(STATUS_LABELS[card.status]),
            ),
            _describe(card.settings, t),
        )
    )
    pid = str(card.program_id)

    def button(label: str, kind: str, value: str = pid) -> Button:
        return Button(t.gettext(label), ButtonAction(kind, value))

    rows: list[tuple[Button, ...]] = []
    if card.may_manage and card.status is not ProgramStatus.CLOSED:
        rows.append(
            (
                button(N_("Settings"), ProgramAction.SETTINGS),
                button(N_("Invite links"), InviteAction.LIST),
            )
        )
        rows.append(
            (
                button(N_("People"), ProgramAction.PEOPLE),
                button(N_("Roles"), ProgramAction.ROLES),
            )
        )
        pause_or_resume = (
            button(N_("Resume"), ProgramAction.STATUS, f"{pid}.{StatusChange.RESUME}")
            if card.status is ProgramStatus.PAUSED
            else button(N_("Pause"), ProgramAction.STATUS, f"{pid}.{StatusChange.PAUSE}")
        )
        rows.append(
            (
                pause_or_resume,
                button(N_("Close"), ProgramAction.STATUS, f"{pid}.{StatusChange.ASK_TO_CLOSE}"),
            )
        )
    else:
        rows.append((button(N_("People"), ProgramAction.PEOPLE),))
    rows.append((button(N_("« My programs"), ProgramAction.LIST, ""),))
    return Reply(text, tuple(rows), replaces_pressed_message=card.replaces_pressed_message)


def _settings_menu(menu: SettingsMenu, t: Translator) -> Reply:
    buttons = tuple(
        (
            Button(
                t.gettext(SETTING_LABELS[setting]),
                ButtonAction(ProgramAction.EDIT, f"{menu.program_id}.{setting}"),
            ),
        )
        for setting in Setting
    )
    back = Button(t.gettext("« Back"), ButtonAction(ProgramAction.OPEN, str(menu.program_id)))
    return Reply(
        t.gettext("Which setting of “{program}” do you want to change?", program=menu.name),
        buttons=(*buttons, (back,)),
        replaces_pressed_message=True,
    )


def _people(counts: PeopleCounts, t: Translator) -> Reply:
    lines = [t.gettext("People in “{program}”", program=counts.name), ""]
    lines += [
        t.gettext("• {community}: {count}", community=name, count=count)
        for name, count in counts.per_community
    ]
    lines.append(
        t.gettext("• prefer not to say, or not chosen yet: {count}", count=counts.undisclosed)
    )
    lines += [
        "",
        t.gettext("Joined: {count}", count=counts.joined),
        t.gettext("Agreed to the current consent text: {count}", count=counts.consented),
        t.gettext("In an exchange now: {count}", count=counts.in_exchange),
        t.gettext("Finished a dialogue: {count}", count=counts.finished),
        t.gettext("Left: {count}", count=counts.left),
    ]
    if counts.follow_ups:
        lines += ["", t.gettext("Follow-ups (reminders, check-ins, surveys):")]
        for kind in FollowUpKind:
            statuses = {s: n for (k, s), n in counts.follow_ups.items() if k == kind}
            if statuses:
                parts = ", ".join(
                    t.gettext("{status}: {count}", status=t.gettext(FOLLOW_UP_STATUS[st]), count=n)
                    for st, n in sorted(statuses.items())
                )
                lines.append(f"• {t.gettext(FOLLOW_UP_KIND[kind])}: {parts}")
    if counts.circles:
        states = ", ".join(
            t.gettext(
                "{status}: {count}",
                status=t.gettext(CIRCLE_STATE[state]),
                count=counts.circles[state],
            )
            for state in CircleState
            if state in counts.circles
        )
        lines += ["", t.gettext("Circles: {states}", states=states)]
    back = Button(t.gettext("« Back"), ButtonAction(ProgramAction.OPEN, str(counts.program_id)))
    return Reply("\n".join(lines), ((back,),), replaces_pressed_message=True)


def _roles(roles: RolesList, t: Translator) -> Reply:
    lines = [t.gettext("Roles in “{program}”:", program=roles.name)]
    rows: list[tuple[Button, ...]] = []
    for holder in roles.holders:
        role_label = t.gettext(ROLE_LABELS[holder.role])
        name = holder.pseudonym or t.gettext("(no name yet)")
        lines.append(t.gettext("• {name}: {role}", name=name, role=role_label))
        if not holder.is_reader:
            rows.append(
                (
                    Button(
                        t.gettext("Revoke {name} ({role})", name=name, role=role_label),
                        ButtonAction(ProgramAction.REVOKE_ROLE, str(holder.role_id)),
                    ),
                )
            )
    lines += [
        "",
        t.gettext(
            "To give someone a role, send them a one-time invite link: whoever opens it "
            "gets the role."
        ),
    ]
    pid = str(roles.program_id)
    if not roles.closed:
        rows.append(
            (
                Button(
                    t.gettext("Facilitator link"),
                    ButtonAction(InviteAction.NEW, f"{pid}.{InviteKind.FACILITATOR}"),
                ),
                Button(
                    t.gettext("Co-organizer link"),
                    ButtonAction(InviteAction.NEW, f"{pid}.{InviteKind.ORGANIZER}"),
                ),
            )
        )
    rows.append((Button(t.gettext("« Back"), ButtonAction(ProgramAction.OPEN, pid)),))
    return Reply("\n".join(lines), tuple(rows), replaces_pressed_message=True)


def short_label(label: str) -> str:
    """A name cut to fit on a button (Telegram shows little of a long one)."""
    return label if len(label) <= BUTTON_LABEL_LENGTH else label[: BUTTON_LABEL_LENGTH - 1] + "…"
