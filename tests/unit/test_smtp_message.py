"""The test message: headers, a PDF-like attachment of an exact size, CRLF, base64 at 76."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta, timezone

import pytest

from core.model import MessageSpec
from core.smtp.message import ATTACHMENT_NAME, build_message, pdf_like_payload

NOW = datetime(2026, 3, 4, 9, 30, tzinfo=timezone(timedelta(hours=1)))


def parse(data: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


@pytest.mark.parametrize("size", [1, 7, 80, 81, 1000, 250_000])
def test_pdf_like_payload_has_the_exact_size(size: int) -> None:
    payload = pdf_like_payload(size)
    assert len(payload) == size
    assert payload.startswith(b"%PDF"[:size])


def test_headers_name_the_tool_profile_and_time() -> None:
    spec = MessageSpec("scanner@example.com", ("a@example.org", "b@example.org"), subject_note="device Ricoh")
    message = parse(build_message(spec, now=NOW, profile_name="Front desk MFP"))
    assert message["From"] == "scanner@example.com"
    assert message["To"] == "a@example.org, b@example.org"
    subject = message["Subject"]
    assert "SMTP Doctor" in subject
    assert "Front desk MFP" in subject
    assert "device Ricoh" in subject
    assert "2026-03-04 09:30 +0100" in subject
    assert email.utils.parsedate_to_datetime(message["Date"]) == NOW
    assert message["Message-ID"].endswith("@example.com>")
    assert not message.is_multipart()


def test_header_from_overrides_the_envelope_sender() -> None:
    spec = MessageSpec("scanner@example.com", ("a@example.org",), header_from="boss@example.com")
    assert parse(build_message(spec, now=NOW))["From"] == "boss@example.com"


def test_null_sender_uses_the_fallback() -> None:
    spec = MessageSpec("", ("a@example.org",))
    assert parse(build_message(spec, now=NOW, fallback_from="alice@example.com"))["From"] == "alice@example.com"


def test_attachment_has_the_exact_payload_and_base64_lines_of_76() -> None:
    spec = MessageSpec("scanner@example.com", ("a@example.org",), attachment_bytes=12_345)
    data = build_message(spec, now=NOW)
    message = parse(data)
    assert message.is_multipart()
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1
    part = attachments[0]
    assert part.get_filename() == ATTACHMENT_NAME
    assert part.get_content_type() == "application/pdf"
    assert part["Content-Transfer-Encoding"] == "base64"
    assert part.get_content() == pdf_like_payload(12_345)
    encoded = str(part.get_payload(decode=False)).split("\r\n")
    assert max(len(line) for line in encoded) == 76


def test_message_uses_crlf_only() -> None:
    data = build_message(MessageSpec("a@example.com", ("b@example.org",), attachment_bytes=500), now=NOW)
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert data.endswith(b"\r\n")
