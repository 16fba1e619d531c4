"""Environment facts: versions, local time and the clock offset against the server's greeting date."""

from __future__ import annotations

import platform
from datetime import UTC, datetime, timedelta, timezone

import pytest

from core import __version__
from core.report.environment import (
    clock_offset,
    collect_environment,
    describe_clock_offset,
    server_greeting_date,
)
from tests.report.samples import all_samples


@pytest.mark.parametrize(
    ("greeting", "expected"),
    [
        (
            "220 TS-EXHC-P1.CXG.CO.UK Microsoft ESMTP MAIL Service ready at Mon, 9 Sep 2013 15:10:11 +0100",
            datetime(2013, 9, 9, 15, 10, 11, tzinfo=timezone(timedelta(hours=1))),
        ),
        (
            "220 mx.example.org ESMTP Sendmail 8.15.2/8.15.2; Sat, 22 Nov 2025 18:05:12 -0500",
            datetime(2025, 11, 22, 18, 5, 12, tzinfo=timezone(timedelta(hours=-5))),
        ),
        ("220 host ESMTP ready 22 Nov 2025 17:05:09", datetime(2025, 11, 22, 17, 5, 9, tzinfo=UTC)),
    ],
)
def test_greeting_dates(greeting: str, expected: datetime) -> None:
    assert server_greeting_date(greeting) == expected


@pytest.mark.parametrize("greeting", ["220 mail.example.net ESMTP Postfix", "220 smtp.gmail.com ESMTP x - gsmtp"])
def test_greetings_without_a_date(greeting: str) -> None:
    assert server_greeting_date(greeting) is None


def test_clock_offset_from_the_greeting_line() -> None:
    m365 = all_samples()[1]
    server_date, offset = clock_offset(m365.result)
    # Sent 17:05:09Z, received 18:05:12.250+01:00 plus 74.2 ms: the local clock is 3.3 s ahead.
    assert server_date == datetime(2025, 11, 22, 17, 5, 9, tzinfo=UTC)
    assert offset == pytest.approx(3.324, abs=0.001)
    assert clock_offset(all_samples()[0].result) == (None, None)


def test_collect_environment_describes_this_machine() -> None:
    now = datetime(2025, 11, 22, 17, 6, tzinfo=UTC)
    env = collect_environment(all_samples()[1].result, now=now)
    assert env.app_version == __version__
    assert env.python.startswith(platform.python_version())
    assert env.os == platform.platform()
    assert env.qt is None or env.qt.startswith("PySide6 ")
    assert env.local_time == now
    assert env.local_time.tzinfo is not None
    assert env.clock_offset_seconds == pytest.approx(3.324, abs=0.001)
    data = env.as_dict()
    assert data["clock_offset_seconds"] == 3.3
    assert data["utc_offset"] == env.utc_offset


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (None, "not measured (the server's greeting carries no date)"),
        (0.4, "+0.4 s (in step with the server)"),
        (-45.0, "-45 s (local clock 45 s behind the server)"),
        (600.0, "+600 s (local clock 10 min ahead of the server) — check the computer's clock"),
        (-9000.0, "-9000 s (local clock 2.5 h behind the server) — check the computer's clock"),
    ],
)
def test_clock_offset_wording(seconds: float | None, expected: str) -> None:
    assert describe_clock_offset(seconds) == expected
