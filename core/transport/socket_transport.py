"""A blocking TCP (+TLS) transport that honours deadlines and cancellation.

The socket is non-blocking and every wait is a ``select`` of at most ``slice_seconds``, so a
:class:`CancelToken` set from another thread (the GUI's Cancel button) ends any wait — name
resolution, connect, handshake, read or write — within a fraction of a second, and a phase
deadline is checked between slices.

TLS runs over memory BIOs (``ssl.MemoryBIO`` + ``SSLObject``) rather than a wrapped socket: the
transport sees every raw byte, so when an implicit-TLS handshake fails it can tell that the
server sent a plaintext ``220`` greeting instead (wrong port/encryption pairing), and STARTTLS
upgrades the very same socket.

This module is the only place where ``OSError``, ``socket.gaierror`` and ``ssl`` exceptions
become ``core.errors`` exceptions (the original stays as ``__cause__``).
"""

from __future__ import annotations

import errno
import os
import select
import socket
import ssl
import threading
from collections.abc import Callable, Sequence
from typing import Any, Final

from core.cancel import CancelToken
from core.errors import (
    Cancelled,
    ConnectFailed,
    ConnectionClosed,
    ConnectRefused,
    ConnectTimeout,
    ReadTimeout,
    ResolveError,
    TransportError,
)
from core.probe.result import TlsInfo
from core.transport.deadline import Deadline
from core.transport.tls import TlsCertificateFailure, TlsHandshakeFailure, plaintext_greeting, session_info

SLICE_SECONDS: Final = 0.05
_RECV_SIZE: Final = 65536
_KEEP_HANDSHAKE_BYTES: Final = 4096
_IN_PROGRESS = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY, getattr(errno, "WSAEWOULDBLOCK", -1)}

AddrInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[Any, ...]]
Resolver = Callable[[str, int], Sequence[AddrInfo]]


def os_error_name(exc: BaseException | None) -> str | None:
    """``ECONNREFUSED`` and friends, for ``Failure.os_error``."""
    code = getattr(exc, "errno", None)
    return errno.errorcode.get(code) if isinstance(code, int) else None


def format_address(sockaddr: tuple[object, ...]) -> str:
    host, port = str(sockaddr[0]), sockaddr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _default_resolver(host: str, port: int) -> Sequence[AddrInfo]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)


