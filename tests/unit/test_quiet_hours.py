"""Quiet hours: follow-ups wait for the person's local morning, whatever daylight saving does.

Expected instants are worked out by hand from each zone's rules and written literally:
Europe/Berlin switches at 01:00 UTC on the last Sundays of March and October,
America/New_York at 02:00 local on the second Sunday of March and the first of November,
Pacific/Auckland leaves summer time on the first Sunday of April and starts it on the last
Sunday of September.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling.quiet_hours import (
    DEFAULT_QUIET_HOURS,
    QuietHours,
    is_quiet,
    local_moment,
    next_allowed,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
AUCKLAND = ZoneInfo("Pacific/Auckland")
KOLKATA = ZoneInfo("Asia/Kolkata")


def utc(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_default_quiet_hours_run_from_nine_in_the_evening_to_nine_in_the_morning() -> None:
    assert (DEFAULT_QUIET_HOURS.start, DEFAULT_QUIET_HOURS.end) == (21, 9)


@pytest.mark.parametrize(("start", "end"), [(9, 9), (0, 0), (24, 7), (22, 24), (-1, 7)])
def test_quiet_hours_that_start_where_they_end_or_leave_the_day_are_refused(
    start: int, end: int
) -> None:
    with pytest.raises(ValueError, match="quiet hours"):
        QuietHours(start, end)


def test_no_quiet_hours_let_every_moment_through() -> None:
    night = utc(2026, 1, 15, 2, 0)  # 03:00 in Berlin
    assert not is_quiet(night, BERLIN, None)
    assert next_allowed(night, BERLIN, None) is night


def test_the_start_hour_is_quiet_and_the_end_hour_is_not() -> None:
    # Berlin in January is UTC+1.
    evening_start = utc(2026, 1, 15, 20, 0)  # 21:00
    just_before = utc(2026, 1, 15, 19, 59, 59)  # 20:59:59
    last_quiet_minute = utc(2026, 1, 16, 7, 59)  # 08:59
    morning_end = utc(2026, 1, 16, 8, 0)  # 09:00
    assert is_quiet(evening_start, BERLIN, DEFAULT_QUIET_HOURS)
    assert not is_quiet(just_before, BERLIN, DEFAULT_QUIET_HOURS)
    assert is_quiet(last_quiet_minute, BERLIN, DEFAULT_QUIET_HOURS)
    assert not is_quiet(morning_end, BERLIN, DEFAULT_QUIET_HOURS)
    assert next_allowed(evening_start, BERLIN, DEFAULT_QUIET_HOURS) == utc(2026, 1, 16, 8, 0)
    assert next_allowed(last_quiet_minute, BERLIN, DEFAULT_QUIET_HOURS) == morning_end
    assert next_allowed(morning_end, BERLIN, DEFAULT_QUIET_HOURS) is morning_end
    assert next_allowed(just_before, BERLIN, DEFAULT_QUIET_HOURS) is just_before


def test_quiet_hours_before_local_midnight_end_the_next_morning_west_of_utc() -> None:
    # 22:00 PST on the 15th is already the 16th in UTC; the morning is 09:00 PST on the 16th.
    late_evening = utc(2026, 1, 16, 6, 0)
    assert next_allowed(late_evening, LOS_ANGELES, DEFAULT_QUIET_HOURS) == utc(2026, 1, 16, 17, 0)


def test_quiet_hours_after_local_midnight_end_the_same_morning() -> None:
    small_hours = utc(2026, 1, 16, 11, 0)  # 03:00 PST
    assert next_allowed(small_hours, LOS_ANGELES, DEFAULT_QUIET_HOURS) == utc(2026, 1, 16, 17, 0)


def test_quiet_hours_end_on_the_local_date_east_of_utc_where_the_day_starts_earlier() -> None:
    # 23:00 NZDT on the 15th is 10:00 UTC the same day; 09:00 NZDT on the 16th is 20:00 UTC on
    # the 15th, still "today" in UTC.
    late_evening = utc(2026, 1, 15, 10, 0)
    assert next_allowed(late_evening, AUCKLAND, DEFAULT_QUIET_HOURS) == utc(2026, 1, 15, 20, 0)
    afternoon = utc(2026, 1, 15, 1, 0)  # 14:00 NZDT
    assert not is_quiet(afternoon, AUCKLAND, DEFAULT_QUIET_HOURS)


def test_quiet_hours_end_at_local_morning_in_a_half_hour_zone() -> None:
    # India is UTC+05:30 all year: 21:30 IST is 16:00 UTC, 09:00 IST is 03:30 UTC.
    evening = utc(2026, 1, 15, 16, 0)
    assert next_allowed(evening, KOLKATA, DEFAULT_QUIET_HOURS) == utc(2026, 1, 16, 3, 30)
    assert not is_quiet(utc(2026, 1, 15, 15, 29), KOLKATA, DEFAULT_QUIET_HOURS)  # 20:59
    assert is_quiet(utc(2026, 1, 15, 15, 30), KOLKATA, DEFAULT_QUIET_HOURS)  # 21:00


def test_same_day_quiet_hours_cover_only_their_afternoon() -> None:
    lunch = QuietHours(13, 15)
    assert next_allowed(utc(2026, 1, 15, 8, 0), KOLKATA, lunch) == utc(2026, 1, 15, 9, 30)
    assert not is_quiet(utc(2026, 1, 15, 7, 29), KOLKATA, lunch)  # 12:59
    assert not is_quiet(utc(2026, 1, 15, 9, 30), KOLKATA, lunch)  # 15:00
    assert not is_quiet(utc(2026, 1, 15, 20, 0), KOLKATA, lunch)  # 01:30 the next night


def test_quiet_hours_work_with_a_fixed_offset_zone() -> None:
    plus_three = timezone(timedelta(hours=3))
    assert next_allowed(utc(2026, 1, 15, 19, 0), plus_three, DEFAULT_QUIET_HOURS) == utc(
        2026, 1, 16, 6, 0
    )


def test_quiet_hours_end_at_local_morning_across_spring_forward_in_berlin() -> None:
    # Saturday 23:00 CET; Sunday 09:00 is CEST (UTC+2) after the night's jump: 07:00 UTC.
    saturday_night = utc(2026, 3, 28, 22, 0)
    assert next_allowed(saturday_night, BERLIN, DEFAULT_QUIET_HOURS) == utc(2026, 3, 29, 7, 0)


def test_quiet_hours_end_at_local_morning_across_fall_back_in_berlin() -> None:
    # Saturday 23:00 CEST; Sunday 09:00 is CET (UTC+1): 08:00 UTC.
    saturday_night = utc(2026, 10, 24, 21, 0)
    assert next_allowed(saturday_night, BERLIN, DEFAULT_QUIET_HOURS) == utc(2026, 10, 25, 8, 0)


def test_both_passes_of_the_repeated_hour_are_quiet_and_wait_for_the_same_morning() -> None:
    first_half_past_two = utc(2026, 10, 25, 0, 30)  # 02:30 CEST
    second_half_past_two = utc(2026, 10, 25, 1, 30)  # 02:30 CET, an hour later
    for moment in (first_half_past_two, second_half_past_two):
        assert next_allowed(moment, BERLIN, DEFAULT_QUIET_HOURS) == utc(2026, 10, 25, 8, 0)


def test_quiet_hours_end_at_local_morning_across_spring_forward_in_new_york() -> None:
    # Saturday 22:00 EST is 03:00 UTC Sunday; Sunday 09:00 is EDT (UTC-4): 13:00 UTC.
    saturday_night = utc(2026, 3, 8, 3, 0)
    assert next_allowed(saturday_night, NEW_YORK, DEFAULT_QUIET_HOURS) == utc(2026, 3, 8, 13, 0)


def test_quiet_hours_end_at_local_morning_across_fall_back_in_new_york() -> None:
    # Saturday 23:00 EDT is 03:00 UTC Sunday; Sunday 09:00 is EST (UTC-5): 14:00 UTC.
    saturday_night = utc(2026, 11, 1, 3, 0)
    assert next_allowed(saturday_night, NEW_YORK, DEFAULT_QUIET_HOURS) == utc(2026, 11, 1, 14, 0)


def test_quiet_hours_end_at_local_morning_when_auckland_leaves_summer_time() -> None:
    # Saturday 23:00 NZDT (UTC+13) is 10:00 UTC; Sunday 09:00 NZST (UTC+12) is 21:00 UTC.
    saturday_night = utc(2026, 4, 4, 10, 0)
    assert next_allowed(saturday_night, AUCKLAND, DEFAULT_QUIET_HOURS) == utc(2026, 4, 4, 21, 0)


def test_quiet_hours_end_at_local_morning_when_auckland_starts_summer_time() -> None:
    # Saturday 23:00 NZST (UTC+12) is 11:00 UTC; Sunday 09:00 NZDT (UTC+13) is 20:00 UTC.
    saturday_night = utc(2026, 9, 26, 11, 0)
    assert next_allowed(saturday_night, AUCKLAND, DEFAULT_QUIET_HOURS) == utc(2026, 9, 26, 20, 0)


def test_an_end_hour_skipped_by_spring_forward_becomes_the_first_instant_after_the_gap() -> None:
    # Berlin has no 02:00 on 29 March 2026: 01:59:59 CET is followed by 03:00 CEST (01:00 UTC).
    until_two = QuietHours(23, 2)
    assert next_allowed(utc(2026, 3, 29, 0, 30), BERLIN, until_two) == utc(2026, 3, 29, 1, 0)
    # New York has no 02:00 on 8 March 2026: 03:00 EDT is 07:00 UTC.
    assert next_allowed(utc(2026, 3, 8, 6, 30), NEW_YORK, until_two) == utc(2026, 3, 8, 7, 0)


def test_an_end_hour_repeated_by_fall_back_ends_the_quiet_at_its_first_occurrence() -> None:
    # 02:00 comes twice in Berlin on 25 October 2026: 00:00 UTC (CEST), then 01:00 UTC (CET).
    until_two = QuietHours(23, 2)
    at_half_past_one = utc(2026, 10, 24, 23, 30)  # 01:30 CEST
    assert next_allowed(at_half_past_one, BERLIN, until_two) == utc(2026, 10, 25, 0, 0)


def test_a_quiet_hour_repeated_after_the_end_passed_once_waits_for_its_second_occurrence() -> None:
    # Troll station goes from UTC+2 to UTC+0 at 01:00 UTC on 25 October 2026, so 01:00-02:59
    # come twice. At the second 01:30 (01:30 UTC) the first 02:00 (00:00 UTC) is already past.
    troll = ZoneInfo("Antarctica/Troll")
    until_two = QuietHours(0, 2)
    assert next_allowed(utc(2026, 10, 24, 23, 30), troll, until_two) == utc(2026, 10, 25, 0, 0)
    assert next_allowed(utc(2026, 10, 25, 1, 30), troll, until_two) == utc(2026, 10, 25, 2, 0)


def test_a_skipped_day_does_not_end_the_quiet_at_local_midnight() -> None:
    # Samoa jumped from 23:59:59 on 29 December 2011 (UTC-10) to 00:00 on the 31st (UTC+14).
    # Quiet since 22:00 on the 29th, the first morning is 09:00 on the 31st: 19:00 UTC the 30th.
    apia = ZoneInfo("Pacific/Apia")
    late_evening = utc(2011, 12, 30, 8, 0)
    assert next_allowed(late_evening, apia, DEFAULT_QUIET_HOURS) == utc(2011, 12, 30, 19, 0)


def test_a_local_morning_on_a_due_date_is_that_morning_in_the_persons_zone() -> None:
    assert local_moment(date(2026, 5, 4), 10, KOLKATA) == utc(2026, 5, 4, 4, 30)
    assert local_moment(date(2026, 1, 16), 10, AUCKLAND) == utc(2026, 1, 15, 21, 0)
    assert local_moment(date(2026, 7, 1), 10, LOS_ANGELES) == utc(2026, 7, 1, 17, 0)


def test_a_local_moment_in_a_gap_is_the_end_of_the_gap_and_a_repeated_one_its_first() -> None:
    assert local_moment(date(2026, 3, 29), 2, BERLIN) == utc(2026, 3, 29, 1, 0)
    assert local_moment(date(2026, 10, 25), 2, BERLIN) == utc(2026, 10, 25, 0, 0)
    assert local_moment(date(2026, 11, 1), 1, NEW_YORK) == utc(2026, 11, 1, 5, 0)
    assert local_moment(date(2011, 12, 30), 10, ZoneInfo("Pacific/Apia")) == utc(2011, 12, 30, 10)


@pytest.mark.parametrize("quiet", [DEFAULT_QUIET_HOURS, None])
def test_a_moment_without_a_time_zone_is_refused(quiet: QuietHours | None) -> None:
    naive = datetime(2026, 1, 15, 22, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_quiet(naive, BERLIN, quiet)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_allowed(naive, BERLIN, quiet)


ZONES = [BERLIN, NEW_YORK, LOS_ANGELES, AUCKLAND, KOLKATA, ZoneInfo("Australia/Lord_Howe")]
HOURS = st.integers(min_value=0, max_value=23)


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
    window=st.tuples(HOURS, HOURS).filter(lambda hours: hours[0] != hours[1]),
)
def test_the_next_allowed_moment_is_the_first_moment_out_of_quiet_hours(
    moment: datetime, zone: ZoneInfo, window: tuple[int, int]
) -> None:
    quiet = QuietHours(*window)
    allowed = next_allowed(moment, zone, quiet)
    assert allowed.tzinfo is not None
    assert not is_quiet(allowed, zone, quiet)
    if is_quiet(moment, zone, quiet):
        assert moment < allowed <= moment + timedelta(hours=25)
        assert is_quiet(allowed - timedelta(microseconds=1), zone, quiet)
    else:
        assert allowed is moment
