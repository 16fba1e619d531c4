"""The scripted test server, checked with plain sockets and smtplib."""

from __future__ import annotations

import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Iterator

import pytest

from core.probe.phases import Phase
from tests.helpers.scripted_server import (
    Close,
    Drip,
    Expect,
    Flood,
    Reply,
    Respond,
    ScriptedServer,
    Send,
    Sleep,
    SmtpDialogue,
    StallHandshake,
    StartTls,
)

pytestmark = [pytest.mark.network, pytest.mark.timeout(30)]


@pytest.fixture
def client_context(ca: object) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)  # type: ignore[attr-defined]
    return context


@pytest.fixture(autouse=True)
def _no_thread_left_behind() -> Iterator[None]:
    yield
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith("scripted-")]
    assert leftovers == []


def connect(server: ScriptedServer, timeout: float = 2.0) -> socket.socket:
    return socket.create_connection(server.address, timeout=timeout)


def read_until(sock: socket.socket, marker: bytes, limit: int = 65536) -> bytes:
    data = b""
    while marker not in data and len(data) < limit:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_greeting_only_then_silence() -> None:
    with ScriptedServer([Reply("220 only a greeting"), Sleep(5)]) as server, connect(server) as sock:
        assert read_until(sock, b"\r\n") == b"220 only a greeting\r\n"
        sock.sendall(b"EHLO client.test\r\n")
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.recv(100)


def test_silence_from_the_start() -> None:
    with ScriptedServer(Sleep(5)) as server, connect(server, timeout=0.3) as sock, pytest.raises(TimeoutError):
        sock.recv(100)


def test_drip_sends_slowly_in_pieces() -> None:
    greeting = b"220 slow server\r\n"
    with ScriptedServer([Drip(greeting, chunk=2, interval=0.03)]) as server, connect(server) as sock:
        started = time.monotonic()
        pieces: list[bytes] = []
        while (data := b"".join(pieces)) != greeting:
            pieces.append(sock.recv(100))
            assert pieces[-1], "closed early"
        assert time.monotonic() - started >= 0.2
        assert len(pieces) >= 4
        assert data == greeting


def test_tls_handshake_stall(client_context: ssl.SSLContext) -> None:
    with ScriptedServer(StallHandshake(5)) as server, connect(server, timeout=0.5) as sock:
        with pytest.raises(TimeoutError):
            client_context.wrap_socket(sock, server_hostname="localhost")
        assert server.wait_for_connections(1)


def test_bytes_injected_after_the_starttls_reply(
    server_ssl_context: ssl.SSLContext, client_context: ssl.SSLContext
) -> None:
    replies = {"starttls": ["220 Ready to start TLS", b"INJECTED\r\n", StartTls()]}
    with (
        ScriptedServer.smtp(replies, tls_context=server_ssl_context) as server,
        connect(server) as sock,
    ):
        read_until(sock, b"\r\n")
        sock.sendall(b"EHLO client.test\r\n")
        assert b"250 SMTPUTF8\r\n" in read_until(sock, b"250 SMTPUTF8\r\n")
        sock.sendall(b"STARTTLS\r\n")
        assert read_until(sock, b"INJECTED\r\n") == b"220 Ready to start TLS\r\nINJECTED\r\n"
        with client_context.wrap_socket(sock, server_hostname="localhost") as tls:
            tls.sendall(b"EHLO client.test\r\n")
            assert b"250-AUTH LOGIN PLAIN XOAUTH2" in read_until(tls, b"250 SMTPUTF8\r\n")


def test_injected_bytes_break_a_normal_client(
    server_ssl_context: ssl.SSLContext, client_context: ssl.SSLContext
) -> None:
    replies = {"starttls": ["220 Ready to start TLS", b"JUNK\r\n", StartTls()]}
    with ScriptedServer.smtp(replies, tls_context=server_ssl_context) as server:
        client = smtplib.SMTP(server.host, server.port, timeout=2)
        try:
            client.ehlo("client.test")
            with pytest.raises((ssl.SSLError, smtplib.SMTPException, OSError)):
                client.starttls(context=client_context)
        finally:
            client.close()


def test_endless_multi_line_reply() -> None:
    with ScriptedServer([Flood()]) as server:
        with connect(server) as sock:
            data = b""
            while len(data) < 100_000:
                data += sock.recv(65536)
        lines = data.split(b"\r\n")[:-1]
        assert all(line.startswith(b"250-FLOOD ") for line in lines)
        assert server.wait_idle()
        assert server.connections[0].ended_by.startswith("send failed")


def test_expect_mismatch_ends_the_connection() -> None:
    script = [Reply("220 hi"), Expect("EHLO"), Reply("250 not reached")]
    with ScriptedServer(script) as server, connect(server) as sock:
        read_until(sock, b"\r\n")
        sock.sendall(b"HELO client.test\r\n")
        assert sock.recv(100) == b""
    assert server.wait_idle()
    assert server.connections[0].mismatches == ["expected 'EHLO', got 'HELO client.test'"]


