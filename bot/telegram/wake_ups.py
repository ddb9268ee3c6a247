"""Waking a dispatcher when its next row is due, once, on PTB's JobQueue.

The outbox and the follow-ups both keep what is owed in the database and are looked at
periodically; between looks, each asks to be woken when its next row falls due. Only the
earliest wake-up asked for is kept, and none is set once the process is stopping.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta

from telegram.ext import JobQueue

from bot.clock import Clock

Job = Callable[[object], Coroutine[object, object, None]]


class WakeUps:
    """Runs `job` once at the earliest time asked for (by `name` on the JobQueue)."""

    def __init__(self, job: Job, name: str, clock: Clock) -> None:
        self._job = job
        self._name = name
        self._clock = clock
        self._job_queue: JobQueue | None = None  # type: ignore[type-arg]
        self._next: datetime | None = None
        self.closing = False

    def attach(self, job_queue: JobQueue | None) -> None:  # type: ignore[type-arg]
        """Where to schedule wake-ups (none before this, e.g. outside a running bot)."""
        self._job_queue = job_queue

    def woken(self) -> None:
        """The job is running now: the next wake-up it asks for is the one to keep."""
        self._next = None

    def close(self) -> None:
        """The process is stopping: set no more wake-ups."""
        self.closing = True

    def at(self, when: datetime | None, at_least: timedelta = timedelta(0)) -> None:
        """Make sure the job runs at `when`, not before `at_least` from now (unless an earlier
        wake-up is already set)."""
        if when is None or self._job_queue is None or self.closing:
            return
        when = max(when, self._clock() + at_least)
        if self._next is not None and self._next <= when:
            return
        self._next = when
        delay = max(0.0, (when - self._clock()).total_seconds())
        self._job_queue.run_once(self._job, when=delay, name=self._name)
