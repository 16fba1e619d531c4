"""Deadlines for the phases of a probe, each capped by the deadline of the whole run.

A per-read timeout alone is not enough: a server that sends one byte every ten seconds never
trips a fifteen-second read timeout. So every phase gets an absolute deadline, and no phase may
run past the total deadline of the run. The clock is injectable so tests need not sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]


class Deadline:
    """A point in (monotonic) time by which something must be done."""

    __slots__ = ("_clock", "_expires_at", "_limited_by_total", "seconds")
    _expires_at: float

    def __init__(self, seconds: float, *, clock: Clock = time.monotonic, cap: Deadline | None = None) -> None:
        self._clock = clock
        own = clock() + seconds
        self._limited_by_total = cap is not None and cap._expires_at < own
        self._expires_at = min(own, cap._expires_at) if cap is not None else own
        self.seconds = seconds  # the phase's own allowance, for messages ("no greeting within 15 s")

    def child(self, seconds: float) -> Deadline:
        """A deadline ``seconds`` from now that never lies beyond this one."""
        return Deadline(seconds, clock=self._clock, cap=self)

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self._expires_at - self._clock())

    @property
    def expired(self) -> bool:
        return self._clock() >= self._expires_at

    @property
    def limited_by_total(self) -> bool:
        """True when the run's total deadline, not the phase's own allowance, ends this phase."""
        return self._limited_by_total

    def describe(self) -> str:
        """How long the phase was allowed, in words for a failure message."""
        if self._limited_by_total:
            return "before the time allowed for the whole test ran out"
        return f"within {self.seconds:g} s"
