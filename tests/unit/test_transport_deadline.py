"""Deadline with an injected clock: per-phase allowance capped by the run's total."""

from __future__ import annotations

from core.transport.deadline import Deadline


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def is_expired(deadline: Deadline) -> bool:
    return deadline.expired  # read through a call: mypy would otherwise pin the property's value


def test_remaining_counts_down_and_expires() -> None:
    clock = FakeClock()
    deadline = Deadline(10, clock=clock)
    assert deadline.remaining() == 10
    clock.now += 4
    assert deadline.remaining() == 6
    assert not is_expired(deadline)
    clock.now += 7
    assert deadline.remaining() == 0
    assert is_expired(deadline)
    assert deadline.describe() == "within 10 s"


def test_child_never_outlives_the_total() -> None:
    clock = FakeClock()
    total = Deadline(30, clock=clock)
    clock.now += 25
    phase = total.child(15)
    assert phase.remaining() == 5
    assert phase.limited_by_total
    assert "whole test" in phase.describe()
    short = total.child(2)
    assert short.remaining() == 2
    assert not short.limited_by_total
    assert short.describe() == "within 2 s"
