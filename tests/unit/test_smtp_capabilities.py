"""Capabilities.from_ehlo over real-world EHLO replies (also read by the diagnosis)."""

from __future__ import annotations

import pytest

from core.smtp.capabilities import Capabilities
from core.smtp.replies import ReplyReader


def parse(data: bytes) -> Capabilities:
    reader = ReplyReader()
    reader.feed(data)
    reply = reader.next_reply()
    assert reply is not None
    return Capabilities.from_ehlo(reply)


@pytest.mark.parametrize(
    ("ehlo", "auth", "starttls", "size", "pipelining"),
    [
        (  # Exchange Online before STARTTLS: no AUTH
            b"250-SN4PR0201CA0044.outlook.office365.com Hello [203.0.113.5]\r\n250-SIZE 157286400\r\n"
            b"250-PIPELINING\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-8BITMIME\r\n"
            b"250-BINARYMIME\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n",
            (),
            True,
            157286400,
            True,
        ),
        (  # Exchange Online after STARTTLS
            b"250-outlook.office365.com Hello\r\n250-SIZE 157286400\r\n250-AUTH LOGIN XOAUTH2\r\n250 SMTPUTF8\r\n",
            ("LOGIN", "XOAUTH2"),
            False,
            157286400,
            False,
        ),
        (  # Gmail after STARTTLS
            b"250-smtp.gmail.com at your service\r\n250-SIZE 35882577\r\n"
            b"250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n250-PIPELINING\r\n250 SMTPUTF8\r\n",
            ("LOGIN", "PLAIN", "XOAUTH2", "PLAIN-CLIENTTOKEN", "OAUTHBEARER", "XOAUTH"),
            False,
            35882577,
            True,
        ),
        (  # old Exchange / appliances: the pre-standard AUTH= form as well
            b"250-mail.example.com\r\n250-AUTH=LOGIN\r\n250-AUTH LOGIN NTLM\r\n250 SIZE\r\n",
            ("LOGIN", "NTLM"),
            False,
            0,
            False,
        ),
        (b"250 mx.example.com\r\n", (), False, None, False),
        (b"250-mx\r\n250-auth plain login\r\n250 starttls\r\n", ("PLAIN", "LOGIN"), True, None, False),
    ],
)
def test_from_ehlo(ehlo: bytes, auth: tuple[str, ...], starttls: bool, size: int | None, pipelining: bool) -> None:
    caps = parse(ehlo)
    assert caps.auth_mechanisms == auth
    assert caps.starttls is starttls
    assert caps.size == size
    assert caps.pipelining is pipelining
    assert all(caps.offers(m.lower()) for m in auth)
    assert caps.as_dict()["auth"] == list(auth)
