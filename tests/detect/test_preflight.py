"""Pre-flight checks: scan size against SIZE, risky password characters, clock against the greeting."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from core.diagnosis.finding import Severity
from core.preflight import (
    LONG_PASSWORD,
    PASSWORD_CODE,
    check_clock,
    check_message_size,
    check_password,
    encoded_message_size,
)
from core.secret import Secret


def test_encoded_size_matches_real_base64_with_line_breaks() -> None:
    payload = bytes(range(256)) * 4000  # 1,024,000 bytes
    encoded = base64.encodebytes(payload)  # 76-character lines, LF
    with_crlf = len(encoded) + encoded.count(b"\n")
    assert encoded_message_size(len(payload)) - 4096 == with_crlf


def test_scan_larger_than_size_warns_with_numbers() -> None:
    finding = check_message_size(10_485_760, 8_000_000)
    assert finding is not None
    assert finding.code == "message_too_large"
    assert finding.severity is Severity.WARNING
    assert "10.5 MB" in finding.explanation
    assert "8.0 MB" in finding.explanation
    assert "11.0 MB" in finding.explanation
    assert check_message_size(10_485_760, 7_000_000) is None  # 9.6 MB encoded fits
    assert check_message_size(None, 8_000_000) is None  # no SIZE advertised
    assert check_message_size(0, 8_000_000) is None  # SIZE without a limit


def test_password_warning_counts_risky_characters_without_showing_them() -> None:
    secret = 'Sc~an"ner&2024'
    finding = check_password(Secret(secret))
    assert finding is not None
    assert finding.code == PASSWORD_CODE
    assert finding.severity is Severity.WARNING
    assert "3 characters from this list" in finding.explanation
    text = " ".join((finding.title, finding.explanation, *finding.fix))
    assert secret not in text
    assert "Sc~an" not in text
    assert "ner&2024" not in text


def test_password_warning_for_non_ascii_spaces_and_length() -> None:
    finding = check_password("Grüße aus Köln ")
    assert finding is not None
    assert "3 non-ASCII characters" in finding.explanation
    assert "space at the beginning or end" in finding.explanation
    long = check_password("a" * (LONG_PASSWORD + 1))
    assert long is not None
    assert f"more than {LONG_PASSWORD} characters" in long.explanation
    assert check_password("Plain2024password") is None
    assert check_password(None) is None


def test_clock_check_reads_the_greeting_date() -> None:
    now = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
    greeting = "220 mx.example.test Microsoft ESMTP MAIL Service ready at Mon, 2 Mar 2026 11:30:00 +0000"
    finding = check_clock(greeting, now)
    assert finding is not None
    assert finding.code == "clock_skew"
    assert "2.5 hours behind" in finding.explanation
    close = now + timedelta(minutes=2, hours=2, seconds=29 * 60)  # within five minutes of the greeting
    assert check_clock(greeting, close) is None
    assert check_clock("220 mx.example.test ESMTP Postfix", now) is None
