"""The auditor of Telegram's sending limits, tested with the times of each send given."""

from __future__ import annotations

import pytest

from tests.fakebot import TELEGRAM_SENDING_LIMITS, SendingAuditor, SendingLimits

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
