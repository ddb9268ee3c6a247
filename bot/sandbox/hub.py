"""The sandbox's world: the local Bot API, the real Palaver, simulated people and a clock.

Everything the page and its JSON API do goes through `Sandbox`: a person sends a message or
presses a button (an update through the local Bot API, handled by the real Palaver), a chat
is read back as Telegram would show it, the clock jumps ahead. Nothing here writes to
Palaver's tables; the bot is driven only the way people drive it.
"""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from pydantic import SecretStr

from bot.clock import JumpingClock, system_clock
from bot.config import Settings
from bot.i18n.catalogs import Catalogs
from bot.sandbox.botapi import (
    DEFAULT_TOKEN,
    LocalBotApi,
    SentMessage,
    SimulatedGroup,
    SimulatedUser,
)
from bot.storage.database import create_engine
from bot.storage.migrator import upgrade_to_head
from bot.telegram.application import Palaver, build_palaver

log = logging.getLogger(__name__)

JSON = dict[str, Any]
BOT_USERNAME = "palaver_sandbox_bot"
RIGHT_TO_LEFT = frozenset({"ar", "he", "fa", "ur", "yi"})
# Taps in a scripted scenario come faster than any thumb; flood control would slow them.
SANDBOX_FLOOD_LIMIT = 1000
# A long jump is walked in steps so timers that depend on each other (a nudge, then an
# offer of someone new) fire in order, as they would over real time.
MAX_CLOCK_STEPS = 48
SMALLEST_CLOCK_STEP = timedelta(hours=1)
SETTLE_SECONDS = 30.0


class SandboxError(Exception):
    """Something the page or a script asked for that the sandbox cannot do; says why."""


class NotFound(SandboxError):
    """No simulated person, group or file has this id."""


class NotEmpty(SandboxError):
    """The database given to the sandbox already holds programs."""


class UnknownButton(SandboxError):
    """The message has no such button (or no longer has it)."""


@dataclass
class Phone:
    """One simulated person and their phone: who they are in the rehearsal, and their chat."""

    user: SimulatedUser
    role: str
    community: str | None = None
    start_payload: str | None = None
    """What opening their invite link puts after /start (set once the organizer made it)."""

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def language(self) -> str:
        return self.user.language_code or "en"


@dataclass(frozen=True)
class CastMember:
    """Someone the sandbox puts on a phone at start-up."""

    name: str
    language: str
    role: str
    community: str | None = None


COMMUNITIES = ("east bank", "west bank")
DEFAULT_CAST = (
    CastMember("Mira", "en", "organizer"),
    CastMember("Nour", "en", "facilitator"),
    CastMember("Amal", "ar", "participant", "east bank"),
    CastMember("Karim", "en", "participant", "east bank"),
    CastMember("Yael", "he", "participant", "west bank"),
    CastMember("Dana", "en", "participant", "west bank"),
)


REHEARSAL_STARTS_AT = time(10, 0)
"""A rehearsal begins at ten in the morning (UTC, the sample program's zone)."""


def rehearsal_morning() -> datetime:
    """Today at ten, UTC: a jump of a day or a week then lands in waking hours.

    Started at the machine's hour, a rehearsal begun late in the evening would see every
    follow-up held by the sample program's quiet hours (22:00–07:00) after a jump, and a
    trainer would wonder where the nudge went.
    """
    return datetime.combine(system_clock().date(), REHEARSAL_STARTS_AT, tzinfo=UTC)


