"""A loopback TCP proxy that adds a fixed one-way latency, to count a client's round trips.

``LatencyProxy(upstream_host, upstream_port, latency_s)`` listens on 127.0.0.1 (a free port) and
forwards every connection to the upstream server. Each chunk read in either direction is sent on
at ``arrival time + latency``: chunks are scheduled, not slept one after another, so a burst of
ten chunks arrives ``latency`` later in total, not ten latencies later, and order is preserved
(one FIFO per direction; due times grow with arrival times). Bytes are forwarded untouched, so a
TLS session (STARTTLS or implicit) passes through transparently.

A user-space proxy cannot delay the TCP handshake itself: the client's ``connect`` to the proxy
completes at once on loopback. With ``emulate_handshake=True`` the proxy opens the upstream
connection only ``3 x latency`` after accepting (SYN, SYN-ACK and the final ACK each take one
trip before a real server's ``accept`` returns), and holds the client's early bytes until then.
A server that speaks first (SMTP's greeting) then reaches the client after ``4 x latency``,
exactly as over a real path with that one-way latency; a client that speaks first (implicit TLS)
has its first bytes delivered after ``3 x latency``, also as over a real path.

Every connection is recorded as a :class:`ProxySession` (when it opened, when the client closed
its side, and every chunk with its direction and arrival time) so a benchmark can measure the
session's wall time and count the client's flights.

Sockets use TCP_NODELAY so the proxy itself adds no Nagle delays. Threads are daemons and
:meth:`LatencyProxy.stop` closes every socket, so nothing outlives the benchmark.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal

Direction = Literal["c2s", "s2c"]
_CHUNK = 65536
_ACCEPT_POLL_S = 0.05
_JOIN_S = 2.0


@dataclass(frozen=True)
class Chunk:
    """One read from one side, as the proxy saw it arrive."""

    direction: Direction
    arrived_at: float  # time.monotonic()
    size: int


@dataclass
class ProxySession:
    """One proxied connection: its timeline, filled in while it runs."""

    opened_at: float
    client_closed_at: float | None = None
    chunks: list[Chunk] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, direction: Direction, arrived_at: float, size: int) -> None:
        with self._lock:
            self.chunks.append(Chunk(direction, arrived_at, size))

    @property
    def wall_seconds(self) -> float | None:
        """From the client's connect to the client closing its side (None while it is open)."""
        if self.client_closed_at is None:
            return None
        return self.client_closed_at - self.opened_at

    def client_flights(self) -> int:
        """How many times the client sent after hearing from the server (its first send counts too).

        A flight is a run of client-to-server chunks with no server-to-client chunk between them.
        """
        with self._lock:
            ordered = sorted(self.chunks, key=lambda c: c.arrived_at)
        flights, previous = 0, "s2c"
        for chunk in ordered:
            if chunk.direction == "c2s" and previous == "s2c":
                flights += 1
            previous = chunk.direction
        return flights

    def bytes_sent(self, direction: Direction) -> int:
        with self._lock:
            return sum(c.size for c in self.chunks if c.direction == direction)


class _Pump:
    """One direction of one connection: a reader stamps chunks, a writer delivers them when due."""

    def __init__(
        self,
        source: socket.socket,
        direction: Direction,
        latency: float,
        session: ProxySession,
        on_eof: threading.Event,
    ) -> None:
        self._source = source
        self._direction: Direction = direction
        self._latency = latency
        self._session = session
        self._on_eof = on_eof
        self._due: queue.Queue[tuple[float, bytes]] = queue.Queue()  # b"" marks end of stream
        self.eof_at: float | None = None
        self.reader = threading.Thread(target=self._read, name=f"latency-proxy-{direction}-read", daemon=True)

    def _read(self) -> None:
        while True:
            try:
                data = self._source.recv(_CHUNK)
            except OSError:
                data = b""
            arrived = time.monotonic()
            if data:
                self._session.record(self._direction, arrived, len(data))
            else:
                self.eof_at = arrived
                self._on_eof.set()
            self._due.put((arrived + self._latency, data))
            if not data:
                return

    def deliver_to(self, target: socket.socket) -> threading.Thread:
        """Start the writer that sends each chunk to ``target`` at its due time."""
        writer = threading.Thread(
            target=self._write, args=(target,), name=f"latency-proxy-{self._direction}-write", daemon=True
        )
        writer.start()
        return writer

    def _write(self, target: socket.socket) -> None:
        while True:
            due, data = self._due.get()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                if not data:
                    target.shutdown(socket.SHUT_WR)  # pass the half-close on, after the same latency
                    return
                target.sendall(data)
            except OSError:
                return


class LatencyProxy:
    """Forward 127.0.0.1:``port`` to the upstream server with ``latency_s`` added each way."""

    def __init__(
        self, upstream_host: str, upstream_port: int, latency_s: float, *, emulate_handshake: bool = False
    ) -> None:
        if latency_s < 0:
            raise ValueError("latency cannot be negative")
        self.latency = latency_s
        self.emulate_handshake = emulate_handshake
        self.sessions: list[ProxySession] = []
        self._upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(_ACCEPT_POLL_S)
        self.port: int = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._acceptor = threading.Thread(target=self._accept_loop, name="latency-proxy-accept", daemon=True)

    @property
    def round_trip(self) -> float:
        return 2 * self.latency

    def start(self) -> LatencyProxy:
        self._acceptor.start()
        return self

    def stop(self) -> None:
        """Close the listener and every proxied socket; wait briefly for the threads."""
        self._stopping.set()
        self._acceptor.join(_JOIN_S)
        _close_quietly(self._listener)
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            _close_quietly(sock)
        for thread in threads:
            thread.join(_JOIN_S)

    def __enter__(self) -> LatencyProxy:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            session = ProxySession(opened_at=time.monotonic())
            with self._lock:
                self.sessions.append(session)
            self._spawn(self._serve, client, session)

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name="latency-proxy-session", daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _track(self, sock: socket.socket) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._sockets.append(sock)

    def _serve(self, client: socket.socket, session: ProxySession) -> None:
        self._track(client)
        client_eof = threading.Event()
        upstream_eof = threading.Event()
        # The client's bytes are stamped from the start, even while the upstream connect is pending.
        to_server = _Pump(client, "c2s", self.latency, session, client_eof)
        to_server.reader.start()
        if self.emulate_handshake and self._stopping.wait(3 * self.latency):
            return
        try:
            upstream = socket.create_connection(self._upstream, timeout=5.0)
        except OSError:
            _close_quietly(client)
            return
        upstream.settimeout(None)
        self._track(upstream)
        to_client = _Pump(upstream, "s2c", self.latency, session, upstream_eof)
        to_client.reader.start()
        writers = [to_server.deliver_to(upstream), to_client.deliver_to(client)]
        client_eof.wait()
        session.client_closed_at = to_server.eof_at
        for writer in writers:
            writer.join()
        for sock in (client, upstream):
            _close_quietly(sock)


def _close_quietly(sock: socket.socket) -> None:
    # shutdown() first: close() alone does not wake a thread blocked in recv() or accept() on Linux.
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # not connected (any more)
    sock.close()
