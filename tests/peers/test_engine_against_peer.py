"""SMTP Doctor's engine and diagnosis against a real Postfix + Dovecot: every mode that should work
does (and the message arrives intact), and every classic mistake gets the right finding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from core.model import AuthMethod, CredentialKind, ProbePlan, SecurityMode
from core.probe.phases import Phase
from core.probe.result import FailureKind
from core.smtp.message import ATTACHMENT_NAME
from tests.peers.engine import (
    Probe,
    assert_no_secret_in_transcript,
    make_plan,
    port_for,
    probe,
    unsigned_jwt,
)
from tests.peers.peer import MailPeer, SinkMessage

pytestmark = [pytest.mark.peer, pytest.mark.network]

ATTACHMENT_BYTES = 150_000  # a one-page scan


def _assert_delivered(found: Probe, received: SinkMessage, sender: str, recipient: str) -> None:
    """The sink holds the message the engine says it sent: envelope, headers and body."""
    assert found.result.message_accepted
    message = received.message
    assert received.mail_from == sender
    assert received.rcpt_tos == (recipient,)
    assert message["From"] == sender
    assert message["To"] == recipient
    assert message["Message-ID"] == found.sent_header("Message-ID")
    assert message["Subject"] == found.sent_header("Subject")
    assert message["Subject"].startswith("SMTP Doctor test")
    sent_at = parsedate_to_datetime(message["Date"])
    assert abs(datetime.now(UTC) - sent_at) < timedelta(minutes=5)
    body = message.get_body(("plain",))
    assert body is not None
    assert "This message was sent by SMTP Doctor" in body.get_content()


# ------------------------------------------------------------------------------------ success


def test_plain_port_relays_without_auth(mail_peer: MailPeer, recipient: str) -> None:
    plan = make_plan(mail_peer, mail_peer.plain_port, SecurityMode.NONE, rcpt_to=(recipient,))
    found = probe(plan)
    assert found.result.ok, found.result.failure
    assert found.result.tls is None
    assert found.primary_code is None
    _assert_delivered(found, mail_peer.wait_for_message(recipient), "printer@example.test", recipient)


@pytest.mark.parametrize(("who", "method"), [("alice", AuthMethod.PLAIN), ("bob", AuthMethod.LOGIN)])
def test_submission_starttls_auth_and_send(mail_peer: MailPeer, recipient: str, who: str, method: AuthMethod) -> None:
    user = mail_peer.alice if who == "alice" else mail_peer.bob
    plan = make_plan(
        mail_peer,
        mail_peer.submission_port,
        SecurityMode.STARTTLS,
        auth=method,
        username=user.address,
        kind=CredentialKind.PASSWORD,
        mail_from=user.address,
        rcpt_to=(recipient,),
        attachment_bytes=ATTACHMENT_BYTES,
        subject_note="peer",
    )
    found = probe(plan, password=user.password)
    result = found.result
    assert result.ok, result.failure
    assert result.authenticated
    assert result.auth_mechanism == method.value.upper()
    assert result.tls is not None
    assert result.tls.verified
    assert result.capabilities_before_tls is not None
    assert not result.capabilities_before_tls.auth_mechanisms
    assert result.capabilities_after_tls is not None
    assert set(result.capabilities_after_tls.auth_mechanisms) == {"PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER"}
    assert found.primary_code is None
    assert_no_secret_in_transcript(found, user.password)

    received = mail_peer.wait_for_message(recipient)
    _assert_delivered(found, received, user.address, recipient)
    assert "peer" in received.message["Subject"]
    attachments = list(received.message.iter_attachments())
    assert [a.get_filename() for a in attachments] == [ATTACHMENT_NAME]
    payload = attachments[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert len(payload) == ATTACHMENT_BYTES


def test_implicit_tls_auth_and_send(mail_peer: MailPeer, recipient: str) -> None:
    alice = mail_peer.alice
    plan = make_plan(
        mail_peer,
        mail_peer.smtps_port,
        SecurityMode.TLS,
        auth=AuthMethod.AUTO,
        username=alice.address,
        kind=CredentialKind.PASSWORD,
        mail_from=alice.address,
        rcpt_to=(recipient,),
    )
    found = probe(plan, password=alice.password)
    assert found.result.ok, found.result.failure
    assert found.result.tls is not None
    assert found.result.tls.verified
    assert found.result.auth_mechanism == "PLAIN"
    assert found.primary_code is None
    _assert_delivered(found, mail_peer.wait_for_message(recipient), alice.address, recipient)


def test_xoauth2_good_token_sends(mail_peer: MailPeer, recipient: str) -> None:
    alice = mail_peer.alice.address
    token = mail_peer.mint_token(alice)
    plan = make_plan(
        mail_peer,
        mail_peer.submission_port,
        SecurityMode.STARTTLS,
        auth=AuthMethod.XOAUTH2,
        username=alice,
        kind=CredentialKind.OAUTH_DELEGATED,
        mail_from=alice,
        rcpt_to=(recipient,),
    )
    found = probe(plan, token=token)
    assert found.result.ok, found.result.failure
    assert found.result.auth_mechanism == "XOAUTH2"
    assert found.primary_code is None
    assert_no_secret_in_transcript(found, token)
    _assert_delivered(found, mail_peer.wait_for_message(recipient), alice, recipient)


# ------------------------------------------------------------------------------------ failures


def test_wrong_password(mail_peer: MailPeer, recipient: str) -> None:
    alice = mail_peer.alice.address
    plan = make_plan(
        mail_peer,
        mail_peer.submission_port,
        SecurityMode.STARTTLS,
        auth=AuthMethod.PLAIN,
        username=alice,
        kind=CredentialKind.PASSWORD,
        mail_from=alice,
        rcpt_to=(recipient,),
    )
    found = probe(plan, password="certainly-not-the-password")
    failure = found.result.failure
    assert failure is not None
    assert failure.kind is FailureKind.REPLY
    assert failure.phase is Phase.AUTH
    assert failure.reply is not None
    assert (failure.reply.code, str(failure.reply.enhanced)) == (535, "5.7.8")
    assert found.primary_code == "bad_credentials"
    assert_no_secret_in_transcript(found, "certainly-not-the-password")
    assert mail_peer.messages_for(recipient) == []


def test_no_tls_on_submission_port_with_password(mail_peer: MailPeer) -> None:
    # AUTH is only advertised after STARTTLS, so the engine must not even try it in clear text.
    alice = mail_peer.alice
    plan = make_plan(
        mail_peer,
        mail_peer.submission_port,
        SecurityMode.NONE,
        auth=AuthMethod.PLAIN,
        username=alice.address,
        kind=CredentialKind.PASSWORD,
        mail_from=alice.address,
        rcpt_to=(mail_peer.fresh_recipient(),),
    )
    found = probe(plan, password=alice.password)
    failure = found.result.failure
    assert failure is not None
    assert failure.kind is FailureKind.NOT_OFFERED
    assert failure.phase is Phase.AUTH
    assert found.result.replies_in(Phase.AUTH) == []
    assert found.primary_code == "tls_required_before_auth"


def test_no_tls_on_submission_port_without_auth_gets_530(mail_peer: MailPeer) -> None:
    plan = make_plan(mail_peer, mail_peer.submission_port, SecurityMode.NONE, rcpt_to=(mail_peer.fresh_recipient(),))
    found = probe(plan)
    failure = found.result.failure
    assert failure is not None
    assert failure.phase is Phase.MAIL_FROM
    assert failure.reply is not None
    assert failure.reply.code == 530
    assert str(failure.reply.enhanced) == "5.7.0"
    assert "Must issue a STARTTLS command first" in failure.reply.text
    assert found.primary_code == "tls_required_before_auth"


def test_mechanism_not_offered(mail_peer: MailPeer) -> None:
    alice = mail_peer.alice
    plan = make_plan(
        mail_peer,
        mail_peer.submission_port,
        SecurityMode.STARTTLS,
        auth=AuthMethod.CRAM_MD5,
        username=alice.address,
        kind=CredentialKind.PASSWORD,
        mail_from=alice.address,
        rcpt_to=(mail_peer.fresh_recipient(),),
    )
    found = probe(plan, password=alice.password)
    failure = found.result.failure
    assert failure is not None
    assert failure.kind is FailureKind.NOT_OFFERED
    assert "CRAM-MD5" in failure.message
    assert found.result.replies_in(Phase.AUTH) == []
    assert found.primary_code == "mechanism_not_supported"


@pytest.mark.parametrize("security", [SecurityMode.STARTTLS, SecurityMode.TLS])
def test_relay_denied_without_auth(mail_peer: MailPeer, recipient: str, security: SecurityMode) -> None:
    plan = make_plan(mail_peer, port_for(mail_peer, security), security, rcpt_to=(recipient,))
    found = probe(plan)
    failure = found.result.failure
    assert failure is not None
    assert failure.phase is Phase.RCPT_TO
    assert failure.reply is not None
    assert (failure.reply.code, str(failure.reply.enhanced)) == (554, "5.7.1")
    assert "Access denied" in failure.reply.text
    assert not found.result.message_accepted
    assert mail_peer.messages_for(recipient) == []


@pytest.mark.parametrize("security", [SecurityMode.STARTTLS, SecurityMode.TLS])
def test_relay_denied_without_auth_diagnosis(mail_peer: MailPeer, security: SecurityMode) -> None:
    plan = make_plan(mail_peer, port_for(mail_peer, security), security, rcpt_to=(mail_peer.fresh_recipient(),))
    assert probe(plan).primary_code == "relay_denied"


def _xoauth2_plan_for_alice(peer: MailPeer) -> ProbePlan:
    alice = peer.alice.address
    return make_plan(
        peer,
        peer.submission_port,
        SecurityMode.STARTTLS,
        auth=AuthMethod.XOAUTH2,
        username=alice,
        kind=CredentialKind.OAUTH_DELEGATED,
        mail_from=alice,
        rcpt_to=(peer.fresh_recipient(),),
    )


def _assert_xoauth2_refused(found: Probe) -> None:
    """Dovecot's answer to any bad token: 334 + base64 JSON, then 535 5.7.8 after the empty reply."""
    result = found.result
    assert result.xoauth2_error == {"status": "401", "schemes": "bearer", "scope": "mail"}
    assert [code for code, _ in found.reply_codes()][-3:-1] == [334, 535]
    assert result.failure is not None
    assert result.failure.phase is Phase.AUTH
    assert result.failure.reply is not None
    assert str(result.failure.reply.enhanced) == "5.7.8"
    assert not result.authenticated


