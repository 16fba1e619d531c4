"""run_probe against scripted raw servers: misbehaviour aiosmtpd cannot produce, cancellation, timeouts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import ssl
import threading
import time
from dataclasses import replace

import pytest

from core.cancel import CancelToken
from core.model import AuthMethod, Credentials, MessageSpec, SecurityMode, Timeouts, TlsPolicy
from core.probe import transaction
from core.probe.phases import Phase
from core.probe.result import FailureKind
from core.probe.transcript import EventKind
from tests.integration.scripted import Peer, ScriptedServer
from tests.integration.support import (
    PASSWORD,
    USER,
    assert_no_secret_leak,
    free_port,
    password,
    plan,
    run_checked,
    texts,
)

pytestmark = pytest.mark.network

FAST = Timeouts(connect=2, greeting=2, tls=2, command=2, data_end=2, total=10)


def greet(peer: Peer) -> None:
    peer.send(b"220 mx.scripted.test ESMTP\r\n")


def test_bytes_after_starttls_220_are_discarded_and_reported(server_ssl_context: ssl.SSLContext, ca_file: str) -> None:
    def script(peer: Peer) -> None:
        greet(peer)
        peer.ehlo(b"STARTTLS")
        peer.expect(b"STARTTLS")
        peer.send(b"220 2.0.0 Ready to start TLS\r\n250-INJECTED\r\n250 AUTH PLAIN\r\n")
        peer.start_tls(server_ssl_context)
        peer.ehlo(b"AUTH LOGIN")
        peer.quit()

    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, ca_file=ca_file, username=None, send=False), Credentials())
    assert not server.errors
    assert result.ok, result.failure
    assert result.quirks == ("data_after_starttls",)
    note = next(t for t in texts(result, EventKind.INFO) if t.startswith("Discarded"))
    assert "Discarded 30 bytes" in note
    assert "250-INJECTED" in note
    assert "250-INJECTED" not in texts(result, EventKind.SERVER)  # never treated as a reply
    assert result.capabilities_after_tls is not None
    assert result.capabilities_after_tls.auth_mechanisms == ("LOGIN",)


def test_starttls_refused_with_454() -> None:
    def script(peer: Peer) -> None:
        greet(peer)
        peer.ehlo(b"STARTTLS")
        peer.expect(b"STARTTLS")
        peer.send(b"454 4.7.0 TLS not available due to local problem\r\n")
        peer.quit()

    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, timeouts=FAST), password())
    assert not server.errors
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.REPLY, Phase.STARTTLS)
    assert result.failure.reply is not None
    assert result.failure.reply.code == 454
    assert texts(result, EventKind.CLIENT)[-1] == "QUIT"
    assert result.tls is None


@pytest.mark.parametrize(
    ("banner", "fragment"),
    [
        (b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", "SSH"),
        (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "web server"),
        (b"+OK Dovecot ready.\r\n", "POP3"),
    ],
)
def test_a_service_that_is_not_smtp(banner: bytes, fragment: str) -> None:
    def script(peer: Peer) -> None:
        peer.send(banner)
        peer.wait_closed()

    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, SecurityMode.NONE, timeouts=FAST), password())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.PROTOCOL, Phase.GREETING)
    assert fragment in result.failure.message
    assert result.transcript[-1].kind is EventKind.ERROR


def test_greeting_refusal_is_answered_with_quit() -> None:
    def script(peer: Peer) -> None:
        peer.send(b"554 5.7.1 Connection refused: your IP is listed at zen.example\r\n")
        peer.quit()

    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, SecurityMode.NONE, timeouts=FAST), password())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.REPLY, Phase.GREETING)
    assert result.greeting is not None
    assert result.greeting.code == 554
    assert texts(result, EventKind.CLIENT) == ["QUIT"]


def test_server_hangs_up_after_ehlo() -> None:
    def script(peer: Peer) -> None:
        greet(peer)
        peer.expect(b"EHLO")

    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, SecurityMode.NONE, timeouts=FAST), password())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.DISCONNECTED, Phase.EHLO)
    assert "closed the connection during ehlo" in result.failure.message


def test_421_at_ehlo_ends_without_quit() -> None:
    def script(peer: Peer) -> None:
        greet(peer)
        peer.expect(b"EHLO")
        peer.send(b"421 4.7.0 Too many connections from your IP\r\n")
        peer.wait_closed()

    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, SecurityMode.NONE, timeouts=FAST), password())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.REPLY, Phase.EHLO)
    assert "QUIT" not in texts(result, EventKind.CLIENT)


def test_ehlo_refused_falls_back_to_helo() -> None:
    def script(peer: Peer) -> None:
        greet(peer)
        peer.expect(b"EHLO")
        peer.send(b"502 5.5.1 Command not implemented\r\n")
        peer.expect(b"HELO printer.example.test")
        peer.send(b"250 mx.scripted.test\r\n")
        peer.quit()

    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, SecurityMode.NONE, username=None, send=False), Credentials())
    assert not server.errors
    assert result.ok, result.failure
    assert "helo_fallback" in result.quirks
    assert [p.phase.value for p in result.phases] == ["connect", "greeting", "ehlo", "quit"]


def test_overlong_and_bare_lf_replies_are_tolerated_and_recorded() -> None:
    def script(peer: Peer) -> None:
        peer.send(b"220 " + b"x" * 10_000_000 + b"\n")
        peer.expect(b"EHLO")
        peer.send(b"250-mx\n250 SIZE 1000\n")
        peer.quit()

    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, SecurityMode.NONE, username=None, send=False), Credentials())
    assert not server.errors
    assert result.ok, result.failure
    assert result.quirks == ("overlong_line", "bare_lf")
    assert result.greeting is not None
    assert len(result.greeting.lines[0]) == 4092
    notes = " ".join(texts(result, EventKind.INFO))
    assert "longer than 4096 bytes" in notes
    assert "bare LF" in notes


def test_endless_multiline_reply_is_a_protocol_failure() -> None:
    def script(peer: Peer) -> None:
        greet(peer)
        peer.expect(b"EHLO")
        peer.send(b"250-AUTH PLAIN\r\n" * 1500)
        peer.wait_closed()

    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, SecurityMode.NONE, timeouts=FAST), password())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.PROTOCOL, Phase.EHLO)
    assert "endless multi-line reply" in result.failure.message


def test_pipelined_envelope_arrives_in_one_write() -> None:
    chunks: list[bytes] = []

    def script(peer: Peer) -> None:
        greet(peer)
        peer.ehlo(b"PIPELINING", b"SIZE 100000")
        chunks.append(peer.chunk())
        peer.send(b"250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n")
        while peer.line() != b".":
            pass
        peer.send(b"250 2.0.0 queued\r\n")
        peer.quit()

    spec = MessageSpec("scanner@example.com", ("bob@example.org",))
    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, SecurityMode.NONE, username=None, message=spec), Credentials())
    assert not server.errors
    assert result.ok, result.failure
    assert chunks[0].startswith(b"MAIL FROM:<scanner@example.com> SIZE=")
    assert chunks[0].endswith(b"\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n")
    assert result.message_accepted


def test_cram_md5_against_a_server_that_checks_it() -> None:
    challenge = b"<1896.697170952@mx.scripted.test>"
    verdict: list[bool] = []

    def script(peer: Peer) -> None:
        greet(peer)
        peer.ehlo(b"AUTH CRAM-MD5")
        peer.expect(b"AUTH CRAM-MD5")
        peer.send(b"334 " + base64.b64encode(challenge) + b"\r\n")
        answer = base64.b64decode(peer.line())
        expected = hmac.new(PASSWORD.encode(), challenge, hashlib.md5).hexdigest()
        verdict.append(answer == f"{USER} {expected}".encode())
        peer.send(b"235 2.7.0 ok\r\n")
        peer.quit()

    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, SecurityMode.NONE, send=False), password())
    assert not server.errors
    assert verdict == [True]
    assert result.ok
    assert result.auth_mechanism == "CRAM-MD5"
    assert f"<CRAM-MD5 response for {USER}, redacted>" in texts(result, EventKind.CLIENT)
    assert_no_secret_leak(result)


def test_cancel_from_another_thread_ends_the_run_quickly() -> None:
    def script(peer: Peer) -> None:
        peer.wait_closed()  # a silent server: accepts, never greets

    cancel = CancelToken()
    with ScriptedServer(script) as server:
        slow = Timeouts(connect=30, greeting=30, tls=30, command=30, data_end=30, total=60)
        timer = threading.Timer(0.3, cancel.cancel)
        timer.start()
        started = time.monotonic()
        result = run_checked(plan(server.port, timeouts=slow), password(), cancel=cancel)
        ended = time.monotonic()
        timer.join()
    assert ended - started < 0.3 + 0.5
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.CANCELLED, Phase.GREETING)
    assert "cancelled" in result.failure.message


def test_slow_drip_is_stopped_by_the_phase_deadline() -> None:
    def script(peer: Peer) -> None:
        for byte in b"220 slow":
            peer.send(bytes([byte]))
            time.sleep(0.15)
        peer.wait_closed()

    timeouts = Timeouts(connect=2, greeting=0.6, tls=2, command=2, data_end=2, total=10)
    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, SecurityMode.NONE, timeouts=timeouts), password())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.TIMEOUT, Phase.GREETING)
    assert "within 0.6 s" in result.failure.message
    assert "part of a line: '220" in result.failure.message
    assert result.duration_ms < 1500


def test_total_deadline_caps_every_phase() -> None:
    def script(peer: Peer) -> None:
        peer.wait_closed()

    timeouts = Timeouts(connect=5, greeting=5, tls=5, command=5, data_end=5, total=0.5)
    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, SecurityMode.NONE, timeouts=timeouts), password())
    assert result.failure is not None
    assert result.failure.kind is FailureKind.TIMEOUT
    assert "whole test" in result.failure.message
    assert result.duration_ms < 1200


def test_connection_refused() -> None:
    port = free_port()  # nothing listens there any more
    result = run_checked(plan(port, timeouts=FAST), password())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.REFUSED, Phase.CONNECT)
    assert result.failure.os_error == "ECONNREFUSED"
    assert result.peer_address is None
    assert [p.phase.value for p in result.phases] == ["connect"]


def test_name_that_does_not_resolve() -> None:
    result = run_checked(replace(plan(25, timeouts=FAST), host="no-such-host.invalid"), password())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.DNS, Phase.CONNECT)
    assert "no-such-host.invalid" in result.failure.message


def test_a_bug_becomes_an_internal_failure_without_its_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError(f"something mentioning {PASSWORD}")

    monkeypatch.setattr(transaction, "build_message", broken)

    def script(peer: Peer) -> None:
        greet(peer)
        peer.ehlo(b"AUTH PLAIN")
        peer.expect(b"AUTH PLAIN")
        peer.send(b"235 ok\r\n")
        peer.quit()

    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, SecurityMode.NONE, timeouts=FAST, auth=AuthMethod.PLAIN), password())
    assert result.failure is not None
    assert result.failure.kind is FailureKind.INTERNAL
    assert "RuntimeError at test_runner_scripted.py:" in result.failure.message
    assert result.failure.phase is Phase.MAIL_FROM
    assert result.authenticated
    assert texts(result, EventKind.CLIENT)[-1] == "QUIT"  # a bug still ends the session politely
    assert PASSWORD not in result.failure.message
    assert_no_secret_leak(result)


def test_secret_in_a_server_echo_is_scrubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    # A (broken) server that echoes the AUTH payload back: the redactor removes it from SERVER lines.
    def script(peer: Peer) -> None:
        greet(peer)
        peer.ehlo(b"AUTH PLAIN")
        line = peer.expect(b"AUTH PLAIN")
        peer.send(b"535 5.7.8 bad credentials " + line.split()[-1] + b" " + PASSWORD.encode() + b"\r\n")
        peer.quit()

    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, SecurityMode.NONE, timeouts=FAST), password())
    assert result.failure is not None
    assert result.failure.kind is FailureKind.REPLY
    assert "535 5.7.8 bad credentials *** ***" in texts(result, EventKind.SERVER)
    assert result.failure.reply is not None
    assert result.failure.reply.lines == ("5.7.8 bad credentials *** ***",)
    assert_no_secret_leak(result)


def test_ipv6_loopback_when_available() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        listener = socket.create_server(("::1", 0), family=socket.AF_INET6)
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"554 5.3.2 not today\r\n")
            conn.recv(100)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    result = run_checked(replace(plan(port, SecurityMode.NONE, timeouts=FAST), host="::1"), password())
    listener.close()
    thread.join(5)
    assert result.peer_address == f"[::1]:{port}"
    assert result.greeting is not None
    assert result.greeting.code == 554


def test_tls_version_refused_by_the_server(server_cert: object, ca_file: str) -> None:
    modern = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    modern.minimum_version = ssl.TLSVersion.TLSv1_3
    server_cert.configure_cert(modern)  # type: ignore[attr-defined]

    def script(peer: Peer) -> None:
        peer.start_tls(modern)  # fails: the client offers at most TLS 1.2; OpenSSL sends an alert

    tls = TlsPolicy(ca_file=ca_file, max_version="1.2")
    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, SecurityMode.TLS, tls=tls, timeouts=FAST), password())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.TLS_HANDSHAKE, Phase.TLS)
    assert result.failure.ssl_reason == "TLSV1_ALERT_PROTOCOL_VERSION"
    assert result.failure.message == "The TLS handshake failed (TLSV1_ALERT_PROTOCOL_VERSION)."
    assert result.quirks == ()


def test_plaintext_instead_of_tls_after_starttls(ca_file: str) -> None:
    def script(peer: Peer) -> None:
        greet(peer)
        peer.ehlo(b"STARTTLS")
        peer.expect(b"STARTTLS")
        peer.send(b"220 2.0.0 Ready to start TLS\r\n")
        peer.chunk()  # the ClientHello
        peer.send(b"250 2.0.0 still plaintext\r\n")
        peer.wait_closed()

    with ScriptedServer(script) as server:
        result = run_checked(plan(server.port, ca_file=ca_file, timeouts=FAST), password())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.TLS_HANDSHAKE, Phase.TLS)
    assert "after agreeing to STARTTLS" in result.failure.message
    assert "250 2.0.0 still plaintext" in result.failure.message
    assert result.quirks == ("data_after_starttls",)
