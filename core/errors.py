"""Exceptions raised inside ``core``.

::

    SmtpDoctorError
    ├── InputError            bad user input (a form field, a CLI flag); carries the field name
    └── ProbeError            raised while probing; the runner turns it into a ``Failure``
        ├── Cancelled
        ├── TransportError
        │   ├── ResolveError          (DNS)
        │   ├── ConnectRefused        (also ConnectionRefusedError)
        │   ├── ConnectTimeout        (also TimeoutError)
        │   ├── ConnectFailed         (other socket errors)
        │   ├── ReadTimeout           (also TimeoutError)
        │   └── ConnectionClosed      (also ConnectionError)
        ├── TlsError
        │   ├── TlsHandshakeError
        │   └── CertificateError
        └── ProtocolError
            ├── LocalProtocolError    we asked for something the conversation does not allow
            └── RemoteProtocolError   the server sent something that is not SMTP

Diagnosis never sees live exceptions: results carry ``Failure`` data instead.
"""

from __future__ import annotations


class SmtpDoctorError(Exception):
    """Base of every exception ``core`` raises on purpose."""


class InputError(SmtpDoctorError, ValueError):
    """A value typed by the user cannot be used; ``field`` names the form field or CLI flag."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ProbeError(SmtpDoctorError):
    """Something stopped a probe. Subclasses say what; the runner records it as a failure."""


class Cancelled(ProbeError):
    """The user (or a deadline owner) cancelled the run."""


class TransportError(ProbeError):
    """The network or the socket failed."""


class ResolveError(TransportError):
    """The host name does not resolve."""


class ConnectRefused(TransportError, ConnectionRefusedError):
    """The host answered the TCP SYN with a reset: nothing listens on that port."""


class ConnectTimeout(TransportError, TimeoutError):
    """The TCP connect got no answer before its deadline."""


class ConnectFailed(TransportError):
    """Any other connect failure (unreachable network, no route)."""


class ReadTimeout(TransportError, TimeoutError):
    """The server said nothing before the phase deadline."""


class ConnectionClosed(TransportError, ConnectionError):
    """The server closed the connection."""


class TlsError(ProbeError):
    """The TLS layer failed."""


class TlsHandshakeError(TlsError):
    """The handshake failed for a reason other than certificate verification."""


class CertificateError(TlsError):
    """The server's certificate did not verify."""


class ProtocolError(ProbeError):
    """The SMTP conversation went outside the protocol."""


class LocalProtocolError(ProtocolError):
    """We tried to send something the conversation does not allow (or the user typed CR/LF)."""


class RemoteProtocolError(ProtocolError):
    """The server sent something that is not valid SMTP."""
