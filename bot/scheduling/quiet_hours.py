"""Quiet hours: the local hours in which Palaver sends nobody a follow-up.

Everything here is wall-clock arithmetic on local dates, turned into UTC at the end, so a
reminder due "at 10:00 on Tuesday, the person's time" lands at 10:00 whatever daylight
saving did overnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True)
class QuietHours:
    """From `start` up to (not including) `end`, both whole local hours 0-23.

    `start > end` spans midnight (21-9: from 21:00 until 09:00 the next morning);
    `start < end` stays within one day (13-15).
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        for hour in (self.start, self.end):
            if not 0 <= hour <= 23:
                raise ValueError(f"quiet hours are whole hours from 0 to 23, not {hour}")
        if self.start == self.end:
            raise ValueError(f"quiet hours {self.start}-{self.end} start and end together")

    def covers(self, hour: int) -> bool:
        """Whether a local hour of the day (0-23) is quiet."""
        if self.start < self.end:
            return self.start <= hour < self.end
        return hour >= self.start or hour < self.end


DEFAULT_QUIET_HOURS = QuietHours(21, 9)


def is_quiet(moment: datetime, zone: tzinfo, quiet: QuietHours | None) -> bool:
    """Whether `moment` (timezone-aware) falls in the quiet hours of `zone`."""
    local = _local(moment, zone)
    return quiet is not None and quiet.covers(local.hour)


def next_allowed(moment: datetime, zone: tzinfo, quiet: QuietHours | None) -> datetime:
    """`moment` itself if it is not quiet in `zone`, else the UTC instant quiet hours end."""
    local = _local(moment, zone)
    while quiet is not None and quiet.covers(local.hour):
        # Past the start of a midnight-spanning window the quiet ends tomorrow morning;
        # otherwise later today.
        ends_tomorrow = quiet.start > quiet.end and local.hour >= quiet.start
        day = local.date() + timedelta(days=1) if ends_tomorrow else local.date()
        # After a clock goes back, the end hour may have passed once already (its first
        # occurrence); the quiet then ends at its second. Going round again only matters
        # when a skipped day lands the end inside the next night (Samoa, December 2011).
        moment = min(instant for instant in _instants(day, quiet.end, zone) if instant > moment)
        local = moment.astimezone(zone)
    return moment


def local_moment(day: date, hour: int, zone: tzinfo) -> datetime:
    """The UTC instant of `hour`:00 on `day` in `zone`.

    A time repeated when clocks go back is taken at its first occurrence; a time skipped
    when they go forward becomes the first instant after the gap.
    """
    return _instants(day, hour, zone)[0]


def _local(moment: datetime, zone: tzinfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("quiet hours need a timezone-aware moment (Palaver keeps UTC)")
    return moment.astimezone(zone)


def _instants(day: date, hour: int, zone: tzinfo) -> list[datetime]:
    """Every UTC instant at which the local clock in `zone` shows `hour`:00 on `day`.

    Two after clocks go back, one usually, and none in a gap: then the instant the gap
    ends, when the clock jumps past that time.
    """
    wall = datetime.combine(day, time(hour), tzinfo=zone)
    candidates = sorted({wall.replace(fold=fold).astimezone(UTC) for fold in (0, 1)})
    shown = [c for c in candidates if _same_wall_time(c.astimezone(zone), wall)]
    if shown:
        return shown
    # A gap: the earlier candidate reads the wall time with the offset from after the jump,
    # so it lies before the gap; the later one with the offset from before, so after it.
    return [_offset_change_between(candidates[0], candidates[-1], zone)]


def _same_wall_time(local: datetime, wall: datetime) -> bool:
    return local.replace(tzinfo=None, fold=0) == wall.replace(tzinfo=None, fold=0)


def _offset_change_between(before: datetime, after: datetime, zone: tzinfo) -> datetime:
    """The first UTC instant in (before, after] with `after`'s offset in `zone`.

    zoneinfo does not expose its transitions, so bisect on whole seconds (transitions fall
    on whole seconds; a gap spans at most a day, about 17 steps).
    """
    target = after.astimezone(zone).utcoffset()
    low, high = before, after
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) // 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(zone).utcoffset() == target:
            high = middle
        else:
            low = middle
    return high
