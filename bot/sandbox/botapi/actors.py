"""Simulated Telegram users and groups that inject updates and observe the bot's replies."""

from __future__ import annotations

import asyncio
import re
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from .models import ApiCall, Button, MessageEvent, SentMessage

if TYPE_CHECKING:
    from .server import LocalBotApi

__all__ = ["SimulatedGroup", "SimulatedUser", "member_json"]

JSON = dict[str, Any]
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,64})?")


class _ChatActor(ABC):
    """Shared observation helpers for a chat the bot writes to (private chat or group)."""

    def __init__(self, api: LocalBotApi, chat_id: int) -> None:
        self.api = api
        self.chat_id = chat_id
        self._cursor = 0

    @property
    def label(self) -> str:
        """Human readable name used in assertion messages."""
        return str(self.chat_id)

    @property
    def messages(self) -> list[SentMessage]:
        """Everything the bot sent to this chat, in order, with edits applied."""
        return self.api.messages_in(self.chat_id)

    @property
    def last_message(self) -> SentMessage:
        """The most recent message the bot sent to this chat (AssertionError if none)."""
        if not self.messages:
            raise AssertionError(f"the bot has not sent anything to {self.label}")
        return self.messages[-1]

    @property
    def events(self) -> list[MessageEvent]:
        """New bot messages and text/caption edits in this chat, in order (what
        :meth:`expect_message` consumes)."""
        return self.api.events_in(self.chat_id)

    def _find_unconsumed(self, contains: str | None) -> SentMessage | None:
        events = self.events
        for index in range(self._cursor, len(events)):
            if events[index].matches(contains):
                self._cursor = index + 1
                return events[index].message
        return None

    def transcript(self) -> str:
        """What the bot sent to this chat and which calls for it failed (for error messages)."""
        lines = []
        for index, event in enumerate(self.events):
            marker = "  " if index < self._cursor else "->"
            lines.append(f"  {marker} {event.describe()}")
        failed = [
            c
            for c in self.api.calls
            if not c.ok and str(c.params.get("chat_id")) == str(self.chat_id)
        ]
        text = "\n".join(lines) or "  (nothing)"
        if failed:
            text += "\nfailed calls for this chat:\n" + "\n".join(f"  {c!r}" for c in failed[-5:])
        return text

    async def expect_message(
        self,
        contains: str | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> SentMessage:
        """Wait for the next unconsumed bot message to this chat (containing ``contains``).

        The chat is seen as a stream of events: each new bot message, and each edit that changes
        a message's text/caption (markup-only edits are not events).  Returns the message of the
        first matching event after the last consumed one, and consumes it together with every
        earlier event.  ``contains`` is matched case-sensitively against the visible text/caption
        and the raw (markup) text *as of that event*.  The returned :class:`SentMessage` is live:
        it reflects later edits.
        """
        found = await self.api._wait_until(lambda: self._find_unconsumed(contains), timeout)
        if found is None:
            wanted = "any message" if contains is None else f"a message containing {contains!r}"
            raise AssertionError(
                f"timed out after {timeout}s waiting for {wanted} to {self.label}.\n"
                f"bot sent to this chat (-> = not yet consumed):\n{self.transcript()}"
            )
        return found

    async def expect_no_message(self, within: float = 0.3) -> None:
        """Assert the bot sends (or re-words) nothing new here for ``within`` seconds."""
        await asyncio.sleep(within)
        fresh = self.events[self._cursor :]
        if fresh:
            summary = "\n".join(f"  {m.describe()}" for m in fresh)
            raise AssertionError(f"expected no message to {self.label}, but got:\n{summary}")

    async def expect_edit(
        self,
        contains: str | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> SentMessage:
        """Wait for the next successful edit (text/caption/markup) of a bot message here."""

        def predicate(call: ApiCall) -> bool:
            if not call.ok or str(call.params.get("chat_id")) != str(self.chat_id):
                return False
            result = call.result if isinstance(call.result, dict) else {}
            text = result.get("text", result.get("caption"))
            raw = call.params.get("text", call.params.get("caption"))
            return contains is None or any(
                isinstance(t, str) and contains in t for t in (text, raw)
            )

        def probe() -> ApiCall | None:
            for call in self.api.calls:
                if (
                    call.method.startswith("editMessage")
                    and id(call) not in consumed
                    and predicate(call)
                ):
                    return call
            return None

        consumed = self.api._consumed_calls
        call = await self.api._wait_until(probe, timeout)
        if call is None:
            raise AssertionError(
                f"timed out after {timeout}s waiting for an edit in {self.label} "
                f"(contains={contains!r}).\nbot sent:\n{self.transcript()}"
            )
        consumed.add(id(call))
        message_id = int(call.params["message_id"])
        return next(m for m in self.messages if m.message_id == message_id)

    def _post(self, sender: JSON, content: JSON, *, edited_of: JSON | None = None) -> int:
        """Store a message from ``sender`` in this chat and inject the update."""
        chat = self.chat_json
        if edited_of is not None:
            message = {**edited_of, **content, "edit_date": self.api.timestamp()}
            self.api.store_message(message)
            self.api.inject_update({"edited_message": message})
            return int(message["message_id"])
        message = {
            "message_id": self.api.next_message_id(self.chat_id),
            "from": sender,
            "chat": chat,
            "date": self.api.timestamp(),
            **content,
        }
        self.api.store_message(message)
        self.api.mark_known(self.chat_id)
        self.api.inject_update({"message": message})
        return int(message["message_id"])

    @property
    @abstractmethod
    def chat_json(self) -> JSON:
        """The Telegram Chat object (a private chat or a group: each kind says its own)."""


def _text_content(text: str) -> JSON:
    content: JSON = {"text": text}
    match = _COMMAND_RE.match(text)
    if match:
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": match.end()}]
    return content


class SimulatedUser(_ChatActor):
    """A Telegram user talking to the bot in a private chat (chat id == user id)."""

    def __init__(
        self,
        api: LocalBotApi,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        super().__init__(api, user_id)
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked = False
        self.callback_query_ids: list[str] = []

    @property
    def label(self) -> str:
        return f"{self.first_name} (chat {self.chat_id})"

    @property
    def user_json(self) -> JSON:
        """The Telegram User object."""
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def chat_json(self) -> JSON:
        chat: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    # -- sending --------------------------------------------------------------------------

    def send(self, text: str, *, reply_to: int | None = None) -> int:
        """Send a text message (``/cmd`` gets a bot_command entity); returns its message_id."""
        content = _text_content(text)
        if reply_to is not None:
            replied = self.api.message(self.chat_id, reply_to)
            if replied is None:
                raise AssertionError(f"no message {reply_to} in {self.label} to reply to")
            content["reply_to_message"] = replied
        return self._post(self.user_json, content)

    def send_sticker(self, emoji: str = "👍") -> int:
        """Send a sticker."""
        uploaded = self.api.register_file(b"RIFFsticker", "sticker.webp", "image/webp")
        sticker = self.api._media_json("sticker", uploaded, uploaded.file_id)
        return self._post(self.user_json, {"sticker": {**sticker, "emoji": emoji}})

    def send_photo(self, data: bytes = b"\x89PNG fake", caption: str | None = None) -> int:
        """Send a photo (downloadable by the bot through getFile)."""
        uploaded = self.api.register_file(data, "photo.jpg", "image/jpeg")
        content: JSON = {"photo": self.api._media_json("photo", uploaded, uploaded.file_id)}
        if caption is not None:
            content["caption"] = caption
        return self._post(self.user_json, content)

    def send_document(
        self, data: bytes, filename: str = "file.txt", caption: str | None = None
    ) -> int:
        """Send a document."""
        uploaded = self.api.register_file(data, filename, "application/octet-stream")
        content: JSON = {"document": self.api._media_json("document", uploaded, uploaded.file_id)}
        if caption is not None:
            content["caption"] = caption
        return self._post(self.user_json, content)

    def send_voice(self, data: bytes = b"OggS fake", duration: int = 1) -> int:
        """Send a voice note."""
        uploaded = self.api.register_file(data, "voice.ogg", "audio/ogg")
        voice = {**self.api._media_json("voice", uploaded, uploaded.file_id), "duration": duration}
        return self._post(self.user_json, {"voice": voice})

    def send_location(self, latitude: float = 31.77, longitude: float = 35.21) -> int:
        """Send a location."""
        return self._post(
            self.user_json, {"location": {"latitude": latitude, "longitude": longitude}}
        )

    def send_contact(self, phone_number: str = "+15550100", first_name: str | None = None) -> int:
        """Send a contact card (default: their own)."""
        contact: JSON = {"phone_number": phone_number, "first_name": first_name or self.first_name}
        if first_name is None:
            contact["user_id"] = self.id
        return self._post(self.user_json, {"contact": contact})

    def edit(self, message_id: int, new_text: str) -> int:
        """Edit one of this user's own text messages (injects ``edited_message``)."""
        original = self.api.message(self.chat_id, message_id)
        if original is None or original.get("from", {}).get("id") != self.id:
            raise AssertionError(f"{self.label} has no own message {message_id} to edit")
        return self._post(self.user_json, _text_content(new_text), edited_of=original)

    def send_to_group(
        self, group: SimulatedGroup, text: str, *, reply_to: int | None = None
    ) -> int:
        """Send a text message in ``group`` (the user silently becomes a member), as a reply
        to message ``reply_to`` of the group if given."""
        group.members.add(self.id)
        content = _text_content(text)
        if reply_to is not None:
            replied = self.api.message(group.chat_id, reply_to)
            if replied is None:
                raise AssertionError(f"no message {reply_to} in {group.label} to reply to")
            content["reply_to_message"] = replied
        return group._post(self.user_json, content)

    # -- buttons --------------------------------------------------------------------------

    def _button_candidates(self, message: SentMessage | None) -> list[SentMessage]:
        if message is not None:
            if message.deleted:
                raise AssertionError(f"message #{message.message_id} was deleted by the bot")
            return [message]
        return [m for m in reversed(self.messages) if m.buttons and not m.deleted]

    def press(self, label: str, message: SentMessage | None = None) -> str:
        """Press the inline button labelled ``label``; returns the callback query id.

        Searches the given message or, newest first, every live bot message in this chat;
        an exact label match anywhere wins over a substring match.
        """
        candidates = self._button_candidates(message)
        chosen: tuple[SentMessage, Button] | None = None
        for exact in (True, False):
            for candidate in candidates:
                hits = [
                    b
                    for row in candidate.buttons
                    for b in row
                    if (b.text == label if exact else label in b.text)
                ]
                if len(hits) > 1 and not exact:
                    raise AssertionError(
                        f"{label!r} is ambiguous on #{candidate.message_id}: "
                        f"{[b.text for b in hits]}"
                    )
                if hits:
                    chosen = (candidate, hits[0])
                    break
            if chosen:
                break
        if chosen is None:
            available = (
                "\n".join(f"  #{m.message_id}: {m.button_texts}" for m in candidates)
                or "  (no message with inline buttons)"
            )
            raise AssertionError(
                f"{self.label}: no inline button {label!r}; available buttons:\n{available}"
            )
        target, button = chosen
        if button.callback_data is None:
            raise AssertionError(f"button {button.text!r} is a URL button ({button.url})")
        return self.press_data(button.callback_data, target)

    def press_data(self, data: str, message: SentMessage | None = None) -> str:
        """Inject a callback query with arbitrary (possibly forged) ``data``."""
        target = message or next(iter(self._button_candidates(None)), None)
        if target is None and self.messages:
            target = self.messages[-1]
        query_id = self.api.new_callback_query(
            self.id,
            target.chat_id if target else self.chat_id,
            target.message_id if target else None,
            data,
        )
        query: JSON = {
            "id": query_id,
            "from": self.user_json,
            "chat_instance": str(abs(self.chat_id) * 7919 % 10**12),
            "data": data,
        }
        if target is not None:
            query["message"] = target.message
            query["chat_instance"] = str(abs(target.chat_id) * 7919 % 10**12)
        self.callback_query_ids.append(query_id)
        self.api.inject_update({"callback_query": query})
        return query_id

    async def expect_callback_answer(
        self,
        callback_query_id: str | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> ApiCall:
        """Wait for the bot's answerCallbackQuery to (the given / any) press of this user."""
        ids = {callback_query_id} if callback_query_id else set(self.callback_query_ids)
        return await self.api.wait_for_call(
            "answerCallbackQuery",
            lambda call: str(call.params.get("callback_query_id")) in ids,
            timeout=timeout,
        )

    # -- relationship with the bot -------------------------------------------------------

    def block_bot(self) -> None:
        """From now on, sends to this chat fail with 403 "bot was blocked by the user"."""
        self.blocked = True

    def unblock_bot(self) -> None:
        """Undo :meth:`block_bot`."""
        self.blocked = False


class SimulatedGroup(_ChatActor):
    """A supergroup the bot is a member of."""

    def __init__(self, api: LocalBotApi, chat_id: int, title: str) -> None:
        super().__init__(api, chat_id)
        self.title = title
        self.username: str | None = None
        self.members: set[int] = set()
        self.admins: set[int] = set()
        self.owner_id: int | None = None
        self.banned: set[int] = set()
        self.restrictions: dict[int, JSON] = {}
        self.bot_is_admin = True
        self.bot_is_member = True

    @property
    def label(self) -> str:
        return f"group {self.title!r} (chat {self.chat_id})"

    @property
    def chat_json(self) -> JSON:
        chat: JSON = {"id": self.chat_id, "type": "supergroup", "title": self.title}
        if self.username:
            chat["username"] = self.username
        return chat

    def status_of(self, user_id: int) -> str:
        """Telegram ChatMember status of ``user_id`` here."""
        if user_id == self.owner_id:
            return "creator"
        if user_id in self.admins:
            return "administrator"
        if user_id in self.banned:
            return "kicked"
        if user_id in self.restrictions:
            return "restricted"
        return "member" if user_id in self.members else "left"

    def member_json(self, user: SimulatedUser) -> JSON:
        """ChatMember JSON for ``user`` (what getChatMember returns)."""
        return member_json(user.user_json, self.status_of(user.id), self.restrictions.get(user.id))

    def inject_member_change(
        self, user: SimulatedUser, old: str, new: str, *, by_bot: bool = False
    ) -> int:
        """Inject a ``chat_member`` update (only delivered if the bot allows it)."""
        return self.api.inject_update(
            {
                "chat_member": {
                    "chat": self.chat_json,
                    "from": self.api.bot_user if by_bot else user.user_json,
                    "date": self.api.timestamp(),
                    "old_chat_member": member_json(user.user_json, old),
                    "new_chat_member": member_json(user.user_json, new),
                }
            }
        )

    def add_member(self, user: SimulatedUser) -> int:
        """User joins: injects a ``new_chat_members`` message and a ``chat_member`` update."""
        self.members.add(user.id)
        self.banned.discard(user.id)
        message_id = self._post(user.user_json, {"new_chat_members": [user.user_json]})
        self.inject_member_change(user, "left", "member")
        return message_id

    def remove_member(self, user: SimulatedUser) -> int:
        """User leaves: injects ``left_chat_member`` message and a ``chat_member`` update."""
        old = self.status_of(user.id)
        self.members.discard(user.id)
        self.admins.discard(user.id)
        message_id = self._post(user.user_json, {"left_chat_member": user.user_json})
        self.inject_member_change(user, old, "left")
        return message_id

    def make_admin(self, user: SimulatedUser) -> None:
        """getChatMember reports ``administrator`` for ``user`` from now on."""
        self.members.add(user.id)
        self.admins.add(user.id)

    def make_owner(self, user: SimulatedUser) -> None:
        """getChatMember reports ``creator`` for ``user``."""
        self.members.add(user.id)
        self.owner_id = user.id

    def add_bot(self, by: SimulatedUser) -> int:
        """``by`` adds the bot: injects ``my_chat_member`` and a ``new_chat_members`` message."""
        self.bot_is_member = True
        self.members.add(by.id)
        self.api.mark_known(self.chat_id)
        self.api.inject_update(
            {
                "my_chat_member": {
                    "chat": self.chat_json,
                    "from": by.user_json,
                    "date": self.api.timestamp(),
                    "old_chat_member": member_json(self.api.bot_user, "left"),
                    "new_chat_member": member_json(
                        self.api.bot_user, "administrator" if self.bot_is_admin else "member"
                    ),
                }
            }
        )
        return self._post(by.user_json, {"new_chat_members": [self.api.bot_user]})

    def set_bot_admin(self, is_admin: bool, by: SimulatedUser) -> int | None:
        """``by`` promotes the bot to administrator (or demotes it): injects ``my_chat_member``."""
        if is_admin == self.bot_is_admin:
            return None
        old, new = ("member", "administrator") if is_admin else ("administrator", "member")
        self.bot_is_admin = is_admin
        return self.api.inject_update(
            {
                "my_chat_member": {
                    "chat": self.chat_json,
                    "from": by.user_json,
                    "date": self.api.timestamp(),
                    "old_chat_member": member_json(self.api.bot_user, old),
                    "new_chat_member": member_json(self.api.bot_user, new),
                }
            }
        )

    def remove_bot(self) -> None:
        """The bot is kicked: later sends fail with 403."""
        self.bot_is_member = False


_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)
_MEMBER_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)


def member_json(user: JSON, status: str, restrictions: JSON | None = None) -> JSON:
    """A ChatMember JSON object PTB can parse, for ``status`` in Telegram's vocabulary."""
    member: JSON = {"user": user, "status": status}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update({"can_be_edited": False, "is_anonymous": False})
        member.update(dict.fromkeys(_ADMIN_RIGHTS, True))
    elif status == "restricted":
        restrictions = restrictions or {}
        member["is_member"] = True
        member["until_date"] = int(restrictions.get("until_date") or 0)
        for permission in _MEMBER_PERMISSIONS:
            member[permission] = bool(restrictions.get(permission, False))
    elif status == "kicked":
        member["until_date"] = 0
    return member
