"""Proves the Postfix + Dovecot peer behaves as documented, using Python's smtplib (a client we did
not write), before our own engine is judged against it."""

from __future__ import annotations

import base64
import json
import smtplib
import ssl

import pytest

from tests.peers.messages import assert_same_message, build_message
from tests.peers.peer import MailPeer

pytestmark = [pytest.mark.peer, pytest.mark.network]

TIMEOUT = 10.0
EXPECTED_MECHANISMS = {"PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER"}


def _tls(peer: MailPeer) -> ssl.SSLContext:
    # cafile= alone: the machine's SSL_CERT_FILE must not widen (or replace) what we trust.
    return ssl.create_default_context(cafile=peer.ca_file)


def _submission(peer: MailPeer) -> smtplib.SMTP:
    client = smtplib.SMTP(peer.host, peer.submission_port, timeout=TIMEOUT)
    client.starttls(context=_tls(peer))
    client.ehlo()
    return client


def _smtps(peer: MailPeer) -> smtplib.SMTP_SSL:
    client = smtplib.SMTP_SSL(peer.host, peer.smtps_port, timeout=TIMEOUT, context=_tls(peer))
    client.ehlo()
    return client


def _mechanisms(client: smtplib.SMTP) -> set[str]:
    return set(client.esmtp_features.get("auth", "").upper().split())


def _xoauth2(user: str, token: str) -> str:
    return base64.b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01".encode()).decode()


def _oauthbearer(user: str, token: str) -> str:
    return base64.b64encode(f"n,a={user},\x01auth=Bearer {token}\x01\x01".encode()).decode()


def test_plain_port_offers_starttls_no_auth_and_relays_from_loopback(mail_peer: MailPeer, recipient: str) -> None:
    sent = build_message("printer@example.test", recipient)
    with smtplib.SMTP(mail_peer.host, mail_peer.plain_port, timeout=TIMEOUT) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")
        refused = client.send_message(sent)
    assert refused == {}
    received = mail_peer.wait_for_message(recipient)
    assert received.mail_from == "printer@example.test"
    assert_same_message(received, sent)


def test_submission_hides_auth_and_refuses_mail_before_starttls(mail_peer: MailPeer) -> None:
    with smtplib.SMTP(mail_peer.host, mail_peer.submission_port, timeout=TIMEOUT) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")
        code, text = client.mail(mail_peer.alice.address)
    assert (code, text) == (530, b"5.7.0 Must issue a STARTTLS command first")


def test_submission_offers_every_mechanism_after_starttls(mail_peer: MailPeer) -> None:
    with _submission(mail_peer) as client:
        assert _mechanisms(client) == EXPECTED_MECHANISMS
        assert not client.has_extn("starttls")


@pytest.mark.parametrize(("who", "mechanism"), [("alice", "PLAIN"), ("bob", "LOGIN")])
def test_submission_auth_and_send(mail_peer: MailPeer, recipient: str, who: str, mechanism: str) -> None:
    user = mail_peer.alice if who == "alice" else mail_peer.bob
    sent = build_message(user.address, recipient, attachment_bytes=30_000)
    with _submission(mail_peer) as client:
        client.user, client.password = user.address, user.password
        auth_object = client.auth_plain if mechanism == "PLAIN" else client.auth_login
        code, _ = client.auth(mechanism, auth_object)
        assert code == 235
        client.send_message(sent)
    assert_same_message(mail_peer.wait_for_message(recipient), sent)


def test_wrong_password_gets_535_5_7_8(mail_peer: MailPeer) -> None:
    with _submission(mail_peer) as client:
        client.user, client.password = mail_peer.alice.address, "not-the-password"
        with pytest.raises(smtplib.SMTPAuthenticationError) as caught:
            client.auth("PLAIN", client.auth_plain)
    assert caught.value.smtp_code == 535
    error = caught.value.smtp_error
    assert isinstance(error, bytes)
    assert error.startswith(b"5.7.8 ")


@pytest.mark.parametrize("port_name", ["submission", "smtps"])
def test_relay_denied_without_auth(mail_peer: MailPeer, recipient: str, port_name: str) -> None:
    client = _submission(mail_peer) if port_name == "submission" else _smtps(mail_peer)
    with client:
        assert client.mail("printer@example.test")[0] == 250
        code, text = client.rcpt(recipient)
    assert code == 554
    assert text.startswith(b"5.7.1 ")
    assert b"Access denied" in text


def test_implicit_tls_auth_and_send(mail_peer: MailPeer, recipient: str) -> None:
    sent = build_message(mail_peer.alice.address, recipient)
    with _smtps(mail_peer) as client:
        assert _mechanisms(client) == EXPECTED_MECHANISMS
        client.login(mail_peer.alice.address, mail_peer.alice.password)
        client.send_message(sent)
    assert_same_message(mail_peer.wait_for_message(recipient), sent)


@pytest.mark.parametrize(("mechanism", "encode"), [("XOAUTH2", _xoauth2), ("OAUTHBEARER", _oauthbearer)])
def test_oauth_good_token_authenticates(mail_peer: MailPeer, mechanism: str, encode: object) -> None:
    token = mail_peer.mint_token(mail_peer.alice.address)
    assert callable(encode)
    with _submission(mail_peer) as client:
        code, text = client.docmd("AUTH", f"{mechanism} {encode(mail_peer.alice.address, token)}")
    assert (code, text) == (235, b"2.7.0 Authentication successful")


def _xoauth2_rejection(peer: MailPeer, user: str, token: str) -> tuple[dict[str, object], int, bytes]:
    """Send AUTH XOAUTH2; return the decoded 334 challenge and the final reply."""
    with _submission(peer) as client:
        code, challenge = client.docmd("AUTH", f"XOAUTH2 {_xoauth2(user, token)}")
        assert code == 334, challenge
        # The client answers the error challenge with an empty line (RFC 7628 / Google's docs).
        final_code, final_text = client.docmd("")
    return json.loads(base64.b64decode(challenge)), final_code, final_text


@pytest.mark.parametrize("kind", ["unknown", "inactive", "other_user"])
def test_xoauth2_rejected_token_gets_334_json_then_535(mail_peer: MailPeer, kind: str) -> None:
    alice, bob = mail_peer.alice.address, mail_peer.bob.address
    token = {
        "unknown": "never-registered-token",
        "inactive": mail_peer.mint_token(alice, active=False),
        "other_user": mail_peer.mint_token(bob),  # a valid token, but for bob, presented as alice
    }[kind]
    challenge, code, text = _xoauth2_rejection(mail_peer, alice, token)
    assert challenge["status"] == "401"
    assert code == 535
    assert text.startswith(b"5.7.8 ")
