"""Facts about the machine that ran the test, for the report: versions, local time, clock offset.

A support engineer reading a ticket needs to know which build ran where, and whether the local
clock can be trusted (a wrong clock makes valid certificates look expired and tokens invalid).
The clock offset is measured against the date some servers put in their greeting (Exchange,
Sendmail). Qt is never imported here: its version is read from package metadata, and the runtime
Qt version only when the app has already loaded Qt (the GUI, or the PDF writer).
"""

from __future__ import annotations

import platform
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from importlib import metadata

from core import __version__
from core.probe.phases import Phase
from core.probe.result import ProbeResult
from core.probe.transcript import EventKind

# An RFC 5322 date as servers write it in greetings: "Mon, 9 Sep 2013 15:10:11 +0100".
_GREETING_DATE = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s*)?\d{1,2}\s+"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s+(?:[+-]\d{4}|UT|UTC|GMT|[ECMP][SD]T|Z))?"
)


@dataclass(frozen=True)
class Environment:
    """Where and when a report was made. Build it with :func:`collect_environment`."""

    app_version: str
    os: str  # "Linux-6.1.0-x86_64-with-glibc2.36", "Windows-10-10.0.19045-SP0"
    python: str  # "3.11.7 (CPython)"
    qt: str | None  # "PySide6 6.12.0, Qt 6.12.0"; None when PySide6 is not installed
    local_time: datetime  # when the report was made, local and timezone-aware
    server_date: datetime | None = None  # the date in the server's greeting, if it sent one
    clock_offset_seconds: float | None = None  # local clock minus the server's; + = local ahead

    @property
    def utc_offset(self) -> str:
        """The local UTC offset as ``+01:00``."""
        offset = self.local_time.utcoffset() or timedelta(0)
        return format_utc_offset(offset)

    def as_dict(self) -> dict[str, object]:
        return {
            "app_version": self.app_version,
            "os": self.os,
            "python": self.python,
            "qt": self.qt,
            "local_time": self.local_time.isoformat(),
            "utc_offset": self.utc_offset,
            "server_date": self.server_date.isoformat() if self.server_date else None,
            "clock_offset_seconds": (
                round(self.clock_offset_seconds, 1) if self.clock_offset_seconds is not None else None
            ),
        }


def collect_environment(result: ProbeResult | None = None, *, now: datetime | None = None) -> Environment:
    """Describe this machine now; ``result`` gives the server's greeting date for the clock offset."""
    local_time = (now or datetime.now(UTC)).astimezone()
    server_date, offset = clock_offset(result) if result is not None else (None, None)
    return Environment(
        app_version=__version__,
        os=platform.platform(),
        python=f"{platform.python_version()} ({platform.python_implementation()})",
        qt=qt_version(),
        local_time=local_time,
        server_date=server_date,
        clock_offset_seconds=offset,
    )


def qt_version() -> str | None:
    """The PySide6 package version, plus the runtime Qt version when the app has loaded QtCore."""
    package = _installed_version("PySide6-Essentials") or _installed_version("PySide6")
    if package is None:
        return None
    core = sys.modules.get("PySide6.QtCore")  # never imported from here: the CLI stays Qt-free
    runtime = getattr(core, "qVersion", None) if core is not None else None
    return f"PySide6 {package}, Qt {runtime()}" if callable(runtime) else f"PySide6 {package}"


def server_greeting_date(text: str) -> datetime | None:
    """The date in a greeting such as Exchange's ``... ready at Mon, 9 Sep 2013 15:10:11 +0100``."""
    match = _GREETING_DATE.search(text)
    if match is None:
        return None
    try:
        parsed = parsedate_to_datetime(match.group(0))
    except (TypeError, ValueError):
        return None
    # No zone, or "-0000": the server did not say; UTC is the usual meaning.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def clock_offset(result: ProbeResult) -> tuple[datetime | None, float | None]:
    """The server's greeting date and how far the local clock was ahead of it, in seconds."""
    for event in result.transcript:
        if event.kind is EventKind.SERVER and event.phase in (Phase.GREETING, None):
            server_date = server_greeting_date(event.text)
            if server_date is not None:
                received = result.started_at + timedelta(milliseconds=event.offset_ms)
                return server_date, (received - server_date).total_seconds()
    if result.greeting is not None:
        server_date = server_greeting_date(result.greeting.text)
        if server_date is not None:
            return server_date, (result.started_at - server_date).total_seconds()
    return None, None


def format_utc_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def describe_clock_offset(seconds: float | None) -> str:
    """``"local clock 3 s ahead of the server"``, or a note that it could not be measured."""
    if seconds is None:
        return "not measured (the server's greeting carries no date)"
    if abs(seconds) < 2:
        return f"{seconds:+.1f} s (in step with the server)"
    direction = "ahead of" if seconds > 0 else "behind"
    size = abs(seconds)
    amount = f"{size:.0f} s" if size < 120 else f"{size / 60:.0f} min" if size < 7200 else f"{size / 3600:.1f} h"
    warning = " — check the computer's clock" if size >= 300 else ""
    return f"{seconds:+.0f} s (local clock {amount} {direction} the server){warning}"


def _installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
