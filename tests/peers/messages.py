"""Test messages for the peer tests, and the checks that one arrived at the sink intact."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from tests.peers.peer import SinkMessage


def build_message(sender: str, recipient: str, *, attachment_bytes: int = 0) -> EmailMessage:
    """A message with every header a receiving system looks at, and a unique subject and body."""
    marker = secrets.token_hex(8)
    msg = EmailMessage()
    msg["Subject"] = f"Peer test {marker}"
    msg["From"] = sender
    msg["To"] = recipient
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain="client.example.test")
    msg.set_content(f"Body line for {marker}.\n")
    if attachment_bytes:
        msg.add_attachment(
            secrets.token_bytes(attachment_bytes), maintype="application", subtype="pdf", filename="scan.pdf"
        )
    return msg


def assert_same_message(received: SinkMessage, sent: EmailMessage) -> None:
    """The relayed message kept the headers, body and attachment the client sent."""
    got = received.message
    for header in ("Subject", "From", "To", "Date", "Message-ID"):
        assert got[header] == sent[header], header
    sent_body = sent.get_body(("plain",))
    got_body = got.get_body(("plain",))
    assert sent_body is not None
    assert got_body is not None
    # Line ends travel as CRLF on the wire and stay so in the relayed copy.
    assert got_body.get_content().splitlines() == sent_body.get_content().splitlines()
    assert _attachments(got) == _attachments(sent)


def _attachments(msg: EmailMessage) -> list[tuple[str | None, bytes]]:
    found = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found.append((part.get_filename(), payload))
    return found
