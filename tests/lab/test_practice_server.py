"""The practice server, checked with Python's smtplib as an independent client."""

from __future__ import annotations

import base64
import json
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.lab import PRACTICE_PASSWORD as PW
from core.lab import PracticeServer, ReceivedMessage, practice_token
from core.lab.listeners import ListenerRole

pytestmark = [pytest.mark.network, pytest.mark.timeout(30)]

WORKS = "works@practice.test"
MESSAGE = b"From: works@practice.test\r\nTo: colleague@practice.test\r\nSubject: scan\r\n\r\nhello\r\n"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def plain_blob(user: str, password: str) -> str:
    return b64(f"\0{user}\0{password}".encode())


def xoauth2_blob(user: str, token: str) -> str:
    return b64(f"user={user}\x01auth=Bearer {token}\x01\x01".encode())


@contextmanager
def submission(server: PracticeServer) -> Iterator[smtplib.SMTP]:
    """A client on the STARTTLS listener, after STARTTLS (verifying the practice CA) and EHLO."""
    client = smtplib.SMTP(server.host, server.submission_port, timeout=5)
    try:
        client.starttls(context=server.client_ssl_context())
        client.ehlo("scanner.test")
        yield client
    finally:
        client.close()


@contextmanager
def implicit(server: PracticeServer) -> Iterator[smtplib.SMTP_SSL]:
    client = smtplib.SMTP_SSL(server.host, server.implicit_port, timeout=5, context=server.client_ssl_context())
    try:
        client.ehlo("scanner.test")
        yield client
    finally:
        client.close()


