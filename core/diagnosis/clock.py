"""Clock checks: does the local clock disagree with the server's greeting, certificate or token?

OAuth tokens and certificates are only valid between two instants, so a wrong PC or printer clock
makes them fail in confusing ways. Differences under a few minutes are ignored.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from core.diagnosis import claims
from core.diagnosis.context import Context

SKEW_SECONDS = 300
_RFC2822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s+)?\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4}\s+\d{2}:\d{2}:\d{2}\s+[+-]\d{4}"
)


def greeting_time(text: str) -> datetime | None:
    """The date and time a greeting states (Exchange, Exim and others print one)."""
    match = _RFC2822.search(text)
    if match is None:
        return None
    try:
        return parsedate_to_datetime(match.group(0))
    except (TypeError, ValueError):
        return None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def greeting_skew(ctx: Context) -> float | None:
    """Seconds the server's clock (from its greeting) is ahead of ours at the start of the probe."""
    greeting = ctx.result.greeting
    if greeting is None:
        return None
    stated = greeting_time(greeting.text)
    if stated is None:
        return None
    difference = (stated - _aware(ctx.result.started_at)).total_seconds()
    return difference if abs(difference) > SKEW_SECONDS else None


def certificate_from_future(ctx: Context) -> bool:
    tls = ctx.result.tls
    return bool(tls and tls.chain and _aware(ctx.now) < tls.chain[0].not_before)


def _minutes(seconds: float) -> str:
    minutes = abs(seconds) / 60
    return f"{minutes / 60:.1f} hours" if minutes >= 120 else f"{minutes:.0f} minutes"


def clock_findings(ctx: Context) -> list[str]:
    """Plain sentences, one per disagreement found (empty: the clock looks right)."""
    found: list[str] = []
    skew = greeting_skew(ctx)
    if skew is not None:
        side = "behind" if skew > 0 else "ahead of"
        found.append(f"This computer's clock is about {_minutes(skew)} {side} the mail server's clock.")
    ahead = claims.clock_difference(ctx)
    if ahead is not None:
        found.append(f"The sign-in token was issued {_minutes(ahead)} in this computer's future.")
    if certificate_from_future(ctx):
        found.append("The server's certificate only becomes valid after this computer's current date.")
    return found


def has_clock_skew(ctx: Context) -> bool:
    return bool(clock_findings(ctx))
