"""Telegram side of circles: the facilitator's console and commands, members' words,
/timeout, and the round timers.

Some commands mean one thing in a circle and another in a pair exchange (/end, /skip,
/leave): this feature answers them when they are about a circle and hands them on to the
pair's use case otherwise, so a person never has to know which one they are in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from telegram import Bot, ChatMember, ChatMemberAdministrator, Update
from telegram.error import TelegramError
from telegram.ext import ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot.services.actors import Sender
from bot.services.circle_rooms import (
    CIRCLE_BUTTON,
    MEMBER_BUTTON,
    NEW_CIRCLE_BUTTON,
    NoCircle,
    NotInACircle,
    Verb,
)
from bot.services.circles import Circles
from bot.services.errors import NotAllowed
from bot.services.replies import Outcome
from bot.telegram.handlers import NEW_MESSAGES, PRIVATE, ButtonRoute, Context, Handler, Responder
from bot.telegram.postman import Postman

UseCase = Callable[[Sender], Awaitable[Outcome]]
GROUPS = filters.ChatType.GROUPS
GONE = (ChatMember.LEFT, ChatMember.BANNED)
TIMER_SECONDS = 5
"""How often timed rounds are looked at (a round's time is up within this much)."""


class CircleFeature:
    """/circles, /next, /pause, /resume, /end, /timeout; circle members' words and buttons."""

    def __init__(
        self,
        responder: Responder,
        circles: Circles,
        postman: Postman,
        *,
        pair_end: UseCase,
        pair_skip: UseCase,
        pair_leave: UseCase,
    ) -> None:
        self._respond = responder.respond
        self._circles = circles
        self._postman = postman
        self._pair_end = pair_end
        self._pair_skip = pair_skip
        self._pair_leave = pair_leave

    def handlers(self) -> Sequence[Handler]:
        private = NEW_MESSAGES & PRIVATE
        return [
            CommandHandler("circles", self.console, filters=private),
            CommandHandler("next", self._command(Verb.NEXT), filters=NEW_MESSAGES),
            CommandHandler("pause", self._command(Verb.PAUSE), filters=NEW_MESSAGES),
            CommandHandler("resume", self._command(Verb.RESUME), filters=NEW_MESSAGES),
            CommandHandler("end", self.end, filters=private),
            CommandHandler("timeout", self.time_out, filters=private),
            CommandHandler("skip", self.skip, filters=private),
            CommandHandler("leave", self.leave, filters=private),
            # In a circle's Telegram group.
            CommandHandler("start", self.link_group, filters=NEW_MESSAGES & GROUPS),
            CommandHandler("end", self._command(Verb.END), filters=NEW_MESSAGES & GROUPS),
            CommandHandler("timeout", self.time_out, filters=NEW_MESSAGES & GROUPS),
            CommandHandler("report", self.report_in_group, filters=NEW_MESSAGES & GROUPS),
            CommandHandler("skip", self.skip_in_group, filters=NEW_MESSAGES & GROUPS),
            MessageHandler(NEW_MESSAGES & GROUPS & filters.StatusUpdate.MIGRATE, self.moved),
            MessageHandler(
                NEW_MESSAGES & GROUPS & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                self.said_in_group,
            ),
            ChatMemberHandler(self.bot_changed, ChatMemberHandler.MY_CHAT_MEMBER),
            ChatMemberHandler(self.member_changed, ChatMemberHandler.CHAT_MEMBER),
        ]

    def buttons(self) -> dict[str, ButtonRoute]:
        return {
            CIRCLE_BUTTON: self._circles.console.press,
            MEMBER_BUTTON: self._circles.press_member,
            NEW_CIRCLE_BUTTON: self._circles.console.new_circle,
        }

    def text_taker(self) -> Callable[[Sender, str], Awaitable[Outcome | None]]:
        """Members' words while their circle's round is open (else the next taker's)."""
        return self._circles.take_text

    async def console(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._circles.console.overview)

    def _command(self, verb: Verb) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        async def command(update: Update, context: Context) -> None:
            await self._respond(
                update, context, lambda sender: self._circles.console.command(sender, verb)
            )

        return command

    async def end(self, update: Update, context: Context) -> None:
        """A facilitator's /end ends their circle; anyone else's ends their pair exchange."""

        async def end(sender: Sender) -> Outcome:
            try:
                return await self._circles.console.command(sender, Verb.END)
            except (NoCircle, NotAllowed):
                return await self._pair_end(sender)

        await self._respond(update, context, end)

    async def time_out(self, update: Update, context: Context) -> None:
        async def time_out(sender: Sender) -> Outcome:
            outcome = await self._circles.time_out(sender)
            if outcome is None:
                raise NotInACircle()
            return outcome

        await self._respond(update, context, time_out)

    async def skip(self, update: Update, context: Context) -> None:
        await self._respond(
            update, context, self._either(self._circles.pass_round, self._pair_skip)
        )

    async def leave(self, update: Update, context: Context) -> None:
        await self._respond(update, context, self._either(self._circles.leave, self._pair_leave))

    @staticmethod
    def _either(
        circle: Callable[[Sender], Awaitable[Outcome | None]], otherwise: UseCase
    ) -> UseCase:
        async def use_case(sender: Sender) -> Outcome:
            outcome = await circle(sender)
            return outcome if outcome is not None else await otherwise(sender)

        return use_case

    # --- in a circle's group ----------------------------------------------------------------

    async def link_group(self, update: Update, context: Context) -> None:
        """/start CODE in a group: the startgroup link a facilitator used to add the bot."""
        assert update.effective_chat is not None
        if not context.args:
            return
        chat_id, code = update.effective_chat.id, context.args[0]
        # Asked before the transaction: no network call ever waits inside one.
        can_moderate = await self._can_moderate(context.bot, chat_id)
        await self._respond(
            update,
            context,
            lambda sender: self._circles.groups.link_group(sender, code, chat_id, can_moderate),
        )

    async def said_in_group(self, update: Update, context: Context) -> None:
        message = update.message
        assert message is not None

        async def said(sender: Sender) -> Outcome:
            outcome = await self._circles.groups.group_said(
                sender, message.chat_id, message.message_id
            )
            return outcome or Outcome()

        await self._respond(update, context, said)

    async def skip_in_group(self, update: Update, context: Context) -> None:
        message = update.message
        assert message is not None

        async def passing(sender: Sender) -> Outcome:
            outcome = await self._circles.groups.group_said(
                sender, message.chat_id, message.message_id, passing=True
            )
            return outcome or Outcome()

        await self._respond(update, context, passing)

    async def report_in_group(self, update: Update, context: Context) -> None:
        message = update.message
        assert message is not None
        replied = message.reply_to_message
        author = replied.from_user if replied is not None else None
        await self._respond(
            update,
            context,
            lambda sender: self._circles.groups.report_in_group(
                sender,
                message.chat_id,
                message.message_id,
                replied.message_id if replied is not None else None,
                author.id if author is not None else None,
                (replied.text or replied.caption or "") if replied is not None else "",
            ),
        )

    async def moved(self, update: Update, context: Context) -> None:
        """The group became a supergroup, with a new id."""
        message = update.message
        assert message is not None
        if message.migrate_to_chat_id is not None:
            await self._circles.groups.group_moved(message.chat_id, message.migrate_to_chat_id)
        elif message.migrate_from_chat_id is not None:
            await self._circles.groups.group_moved(message.migrate_from_chat_id, message.chat_id)

    async def bot_changed(self, update: Update, context: Context) -> None:
        """The bot was added, promoted, demoted or removed in a group."""
        changed = update.my_chat_member
        if changed is None or changed.chat.type == "private":
            return
        new = changed.new_chat_member
        present = new.status not in GONE
        can_moderate = _can_moderate(new)
        outcome = await self._circles.groups.bot_membership_changed(
            changed.chat.id, present, can_moderate
        )
        if outcome.posted:
            bot = context.bot
            assert isinstance(bot, Bot)
            await self._postman.dispatch(bot)

    async def member_changed(self, update: Update, context: Context) -> None:
        """A member left or was removed from a group: their circle goes on without them."""
        changed = update.chat_member
        if changed is None or changed.new_chat_member.status not in GONE:
            return
        outcome = await self._circles.groups.left_group(
            changed.chat.id, changed.new_chat_member.user.id
        )
        if outcome.posted:
            bot = context.bot
            assert isinstance(bot, Bot)
            await self._postman.dispatch(bot)

    @staticmethod
    async def _can_moderate(bot: Bot, chat_id: int) -> bool:
        try:
            me = await bot.get_chat_member(chat_id, bot.id)
        except TelegramError:
            return False
        return _can_moderate(me)

    async def check_timers(self, context: Context) -> None:
        """Job: last-minute notices and time-up decisions of timed rounds."""
        outcomes = await self._circles.agenda.check_timers()
        if any(outcome.posted for outcome in outcomes):
            bot = context.bot
            assert isinstance(bot, Bot)
            await self._postman.dispatch(bot)


def _can_moderate(member: ChatMember) -> bool:
    """Whether the bot, as this member of a group, may delete messages and mute people."""
    return (
        isinstance(member, ChatMemberAdministrator)
        and member.can_delete_messages
        and member.can_restrict_members
    )
