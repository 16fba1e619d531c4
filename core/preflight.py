"""Pre-flight checks technicians trip over, before the device ever sends a scan.

* **Scan size against SIZE**: a scanned PDF travels base64-encoded, about 37 % larger than the
  file; a server that advertises ``SIZE 10485760`` refuses a 7.8 MB scan.
* **Password characters**: some firmware web pages mangle characters that mean something in HTML
  forms, URLs or escapes, and non-ASCII letters; some truncate long passwords. These are field
  reports (peers-and-presets.md §1.8 item 9: ``~`` and ``"``, unverified), so the check only warns.
  It never says *which* characters the password has: only how many come from the risky list.
* **Clock against the greeting**: many servers print their date in the greeting; certificates
  and OAuth tokens fail in confusing ways when the local clock is minutes or hours off.

Each check returns a ``Finding`` (a warning) or None.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from core.diagnosis.clock import SKEW_SECONDS, greeting_time
from core.diagnosis.finding import Finding, Severity
from core.diagnosis.texts_envelope import ENVELOPE_TEXTS
from core.secret import Secret

# A 10-page colour A4 scan at 300 dpi as a compressed PDF is a few megabytes (an estimate, not a
# measurement of any particular device): the default when no attachment size is given.
TYPICAL_SCAN_BYTES = 5 * 1000 * 1000
_MESSAGE_OVERHEAD = 4096  # headers and the short text part around the attachment
_BASE64_LINE = 76  # characters per encoded line (RFC 2045), each followed by CRLF

RISKY_PASSWORD_CHARACTERS = "~\"'&<>\\%+#"
LONG_PASSWORD = 32  # some firmware fields stop at 32 characters (field reports, unverified)

PASSWORD_CODE = "password_characters_risky"


def encoded_message_size(attachment_bytes: int) -> int:
    """Bytes on the wire for a message carrying an attachment of ``attachment_bytes`` (base64, CRLF)."""
    encoded = 4 * math.ceil(attachment_bytes / 3)
    lines = math.ceil(encoded / _BASE64_LINE)
    return encoded + 2 * lines + _MESSAGE_OVERHEAD


def check_message_size(size_limit: int | None, attachment_bytes: int) -> Finding | None:
    """A warning when a scan of ``attachment_bytes`` would exceed the server's advertised SIZE."""
    if not size_limit or attachment_bytes <= 0:  # None: not advertised; 0: no stated limit
        return None
    on_wire = encoded_message_size(attachment_bytes)
    if on_wire <= size_limit:
        return None
    return Finding(
        code="message_too_large",
        severity=Severity.WARNING,
        title="A typical scan is larger than this server accepts",
        explanation=(
            f"The server accepts messages up to {_megabytes(size_limit)} (its SIZE). A scan of "
            f"{_megabytes(attachment_bytes)} becomes about {_megabytes(on_wire)} once encoded for email "
            "(base64 adds about 37 %), so the server would refuse it."
        ),
        fix=(
            "On the device, scan at a lower resolution (200 dpi is enough for documents), in grayscale or black "
            "and white, or with high PDF compression.",
            "Use the device's option to split large scans into several emails, if it has one.",
            "Ask the mail administrator whether the message size limit can be raised.",
        ),
        rule_id="P01",
    )


def check_password(password: Secret | str | None) -> Finding | None:
    """A warning when the password has characters or a length that some firmware mishandles."""
    value = password.reveal() if isinstance(password, Secret) else password
    if not value:
        return None
    risky = sum(1 for c in value if c in RISKY_PASSWORD_CHARACTERS)
    non_ascii = sum(1 for c in value if ord(c) > 126 or ord(c) < 32)
    problems: list[str] = []
    if risky:
        problems.append(
            f"{risky} character{'s' if risky != 1 else ''} from this list: {' '.join(RISKY_PASSWORD_CHARACTERS)}"
        )
    if non_ascii:
        problems.append(f"{non_ascii} non-ASCII character{'s' if non_ascii != 1 else ''} (accented letters, symbols)")
    if value != value.strip():
        problems.append("a space at the beginning or end")
    if len(value) > LONG_PASSWORD:
        problems.append(f"more than {LONG_PASSWORD} characters")
    if not problems:
        return None
    text = ENVELOPE_TEXTS[PASSWORD_CODE]
    return Finding(
        code=PASSWORD_CODE,
        severity=Severity.WARNING,
        title=text.title,
        explanation=text.explanation.format(problems="; ".join(problems)),
        fix=tuple(step.format(limit=LONG_PASSWORD) for step in text.fix),
        rule_id="P02",
    )


def check_clock(greeting_text: str | None, observed_at: datetime) -> Finding | None:
    """A warning when the server's greeting states a time far from the local clock at ``observed_at``."""
    stated = greeting_time(greeting_text or "")
    if stated is None:
        return None
    local = observed_at if observed_at.tzinfo else observed_at.replace(tzinfo=UTC)
    difference = (stated - local).total_seconds()
    if abs(difference) <= SKEW_SECONDS:
        return None
    side = "behind" if difference > 0 else "ahead of"
    return Finding(
        code="clock_skew",
        severity=Severity.WARNING,
        title="This computer's clock disagrees with the mail server's",
        explanation=(
            f"The server's greeting says {stated:%Y-%m-%d %H:%M:%S %z}; this computer's clock is about "
            f"{_duration(difference)} {side} it. Certificates and OAuth sign-ins are only valid between two "
            "instants, so a wrong clock (here, or on the device) makes them fail in confusing ways."
        ),
        fix=(
            "Set this computer's clock (and time zone) automatically from the network.",
            "Check the device's date, time and time zone too, and point it at a time server (NTP) if it can.",
        ),
        rule_id="P03",
    )


def _megabytes(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB"


def _duration(seconds: float) -> str:
    minutes = abs(seconds) / 60
    return f"{minutes / 60:.1f} hours" if minutes >= 120 else f"{minutes:.0f} minutes"