class SocketTransport:
    """One connection to one server: connect, optional TLS, then bytes in and out."""

    def __init__(
        self,
        *,
        cancel: CancelToken | None = None,
        slice_seconds: float = SLICE_SECONDS,
        resolver: Resolver = _default_resolver,
    ) -> None:
        self._cancel = cancel or CancelToken()
        self._slice = slice_seconds
        self._resolver = resolver
        self._sock: socket.socket | None = None
        self._tls: ssl.SSLObject | None = None
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self.resolved: tuple[str, ...] = ()  # every address the name resolved to, in order
        self.attempts: list[str] = []  # "address: reason" for each address that failed
        self.peer: str | None = None
        self.local_ip: str | None = None

    # -- connect ---------------------------------------------------------------------------------

    def connect(self, host: str, port: int, deadline: Deadline) -> str:
        """Resolve ``host`` and connect to its addresses in order; returns the peer address used."""
        infos = self._resolve(host, port, deadline)
        self.resolved = tuple(format_address(info[4]) for info in infos)
        errors: list[TransportError] = []
        for position, (family, kind, proto, _name, sockaddr) in enumerate(infos):
            share = deadline.remaining() / (len(infos) - position)  # later addresses get a fair chance
            try:
                self._sock = self._connect_one(family, kind, proto, sockaddr, deadline, share)
            except (ConnectRefused, ConnectTimeout, ConnectFailed) as exc:
                self.attempts.append(f"{format_address(sockaddr)}: {exc}")
                errors.append(exc)
                continue
            self.peer = format_address(sockaddr)
            self.local_ip = str(self._sock.getsockname()[0])
            return self.peer
        raise _most_telling(errors, self.attempts)

    def _resolve(self, host: str, port: int, deadline: Deadline) -> Sequence[AddrInfo]:
        # getaddrinfo cannot be interrupted, so it runs in a helper thread while this one keeps
        # watching the deadline and the cancel token.
        outcome: list[Sequence[AddrInfo] | BaseException] = []

        def lookup() -> None:
            try:
                outcome.append(self._resolver(host, port))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                outcome.append(exc)

        worker = threading.Thread(target=lookup, name="smtp-doctor-resolve", daemon=True)
        worker.start()
        while not outcome:
            self._check_cancel()
            if deadline.expired:
                raise ResolveError(f"Looking up {host} took longer than {deadline.seconds:g} s.")
            worker.join(min(self._slice, deadline.remaining()))
        result = outcome[0]
        if isinstance(result, socket.gaierror):
            raise ResolveError(f"The name {host} does not resolve ({result.strerror}).") from result
        if isinstance(result, BaseException):
            raise ResolveError(f"The name {host} could not be looked up ({result}).") from result
        if not result:
            raise ResolveError(f"The name {host} has no address.")
        return result

    def _connect_one(
        self,
        family: socket.AddressFamily,
        kind: socket.SocketKind,
        proto: int,
        sockaddr: tuple[object, ...],
        deadline: Deadline,
        allowance: float,
    ) -> socket.socket:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            code = sock.connect_ex(sockaddr)
            if code and code not in _IN_PROGRESS:
                raise _connect_error(code)
            give_up = deadline.child(allowance)
            while True:
                self._check_cancel()
                if give_up.expired:
                    raise ConnectTimeout(f"no answer within {allowance:.1f} s")
                _, writable, failed = select.select([], [sock], [sock], min(self._slice, give_up.remaining()))
                if writable or failed:
                    break
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                raise _connect_error(code)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except BaseException:
            sock.close()
            raise

    # -- TLS -------------------------------------------------------------------------------------

    def start_tls(self, context: ssl.SSLContext, server_hostname: str, deadline: Deadline) -> TlsInfo:
        """Run the TLS handshake on the connected socket (implicit TLS, or after STARTTLS's 220)."""
        tls = context.wrap_bio(self._incoming, self._outgoing, server_hostname=server_hostname)
        verifying = context.verify_mode != ssl.CERT_NONE
        received = bytearray()
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush_tls(deadline)
                data = self._recv_raw(deadline)
                if data:
                    received += data[: max(0, _KEEP_HANDSHAKE_BYTES - len(received))]
                    self._incoming.write(data)
                else:
                    self._incoming.write_eof()
            except ssl.SSLCertVerificationError as exc:
                message = (exc.verify_message or str(exc.reason)).rstrip(".")
                info = session_info(
                    tls,
                    verification_enabled=True,
                    verified=False,
                    verify_code=exc.verify_code,
                    verify_message=message,
                )
                raise TlsCertificateFailure(
                    f"The server's certificate did not verify: {message}.",
                    verify_code=exc.verify_code,
                    verify_message=message,
                    info=info,
                ) from exc
            except ssl.SSLError as exc:
                raise _handshake_failure(exc, bytes(received)) from exc
        self._flush_tls(deadline)
        self._tls = tls
        return session_info(tls, verification_enabled=verifying, verified=verifying)

    @property
    def tls_active(self) -> bool:
        return self._tls is not None

    # -- bytes -----------------------------------------------------------------------------------

    def send(self, data: bytes, deadline: Deadline) -> None:
        if self._tls is None:
            self._send_raw(data, deadline)
            return
        try:
            self._tls.write(data)
        except ssl.SSLError as exc:
            raise ConnectionClosed(f"The TLS connection failed while sending ({exc.reason or exc}).") from exc
        self._flush_tls(deadline)

    def recv(self, deadline: Deadline) -> bytes:
        """Some bytes from the server (never empty): ConnectionClosed at end of stream."""
        if self._tls is None:
            data = self._recv_raw(deadline)
            if not data:
                raise ConnectionClosed("The server closed the connection.")
            return data
        while True:
            try:
                data = self._tls.read(_RECV_SIZE)
            except ssl.SSLWantReadError:
                raw = self._recv_raw(deadline)
                if raw:
                    self._incoming.write(raw)
                else:
                    self._incoming.write_eof()
                continue
            except ssl.SSLZeroReturnError as exc:
                raise ConnectionClosed("The server closed the TLS connection.") from exc
            except ssl.SSLError as exc:
                raise ConnectionClosed(f"The TLS connection broke ({exc.reason or exc}).") from exc
            if not data:
                raise ConnectionClosed("The server closed the TLS connection.")
            self._flush_tls(deadline)  # TLS 1.3 may want to answer (key update)
            return data

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._tls = None

    # -- raw socket ------------------------------------------------------------------------------

    def _require_socket(self) -> socket.socket:
        if self._sock is None:
            raise ConnectionClosed("The connection is not open.")
        return self._sock

    def _check_cancel(self) -> None:
        if self._cancel.cancelled:
            raise Cancelled("The test was cancelled.")

    def _recv_raw(self, deadline: Deadline) -> bytes:
        sock = self._require_socket()
        while True:
            self._check_cancel()
            if deadline.expired:
                raise ReadTimeout(f"nothing received {deadline.describe()}")
            readable, _, _ = select.select([sock], [], [], min(self._slice, deadline.remaining()))
            if not readable:
                continue
            try:
                return sock.recv(_RECV_SIZE)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as exc:
                raise _closed_error(exc) from exc

    def _send_raw(self, data: bytes, deadline: Deadline) -> None:
        sock = self._require_socket()
        view = memoryview(data)
        while view:
            self._check_cancel()
            if deadline.expired:
                raise ReadTimeout(f"the server did not take our data {deadline.describe()}")
            _, writable, _ = select.select([], [sock], [], min(self._slice, deadline.remaining()))
            if not writable:
                continue
            try:
                sent = sock.send(view)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as exc:
                raise _closed_error(exc) from exc
            view = view[sent:]

    def _flush_tls(self, deadline: Deadline) -> None:
        pending = self._outgoing.read()
        if pending:
            self._send_raw(pending, deadline)


