"""A raw-socket SMTP peer scripted step by step, for behaviour aiosmtpd cannot produce.

The script is a function that receives a :class:`Peer` and talks to one client: send bytes,
read lines, start TLS, go silent, close. It runs in a thread on 127.0.0.1 with a free port, with
every socket operation bounded, and stops by itself.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from types import TracebackType

LIMIT_SECONDS = 10.0


class Peer:
    """The server's end of one connection."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn: socket.socket = conn
        self._buffer = b""
        self.received: list[bytes] = []  # every line read, for assertions

    def send(self, data: bytes) -> None:
        self.conn.sendall(data)

    def line(self) -> bytes:
        """One line from the client (without CRLF); EOFError when the client has gone."""
        while b"\n" not in self._buffer:
            chunk = self.conn.recv(65536)
            if not chunk:
                raise EOFError
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        line = line.rstrip(b"\r")
        self.received.append(line)
        return line

    def chunk(self) -> bytes:
        """Whatever one recv() returns (to see what the client sent in one write)."""
        if self._buffer:
            data, self._buffer = self._buffer, b""
            return data
        return self.conn.recv(65536)

    def expect(self, prefix: bytes) -> bytes:
        line = self.line()
        assert line.upper().startswith(prefix.upper()), (prefix, line)
        return line

    def start_tls(self, context: ssl.SSLContext) -> None:
        assert not self._buffer, "client sent bytes before the handshake"
        self.conn = context.wrap_socket(self.conn, server_side=True)

    def wait_closed(self) -> None:
        """Stay silent until the client closes the connection."""
        while self.conn.recv(65536):
            pass

    def ehlo(self, *keywords: bytes) -> None:
        """Answer an EHLO with the given keywords."""
        self.expect(b"EHLO")
        lines = [b"mx.scripted.test", *keywords]
        self.send(b"".join(b"250-" + k + b"\r\n" for k in lines[:-1]) + b"250 " + lines[-1] + b"\r\n")

    def quit(self) -> None:
        self.expect(b"QUIT")
        self.send(b"221 2.0.0 Bye\r\n")


Script = Callable[[Peer], None]


class ScriptedServer:
    """``with ScriptedServer(script) as server: ... server.port ...``; ``errors`` holds script failures."""

    def __init__(self, script: Script) -> None:
        self._script = script
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(LIMIT_SECONDS)
        self.port: int = self._listener.getsockname()[1]
        self.errors: list[BaseException] = []
        self.peer: Peer | None = None
        self._thread = threading.Thread(target=self._serve, name="scripted-smtp", daemon=True)

    def _serve(self) -> None:
        try:
            conn, _ = self._listener.accept()
        except OSError as exc:
            self.errors.append(exc)
            return
        conn.settimeout(LIMIT_SECONDS)
        self.peer = Peer(conn)
        try:
            self._script(self.peer)
        except (EOFError, ConnectionError, ssl.SSLError):
            pass  # the client went away: that is the client's business, asserted by the test
        except BaseException as exc:
            self.errors.append(exc)
        finally:
            self.peer.conn.close()

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self._listener.close()
        self._thread.join(LIMIT_SECONDS)
