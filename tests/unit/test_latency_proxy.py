"""The benchmarks' latency proxy (tests/bench/latency_proxy.py) adds the latency it claims, no more.

An echo server on loopback answers through the proxy: one echo must take two one-way latencies
(not less, and not much more); a burst of chunks must not add up their delays; bytes (here random,
as TLS records would be) arrive unchanged and in order; and the emulated TCP handshake holds the
first bytes back for three one-way trips. Each test is bounded to a few hundred milliseconds.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.bench.latency_proxy import LatencyProxy

LATENCY_S = 0.05
SLACK_S = 0.03  # scheduling on a busy 2-core machine; the proxy itself adds microseconds


class EchoServer:
    """Echoes every byte back on each connection; records when the first byte arrived."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.first_byte_at: list[float] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    def _echo(self, conn: socket.socket) -> None:
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while data := conn.recv(65536):
                if not self.first_byte_at:
                    self.first_byte_at.append(time.monotonic())
                conn.sendall(data)

    def close(self) -> None:
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (close alone does not, on Linux)
        self.listener.close()
        self._thread.join(1.0)


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    yield server
    server.close()


def _connect(proxy: LatencyProxy) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=2.0)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _receive(sock: socket.socket, size: int) -> bytes:
    received = bytearray()
    while len(received) < size:
        data = sock.recv(size - len(received))
        assert data, "the proxy closed the connection early"
        received += data
    return bytes(received)


def test_one_echo_takes_two_one_way_latencies(echo: EchoServer) -> None:
    with LatencyProxy("127.0.0.1", echo.port, LATENCY_S) as proxy, _connect(proxy) as sock:
        _receive_after_send(sock, b"warm-up")  # the connection to the upstream is open now
        began = time.monotonic()
        _receive_after_send(sock, b"ping")
        elapsed = time.monotonic() - began
    assert 2 * LATENCY_S <= elapsed < 2 * LATENCY_S + SLACK_S


def _receive_after_send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(payload)
    assert _receive(sock, len(payload)) == payload


def test_a_burst_is_delayed_once_not_per_chunk(echo: EchoServer) -> None:
    chunks = [os.urandom(100) for _ in range(20)]
    with LatencyProxy("127.0.0.1", echo.port, LATENCY_S) as proxy, _connect(proxy) as sock:
        _receive_after_send(sock, b"warm-up")
        began = time.monotonic()
        for chunk in chunks:
            sock.sendall(chunk)
            time.sleep(0.001)  # separate reads at the proxy
        echoed = _receive(sock, sum(len(c) for c in chunks))
        elapsed = time.monotonic() - began
        session = proxy.sessions[0]
    assert echoed == b"".join(chunks)  # untouched and in order, as TLS records need
    assert elapsed < 2 * LATENCY_S + 0.02 * len(chunks) / 20 + SLACK_S  # 20 cumulative delays would be 2 s
    assert len([c for c in session.chunks if c.direction == "c2s"]) > 1  # it really was several chunks


def test_emulated_handshake_delivers_the_first_bytes_after_three_trips(echo: EchoServer) -> None:
    with LatencyProxy("127.0.0.1", echo.port, LATENCY_S, emulate_handshake=True) as proxy:
        began = time.monotonic()
        with _connect(proxy) as sock:
            _receive_after_send(sock, b"hello")
            elapsed = time.monotonic() - began
        assert echo.first_byte_at, "the echo server saw nothing"
        assert echo.first_byte_at[0] - began >= 3 * LATENCY_S
    assert 4 * LATENCY_S <= elapsed < 4 * LATENCY_S + SLACK_S


def test_the_session_records_its_wall_time_and_flights(echo: EchoServer) -> None:
    with LatencyProxy("127.0.0.1", echo.port, LATENCY_S) as proxy:
        with _connect(proxy) as sock:
            for payload in (b"one", b"two", b"three"):
                _receive_after_send(sock, payload)
        deadline = time.monotonic() + 1.0
        while proxy.sessions[0].wall_seconds is None and time.monotonic() < deadline:
            time.sleep(0.005)
        session = proxy.sessions[0]
    assert session.client_flights() == 3
    assert session.bytes_sent("c2s") == session.bytes_sent("s2c") == len(b"onetwothree")
    wall = session.wall_seconds
    assert wall is not None
    assert 3 * proxy.round_trip <= wall < 3 * proxy.round_trip + SLACK_S * 2