def _connect_error(code: int) -> TransportError:
    reason = f"{errno.errorcode.get(code, code)}: {_strerror(code)}"
    error: TransportError
    if code == errno.ECONNREFUSED:
        error = ConnectRefused(f"connection refused ({reason})")
    elif code == errno.ETIMEDOUT:
        error = ConnectTimeout(f"timed out ({reason})")
    else:
        error = ConnectFailed(f"cannot connect ({reason})")
    error.__cause__ = OSError(code, _strerror(code))
    return error


def _strerror(code: int) -> str:
    return os.strerror(code)


def _most_telling(errors: list[TransportError], attempts: list[str]) -> TransportError:
    """One error for all addresses: refused beats timed out beats other failures."""
    for kind in (ConnectRefused, ConnectTimeout, ConnectFailed):
        for error in errors:
            if isinstance(error, kind):
                summary = "; ".join(attempts)
                chosen = kind(f"Cannot connect to {summary}." if len(attempts) > 1 else f"Cannot connect: {summary}.")
                chosen.__cause__ = error.__cause__
                return chosen
    return ConnectFailed("Cannot connect (no address could be tried).")


def _closed_error(exc: OSError) -> TransportError:
    if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
        return ConnectionClosed(f"The server reset the connection ({os_error_name(exc) or exc}).")
    return ConnectionClosed(f"The connection failed ({os_error_name(exc) or exc}).")


def _handshake_failure(exc: ssl.SSLError, received: bytes) -> TlsHandshakeFailure:
    reason = exc.reason if isinstance(exc.reason, str) else None
    greeting = plaintext_greeting(received)
    if greeting is not None:
        text = (
            f"The server sent a plaintext SMTP greeting ('{greeting}') where a TLS handshake was expected: "
            "this port speaks plaintext first (use STARTTLS or no encryption, not SSL/TLS)."
        )
    elif isinstance(exc, ssl.SSLEOFError) or (not received and "EOF" in str(exc)):
        text = "The server closed the connection during the TLS handshake."
    else:
        text = f"The TLS handshake failed ({reason or exc})."
    return TlsHandshakeFailure(text, ssl_reason=reason, received=received)
