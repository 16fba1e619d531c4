"""Extra misbehaviours for ``tests.helpers.scripted_server``: steps are any object with ``run(conn)``."""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass, field

from tests.helpers.scripted_server import Connection, ConnectionEnded

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class LongLine:
    """Send ``prefix``, then ``size`` filler bytes, then ``end`` (b"" for a line that never ends).

    The filler goes out as one prebuilt 64 KiB chunk sent again and again, so the server itself never
    holds the whole line (its memory would otherwise count in the client's tracemalloc peak).
    """

    prefix: bytes
    size: int
    end: bytes = b"\r\n"
    _chunk: bytes = field(default=b"x" * _CHUNK, repr=False)

    def run(self, conn: Connection) -> None:
        conn.send(self.prefix)
        left = self.size
        view = memoryview(self._chunk)
        while left > 0:
            piece = view[: min(left, _CHUNK)]
            conn.send(piece)  # type: ignore[arg-type]  # sendall takes any buffer
            left -= len(piece)
        if self.end:
            conn.send(self.end)


@dataclass(frozen=True)
class AnswerLikeHttp:
    """A web server: it waits for the client to speak, answers ``400 Bad Request`` and closes."""

    def run(self, conn: Connection) -> None:
        conn.sock.settimeout(conn.remaining())
        try:
            first = conn.sock.recv(4096)
        except (TimeoutError, OSError):
            raise ConnectionEnded("no request") from None
        if not first:
            raise ConnectionEnded("client closed")
        conn.send(b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        conn.close()
        raise ConnectionEnded("answered like a web server")


def blackhole() -> tuple[socket.socket, list[socket.socket], int]:
    """A loopback port whose accept queue is full, so a new connection attempt is never answered.

    Returns the listener, the sockets that fill its queue (keep them open) and the port. Linux drops
    the SYN of a connection that finds the queue full, which is what an unanswered SYN looks like.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    fillers: list[socket.socket] = []
    for _ in range(8):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    return listener, fillers, port