def refused(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


# --- life cycle ---------------------------------------------------------------------------------------


def _python_threads() -> set[threading.Thread]:
    # Dummy entries stand for foreign threads (Qt's pool, from GUI tests) that come and go on their own.
    return {t for t in threading.enumerate() if not isinstance(t, threading._DummyThread)}


def test_starts_quickly_and_stops_without_leftovers() -> None:
    threads_before = _python_threads()
    started = time.perf_counter()
    server = PracticeServer().start()
    elapsed = time.perf_counter() - started
    try:
        assert elapsed < 1.0
        ports = server.ports
        assert set(ports) == set(ListenerRole)
        assert len(set(ports.values())) == 3
        ca_path = Path(server.ca_file)
        assert ca_path.read_text().startswith("-----BEGIN CERTIFICATE-----")
        assert oct(ca_path.parent.stat().st_mode & 0o777) == "0o700"
        assert not any(refused(port) for port in ports.values())
    finally:
        server.stop()
    assert _python_threads() == threads_before
    assert all(refused(port) for port in ports.values())
    assert not ca_path.parent.exists()
    assert not server.running
    with pytest.raises(RuntimeError):
        _ = server.ca_file
    server.stop()  # a second stop is harmless


def test_fixed_ports_are_used() -> None:
    wanted: dict[ListenerRole, int] = {}
    for role in ListenerRole:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            wanted[role] = s.getsockname()[1]
    with PracticeServer(ports=wanted) as server:
        assert server.ports == wanted
        assert {listener.port for listener in server.listeners} == set(wanted.values())


def test_a_taken_port_fails_fast_and_cleans_up() -> None:
    threads_before = _python_threads()
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        started = time.perf_counter()
        with pytest.raises(OSError, match=f"port {port}"):
            PracticeServer(ports={ListenerRole.IMPLICIT: port}).start()
        assert time.perf_counter() - started < 1.0
    assert _python_threads() == threads_before


# --- listeners ----------------------------------------------------------------------------------------


def test_submission_requires_starttls_before_auth_and_mail(practice_server: PracticeServer) -> None:
    client = smtplib.SMTP(practice_server.host, practice_server.submission_port, timeout=5)
    try:
        code, _banner = client.ehlo("scanner.test")
        assert code == 250
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")
        assert client.docmd("AUTH PLAIN", plain_blob(WORKS, PW)) == (
            530,
            b"5.7.0 Must issue a STARTTLS command first",
        )
        assert client.docmd("MAIL FROM:<works@practice.test>")[0] == 530
        reply = client.docmd("STARTTLS")
        assert reply == (220, b"2.0.0 SMTP server ready")
    finally:
        client.close()


def test_submission_after_starttls_offers_auth_like_microsoft(practice_server: PracticeServer) -> None:
    with submission(practice_server) as client:
        assert client.ehlo_resp is not None
        lines = client.ehlo_resp.decode().splitlines()
        assert lines[0] == "mail.practice.test Hello [127.0.0.1]"
        assert "AUTH LOGIN PLAIN XOAUTH2" in lines
        assert "ENHANCEDSTATUSCODES" in lines
        assert "PIPELINING" in lines
        assert f"SIZE {practice_server.size_limit}" in lines
        assert "STARTTLS" not in lines
        assert "HELP" not in lines
        assert isinstance(client.sock, ssl.SSLSocket)


def test_certificate_names_localhost_and_the_loopback_address(practice_server: PracticeServer) -> None:
    context = practice_server.client_ssl_context()
    for name in ("localhost", "127.0.0.1"):
        with (
            socket.create_connection((practice_server.host, practice_server.implicit_port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=name) as tls,
        ):
            assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_submission_sends_and_keeps_the_message(practice_server: PracticeServer) -> None:
    practice_server.clear_messages()
    with submission(practice_server) as client:
        client.login(WORKS, PW)
        assert client.sendmail(WORKS, ["colleague@practice.test", "someone@example.com"], MESSAGE) == {}
    [message] = practice_server.messages
    assert isinstance(message, ReceivedMessage)
    assert message.listener is ListenerRole.SUBMISSION
    assert message.authenticated_as == WORKS
    assert message.encrypted
    assert message.rcpt_to == ("colleague@practice.test", "someone@example.com")
    assert message.content.endswith(b"hello\r\n")


def test_implicit_tls_offers_auth_at_once_and_sends(practice_server: PracticeServer) -> None:
    practice_server.clear_messages()
    with implicit(practice_server) as client:
        assert client.has_extn("auth")
        assert not client.has_extn("starttls")
        client.login(WORKS, PW)
        client.sendmail(WORKS, ["colleague@practice.test"], MESSAGE)
    assert [m.listener for m in practice_server.messages] == [ListenerRole.IMPLICIT]
    assert practice_server.messages[0].encrypted


def test_plain_listener_relays_internally_and_allows_auth_in_the_clear(practice_server: PracticeServer) -> None:
    practice_server.clear_messages()
    client = smtplib.SMTP(practice_server.host, practice_server.plain_port, timeout=5)
    try:
        client.ehlo("scanner.test")
        assert not client.has_extn("starttls")
        assert client.has_extn("auth")
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused_info:
            client.sendmail("scanner@practice.test", ["someone@example.com"], MESSAGE)
        code, text = refused_info.value.recipients["someone@example.com"]
        assert (code, text) == (554, b"5.7.1 <someone@example.com>: Relay access denied")
        client.sendmail("scanner@practice.test", ["colleague@practice.test"], MESSAGE)
        client.login(WORKS, PW)
        client.sendmail(WORKS, ["someone@example.com"], MESSAGE)
    finally:
        client.close()
    first, second = practice_server.messages
    assert (first.authenticated_as, first.encrypted) == (None, False)
    assert second.authenticated_as == WORKS


# --- accounts -----------------------------------------------------------------------------------------

AUTH_CASES = [
    # login, password, reply code, enhanced code, key phrase
    ("works", "wrong", 535, "5.7.3", "Authentication unsuccessful [PR3P195CA0012"),
    ("nobody-here", PW, 535, "5.7.3", "Authentication unsuccessful"),
    ("tenant-disabled", PW, 535, "5.7.139", "SmtpClientAuthentication is disabled for the Tenant"),
    ("mailbox-disabled", PW, 535, "5.7.139", "SmtpClientAuthentication is disabled for the Mailbox"),
    ("basic-disabled", PW, 535, "5.7.139", "basic authentication is disabled"),
    ("security-defaults", PW, 535, "5.7.139", "security defaults policy"),
    ("oauth", PW, 535, "5.7.3", "Authentication unsuccessful"),
    ("app-password", PW, 534, "5.7.9", "Application-specific password required"),
    ("app-password", "wrong", 535, "5.7.8", "Username and Password not accepted"),
    ("web-login", PW, 534, "5.7.9", "WebLoginRequired"),
    ("throttled", PW, 454, "4.7.0", "Too many login attempts"),
]


@pytest.mark.parametrize(("name", "password", "code", "enhanced", "phrase"), AUTH_CASES)
def test_accounts_answer_like_their_provider(
    practice_server: PracticeServer, name: str, password: str, code: int, enhanced: str, phrase: str
) -> None:
    with submission(practice_server) as client:
        got_code, text = client.docmd("AUTH PLAIN", plain_blob(f"{name}@practice.test", password))
    assert got_code == code
    decoded = text.decode()
    assert decoded.startswith(enhanced + " ")
    assert phrase in decoded


def test_gmail_replies_are_multi_line_with_the_code_on_every_line(practice_server: PracticeServer) -> None:
    with implicit(practice_server) as client:
        client.send(f"AUTH PLAIN {plain_blob('app-password@practice.test', PW)}\r\n".encode())
        raw = client.sock.recv(4096).decode()  # type: ignore[union-attr]
    first, second = raw.rstrip("\r\n").split("\r\n")
    assert first == "534-5.7.9 Application-specific password required. Learn more at"
    assert second.startswith("534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor ")
    assert second.endswith(" - gsmtp")


def test_auth_login_prompts_like_real_servers(practice_server: PracticeServer) -> None:
    with submission(practice_server) as client:
        assert client.docmd("AUTH LOGIN") == (334, b"VXNlcm5hbWU6")
        assert client.docmd(b64(WORKS.encode())) == (334, b"UGFzc3dvcmQ6")
        assert client.docmd(b64(PW.encode())) == (235, b"2.7.0 Authentication successful")


@pytest.mark.parametrize("app_password", ["abcd efgh ijkl mnop", "abcdefghijklmnop"])
def test_app_password_works_with_or_without_spaces(practice_server: PracticeServer, app_password: str) -> None:
    with implicit(practice_server) as client:
        assert client.docmd("AUTH PLAIN", plain_blob("app-password@practice.test", app_password))[0] == 235


# --- XOAUTH2 ------------------------------------------------------------------------------------------


def test_xoauth2_accepts_the_practice_token(practice_server: PracticeServer) -> None:
    with submission(practice_server) as client:
        blob = xoauth2_blob("oauth@practice.test", practice_token("oauth@practice.test"))
        assert client.docmd("AUTH XOAUTH2", blob) == (235, b"2.7.0 Authentication successful")


def test_xoauth2_without_initial_response_gets_an_empty_challenge(practice_server: PracticeServer) -> None:
    with submission(practice_server) as client:
        assert client.docmd("AUTH XOAUTH2") == (334, b"")
        assert client.docmd(xoauth2_blob("oauth@practice.test", "practice-token-oauth"))[0] == 235


def test_xoauth2_rejected_microsoft_style_is_a_bare_535(practice_server: PracticeServer) -> None:
    with submission(practice_server) as client:
        code, text = client.docmd("AUTH XOAUTH2", xoauth2_blob("oauth@practice.test", "expired"))
    assert code == 535
    assert text.startswith(b"5.7.3 Authentication unsuccessful [")


def test_xoauth2_rejected_gmail_style_sends_a_json_challenge_first(practice_server: PracticeServer) -> None:
    with implicit(practice_server) as client:
        code, challenge = client.docmd("AUTH XOAUTH2", xoauth2_blob("app-password@practice.test", "expired"))
        assert code == 334
        assert json.loads(base64.b64decode(challenge)) == {
            "status": "400",
            "schemes": "Bearer",
            "scope": "https://mail.google.com/",
        }
        code, text = client.docmd("")
    assert code == 535
    assert text.startswith(b"5.7.8 Username and Password not accepted")


def test_smtp_auth_switch_blocks_oauth_too(practice_server: PracticeServer) -> None:
    with submission(practice_server) as client:
        blob = xoauth2_blob("tenant-disabled@practice.test", practice_token("tenant-disabled@practice.test"))
        code, text = client.docmd("AUTH XOAUTH2", blob)
    assert code == 535
    assert b"disabled for the Tenant" in text


def test_xoauth2_token_of_another_user_is_refused(practice_server: PracticeServer) -> None:
    with submission(practice_server) as client:
        code, _ = client.docmd("AUTH XOAUTH2", xoauth2_blob("works@practice.test", "practice-token-oauth"))
    assert code == 535


def test_xoauth2_malformed_data(practice_server: PracticeServer) -> None:
    with submission(practice_server) as client:
        assert client.docmd("AUTH XOAUTH2", b64(b"user=x\x01\x01"))[0] == 501
        assert client.docmd("AUTH XOAUTH2", "***not-base64***") == (501, b"5.5.124 Invalid XOAUTH2 auth data")


def test_configured_tokens_and_the_accept_hook() -> None:
    seen: list[tuple[str, str]] = []

    def accept(token: str, user: str) -> bool:
        seen.append((token, user))
        if token == "explode":
            raise RuntimeError("hook bug")
        return token == "issued-by-fake-authority" and user == "alice@contoso.test"

    with PracticeServer(valid_tokens={"tok-1": "bob@contoso.test"}, accept_token=accept) as server:
        server.add_token("tok-2", "carol@contoso.test")
        with submission(server) as client:
            assert client.docmd("AUTH XOAUTH2", xoauth2_blob("BOB@contoso.test", "tok-1"))[0] == 235
        with submission(server) as client:
            assert client.docmd("AUTH XOAUTH2", xoauth2_blob("carol@contoso.test", "tok-2"))[0] == 235
        with submission(server) as client:
            blob = xoauth2_blob("alice@contoso.test", "issued-by-fake-authority")
            assert client.docmd("AUTH XOAUTH2", blob)[0] == 235
        with submission(server) as client:
            assert client.docmd("AUTH XOAUTH2", xoauth2_blob("alice@contoso.test", "explode"))[0] == 535
        assert ("explode", "alice@contoso.test") in seen
        assert any("accept_token hook failed" in e for e in server.errors)


# --- envelope and message -----------------------------------------------------------------------------


def test_mail_without_auth_on_submission_is_refused(practice_server: PracticeServer) -> None:
    with submission(practice_server) as client:
        code, text = client.docmd("MAIL FROM:<works@practice.test>")
    assert code == 530
    assert text.startswith(b"5.7.57 Client not authenticated to send mail.")


def test_unknown_recipient(practice_server: PracticeServer) -> None:
    with submission(practice_server) as client:
        client.login(WORKS, PW)
        assert client.docmd("MAIL FROM:<works@practice.test>") == (250, b"2.1.0 Sender OK")
        code, text = client.docmd("RCPT TO:<nobody@practice.test>")
    assert code == 550
    assert text.startswith(b"5.1.1 RESOLVER.ADR.RecipientNotFound;")


@pytest.mark.parametrize(
    ("mail_from", "header_from"),
    [("boss@practice.test", "send-as-denied@practice.test"), ("send-as-denied@practice.test", "boss@practice.test")],
)
def test_send_as_another_address_is_refused_after_data(
    practice_server: PracticeServer, mail_from: str, header_from: str
) -> None:
    practice_server.clear_messages()
    body = f"From: {header_from}\r\nSubject: scan\r\n\r\nhello\r\n".encode()
    with submission(practice_server) as client:
        client.login("send-as-denied@practice.test", PW)
        with pytest.raises(smtplib.SMTPDataError) as error:
            client.sendmail(mail_from, ["colleague@practice.test"], body)
    assert error.value.smtp_code == 554
    smtp_error = error.value.smtp_error
    assert isinstance(smtp_error, bytes)
    assert smtp_error.startswith(b"5.2.252 SendAsDenied; send-as-denied@practice.test not allowed")
    assert practice_server.messages == []


def test_size_limit_is_enforced_at_mail_from_and_after_data(practice_server: PracticeServer) -> None:
    too_big = practice_server.size_limit + 1
    with submission(practice_server) as client:
        client.login(WORKS, PW)
        assert client.docmd(f"MAIL FROM:<{WORKS}> SIZE={too_big}") == (
            552,
            b"5.3.4 Message size exceeds fixed maximum message size",
        )
        # Without SIZE= (as smtplib's mail() sends it) the limit bites after the data.
        assert client.mail(WORKS)[0] == 250
        assert client.rcpt("colleague@practice.test")[0] == 250
        reply = client.data(MESSAGE + (b"x" * 76 + b"\r\n") * (too_big // 78 + 1))
    assert reply == (552, b"5.3.4 Message size exceeds fixed maximum message size")


def test_messages_are_bounded() -> None:
    with PracticeServer(max_messages=2) as server:
        client = smtplib.SMTP(server.host, server.plain_port, timeout=5)
        try:
            for n in range(3):
                client.sendmail("scanner@practice.test", [f"r{n}@practice.test"], MESSAGE)
        finally:
            client.close()
        assert [m.rcpt_to for m in server.messages] == [("r1@practice.test",), ("r2@practice.test",)]
        server.clear_messages()
        assert server.messages == []


def test_failed_handshakes_are_noted_not_printed(
    practice_server: PracticeServer, capfd: pytest.CaptureFixture[str]
) -> None:
    errors_before = len(practice_server.errors)
    client = smtplib.SMTP(practice_server.host, practice_server.submission_port, timeout=5)
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            client.starttls(context=ssl.create_default_context())  # the system store: untrusted
    finally:
        client.close()
    with socket.create_connection((practice_server.host, practice_server.implicit_port), timeout=5) as raw:
        raw.sendall(b"EHLO plaintext-on-the-tls-port\r\n")
        raw.settimeout(5)
        try:
            assert raw.recv(100) == b""  # the server drops the connection without a word
        except ConnectionResetError:
            pass
    deadline = time.monotonic() + 5
    while len(practice_server.errors) == errors_before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert any("SSL" in e for e in practice_server.errors[errors_before:])
    assert "Traceback" not in capfd.readouterr().err


def test_exchange_like_mechanisms_without_plain() -> None:
    with PracticeServer(offer_plain=False) as server, submission(server) as client:
        assert client.esmtp_features["auth"].split() == ["LOGIN", "XOAUTH2"]
        assert client.docmd("AUTH PLAIN", plain_blob(WORKS, PW)) == (504, b"5.7.4 Unrecognized authentication type")
        assert client.docmd("AUTH XOAUTH2", xoauth2_blob("oauth@practice.test", "practice-token-oauth"))[0] == 235
