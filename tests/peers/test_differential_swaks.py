"""Differential test: the same session run by swaks and by SMTP Doctor's engine against the same
Postfix must see the same server replies (codes and enhanced codes) and the same EHLO keywords
before and after TLS. A difference means our engine misread the server or spoke differently.

Two legitimate differences are normalised away: SASL ``334`` challenges (swaks sends AUTH LOGIN
without an initial response, the engine with one), and what follows the first refusal (the engine
pipelines MAIL/RCPT/DATA and so collects their refusals too; swaks stops at the first). Both
clients end with QUIT, and both must get ``221``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.model import AuthMethod, CredentialKind, SecurityMode
from core.smtp.capabilities import Capabilities
from tests.peers.engine import make_plan, probe
from tests.peers.peer import MailPeer, skip_or_fail
from tests.peers.swaks import SwaksRun, run_swaks, swaks_available

pytestmark = [pytest.mark.peer, pytest.mark.network]

Codes = list[tuple[int, str | None]]


@pytest.fixture(autouse=True)
def _need_swaks() -> None:
    if not swaks_available():
        skip_or_fail("swaks is not installed (apt-get install swaks)")


@dataclass(frozen=True)
class Session:
    """One session both clients run."""

    name: str
    port: str  # "plain", "submission" or "smtps"
    security: SecurityMode
    user: str | None = None  # "alice" or "bob"
    mechanism: AuthMethod = AuthMethod.NONE
    wrong_password: bool = False


SESSIONS = [
    Session("plain-relay", "plain", SecurityMode.NONE),
    Session("plain-starttls-relay", "plain", SecurityMode.STARTTLS),
    Session("submission-plain", "submission", SecurityMode.STARTTLS, "alice", AuthMethod.PLAIN),
    Session("submission-login", "submission", SecurityMode.STARTTLS, "bob", AuthMethod.LOGIN),
    Session("smtps-plain", "smtps", SecurityMode.TLS, "alice", AuthMethod.PLAIN),
    Session("wrong-password", "submission", SecurityMode.STARTTLS, "alice", AuthMethod.PLAIN, wrong_password=True),
    Session("starttls-required", "submission", SecurityMode.NONE),
    Session("smtps-relay-denied", "smtps", SecurityMode.TLS),
]


def _port(peer: MailPeer, name: str) -> int:
    return {"plain": peer.plain_port, "submission": peer.submission_port, "smtps": peer.smtps_port}[name]


def _credentials(peer: MailPeer, session: Session) -> tuple[str | None, str | None]:
    if session.user is None:
        return None, None
    user = peer.alice if session.user == "alice" else peer.bob
    return user.address, "wrong-password" if session.wrong_password else user.password


def _run_swaks(peer: MailPeer, session: Session, sender: str, recipient: str) -> SwaksRun:
    args = ["--server", peer.host, "--port", str(_port(peer, session.port))]
    args += ["--from", sender, "--to", recipient, "--timeout", "10"]
    if session.security is SecurityMode.STARTTLS:
        args += ["--tls", "--tls-verify", "--tls-ca-path", peer.ca_file]
    elif session.security is SecurityMode.TLS:
        args += ["--tls-on-connect", "--tls-verify", "--tls-ca-path", peer.ca_file]
    username, password = _credentials(peer, session)
    if username is not None and password is not None:
        args += ["-a", session.mechanism.value.upper(), "-au", username, "-ap", password]
    return run_swaks(args)


def _comparable(codes: Codes) -> Codes:
    """Without SASL challenges, and cut after the first refusal."""
    kept: Codes = []
    for code, enhanced in codes:
        if code == 334:
            continue
        kept.append((code, enhanced))
        if code >= 400:
            break
    return kept


def _keywords(capabilities: Capabilities | None) -> frozenset[str] | None:
    return None if capabilities is None else frozenset(line.strip().upper() for line in capabilities.raw)


@pytest.mark.parametrize("session", SESSIONS, ids=[s.name for s in SESSIONS])
def test_engine_and_swaks_see_the_same_server(mail_peer: MailPeer, session: Session) -> None:
    username, password = _credentials(mail_peer, session)
    sender = username or "printer@example.test"

    swaks_recipient = mail_peer.fresh_recipient()
    swaks = _run_swaks(mail_peer, session, sender, swaks_recipient)
    ours_recipient = mail_peer.fresh_recipient()
    plan = make_plan(
        mail_peer,
        _port(mail_peer, session.port),
        session.security,
        auth=session.mechanism,
        username=username,
        kind=CredentialKind.PASSWORD if username else CredentialKind.NONE,
        mail_from=sender,
        rcpt_to=(ours_recipient,),
    )
    ours = probe(plan, password=password)
    our_codes = ours.reply_codes()

    assert _comparable(our_codes) == _comparable(swaks.codes()), swaks.output
    assert our_codes[-1] == swaks.codes()[-1] == (221, "2.0.0")

    # EHLO keywords in clear text and over TLS (implicit TLS has only the latter, no TLS only the former).
    result = ours.result
    assert _keywords(result.capabilities_before_tls) == swaks.ehlo_keywords(over_tls=False)
    assert _keywords(result.capabilities_after_tls) == swaks.ehlo_keywords(over_tls=True)

    # Both delivered, or neither did.
    delivered = [bool(mail_peer.messages_for(r)) for r in (swaks_recipient, ours_recipient)]
    if result.message_accepted:
        delivered = [
            mail_peer.wait_for_message(swaks_recipient) is not None,
            mail_peer.wait_for_message(ours_recipient) is not None,
        ]
    assert delivered[0] == delivered[1] == result.message_accepted
