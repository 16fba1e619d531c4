"""Commands: exact wire bytes, redacted display, and refusal of CR/LF/NUL in typed values."""

from __future__ import annotations

import pytest

from core.errors import LocalProtocolError
from core.smtp.commands import (
    Auth,
    AuthResponse,
    Command,
    Data,
    DataBody,
    Ehlo,
    Helo,
    MailFrom,
    Noop,
    Quit,
    RcptTo,
    Rset,
    StartTls,
)

CASES: list[tuple[Command, bytes, str]] = [
    (Ehlo("printer.example.com"), b"EHLO printer.example.com\r\n", "EHLO printer.example.com"),
    (Helo("[192.0.2.7]"), b"HELO [192.0.2.7]\r\n", "HELO [192.0.2.7]"),
    (StartTls(), b"STARTTLS\r\n", "STARTTLS"),
    (Auth("LOGIN"), b"AUTH LOGIN\r\n", "AUTH LOGIN"),
    (Auth("PLAIN", "AGFAYgBj", "<credentials>"), b"AUTH PLAIN AGFAYgBj\r\n", "AUTH PLAIN <credentials>"),
    (Auth("PLAIN", "="), b"AUTH PLAIN =\r\n", "AUTH PLAIN <1 characters of base64, redacted>"),
    (AuthResponse(""), b"\r\n", ""),
    (AuthResponse("*"), b"*\r\n", "*"),
    (AuthResponse("cGFzcw==", "<password, redacted>"), b"cGFzcw==\r\n", "<password, redacted>"),
    (AuthResponse("cGFzcw=="), b"cGFzcw==\r\n", "<8 characters of base64, redacted>"),
    (MailFrom("a@example.com"), b"MAIL FROM:<a@example.com>\r\n", "MAIL FROM:<a@example.com>"),
    (
        MailFrom("a@example.com", 1234),
        b"MAIL FROM:<a@example.com> SIZE=1234\r\n",
        "MAIL FROM:<a@example.com> SIZE=1234",
    ),
    (MailFrom(""), b"MAIL FROM:<>\r\n", "MAIL FROM:<>"),
    (RcptTo("b@example.org"), b"RCPT TO:<b@example.org>\r\n", "RCPT TO:<b@example.org>"),
    (Data(), b"DATA\r\n", "DATA"),
    (Rset(), b"RSET\r\n", "RSET"),
    (Noop(), b"NOOP\r\n", "NOOP"),
    (Quit(), b"QUIT\r\n", "QUIT"),
]


@pytest.mark.parametrize(("command", "wire", "shown"), CASES)
def test_wire_and_display(command: Command, wire: bytes, shown: str) -> None:
    assert command.to_wire() == wire
    assert command.display() == shown


@pytest.mark.parametrize("bad", ["\r", "\n", "\x00", "\r\nRCPT TO:<victim@example.org>"])
@pytest.mark.parametrize(
    "build",
    [
        lambda v: Ehlo(f"host{v}"),
        lambda v: Helo(f"host{v}"),
        lambda v: MailFrom(f"a@example.com{v}"),
        lambda v: RcptTo(f"b@example.org{v}"),
        lambda v: Auth(f"PLAIN{v}"),
        lambda v: Auth("PLAIN", f"AGFAYgBj{v}"),
        lambda v: AuthResponse(f"cGFzcw=={v}"),
    ],
)
def test_line_breaks_and_nul_are_refused(build: object, bad: str) -> None:
    with pytest.raises(LocalProtocolError, match="line break or NUL"):
        build(bad)  # type: ignore[operator]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Ehlo(""),
        lambda: Ehlo("  "),
        lambda: RcptTo(""),
        lambda: MailFrom("a b@example.com"),
        lambda: MailFrom("<a@example.com>"),
        lambda: Auth("BAD MECH"),
        lambda: MailFrom("a@x", -1),
        lambda: RcptTo("a\t@example.com"),
    ],
)
def test_other_unusable_values_are_refused(build: object) -> None:
    with pytest.raises(LocalProtocolError):
        build()  # type: ignore[operator]


def test_secret_payloads_stay_out_of_repr() -> None:
    command = Auth("PLAIN", "c2VjcmV0LXBheWxvYWQ=", "<credentials>")
    response = AuthResponse("c2VjcmV0LXBheWxvYWQ=", "<password>")
    body = DataBody(b"Subject: private\r\n\r\nbody")
    for value in (command, response, body):
        assert "c2VjcmV0" not in repr(value)
        assert "private" not in repr(value)


@pytest.mark.parametrize(
    ("content", "wire"),
    [
        (b"a\r\nb\r\n", b"a\r\nb\r\n.\r\n"),
        (b"a\r\nb", b"a\r\nb\r\n.\r\n"),
        (b"a\nb\n", b"a\r\nb\r\n.\r\n"),
        (b".hidden\r\n..two\r\n.\r\nend", b"..hidden\r\n...two\r\n..\r\nend\r\n.\r\n"),
        (b"", b".\r\n"),
    ],
)
def test_data_body_is_dot_stuffed_and_terminated(content: bytes, wire: bytes) -> None:
    assert DataBody(content).to_wire() == wire


def test_data_body_display_shows_headers_but_not_the_body() -> None:
    body = DataBody(b"From: a@example.com\r\nSubject: Test\r\n\r\nline one\r\nline two\r\n")
    lines = body.display_lines()
    assert lines[:2] == ("From: a@example.com", "Subject: Test")
    assert lines[-1] == "."
    assert "line one" not in " ".join(lines)
    assert lines[-2] == "<body: 20 bytes, 2 lines not shown>"
    assert body.display() == f"<message: {len(body.content)} bytes, 5 lines>"


def test_only_mail_rcpt_and_rset_may_be_followed_in_a_pipeline() -> None:
    pipelinable = {type(c) for c, _, _ in CASES if c.pipelinable}
    assert pipelinable == {MailFrom, RcptTo, Rset}
