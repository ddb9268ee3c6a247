"""The one place where Palaver's python-telegram-bot Application is built."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from telegram import Update
from telegram.ext import Application, ApplicationBuilder

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.engine import FlowLibrary
from bot.i18n.catalogs import Catalogs
from bot.i18n.machine_translation import machine_translator_from
from bot.services.authorization import Authorizer
from bot.services.circles import Circles
from bot.services.common_ground import CommonGroundDesk
from bot.services.dialogues import Dialogues
from bot.services.exchanges import Exchanges
from bot.services.exports import ExportDesk
from bot.services.follow_ups import FollowUpPolicy, FollowUps
from bot.services.invites import InviteDesk
from bot.services.joining import Joining
from bot.services.letters import LetterBox, OutboxPolicy, Postbox, worker_name
from bot.services.moderation import Moderation
from bot.services.onboarding import Onboarding
from bot.services.privacy import RETENTION_CHECK_SECONDS, Privacy
from bot.services.program_settings import SettingChoices, offered_flows
from bot.services.programs import ProgramConsole
from bot.storage.unit_of_work import Database
from bot.telegram.aiohttp_request import AiohttpRequest
from bot.telegram.bot_identity import bot_api_urls
from bot.telegram.circle_handlers import TIMER_SECONDS as CIRCLE_TIMER_SECONDS
from bot.telegram.circle_handlers import CircleFeature
from bot.telegram.commands import register_commands, register_organizer_commands
from bot.telegram.common_ground_handlers import CommonGroundFeature
from bot.telegram.dialogue_handlers import SILENCE_CHECK_SECONDS, DialogueFeature
from bot.telegram.export_handlers import ExportFeature
from bot.telegram.flood_guard import FLOOD_GROUP, FloodGuard
from bot.telegram.follow_up_handlers import POLL_SECONDS as FOLLOW_UP_POLL_SECONDS
from bot.telegram.follow_up_handlers import FollowUpFeature
from bot.telegram.handlers import ButtonRouter, Feature, OnboardingFeature, Responder
from bot.telegram.palaver_bot import PalaverBot
from bot.telegram.postman import POLL_SECONDS, Postman
from bot.telegram.privacy_handlers import PrivacyFeature
from bot.telegram.program_handlers import JoiningFeature, ProgramsFeature
from bot.telegram.rate_limits import PalaverRateLimiter
from bot.telegram.relaying import RelayTranslator
from bot.telegram.update_journal import UpdateJournal
from bot.telegram.update_processor import PerSenderUpdateProcessor
from bot.telegram.views import TelegramViews

log = logging.getLogger(__name__)

# Enough to serve many people at once on a small machine; Telegram's own limits (about 30
# messages a second overall) are enforced by the rate limiter, not by this number. An update
# keeps its place while it sends its later messages, so too few places make a crowd's next
# people wait behind others' tails: 100 people acting at once (bench.crowd) saw a p95 of
# 0.65 s with 8, 0.50 s with 32, 0.41 s with 64 and 0.43 s with 128 (same CPU).
MAX_CONCURRENT_UPDATES = 64
CONNECTION_POOL_SIZE = MAX_CONCURRENT_UPDATES + 8
# A 429 from Telegram is retried after its retry_after this many times before giving up.
RATE_LIMIT_RETRIES = 3
LONG_POLL_SECONDS = 30
ALLOWED_UPDATES = Update.ALL_TYPES
FOLLOW_UPS_UNLIMITED_BATCH = 100
"""Follow-ups started per round when no overall rate limit is set."""
FOLLOW_UP_SHARE_OF_RATE = 0.8
"""A backlog of follow-ups uses at most this share of the overall rate, so people's answers
in a conversation never wait behind it for long."""


@dataclass
class Palaver:
    """The running bot: the Application and what it needs to shut down cleanly."""

    application: Application  # type: ignore[type-arg]
    database: Database
    catalogs: Catalogs
    dialogues: Dialogues
    exchanges: Exchanges
    privacy: Privacy
    follow_ups: FollowUps
    postman: Postman
    reminders: FollowUpFeature
    receive_updates: bool = True
    """False: a send-only process (the outbox and follow-ups), beside one that receives."""

    async def start(self) -> None:
        """Start serving inside an already running event loop (what run_polling does)."""
        application = self.application
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        if self.receive_updates:
            assert application.updater is not None
            await application.updater.start_polling(
                timeout=LONG_POLL_SECONDS,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
        await application.start()
        # The periodic looks were timed when the jobs were added; a start-up that took
        # longer (replaying the journal, menus) would skip the first. Look once now.
        if application.job_queue is not None:
            application.job_queue.run_once(self.postman.job, when=0, name="outbox-wake")
            application.job_queue.run_once(self.reminders.job, when=0, name="follow-ups-wake")

    async def tick(self) -> None:
        """Do now what the periodic jobs would do (after the clock jumped ahead)."""
        job_queue = self.application.job_queue
        if job_queue is None:
            return
        for job in job_queue.jobs():
            await job.run(self.application)

    async def stop(self) -> None:
        """Finish the updates being handled, then close the Bot API and database connections."""
        application = self.application
        # Rounds in hand finish their current batch and stop there, rather than draining a
        # whole backlog while the service manager waits to kill the process.
        self.postman.close()
        self.reminders.close()
        try:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            await application.shutdown()
        finally:
            if application.post_shutdown is not None:
                await application.post_shutdown(application)


def build_palaver(
    settings: Settings, clock: Clock = system_clock, *, receive_updates: bool = True
) -> Palaver:
    """Build the Application with handlers, rate limiting and lifecycle hooks.

    `clock` is the time Palaver acts on; tests pass a `ManualClock`, the sandbox a `JumpingClock`.
    `receive_updates` False builds a send-only process: it neither polls nor replays the
    update journal (the receiving process owns both), it only sends what is owed.
    """
    database = Database(settings.database_url)
    catalogs = Catalogs.load(settings.locales_dir, settings.default_locale)
    library = FlowLibrary.from_directory(settings.dialogues_dir)
    authorizer = Authorizer(settings.admins)
    machine_translator = machine_translator_from(
        settings.machine_translation_url,
        settings.machine_translation_api_key.get_secret_value()
        if settings.machine_translation_api_key
        else None,
    )
    outbox_policy = OutboxPolicy(
        worker=worker_name(),
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        pace=settings.pacing,
    )
    postbox = Postbox(clock, outbox_policy)
    views = TelegramViews()
    dialogues = Dialogues(
        database,
        catalogs,
        library,
        settings.consent_version,
        views,
        clock=clock,
        postbox=postbox,
    )
    moderation = Moderation(dialogues, authorizer)
    exchanges = Exchanges(dialogues, authorizer, settings.consent_version, moderation)
    circles = Circles(dialogues, authorizer, clock)
    joining = Joining(
        database,
        catalogs,
        settings.consent_version,
        views,
        after_joining=exchanges,
        postbox=postbox,
        circle_door=circles,
    )

    async def on_blocked(person_id: int) -> None:
        await exchanges.member_blocked(person_id)
        await circles.member_blocked(person_id)

    onboarding = Onboarding(
        database,
        catalogs,
        settings.consent_version,
        views,
        invite_redeemer=joining,
        resumer=dialogues,
        on_blocked=on_blocked,
        postbox=postbox,
    )
    console = ProgramConsole(
        database,
        catalogs,
        authorizer,
        SettingChoices(
            languages=tuple(catalogs.languages),
            flows=offered_flows(library),
            consent_version=settings.consent_version,
        ),
        views,
        postbox=postbox,
    )
    journal = UpdateJournal(database)
    postman = Postman(
        LetterBox(database, clock, outbox_policy),
        onboarding.mark_blocked,
        clock,
        complete=RelayTranslator(catalogs, machine_translator).complete,
    )
    responder = Responder(onboarding, postman)
    welcome = OnboardingFeature(responder, onboarding)
    circle_feature = CircleFeature(
        responder,
        circles,
        postman,
        pair_end=exchanges.ask_to_end,
        pair_skip=dialogues.skip,
        pair_leave=dialogues.leave,
    )
    common_ground = CommonGroundFeature(responder, CommonGroundDesk(dialogues, authorizer))
    conversations = DialogueFeature(
        responder,
        onboarding,
        dialogues,
        exchanges,
        postman,
        moderation,
        text_takers=(circle_feature.text_taker(), common_ground.text_taker(), console.take_text),
    )
    programs = ProgramsFeature(
        responder,
        console,
        InviteDesk(database, console, views),
        bot_username=lambda: application.bot.username,
    )
    exports = ExportFeature(responder, ExportDesk(database, console, authorizer, views))
    privacy = Privacy(dialogues, circles)
    data_rights = PrivacyFeature(responder, privacy)
    follow_ups = FollowUps(
        dialogues,
        exchanges,
        authorizer,
        FollowUpPolicy(
            worker=outbox_policy.worker,
            lease=outbox_policy.lease,
            batch=max(
                1,
                int(
                    settings.max_messages_per_second * FOLLOW_UP_SHARE_OF_RATE
                    if settings.max_messages_per_second
                    else FOLLOW_UPS_UNLIMITED_BATCH
                ),
            ),
        ),
        clock,
        settings.consent_version,
    )
    reminders = FollowUpFeature(responder, follow_ups, postman, clock)
    features: list[Feature] = [
        welcome,
        data_rights,
        reminders,
        circle_feature,
        common_ground,
        conversations,
        programs,
        exports,
        JoiningFeature(joining),
    ]

    async def on_startup(application: Application) -> None:  # type: ignore[type-arg]
        circles.kit.bot_username = application.bot.username
        postman.attach(application.job_queue)
        reminders.attach(application.job_queue)
        if not receive_updates:
            await postman.dispatch(application.bot)
            log.info("Palaver sends as @%s (send-only)", application.bot.username)
            return
        await journal.replay(application)
        await postman.dispatch(application.bot)
        await register_commands(application.bot, catalogs)
        async with database.unit_of_work() as uow:
            organizers = await uow.people.organizers(settings.admins)
        await register_organizer_commands(
            application.bot, catalogs, [(p.telegram_id, p.language) for p in organizers]
        )
        log.info("Palaver is up as @%s", application.bot.username)

    async def on_shutdown(_application: Application) -> None:  # type: ignore[type-arg]
        await database.dispose()
        log.info("database connections closed")

    rate_limiter = (
        PalaverRateLimiter(
            overall_max_rate=settings.max_messages_per_second,
            max_retries=RATE_LIMIT_RETRIES,
            private_chat_rate=settings.private_chat_messages_per_second,
            group_rate_per_minute=settings.group_messages_per_minute,
        )
        if settings.max_messages_per_second
        else None
    )
    base_url, base_file_url = bot_api_urls(settings)
    bot = PalaverBot(
        settings.require_token(),
        base_url=base_url,
        base_file_url=base_file_url,
        # aiohttp rather than PTB's default httpx: a fraction of the CPU per Bot API call.
        request=AiohttpRequest(
            connection_pool_size=CONNECTION_POOL_SIZE,
            pool_timeout=10,
            connect_timeout=10,
            read_timeout=settings.bot_api_timeout,
            write_timeout=settings.bot_api_timeout,
        ),
        # One connection for the long poll, as PTB's builder gives it.
        get_updates_request=AiohttpRequest(
            connection_pool_size=1, read_timeout=LONG_POLL_SECONDS + 10
        ),
        rate_limiter=rate_limiter,
    )
    bot.keep_received_with(journal.keep_received)
    application = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(PerSenderUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
        .build()
    )
    application.add_handler(
        FloodGuard(onboarding, journal.set_aside, allowed=settings.flood_limit).handler(),
        group=FLOOD_GROUP,
    )
    for handler, group in journal.handlers():
        application.add_handler(handler, group=group)
    for feature in features:
        application.add_handlers(list(feature.handlers()))
    application.add_handler(ButtonRouter(responder, features).handler())
    application.add_handlers(list(welcome.fallbacks()))
    application.add_error_handler(responder.on_error)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            conversations.check_silent_partners,
            interval=SILENCE_CHECK_SECONDS,
            first=SILENCE_CHECK_SECONDS,
            name="silent-partners",
        )
        application.job_queue.run_repeating(
            postman.job, interval=POLL_SECONDS, first=POLL_SECONDS, name="outbox"
        )
        application.job_queue.run_repeating(
            reminders.job, interval=FOLLOW_UP_POLL_SECONDS, first=1, name="follow-ups"
        )
        application.job_queue.run_repeating(
            circle_feature.check_timers,
            interval=CIRCLE_TIMER_SECONDS,
            first=CIRCLE_TIMER_SECONDS,
            name="circle-timers",
        )
        application.job_queue.run_repeating(
            data_rights.apply_retention,
            interval=RETENTION_CHECK_SECONDS,
            first=60,
            name="retention",
        )
    return Palaver(
        application=application,
        database=database,
        catalogs=catalogs,
        dialogues=dialogues,
        exchanges=exchanges,
        privacy=privacy,
        follow_ups=follow_ups,
        postman=postman,
        reminders=reminders,
        receive_updates=receive_updates,
    )
