"""The RFC 5322 test message a probe sends, built with the standard library's ``email`` package.

The message says plainly what it is (so the person who receives it knows why), names the
profile and the local time in the subject, and can carry a scan-like PDF attachment of an exact
payload size, because "scan to email" fails on size limits far more often than on text mail.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from core.errors import LocalProtocolError
from core.model import MessageSpec

TOOL_NAME = "SMTP Doctor"
ATTACHMENT_NAME = "smtp-doctor-test-scan.pdf"
_PDF_HEAD = b"%PDF-1.4\n% SMTP Doctor test attachment: a scan-sized payload, not a real document.\n"
_PDF_TAIL = b"\n%%EOF\n"


def pdf_like_payload(size: int) -> bytes:
    """Exactly ``size`` bytes that start like a PDF (so mail filters treat it as one)."""
    if size <= 0:
        return b""
    body = _PDF_HEAD + b"%" + b"0" * max(0, size - len(_PDF_HEAD) - len(_PDF_TAIL) - 1) + _PDF_TAIL
    if len(body) > size:
        body = (_PDF_HEAD + _PDF_TAIL)[:size]
    return body


def build_subject(now: datetime, profile_name: str | None, note: str = "") -> str:
    parts = [f"{TOOL_NAME} test"]
    if profile_name:
        parts.append(f"profile {profile_name}")
    if note:
        parts.append(note)
    parts.append(now.strftime("%Y-%m-%d %H:%M %z").strip())
    return " - ".join(parts)


def build_message(
    spec: MessageSpec,
    *,
    now: datetime,
    profile_name: str | None = None,
    fallback_from: str | None = None,
) -> bytes:
    """The whole message as CRLF bytes, ready for :class:`~core.smtp.commands.DataBody`.

    ``now`` is the local, timezone-aware time (Date header and subject); ``fallback_from`` is used
    for the From header when neither ``header_from`` nor ``mail_from`` is set (null sender).
    """
    sender = spec.header_from or spec.mail_from or fallback_from or "smtp-doctor@localhost"
    message = EmailMessage(policy=SMTP)
    try:
        message["Date"] = format_datetime(now)
        message["Message-ID"] = message_id(_domain_of(sender))
        message["From"] = sender
        if spec.rcpt_to:
            message["To"] = ", ".join(spec.rcpt_to)
        message["Subject"] = build_subject(now, profile_name, spec.subject_note)
        message["X-Mailer"] = TOOL_NAME
    except (ValueError, TypeError) as exc:
        raise LocalProtocolError(f"The test message cannot be built: {exc}") from None
    message.set_content(_body_text(spec, now, profile_name))
    if spec.attachment_bytes > 0:
        message.add_attachment(
            pdf_like_payload(spec.attachment_bytes), maintype="application", subtype="pdf", filename=ATTACHMENT_NAME
        )
    return message.as_bytes(policy=SMTP)


def _domain_of(address: str) -> str:
    domain = address.rpartition("@")[2].strip("<> ")
    return domain if domain and all(c.isalnum() or c in ".-" for c in domain) else "localhost"


def _body_text(spec: MessageSpec, now: datetime, profile_name: str | None) -> str:
    lines = [
        f"This message was sent by {TOOL_NAME} to test that this mail server",
        "accepts mail from a scanner or printer configured like this:",
        "",
        f"  Sender (MAIL FROM): {spec.mail_from or '<>'}",
        f"  Recipients:         {', '.join(spec.rcpt_to) or '(none)'}",
    ]
    if profile_name:
        lines.append(f"  Profile:            {profile_name}")
    if spec.attachment_bytes:
        lines.append(f"  Attachment:         {ATTACHMENT_NAME}, {spec.attachment_bytes} bytes")
        lines.append("                      (filler of that size, not a real document)")
    lines += ["", f"Sent at {now.isoformat(timespec='seconds')}. You can delete this message."]
    return "\n".join(lines) + "\n"


def message_id(domain: str) -> str:
    """A unique Message-ID of fixed length, as devices write them.

    ``email.utils.make_msgid`` varies in length with the clock, the PID and a random number, so
    the header sometimes folds onto a second line and the message size changes from run to run.
    """
    return f"<{uuid.uuid4().hex}.smtp-doctor@{domain}>"