def test_reply_to_command_map() -> None:
    script = [Reply("220 hi"), Respond({"ehlo": "250-first\n250 last", "QUIT": "221 bye"}, default="502 no")]
    with ScriptedServer(script) as server, connect(server) as sock:
        read_until(sock, b"\r\n")
        sock.sendall(b"EHLO x\r\n")
        assert read_until(sock, b"250 last\r\n") == b"250-first\r\n250 last\r\n"
        sock.sendall(b"NOOP\r\n")
        assert read_until(sock, b"\r\n") == b"502 no\r\n"
        sock.sendall(b"QUIT\r\n")
        assert read_until(sock, b"never") == b"221 bye\r\n"
    assert server.connections[0].lines == ["EHLO x", "NOOP", "QUIT"]


def test_close_with_reset() -> None:
    with ScriptedServer([Reply("220 hi"), Sleep(0.1), Close(reset=True)]) as server, connect(server) as sock:
        assert read_until(sock, b"\r\n") == b"220 hi\r\n"
        time.sleep(0.3)
        with pytest.raises(ConnectionResetError):
            sock.recv(100)


def test_send_raw_bytes_exactly() -> None:
    with ScriptedServer([Send(b"220 bare LF\n"), b"HTTP/1.1 400 Bad Request\r\n"]) as server, connect(server) as sock:
        assert read_until(sock, b"Request\r\n") == b"220 bare LF\nHTTP/1.1 400 Bad Request\r\n"


# --- the high-level SMTP server ----------------------------------------------------------------------


def test_smtp_behaves_normally_without_overrides(
    server_ssl_context: ssl.SSLContext, client_context: ssl.SSLContext
) -> None:
    with ScriptedServer.smtp(tls_context=server_ssl_context) as server:
        client = smtplib.SMTP(server.host, server.port, timeout=2)
        client.ehlo("client.test")
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")
        client.starttls(context=client_context)
        client.ehlo("client.test")
        client.login("user@example.test", "anything")
        client.sendmail("user@example.test", ["to@example.test"], b"Subject: x\r\n\r\n.dot line\r\nbody\r\n")
        client.quit()
        assert server.wait_idle()
    [log] = server.connections
    assert log.tls
    assert log.messages == [b"Subject: x\r\n\r\n.dot line\r\nbody\r\n"]
    assert log.ended_by == "client quit"


def test_smtp_serves_a_reply_at_its_phase(server_ssl_context: ssl.SSLContext, client_context: ssl.SSLContext) -> None:
    text = "535 5.7.139 Authentication unsuccessful, basic authentication is disabled."
    with ScriptedServer.smtp({Phase.AUTH: text}, tls_context=server_ssl_context) as server:
        client = smtplib.SMTP(server.host, server.port, timeout=2)
        try:
            client.starttls(context=client_context)
            client.ehlo("client.test")
            with pytest.raises(smtplib.SMTPAuthenticationError) as error:
                client.auth("PLAIN", lambda challenge=None: "\0user\0secret")
            assert error.value.smtp_code == 535
            assert error.value.smtp_error == text[4:].encode()
        finally:
            client.close()


def test_smtp_over_implicit_tls(server_ssl_context: ssl.SSLContext, client_context: ssl.SSLContext) -> None:
    replies = {"greeting": "220 implicit ready", "mail_from": "550 5.7.1 refused"}
    with ScriptedServer.smtp(replies, tls_context=server_ssl_context, implicit_tls=True) as server:
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=2, context=client_context)
        try:
            client.ehlo("client.test")
            assert client.has_extn("auth")
            assert client.docmd("MAIL FROM:<a@b.test>") == (550, b"5.7.1 refused")
            assert client.docmd("RCPT TO:<c@d.test>")[0] == 250
            assert client.docmd("DATA")[0] == 503  # no accepted sender, so no DATA
        finally:
            client.close()


def test_smtp_multi_line_and_closing_overrides() -> None:
    replies = {"greeting": "220-first line\n220 second line", "ehlo": Close()}
    with ScriptedServer.smtp(replies) as server, connect(server) as sock:
        assert read_until(sock, b"second line\r\n") == b"220-first line\r\n220 second line\r\n"
        sock.sendall(b"EHLO x\r\n")
        assert read_until(sock, b"never") == b""


def test_unknown_phase_key_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown phase keys"):
        SmtpDialogue({"mailfrom": "550 x"})


# --- limits --------------------------------------------------------------------------------------------


def test_connection_time_limit_closes_a_stalled_connection() -> None:
    with ScriptedServer(Sleep(30), connection_time_limit=0.3) as server, connect(server) as sock:
        started = time.monotonic()
        assert sock.recv(100) == b""
        assert time.monotonic() - started < 1.5
    assert server.connections[0].ended_by == "time limit"


def test_total_time_limit_stops_accepting() -> None:
    with ScriptedServer(Reply("220 hi"), total_time_limit=0.3) as server:
        time.sleep(0.6)
        with pytest.raises(ConnectionRefusedError):
            connect(server, timeout=0.5)


def test_close_ends_open_connections_quickly() -> None:
    server = ScriptedServer(Sleep(30))
    with connect(server) as sock:
        assert server.wait_for_connections(1)
        started = time.monotonic()
        server.close()
        assert time.monotonic() - started < 1.0
        assert sock.recv(100) == b""
    assert server.connections[0].ended_by == "server closed"


def test_invalid_actions_are_refused_at_construction() -> None:
    with pytest.raises(TypeError, match="not a script action"):
        ScriptedServer([Reply("220 hi"), 42])
    with pytest.raises(TypeError, match="not a script action"):
        ScriptedServer.smtp({"auth": 535})