@pytest.mark.parametrize("active", [False, None], ids=["inactive", "unknown"])
def test_xoauth2_bad_token(mail_peer: MailPeer, active: bool | None) -> None:
    alice = mail_peer.alice.address
    token = "token-nobody-issued" if active is None else mail_peer.mint_token(alice, active=active)
    found = probe(_xoauth2_plan_for_alice(mail_peer), token=token)
    _assert_xoauth2_refused(found)
    assert found.primary_code == "oauth_token_invalid_or_expired"
    assert_no_secret_in_transcript(found, token)


def test_xoauth2_opaque_token_of_another_user(mail_peer: MailPeer) -> None:
    # The server's answer is the same as for a bad token, and an opaque token has no claims to
    # read: the honest diagnosis is "invalid or expired", not a guess.
    token = mail_peer.mint_token(mail_peer.bob.address)
    found = probe(_xoauth2_plan_for_alice(mail_peer), token=token)
    _assert_xoauth2_refused(found)
    assert found.primary_code == "oauth_token_invalid_or_expired"


def test_xoauth2_jwt_of_another_user(mail_peer: MailPeer) -> None:
    # A token whose claims name bob, presented for alice: the claims tell the story.
    token = unsigned_jwt(mail_peer.bob.address)
    mail_peer.register_token(token, mail_peer.bob.address)
    found = probe(_xoauth2_plan_for_alice(mail_peer), token=token)
    _assert_xoauth2_refused(found)
    assert found.primary_code == "oauth_token_user_mismatch"
    assert_no_secret_in_transcript(found, token)