@dataclass
class Sandbox:
    """A running rehearsal: start it, act as people, read chats, jump the clock, stop it."""

    settings: Settings
    clock: JumpingClock = field(default_factory=lambda: JumpingClock(start=rehearsal_morning()))
    api: LocalBotApi = field(init=False)
    palaver: Palaver = field(init=False)
    phones: dict[int, Phone] = field(default_factory=dict)
    program_name: str | None = None
    invite_payloads: dict[str, str] = field(default_factory=dict)
    """The /start payload of each community's participant link."""
    groups: dict[int, SimulatedGroup] = field(default_factory=dict)
    _started: bool = False
    _jumps: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100_000_001))

    def __post_init__(self) -> None:
        self.api = LocalBotApi(DEFAULT_TOKEN, BOT_USERNAME, clock=self.clock)

    @property
    def catalogs(self) -> Catalogs:
        return self.palaver.catalogs

    @property
    def organizer(self) -> Phone:
        return next(p for p in self.phones.values() if p.role == "organizer")

    async def start(self, cast: tuple[CastMember, ...] = DEFAULT_CAST) -> None:
        """Start the local Bot API, migrate the database and start the real Palaver."""
        await self.api.start()
        for member in cast:
            self._new_phone(member)
        organizers = frozenset(p.id for p in self.phones.values() if p.role == "organizer")
        self.settings = self.settings.model_copy(
            update={
                "telegram_token": SecretStr(DEFAULT_TOKEN),
                "bot_api_url": self.api.url,
                "admins": self.settings.admins | organizers,
                "flood_limit": SANDBOX_FLOOD_LIMIT,
                # Telegram's one message a second per chat guards Telegram, not this page;
                # scripted people would only wait for it.
                "private_chat_messages_per_second": 0,
                "group_messages_per_minute": 0,
                # The sandbox makes no requests outside this machine.
                "machine_translation_url": None,
            }
        )
        engine = create_engine(self.settings.database_url)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()
        self.palaver = build_palaver(self.settings, clock=self.clock)
        async with self.palaver.database.unit_of_work() as uow:
            holds_programs = bool(await uow.programs.every())
        if holds_programs:
            await self.palaver.database.dispose()
            raise NotEmpty(
                "That database already holds programs. The sandbox prepares its own from "
                "scratch and never mixes simulated people with real ones: give --db an empty "
                "database, or leave --db out for a throwaway one."
            )
        await self.palaver.start()
        self._started = True
        await self.api.wait_until_polling(timeout=SETTLE_SECONDS)

    async def stop(self) -> None:
        """Stop Palaver (finishing what it has in hand), then the local Bot API."""
        try:
            if self._started:
                await self.palaver.stop()
        finally:
            await self.api.stop()

    # ------------------------------------------------------------------ people

    def _new_phone(self, member: CastMember) -> Phone:
        user = self.api.user(member.name, language_code=member.language, user_id=next(self._ids))
        phone = Phone(user, member.role, member.community)
        self.phones[phone.id] = phone
        return phone

    def phone(self, person_id: int) -> Phone:
        """The phone of person `person_id`, or NotFound."""
        try:
            return self.phones[person_id]
        except KeyError:
            raise NotFound(f"there is no person {person_id} in the sandbox") from None

    def add_person(
        self, name: str, language: str, role: str = "participant", community: str | None = None
    ) -> Phone:
        """A new simulated person (with their community's invite link, if there is one)."""
        name = name.strip()
        if not name:
            raise SandboxError("a person needs a name")
        if community is not None and community not in self.invite_payloads:
            known = ", ".join(self.invite_payloads) or "none yet"
            raise SandboxError(f"no community {community!r} (known: {known})")
        phone = self._new_phone(CastMember(name, _language_code(language), role, community))
        phone.start_payload = self.invite_payloads.get(community or "")
        self.api.notify()
        return phone

    def rename(self, person_id: int, name: str) -> Phone:
        """Change a person's Telegram first name (Palaver sees it on their next update)."""
        if not name.strip():
            raise SandboxError("a person needs a name")
        phone = self.phone(person_id)
        phone.user.first_name = name.strip()
        self.api.notify()
        return phone

    def set_language(self, person_id: int, language: str) -> Phone:
        """Change the language of a person's Telegram app (what Telegram tells the bot)."""
        phone = self.phone(person_id)
        phone.user.language_code = _language_code(language)
        self.api.notify()
        return phone

    # ------------------------------------------------------------------ acting

    async def send(self, person_id: int, text: str) -> int:
        """`person_id` sends `text` to the bot; returns after the bot has handled it."""
        if not text.strip():
            raise SandboxError("there is nothing to send")
        message_id = self.phone(person_id).user.send(text)
        await self.settle()
        return message_id

    async def open_invite(self, person_id: int) -> int:
        """Press START in a chat opened from the person's invite link (a plain /start
        if they have none)."""
        payload = self.phone(person_id).start_payload
        return await self.send(person_id, f"/start {payload}" if payload else "/start")

    async def press(
        self, person_id: int, message_id: int, label: str, *, group_id: int | None = None
    ) -> str | None:
        """Press the inline button labelled `label` on the bot's message `message_id` (in the
        person's chat, or in a group); returns the bot's answer shown as a toast, if any."""
        phone = self.phone(person_id)
        chat_id = self.group(group_id).chat_id if group_id is not None else phone.id
        message = self.api.sent_message(chat_id, message_id)
        if message is None or message.deleted:
            raise UnknownButton(f"there is no message {message_id} from the bot in that chat")
        button = next((b for row in message.buttons for b in row if b.text == label), None)
        if button is None:
            raise UnknownButton(
                f"message {message_id} has no button {label!r}; it has {message.button_texts}"
            )
        if button.callback_data is not None:
            query_id = phone.user.press_data(button.callback_data, message)
            await self.settle()
            return self._callback_answer(query_id)
        payload = self._start_payload_of(button.url or "")
        if payload is None:
            raise UnknownButton(f"{label!r} opens {button.url}, outside the sandbox")
        await self.send(person_id, f"/start {payload}")
        return None

    def _callback_answer(self, query_id: str) -> str | None:
        for call in self.api.calls_to("answerCallbackQuery"):
            if str(call.params.get("callback_query_id")) == query_id and call.ok:
                text = call.params.get("text")
                return str(text) if text else None
        return None

    def _start_payload_of(self, url: str) -> str | None:
        match = re.fullmatch(rf"https://t\.me/{BOT_USERNAME}\?start=([\w-]+)", url)
        return match.group(1) if match else None

    async def settle(self) -> None:
        """Wait until Palaver fetched and handled every update sent so far."""
        try:
            await self.api.wait_until_delivered(timeout=SETTLE_SECONDS)
        except AssertionError:
            raise SandboxError(
                f"Palaver did not fetch the updates within {SETTLE_SECONDS:.0f}s; see its log"
            ) from None
        await self.palaver.application.update_queue.join()

    async def jump(self, by: timedelta) -> datetime:
        """Move the sandbox clock ahead by `by`, running Palaver's timers on the way."""
        if by <= timedelta(0):
            raise SandboxError("the clock only jumps forward")
        step = max(SMALLEST_CLOCK_STEP, by / MAX_CLOCK_STEPS)
        remaining = by
        while remaining > timedelta(0):
            moved = min(step, remaining)
            self.clock.advance(moved)
            remaining -= moved
            await self.palaver.tick()
        self._jumps += 1
        await self.settle()
        self.api.notify()
        return self.clock()

    async def wait_for_message(
        self,
        person_id: int,
        contains: str,
        *,
        after: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> SentMessage | None:
        """The first bot message to this person after message id `after` containing `contains`."""
        phone = self.phone(person_id)

        def probe() -> SentMessage | None:
            for message in self.api.messages_in(phone.id):
                if message.message_id > after and not message.deleted and message.matches(contains):
                    return message
            return None

        return await self.api.wait_until(probe, timeout)

    # ------------------------------------------------------------------ group chats

    def group(self, group_id: int) -> SimulatedGroup:
        """The simulated group `group_id`, or NotFound (there is no such chat)."""
        try:
            return self.groups[group_id]
        except KeyError:
            raise NotFound(f"there is no group {group_id} in the sandbox") from None

    async def create_group(self, title: str, member_ids: list[int] | None = None) -> SimulatedGroup:
        """The organizer makes a group, adds Palaver (as a plain member) and the people."""
        if not title.strip():
            raise SandboxError("a group needs a title")
        owner = self.organizer
        group = self.api.group(title.strip())
        group.bot_is_admin = False
        group.make_owner(owner.user)
        self.groups[group.chat_id] = group
        group.add_bot(by=owner.user)
        for person_id in member_ids if member_ids is not None else list(self.phones):
            if person_id != owner.id:
                group.add_member(self.phone(person_id).user)
        await self.settle()
        return group

    async def set_bot_admin(self, group_id: int, is_admin: bool) -> SimulatedGroup:
        """The group's owner makes Palaver an administrator there, or takes the rights away."""
        group = self.group(group_id)
        owner = self.phone(group.owner_id) if group.owner_id is not None else self.organizer
        group.set_bot_admin(is_admin, by=owner.user)
        await self.settle()
        self.api.notify()
        return group

    async def add_to_group(self, group_id: int, person_id: int) -> SimulatedGroup:
        """`person_id` joins the group."""
        group = self.group(group_id)
        group.add_member(self.phone(person_id).user)
        await self.settle()
        return group

    async def send_to_group(self, group_id: int, person_id: int, text: str) -> int:
        """`person_id` writes `text` in the group."""
        if not text.strip():
            raise SandboxError("there is nothing to send")
        group = self.group(group_id)
        message_id = self.phone(person_id).user.send_to_group(group, text)
        await self.settle()
        return message_id

    def describe_group(self, group: SimulatedGroup) -> JSON:
        return {
            "id": group.chat_id,
            "title": group.title,
            "bot_admin": group.bot_is_admin,
            "members": sorted(group.members & set(self.phones)),
            "menu": self._first_menu(
                [{"chat_id": group.chat_id, "type": "chat"}, {"type": "all_group_chats"}, None],
                self.settings.default_locale,
            ),
        }

    def group_chat(self, group_id: int) -> list[JSON]:
        """A group's messages, oldest first, with who wrote each."""
        group = self.group(group_id)
        views = []
        for message in self.api.history(group.chat_id):
            view = self._message_view(group.chat_id, message)
            sender = message.get("from", {})
            if view["from"] != "bot":
                view["from"] = "person"
                view["sender"] = {"id": sender.get("id"), "name": sender.get("first_name")}
            if view["text"] is None:
                view["text"] = _service_text(message)
            views.append(view)
        return views

    # ------------------------------------------------------------------ reading

    def describe(self) -> JSON:
        """Who is in the sandbox and what time it is (the page's top level)."""
        return {
            "clock": self.clock().isoformat(),
            "bot": {"username": BOT_USERNAME, "name": "Palaver"},
            "program": self.program_name,
            "communities": list(self.invite_payloads),
            "languages": [
                {"code": code, "name": self.catalogs.display_name(code)}
                for code in self.catalogs.languages
            ],
            "people": [self.describe_person(phone) for phone in self.phones.values()],
            "groups": [self.describe_group(group) for group in self.groups.values()],
        }

    def describe_person(self, phone: Phone) -> JSON:
        return {
            "id": phone.id,
            "name": phone.user.first_name,
            "language": phone.language,
            "rtl": phone.language.split("-")[0] in RIGHT_TO_LEFT,
            "role": phone.role,
            "community": phone.community,
            "has_invite": phone.start_payload is not None,
            "menu": self.menu(phone.id),
        }

    def menu(self, person_id: int) -> list[JSON]:
        """The command menu Telegram would show this person in their chat with the bot."""
        phone = self.phone(person_id)
        scopes: list[JSON | None] = [
            {"chat_id": phone.id, "type": "chat"},
            {"type": "all_private_chats"},
            None,
        ]
        return self._first_menu(scopes, phone.language.split("-")[0])

    def _first_menu(self, scopes: list[JSON | None], language: str) -> list[JSON]:
        """Telegram's rule: the narrowest scope with commands, in the language, else without."""
        for scope in scopes:
            for code in (language, ""):
                commands = self.api.commands(scope, code)
                if commands:
                    return commands
        return []

    def chat(self, person_id: int) -> list[JSON]:
        """A person's chat with the bot, oldest first, as their phone shows it."""
        phone = self.phone(person_id)
        return [self._message_view(phone.id, message) for message in self.api.history(phone.id)]

    def _message_view(self, chat_id: int, message: JSON) -> JSON:
        message_id = int(message["message_id"])
        sent = self.api.sent_message(chat_id, message_id)
        view: JSON = {
            "id": message_id,
            "from": "bot" if sent is not None else "me",
            "date": datetime.fromtimestamp(int(message["date"]), UTC).isoformat(),
            "text": message.get("text", message.get("caption")),
            "edited": "edit_date" in message,
            "buttons": [],
            "file": None,
        }
        if sent is not None:
            view["text"] = sent.text
            view["buttons"] = [
                [{"text": b.text, "url": b.url} for b in row] for row in sent.buttons
            ]
            if sent.file is not None:
                view["file"] = {
                    "id": sent.file.file_id,
                    "name": sent.file.filename,
                    "kind": sent.media_type,
                    "url": f"/api/files/{sent.file.file_id}",
                }
        return view

    @property
    def revision(self) -> int:
        """Grows with every change the page shows."""
        return self.api.revision

    async def changes(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until something the page shows changed; False if `timeout` passed first."""
        seen = self._fingerprint()
        changed = await self.api.wait_until(
            lambda: True if self._fingerprint() != seen else None, timeout
        )
        return bool(changed)

    def _fingerprint(self) -> tuple[Any, ...]:
        return (
            self.api.revision,
            self._jumps,
            len(self.phones),
            tuple((g.title, g.bot_is_admin, len(g.members)) for g in self.groups.values()),
            tuple((p.user.first_name, p.user.language_code) for p in self.phones.values()),
        )


def _service_text(message: JSON) -> str | None:
    """What Telegram shows for a service message (someone joined or left)."""
    sender = message.get("from", {}).get("first_name", "Someone")
    joined = message.get("new_chat_members")
    if joined:
        names = ", ".join(str(user.get("first_name")) for user in joined)
        return f"{sender} joined the group" if names == sender else f"{sender} added {names}"
    left = message.get("left_chat_member")
    if left:
        return f"{left.get('first_name')} left the group"
    return None


def _language_code(language: str) -> str:
    code = language.strip().replace("_", "-")
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?", code):
        raise SandboxError(f"{language!r} is not a language code such as en, ar or uk")
    return code.lower()
