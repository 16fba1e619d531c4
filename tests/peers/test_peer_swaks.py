"""Proves the peer with swaks, a second client we did not write (exit codes from swaks' manual:
0 success, 23 MAIL refused, 24 RCPT refused, 28 AUTH failed)."""

from __future__ import annotations

import pytest

from tests.peers.peer import MailPeer, skip_or_fail
from tests.peers.swaks import parse_swaks_output, run_swaks, swaks_available

pytestmark = [pytest.mark.peer, pytest.mark.network]


@pytest.fixture(autouse=True)
def _need_swaks() -> None:
    if not swaks_available():
        skip_or_fail("swaks is not installed (apt-get install swaks)")


def _tls_args(peer: MailPeer, *, implicit: bool = False) -> list[str]:
    return ["--tls-on-connect" if implicit else "--tls", "--tls-verify", "--tls-ca-path", peer.ca_file]


def _base_args(peer: MailPeer, port: int, sender: str, recipient: str) -> list[str]:
    return ["--server", peer.host, "--port", str(port), "--from", sender, "--to", recipient, "--timeout", "10"]


def test_parser_joins_multiline_replies_and_reads_channels() -> None:
    output = "\n".join(
        [
            "<-  220 mx ESMTP",
            " -> EHLO vm",
            "<-  250-mx",
            "<-  250 STARTTLS",
            "<~  250-mx",
            "<~  250 AUTH PLAIN LOGIN",
            "<~* 535 5.7.8 Error: authentication failed",
            "<** 530 5.7.0 Must issue a STARTTLS command first",
        ]
    )
    replies = parse_swaks_output(output)
    assert [(r.reply.code, r.over_tls, r.flagged_error) for r in replies] == [
        (220, False, False),
        (250, False, False),
        (250, True, False),
        (535, True, True),
        (530, False, True),
    ]
    assert replies[2].reply.lines == ("mx", "AUTH PLAIN LOGIN")
    assert str(replies[3].reply.enhanced) == "5.7.8"


def test_plain_port_relay(mail_peer: MailPeer, recipient: str) -> None:
    run = run_swaks(_base_args(mail_peer, mail_peer.plain_port, "printer@example.test", recipient))
    assert run.returncode == 0, run.output
    assert run.codes()[-3:] == [(354, None), (250, "2.0.0"), (221, "2.0.0")]
    received = mail_peer.wait_for_message(recipient)
    assert received.mail_from == "printer@example.test"
    assert received.message["X-Mailer"].startswith("swaks")


@pytest.mark.parametrize(("who", "mechanism"), [("alice", "PLAIN"), ("bob", "LOGIN")])
def test_submission_starttls_auth(mail_peer: MailPeer, recipient: str, who: str, mechanism: str) -> None:
    user = mail_peer.alice if who == "alice" else mail_peer.bob
    args = [*_base_args(mail_peer, mail_peer.submission_port, user.address, recipient), *_tls_args(mail_peer)]
    run = run_swaks([*args, "-a", mechanism, "-au", user.address, "-ap", user.password])
    assert run.returncode == 0, run.output
    assert (235, "2.7.0") in run.codes()
    assert mail_peer.wait_for_message(recipient).mail_from == user.address


def test_implicit_tls_auth(mail_peer: MailPeer, recipient: str) -> None:
    alice = mail_peer.alice
    args = [
        *_base_args(mail_peer, mail_peer.smtps_port, alice.address, recipient),
        *_tls_args(mail_peer, implicit=True),
    ]
    run = run_swaks([*args, "-a", "PLAIN", "-au", alice.address, "-ap", alice.password])
    assert run.returncode == 0, run.output
    assert all(r.over_tls for r in run.replies)
    assert mail_peer.wait_for_message(recipient).mail_from == alice.address


def test_wrong_password(mail_peer: MailPeer, recipient: str) -> None:
    alice = mail_peer.alice.address
    args = [*_base_args(mail_peer, mail_peer.submission_port, alice, recipient), *_tls_args(mail_peer)]
    run = run_swaks([*args, "-a", "PLAIN", "-au", alice, "-ap", "wrong-password"])
    assert run.returncode == 28, run.output
    assert (535, "5.7.8") in run.codes()


def test_starttls_required_on_submission(mail_peer: MailPeer, recipient: str) -> None:
    run = run_swaks(_base_args(mail_peer, mail_peer.submission_port, "printer@example.test", recipient))
    assert run.returncode == 23, run.output
    refusal = next(r.reply for r in run.replies if r.flagged_error)
    assert refusal.code == 530
    assert refusal.text == "5.7.0 Must issue a STARTTLS command first"


def test_relay_denied_on_implicit_tls_without_auth(mail_peer: MailPeer, recipient: str) -> None:
    args = [*_base_args(mail_peer, mail_peer.smtps_port, "printer@example.test", recipient)]
    run = run_swaks([*args, *_tls_args(mail_peer, implicit=True)])
    assert run.returncode == 24, run.output
    assert (554, "5.7.1") in run.codes()
    assert mail_peer.messages_for(recipient) == []
