"""The local Bot API audits the bot's sending against Telegram's limits.

The auditor is tested with the times of each send given (no sleeping); the end-to-end tests
send through a real PTB ``ExtBot`` over HTTP, with and without Palaver's rate limiter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import telegram
from telegram.ext import ExtBot

from bot.telegram.rate_limits import PalaverRateLimiter
from tests.fakebot import (
    TELEGRAM_SENDING_LIMITS,
    FakeBotApi,
    FakeUser,
    SendingAuditor,
    SendingLimits,
)

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
AMAL = 100_000_001
CIRCLE = -1_001_000_000_001


def sends(auditor: SendingAuditor, chat_id: int, *times: float) -> None:
    for at in times:
        auditor.record(chat_id, at=at)


# --------------------------------------------------------------------------- private chats


def test_a_burst_of_four_to_one_private_chat_is_one_violation() -> None:
    auditor = SendingAuditor()
    sends(auditor, AMAL, 10.0, 10.0, 10.0, 10.0)
    audit = auditor.report()
    assert (audit.private_violations, audit.over_limits) == (1, 1)
    assert audit.worst_chats == ((AMAL, 1),)
    assert not audit.within_limits


def test_three_at_once_then_one_a_second_later_keeps_the_limit() -> None:
    auditor = SendingAuditor()
    sends(auditor, AMAL, 10.0, 10.0, 10.0, 11.0)
    assert auditor.report().within_limits


def test_one_a_second_after_a_burst_keeps_the_limit_for_good() -> None:
    auditor = SendingAuditor()
    sends(auditor, AMAL, 0.0, 0.0, 0.0, *(float(second) for second in range(1, 60)))
    assert auditor.report().within_limits


def test_a_faster_steady_pace_is_caught_once_the_burst_allowance_is_spent() -> None:
    auditor = SendingAuditor()
    sends(auditor, AMAL, *(second * 0.8 for second in range(20)))
    # 20 sends over 15.2 s: one a second plus the burst of 3 would allow 18 of them.
    assert auditor.report().private_violations == 2


def test_a_refused_message_takes_no_room_so_one_burst_costs_only_itself() -> None:
    auditor = SendingAuditor()
    sends(auditor, AMAL, *[0.0] * 10, *(float(second) for second in range(1, 30)))
    assert auditor.report().private_violations == 7


def test_other_private_chats_have_their_own_allowance() -> None:
    auditor = SendingAuditor()
    for chat_id in range(AMAL, AMAL + 5):
        sends(auditor, chat_id, 0.0, 0.0, 0.0)
    assert auditor.report().within_limits


def test_a_message_a_little_early_within_the_timing_tolerance_is_forgiven() -> None:
    early = 0.01
    assert early < TELEGRAM_SENDING_LIMITS.timing_tolerance
    lenient = SendingAuditor()
    strict = SendingAuditor(SendingLimits(timing_tolerance=0))
    for auditor in (lenient, strict):
        sends(auditor, AMAL, 0.0, 0.0, 0.0, 1.0 - early)
    assert lenient.report().within_limits
    assert strict.report().private_violations == 1


# --------------------------------------------------------------------------- overall and groups


def test_31_messages_within_a_second_break_the_overall_limit_once() -> None:
    auditor = SendingAuditor()
    for n in range(31):
        auditor.record(AMAL + n, at=n * 0.03)  # 31 chats, 0.9 s from the first to the last
    audit = auditor.report()
    assert (audit.overall_violations, audit.over_limits, audit.peak_per_second) == (1, 1, 31)
    assert audit.worst_chats == ()  # the overall limit is nobody's chat's fault


def test_30_a_second_for_ten_seconds_keeps_the_overall_limit() -> None:
    auditor = SendingAuditor()
    for n in range(300):
        auditor.record(AMAL + n, at=n * 0.0334)  # just under 30 a second, clear of rounding
    audit = auditor.report()
    assert audit.within_limits
    assert audit.peak_per_second == 30
    assert audit.average_per_second == pytest.approx(30, rel=0.01)


def test_strictly_no_more_than_the_limit_in_any_second_without_tolerance() -> None:
    auditor = SendingAuditor(SendingLimits(timing_tolerance=0))
    for n in range(31):
        auditor.record(AMAL + n, at=n / 31)  # 31 spread evenly over one second
    assert auditor.report().overall_violations == 1


def test_a_raised_overall_limit_allows_paid_broadcast_rates() -> None:
    auditor = SendingAuditor(SendingLimits(overall_per_second=1000))
    for n in range(1000):
        auditor.record(AMAL + n, at=n * 0.001001)
    audit = auditor.report()
    assert audit.within_limits
    assert audit.peak_per_second == 1000


def test_21_messages_in_a_minute_to_a_group_are_one_violation() -> None:
    auditor = SendingAuditor()
    sends(auditor, CIRCLE, *(n * 2.5 for n in range(21)))  # 21 messages over 50 s
    audit = auditor.report()
    assert (audit.group_violations, audit.over_limits) == (1, 1)
    assert audit.worst_chats == ((CIRCLE, 1),)


def test_20_in_a_minute_then_one_a_minute_later_keeps_the_group_limit() -> None:
    auditor = SendingAuditor()
    sends(auditor, CIRCLE, *[0.0] * 20, 60.0)
    assert auditor.report().within_limits


# --------------------------------------------------------------------------- the report


def test_worst_chats_name_the_most_offending_first() -> None:
    auditor = SendingAuditor()
    sends(auditor, AMAL, *[0.0] * 5)  # 2 over
    sends(auditor, AMAL + 1, *[0.0] * 7)  # 4 over
    sends(auditor, CIRCLE, *[0.0] * 21)  # 1 over
    audit = auditor.report()
    assert audit.worst_chats == ((AMAL + 1, 4), (AMAL, 2), (CIRCLE, 1))
    assert (audit.private_violations, audit.group_violations) == (6, 1)


def test_the_report_tells_the_span_and_rate_of_sending() -> None:
    auditor = SendingAuditor()
    assert auditor.report().average_per_second is None
    for n in range(11):
        auditor.record(AMAL + n, at=5.0 + n * 0.5)
    audit = auditor.report()
    assert (audit.messages, audit.first_sent_at, audit.last_sent_at) == (11, 5.0, 10.0)
    assert (audit.duration, audit.average_per_second) == (5.0, 2.0)
    assert audit.peak_per_second == 2


def test_sends_are_recorded_in_time_order() -> None:
    auditor = SendingAuditor()
    auditor.record(AMAL, at=2.0)
    with pytest.raises(ValueError, match="in order"):
        auditor.record(AMAL, at=1.0)


def test_reset_forgets_what_was_counted_but_keeps_the_limits() -> None:
    limits = SendingLimits(overall_per_second=100)
    auditor = SendingAuditor(limits)
    sends(auditor, AMAL, *[0.0] * 4)
    auditor.reset()
    sends(auditor, AMAL, 1.0, 1.0, 1.0)
    audit = auditor.report()
    assert (audit.messages, audit.over_limits, audit.limits) == (3, 0, limits)


def test_limits_must_allow_sending() -> None:
    with pytest.raises(ValueError, match="at least one message"):
        SendingLimits(group_per_minute=0)
    with pytest.raises(ValueError, match="under one second"):
        SendingLimits(timing_tolerance=1.0)


# --------------------------------------------------------------------------- over HTTP


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture
def amal(api: FakeBotApi) -> FakeUser:
    user = api.user("Amal")
    api.mark_known(user.chat_id)
    return user


async def send_five(bot: telegram.Bot, amal: FakeUser) -> None:
    for n in range(5):
        await bot.send_message(amal.chat_id, f"Follow-up {n}")


async def test_palavers_rate_limiter_keeps_telegrams_private_chat_limit(
    api: FakeBotApi, amal: FakeUser
) -> None:
    # The overall rate is raised so that only the private chat's pace (1/s, 3 at once)
    # holds the sends back: 3 go at once, the 4th and 5th a second apart (about 2 s).
    limiter = PalaverRateLimiter(overall_max_rate=1000, max_retries=0, private_chat_rate=1.0)
    async with ExtBot(TOKEN, base_url=api.base_url, rate_limiter=limiter) as bot:
        await send_five(bot, amal)
    audit = api.rate_audit()
    assert (audit.messages, audit.private_violations, audit.over_limits) == (5, 0, 0)


async def test_sending_without_a_rate_limiter_breaks_the_private_chat_limit(
    api: FakeBotApi, amal: FakeUser
) -> None:
    async with telegram.Bot(TOKEN, base_url=api.base_url) as bot:
        await send_five(bot, amal)
    audit = api.rate_audit()
    assert (audit.messages, audit.private_violations) == (5, 2)
    assert audit.worst_chats == ((amal.chat_id, 2),)


async def test_only_messages_sent_are_audited_not_edits_or_refused_calls(
    api: FakeBotApi, amal: FakeUser
) -> None:
    async with telegram.Bot(TOKEN, base_url=api.base_url) as bot:
        message = await bot.send_message(amal.chat_id, "Your partner is Bilal")
        for n in range(5):
            await message.edit_text(f"Your partner is Bilal ({n})")
        api.fail_next("sendMessage", 403)
        with pytest.raises(telegram.error.Forbidden):
            await bot.send_message(amal.chat_id, "Never delivered")
        await bot.send_chat_action(amal.chat_id, "typing")
    assert api.rate_audit().messages == 1


async def test_a_benchmark_raises_the_audited_limit_and_starts_the_audit_afresh() -> None:
    paid_broadcasts = SendingLimits(overall_per_second=1000)
    async with FakeBotApi(token=TOKEN, sending_limits=paid_broadcasts) as api:
        assert api.sending_limits == paid_broadcasts
        bilal = api.user("Bilal")
        api.mark_known(bilal.chat_id)
        async with telegram.Bot(TOKEN, base_url=api.base_url) as bot:
            await bot.send_message(bilal.chat_id, "Warm-up, not measured")
            api.reset_rate_audit()
            await bot.send_message(bilal.chat_id, "Measured")
        audit = api.rate_audit()
        assert (audit.messages, audit.limits) == (1, paid_broadcasts)
