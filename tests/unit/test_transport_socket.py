"""SocketTransport on loopback: address order, error mapping, deadlines and cancel in every wait."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence

import pytest

from core.cancel import CancelToken
from core.errors import Cancelled, ConnectionClosed, ConnectRefused, ReadTimeout, ResolveError
from core.transport.deadline import Deadline
from core.transport.socket_transport import AddrInfo, SocketTransport, format_address

pytestmark = pytest.mark.network


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def info(port: int) -> AddrInfo:
    return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port))


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.create_server(("127.0.0.1", 0))
    yield server
    server.close()


def test_addresses_are_tried_in_order_and_failures_recorded(listener: socket.socket) -> None:
    dead, live = closed_port(), listener.getsockname()[1]

    def resolver(host: str, port: int) -> Sequence[AddrInfo]:
        return [info(dead), info(live)]

    transport = SocketTransport(resolver=resolver)
    peer = transport.connect("mail.example.test", 25, Deadline(3))
    assert peer == f"127.0.0.1:{live}"
    assert transport.resolved == (f"127.0.0.1:{dead}", f"127.0.0.1:{live}")
    assert len(transport.attempts) == 1
    assert "ECONNREFUSED" in transport.attempts[0]
    transport.close()


def test_refused_everywhere() -> None:
    port = closed_port()
    transport = SocketTransport()
    with pytest.raises(ConnectRefused, match="ECONNREFUSED") as caught:
        transport.connect("127.0.0.1", port, Deadline(3))
    assert isinstance(caught.value, ConnectionRefusedError)  # callers may catch the builtin too


def test_name_errors_become_resolve_errors() -> None:
    def resolver(host: str, port: int) -> Sequence[AddrInfo]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(ResolveError, match="does not resolve"):
        SocketTransport(resolver=resolver).connect("nowhere.example", 25, Deadline(3))


def test_slow_resolution_obeys_cancel() -> None:
    def resolver(host: str, port: int) -> Sequence[AddrInfo]:
        time.sleep(3)
        return []

    cancel = CancelToken()
    threading.Timer(0.1, cancel.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        SocketTransport(cancel=cancel, resolver=resolver).connect("slow.example", 25, Deadline(10))
    assert time.monotonic() - started < 0.5


def test_read_timeout_and_closed_connection(listener: socket.socket) -> None:
    transport = SocketTransport()
    transport.connect("127.0.0.1", listener.getsockname()[1], Deadline(3))
    conn, _ = listener.accept()
    started = time.monotonic()
    with pytest.raises(ReadTimeout, match=r"nothing received within 0\.2 s"):
        transport.recv(Deadline(0.2))
    assert 0.15 < time.monotonic() - started < 0.5
    conn.sendall(b"220 hi\r\n")
    assert transport.recv(Deadline(1)) == b"220 hi\r\n"
    conn.close()
    with pytest.raises(ConnectionClosed):
        transport.recv(Deadline(1))
    transport.close()


def test_format_address() -> None:
    assert format_address(("203.0.113.5", 587)) == "203.0.113.5:587"
    assert format_address(("2001:db8::1", 587, 0, 0)) == "[2001:db8::1]:587"
