"""An auditor of Telegram's sending limits: which messages Telegram would have refused.

Telegram's FAQ asks a bot to send no more than about 30 messages a second overall, about one
message a second to one chat (short bursts are tolerated) and 20 messages a minute to one
group. The local Bot API accepts everything, so that tests can see what the bot sent; this
auditor watches the messages it accepted and counts those that broke one of those limits,
so a benchmark can prove that Palaver drains a backlog at its configured rate and never above.

Each limit is read the way Telegram words it:

- overall: more than ``overall_per_second`` messages in any sliding one-second window;
- a private chat (positive id): a token bucket of ``private_burst`` messages refilling at
  ``private_per_second``; a message that finds the bucket empty breaks the limit;
- a group (negative id): more than ``group_per_minute`` messages in any sliding minute.

A message that breaks a limit is one Telegram would have refused ("429 Too Many Requests"),
so it is counted once and then takes no room in any window or bucket: one early burst costs
the messages of that burst, not every message after it.

The clock is ``time.monotonic`` (real elapsed time, not the local Bot API's ``clock``, which
tests move by hand): the audit measures real sending. Tests of the auditor itself pass their
own times to :meth:`SendingAuditor.record`.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from telegram.constants import FloodLimit

from bot.telegram.rate_limits import PRIVATE_CHAT_BURST

__all__ = ["TELEGRAM_SENDING_LIMITS", "RateAudit", "SendingAuditor", "SendingLimits"]

WORST_CHATS_SHOWN = 5
"""How many offending chats a report names."""
_FIRST_SWEEP_AT = 1024
"""Chats tracked before the first sweep of the ones whose limits have fully recovered."""


@dataclass(frozen=True, slots=True)
class SendingLimits:
    """Telegram's sending limits as the auditor applies them (defaults: Telegram's FAQ).

    Attributes:
        overall_per_second: Messages in any one-second window over all chats. Raise it to
            match ``PALAVER_MAX_MESSAGES_PER_SECOND`` when auditing paid broadcasts (≤ 1000).
        private_per_second: Rate at which one private chat's allowance refills.
        private_burst: Messages one private chat may get at once (the bucket's size); the
            same number Palaver's own limiter allows, so sender and auditor agree.
        group_per_minute: Messages in any 60-second window to one group.
        timing_tolerance: Seconds of jitter forgiven. The server timestamps a message after
            an HTTP hop and a turn of a busy event loop, so two messages a sender released
            exactly one limit apart can arrive a little closer together (measured here: up
            to about 10 ms on an idle machine). A message counts against a limit only if it
            came more than this much too early. For a private chat that is one fixed
            allowance: a sender above the rate is still caught, one tolerance later. A sliding
            window shrinks by it (1 s becomes 0.95 s by default), so a sender up to about 5 %
            above the overall rate can pass unseen; :attr:`RateAudit.average_per_second`
            tells the rate itself.
    """

    overall_per_second: int = int(FloodLimit.MESSAGES_PER_SECOND)
    private_per_second: float = float(FloodLimit.MESSAGES_PER_SECOND_PER_CHAT)
    private_burst: int = PRIVATE_CHAT_BURST
    group_per_minute: int = int(FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP)
    timing_tolerance: float = 0.05

    def __post_init__(self) -> None:
        if min(self.overall_per_second, self.private_burst, self.group_per_minute) < 1:
            raise ValueError("message limits must allow at least one message")
        if self.private_per_second <= 0:
            raise ValueError("private_per_second must be positive")
        if not 0 <= self.timing_tolerance < 1:
            raise ValueError("timing_tolerance must be at least 0 and under one second")


TELEGRAM_SENDING_LIMITS = SendingLimits()
"""The limits Telegram publishes for a bot without paid broadcasts."""


@dataclass(frozen=True, slots=True)
class RateAudit:
    """What the auditor saw: how many messages, how fast, and how many broke which limit.

    Times are ``time.monotonic()`` seconds (compare them with each other, not with a date).

    Attributes:
        limits: The limits audited against.
        messages: Messages counted (every message the server created).
        first_sent_at: When the first counted message was created, if any.
        last_sent_at: When the last counted message was created, if any.
        peak_per_second: Most messages in any one-second window, over all chats (measured
            exactly, without ``timing_tolerance``).
        over_limits: Messages that broke at least one limit (Telegram would have refused).
        overall_violations: Messages over the overall limit.
        private_violations: Messages over a private chat's limit.
        group_violations: Messages over a group's limit.
        worst_chats: Up to five ``(chat_id, violations)``, most violations first.
    """

    limits: SendingLimits
    messages: int
    first_sent_at: float | None
    last_sent_at: float | None
    peak_per_second: int
    over_limits: int
    overall_violations: int
    private_violations: int
    group_violations: int
    worst_chats: tuple[tuple[int, int], ...]

    @property
    def within_limits(self) -> bool:
        """Whether every message kept every limit."""
        return self.over_limits == 0

    @property
    def duration(self) -> float:
        """Seconds from the first counted message to the last (0 for fewer than two)."""
        if self.first_sent_at is None or self.last_sent_at is None:
            return 0.0
        return self.last_sent_at - self.first_sent_at

    @property
    def average_per_second(self) -> float | None:
        """Messages a second between the first and the last (``None`` without a duration).

        Counts the gaps, not the messages (``n`` messages span ``n - 1`` gaps), so a sender
        pacing exactly at ``r`` a second reads ``r``.
        """
        if self.duration <= 0:
            return None
        return (self.messages - 1) / self.duration


class SendingAuditor:
    """Counts messages as they are sent and the ones that break Telegram's limits.

    Memory stays bounded by what the limits need: the sends of the last second (overall),
    of the last minute per group, one float per private chat still short of its full
    allowance, and one counter per chat that broke a limit (for the report).
    """

    def __init__(
        self,
        limits: SendingLimits = TELEGRAM_SENDING_LIMITS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self.reset()

    def reset(self) -> None:
        """Forget everything counted so far (the limits stay)."""
        self._messages = 0
        self._first: float | None = None
        self._last: float | None = None
        self._last_second: deque[float] = deque()  # every send, for the peak
        self._peak = 0
        # Accepted sends only: a message over a limit would have been refused by Telegram,
        # so it takes no room in a window or bucket.
        self._overall_window: deque[float] = deque()
        self._private_due: dict[int, float] = {}
        self._group_windows: dict[int, deque[float]] = {}
        self._sweep_at = _FIRST_SWEEP_AT
        self._over_limits = 0
        self._overall_violations = 0
        self._private_violations = 0
        self._group_violations = 0
        self._violations_by_chat: Counter[int] = Counter()

    def record(self, chat_id: int, at: float | None = None) -> None:
        """Count one message sent to ``chat_id`` now (or at ``at``, for tests)."""
        now = self._clock() if at is None else at
        if self._last is not None and now < self._last:
            raise ValueError(f"sends are recorded in order: {now} is before {self._last}")
        self._messages += 1
        if self._first is None:
            self._first = now
        self._last = now
        self._measure_peak(now)

        overall = self._overall_full(now)
        private = chat_id > 0 and self._private_early(chat_id, now)
        group = chat_id < 0 and self._group_full(chat_id, now)
        if overall or private or group:
            self._over_limits += 1
            self._overall_violations += overall
            self._private_violations += private
            self._group_violations += group
            if private or group:
                self._violations_by_chat[chat_id] += 1
            return
        self._overall_window.append(now)
        if chat_id > 0:
            self._accept_private(chat_id, now)
        elif chat_id < 0:
            self._group_windows.setdefault(chat_id, deque()).append(now)
        self._sweep_recovered_chats(now)

    def report(self) -> RateAudit:
        """The audit so far."""
        return RateAudit(
            limits=self.limits,
            messages=self._messages,
            first_sent_at=self._first,
            last_sent_at=self._last,
            peak_per_second=self._peak,
            over_limits=self._over_limits,
            overall_violations=self._overall_violations,
            private_violations=self._private_violations,
            group_violations=self._group_violations,
            worst_chats=tuple(self._violations_by_chat.most_common(WORST_CHATS_SHOWN)),
        )

    # ------------------------------------------------------------------ the limits

    def _measure_peak(self, now: float) -> None:
        window = self._last_second
        window.append(now)
        _drop_before(window, now - 1.0)
        self._peak = max(self._peak, len(window))

    def _overall_full(self, now: float) -> bool:
        window = self._overall_window
        _drop_before(window, now - (1.0 - self.limits.timing_tolerance))
        return len(window) >= self.limits.overall_per_second

    def _private_early(self, chat_id: int, now: float) -> bool:
        # The token bucket in its "virtual scheduling" form (GCRA): `due` is when the chat's
        # next message would be on time at the steady rate; the bucket's other tokens let a
        # message come up to (burst - 1) intervals before that, the tolerance a little more.
        due = self._private_due.get(chat_id)
        if due is None:
            return False
        interval = 1.0 / self.limits.private_per_second
        allowance = (self.limits.private_burst - 1) * interval + self.limits.timing_tolerance
        return now < due - allowance

    def _accept_private(self, chat_id: int, now: float) -> None:
        due = self._private_due.get(chat_id, now)
        self._private_due[chat_id] = max(due, now) + 1.0 / self.limits.private_per_second

    def _group_full(self, chat_id: int, now: float) -> bool:
        window = self._group_windows.get(chat_id)
        if window is None:
            return False
        _drop_before(window, now - (60.0 - self.limits.timing_tolerance))
        return len(window) >= self.limits.group_per_minute

    def _sweep_recovered_chats(self, now: float) -> None:
        """Forget chats whose limits have fully recovered (as good as never seen)."""
        if len(self._private_due) + len(self._group_windows) < self._sweep_at:
            return
        self._private_due = {chat: due for chat, due in self._private_due.items() if due > now}
        group_start = now - (60.0 - self.limits.timing_tolerance)
        self._group_windows = {
            chat: window
            for chat, window in self._group_windows.items()
            if window and window[-1] > group_start
        }
        # Doubling the threshold keeps sweeping to amortized O(1) per message.
        tracked = len(self._private_due) + len(self._group_windows)
        self._sweep_at = max(_FIRST_SWEEP_AT, 2 * tracked)


def _drop_before(window: deque[float], start: float) -> None:
    """Drop sends at or before ``start`` from the left of a time-ordered window."""
    while window and window[0] <= start:
        window.popleft()
