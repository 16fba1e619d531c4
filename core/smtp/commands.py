"""SMTP commands as frozen values: the bytes to send, and the text a person may see.

Every command knows two forms:

* :meth:`Command.to_wire` — the exact bytes for the socket;
* :meth:`Command.display` — the line for the transcript, with secrets replaced by a description
  (``AUTH PLAIN <credentials for alice@example.com: 36 bytes, redacted>``). The runner records
  only this form, so a password or token is never put into a transcript event at all.

Values a person typed (EHLO name, addresses) may not contain CR, LF or NUL: one would end the
command early and smuggle a second one onto the wire. Such values raise
:class:`LocalProtocolError` here, as the last line of defence behind ``core.validate``.
SASL payloads are base64 and exempt from RFC 5321's 512-octet line limit (RFC 4954 §4 allows
12288), because OAuth access tokens are often longer than 512 bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from core.errors import LocalProtocolError

CRLF = b"\r\n"
_FORBIDDEN = re.compile(r"[\r\n\x00]")


def refuse_line_breaks(what: str, value: str) -> str:
    """Return ``value``, or raise LocalProtocolError if it holds CR, LF or NUL."""
    if _FORBIDDEN.search(value):
        raise LocalProtocolError(f"The {what} contains a line break or NUL character and cannot be sent.")
    return value


def _line(text: str) -> bytes:
    return text.encode("utf-8") + CRLF


@dataclass(frozen=True)
class Command:
    """Base of all commands. ``verb`` names the command in the state machine and in messages."""

    verb: ClassVar[str] = ""
    # RFC 2920 §3.1: only these may be followed by another command before their reply arrives.
    pipelinable: ClassVar[bool] = False

    def to_wire(self) -> bytes:
        return _line(self.display())

    def display(self) -> str:
        return self.verb


@dataclass(frozen=True)
class Ehlo(Command):
    name: str
    verb: ClassVar[str] = "EHLO"

    def __post_init__(self) -> None:
        refuse_line_breaks("EHLO name", self.name)
        if not self.name.strip():
            raise LocalProtocolError("The EHLO name is empty.")

    def display(self) -> str:
        return f"EHLO {self.name}"


@dataclass(frozen=True)
class Helo(Command):
    name: str
    verb: ClassVar[str] = "HELO"

    def __post_init__(self) -> None:
        refuse_line_breaks("HELO name", self.name)
        if not self.name.strip():
            raise LocalProtocolError("The HELO name is empty.")

    def display(self) -> str:
        return f"HELO {self.name}"


@dataclass(frozen=True)
class StartTls(Command):
    verb: ClassVar[str] = "STARTTLS"


@dataclass(frozen=True)
class Auth(Command):
    """``AUTH <mechanism> [initial-response]``.

    ``initial_response`` is the base64 payload (``"="`` for an empty one, RFC 4954 §4);
    ``shown`` is what the transcript shows instead of it. Neither appears in ``repr``.
    """

    mechanism: str
    initial_response: str | None = field(default=None, repr=False)
    shown: str | None = field(default=None, repr=False)
    verb: ClassVar[str] = "AUTH"

    def __post_init__(self) -> None:
        refuse_line_breaks("AUTH mechanism", self.mechanism)
        if self.initial_response is not None:
            refuse_line_breaks("AUTH initial response", self.initial_response)
        if not self.mechanism or " " in self.mechanism:
            raise LocalProtocolError(f"'{self.mechanism}' is not a SASL mechanism name.")

    def to_wire(self) -> bytes:
        if self.initial_response is None:
            return _line(f"AUTH {self.mechanism}")
        return _line(f"AUTH {self.mechanism} {self.initial_response}")

    def display(self) -> str:
        if self.initial_response is None:
            return f"AUTH {self.mechanism}"
        return f"AUTH {self.mechanism} {self.shown or _payload_summary(self.initial_response)}"


@dataclass(frozen=True)
class AuthResponse(Command):
    """A line answering a ``334`` challenge: base64, empty (XOAUTH2 error ack) or ``*`` (cancel)."""

    payload: str = field(repr=False)
    shown: str | None = field(default=None, repr=False)
    verb: ClassVar[str] = "AUTH response"

    def __post_init__(self) -> None:
        refuse_line_breaks("AUTH response", self.payload)

    def to_wire(self) -> bytes:
        return _line(self.payload)

    def display(self) -> str:
        if self.shown is not None:
            return self.shown
        if self.payload in ("", "*"):
            return self.payload  # nothing secret: an empty line or the cancel marker
        return _payload_summary(self.payload)


@dataclass(frozen=True)
class MailFrom(Command):
    """``MAIL FROM:<address>`` with ``SIZE=`` when the caller knows the server offers SIZE."""

    address: str
    size: int | None = None
    verb: ClassVar[str] = "MAIL"
    pipelinable: ClassVar[bool] = True

    def __post_init__(self) -> None:
        _check_address("sender address", self.address)
        if self.size is not None and self.size < 0:
            raise LocalProtocolError("The message size cannot be negative.")

    def display(self) -> str:
        size = f" SIZE={self.size}" if self.size is not None else ""
        return f"MAIL FROM:<{self.address}>{size}"


@dataclass(frozen=True)
class RcptTo(Command):
    address: str
    verb: ClassVar[str] = "RCPT"
    pipelinable: ClassVar[bool] = True

    def __post_init__(self) -> None:
        _check_address("recipient address", self.address)
        if not self.address:
            raise LocalProtocolError("The recipient address is empty.")

    def display(self) -> str:
        return f"RCPT TO:<{self.address}>"


@dataclass(frozen=True)
class Data(Command):
    verb: ClassVar[str] = "DATA"


@dataclass(frozen=True)
class DataBody(Command):
    """The message after ``354``: line ends made CRLF, dot-stuffed, ended with ``CRLF.CRLF``."""

    content: bytes = field(repr=False)
    verb: ClassVar[str] = "message"

    def to_wire(self) -> bytes:
        lines = self.content.replace(b"\r\n", b"\n").split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()  # the content's own final line end
        stuffed = [b"." + line if line.startswith(b".") else line for line in lines]
        return b"".join(line + CRLF for line in stuffed) + b"." + CRLF

    def display(self) -> str:
        line_count = self.content.count(b"\n") + (0 if self.content.endswith(b"\n") else 1)
        return f"<message: {len(self.content)} bytes, {line_count if self.content else 0} lines>"

    def display_lines(self) -> tuple[str, ...]:
        """The header block as sent, a summary of the body, and the final dot (for the transcript)."""
        separator = b"\r\n\r\n" if b"\r\n\r\n" in self.content else b"\n\n"
        head, _, body = self.content.partition(separator)
        headers = tuple(
            line.decode("utf-8", errors="replace") for line in head.replace(b"\r\n", b"\n").split(b"\n") if line
        )
        body_lines = body.count(b"\n")
        summary = f"<body: {len(body)} bytes, {body_lines} lines not shown>"
        return (*headers, "", summary, ".")


@dataclass(frozen=True)
class Rset(Command):
    verb: ClassVar[str] = "RSET"
    pipelinable: ClassVar[bool] = True


@dataclass(frozen=True)
class Noop(Command):
    verb: ClassVar[str] = "NOOP"


@dataclass(frozen=True)
class Quit(Command):
    verb: ClassVar[str] = "QUIT"


def _check_address(what: str, address: str) -> None:
    refuse_line_breaks(what, address)
    if any(c in address for c in "<> ") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in address):
        raise LocalProtocolError(f"The {what} '{address}' contains spaces, angle brackets or control characters.")


def _payload_summary(payload: str) -> str:
    return f"<{len(payload)} characters of base64, redacted>"
