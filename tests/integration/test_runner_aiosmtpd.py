"""run_probe against real aiosmtpd servers on 127.0.0.1: STARTTLS, implicit TLS, plain; every AUTH way.

Each test checks the result, the transcript and that no form of the secret reached the transcript.
"""

from __future__ import annotations

import email
import email.policy
import ssl
from dataclasses import replace
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from core.model import AuthMethod, ClientBehaviour, Credentials, MessageSpec, SecurityMode, Timeouts, TlsPolicy
from core.probe.phases import Phase
from core.probe.result import FailureKind, PhaseOutcome
from core.probe.transcript import EventKind, TranscriptEvent
from core.secret import Secret
from core.smtp.message import pdf_like_payload
from tests.integration.conftest import ServerFactory
from tests.integration.support import (
    BAD_TOKEN,
    TOKEN,
    USER,
    XOAUTH2_ERROR,
    RecordingHandler,
    assert_no_secret_leak,
    password,
    plan,
    run_checked,
    texts,
)

pytestmark = pytest.mark.network


def phase_names(result: Any) -> list[tuple[str, bool]]:
    return [(p.phase.value, p.ok) for p in result.phases]


class Listener:
    """Records what a ProbeListener is told, in order."""

    def __init__(self) -> None:
        self.events: list[TranscriptEvent] = []
        self.calls: list[tuple[str, Phase]] = []
        self.outcomes: list[PhaseOutcome] = []

    def on_event(self, event: TranscriptEvent) -> None:
        self.events.append(event)

    def on_phase_started(self, phase: Phase) -> None:
        self.calls.append(("start", phase))

    def on_phase_finished(self, outcome: PhaseOutcome) -> None:
        self.calls.append(("end", outcome.phase))
        self.outcomes.append(outcome)


def test_starttls_submission_with_auth_only_after_tls(smtpd: ServerFactory, ca_file: str) -> None:
    server = smtpd("starttls")
    spec = MessageSpec(USER, ("bob@example.org",), attachment_bytes=20_000)
    listener = Listener()
    result = run_checked(
        plan(server.port, ca_file=ca_file, message=spec, profile_name="Front desk"), password(), listener=listener
    )

    assert result.ok, result.failure
    assert phase_names(result) == [
        ("connect", True),
        ("greeting", True),
        ("ehlo", True),
        ("starttls", True),
        ("tls", True),
        ("ehlo", True),
        ("auth", True),
        ("mail_from", True),
        ("rcpt_to", True),
        ("data", True),
        ("quit", True),
    ]
    before, after = result.capabilities_before_tls, result.capabilities_after_tls
    assert before is not None
    assert before.starttls
    assert before.auth_mechanisms == ()
    assert after is not None
    assert {"PLAIN", "LOGIN", "XOAUTH2"} <= set(after.auth_mechanisms)
    assert result.tls is not None
    assert result.tls.verified
    assert result.tls.version in ("TLSv1.2", "TLSv1.3")
    assert result.tls.chain[0].sans == ("localhost", "mx.local.test", "127.0.0.1")
    assert result.auth_mechanism == "PLAIN"
    assert result.authenticated
    assert result.message_accepted
    assert result.peer_address == f"127.0.0.1:{server.port}"
    assert result.greeting is not None
    assert result.greeting.code == 220
    assert [r.code for p, r in result.replies if p is Phase.AUTH] == [235]

    # The message the server received.
    assert len(server.handler.messages) == 1
    received = server.handler.messages[0]
    assert received.mail_from == USER
    assert received.rcpt_tos == ["bob@example.org"]
    assert received.mail_options == [f"SIZE={len(received.content) + 3}"]  # + the final ".\r\n"
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    assert "SMTP Doctor" in str(message["Subject"])
    assert "Front desk" in str(message["Subject"])
    assert message["From"] == USER
    assert message["To"] == "bob@example.org"
    attachment = next(message.iter_attachments())
    assert attachment.get_content() == pdf_like_payload(20_000)

    # The transcript: client lines as displayed, server lines as sent, TLS details.
    client = texts(result, EventKind.CLIENT)
    assert client[:3] == ["EHLO printer.example.test", "STARTTLS", "EHLO printer.example.test"]
    assert client[3].startswith(f"AUTH PLAIN <credentials for {USER}: ")
    assert "220 Ready to start TLS" in texts(result, EventKind.SERVER)
    tls_lines = texts(result, EventKind.TLS)
    assert any(line.startswith("Negotiated TLS") for line in tls_lines)
    assert any(line.startswith("Certificate verified") for line in tls_lines)
    assert [e.kind for e in result.transcript].count(EventKind.ERROR) == 0
    assert_no_secret_leak(result)

    # The listener saw every event and every phase, in order.
    assert listener.events == list(result.transcript)
    assert listener.outcomes == list(result.phases)
    assert listener.calls[:2] == [("start", Phase.CONNECT), ("end", Phase.CONNECT)]


@pytest.mark.parametrize("initial_response", [True, False])
def test_auth_login_with_and_without_initial_response(
    smtpd: ServerFactory, ca_file: str, initial_response: bool
) -> None:
    server = smtpd("starttls")
    probe = plan(
        server.port,
        ca_file=ca_file,
        auth=AuthMethod.LOGIN,
        send=False,
        behaviour=ClientBehaviour(initial_response=initial_response),
    )
    result = run_checked(probe, password())

    assert result.ok, result.failure
    assert result.auth_mechanism == "LOGIN"
    assert result.authenticated
    assert server.handler.attempts == [("LOGIN", True)]
    auth_client = [e.text for e in result.transcript if e.kind is EventKind.CLIENT and e.phase is Phase.AUTH]
    if initial_response:
        assert auth_client[0].startswith("AUTH LOGIN YWxpY2VAZXhhbXBsZS5jb20=")
        assert auth_client[1:] == ["<password, redacted>"]
    else:
        assert auth_client[0] == "AUTH LOGIN"
        assert auth_client[2:] == ["<password, redacted>"]
        info = texts(result, EventKind.INFO)
        assert "The 334 challenge decodes to 'User Name'" in info  # aiosmtpd's prompt, NUL-terminated
        assert "The 334 challenge decodes to 'Password'" in info
    assert "quit" in [p.phase.value for p in result.phases]
    assert not result.message_accepted
    assert_no_secret_leak(result)


@pytest.mark.parametrize("initial_response", [True, False])
def test_auth_plain_with_and_without_initial_response(
    smtpd: ServerFactory, ca_file: str, initial_response: bool
) -> None:
    server = smtpd("starttls")
    probe = plan(
        server.port,
        ca_file=ca_file,
        auth=AuthMethod.PLAIN,
        send=False,
        behaviour=ClientBehaviour(initial_response=initial_response),
    )
    result = run_checked(probe, password())
    assert result.ok, result.failure
    assert server.handler.attempts == [("PLAIN", True)]
    first_auth = next(t for e in result.transcript if e.kind is EventKind.CLIENT and (t := e.text).startswith("AUTH"))
    assert first_auth == (
        "AUTH PLAIN <credentials for alice@example.com: 35 bytes, redacted>" if initial_response else "AUTH PLAIN"
    )
    assert_no_secret_leak(result)


def test_wrong_password_is_a_reply_failure_in_auth(smtpd: ServerFactory, ca_file: str) -> None:
    server = smtpd("starttls")
    wrong = "Wrong-Passw0rd-xyz"
    result = run_checked(plan(server.port, ca_file=ca_file), Credentials(password=Secret(wrong)))

    assert result.failure is not None
    assert result.failure.kind is FailureKind.REPLY
    assert result.failure.phase is Phase.AUTH
    assert result.failure.reply is not None
    assert result.failure.reply.code == 535
    assert str(result.failure.reply.enhanced) == "5.7.8"
    assert not result.authenticated
    assert not result.message_accepted
    assert server.handler.messages == []
    error_event = result.transcript[result.failure.event_index or 0]
    assert error_event.kind is EventKind.ERROR
    assert error_event.text == "AUTH PLAIN was refused: 535 5.7.8 Authentication credentials invalid"
    assert phase_names(result)[-2:] == [("auth", False), ("quit", True)]  # QUIT after the failure
    assert "221 Bye" in texts(result, EventKind.SERVER)
    assert_no_secret_leak(result, wrong)


def test_implicit_tls_with_auth_plain(smtpd: ServerFactory, ca_file: str) -> None:
    server = smtpd("tls")
    result = run_checked(plan(server.port, SecurityMode.TLS, ca_file=ca_file), password())

    assert result.ok, result.failure
    assert phase_names(result)[:3] == [("connect", True), ("tls", True), ("greeting", True)]
    assert result.capabilities_before_tls is None
    assert result.capabilities_after_tls is not None
    assert "PLAIN" in result.capabilities_after_tls.auth_mechanisms
    assert result.tls is not None
    assert result.tls.verified
    assert len(server.handler.messages) == 1
    assert_no_secret_leak(result)


@pytest.mark.parametrize("initial_response", [True, False])
def test_xoauth2_success(smtpd: ServerFactory, ca_file: str, initial_response: bool) -> None:
    server = smtpd("tls")
    probe = plan(
        server.port, SecurityMode.TLS, ca_file=ca_file, behaviour=ClientBehaviour(initial_response=initial_response)
    )
    result = run_checked(probe, Credentials(token=Secret(TOKEN)))

    assert result.ok, result.failure
    assert result.auth_mechanism == "XOAUTH2"
    assert result.authenticated
    assert server.handler.attempts == [("XOAUTH2", True)]
    assert result.xoauth2_error is None
    assert any(f"user={USER} auth=Bearer ***" in t for t in texts(result, EventKind.CLIENT))
    assert_no_secret_leak(result)


@pytest.mark.parametrize("initial_response", [True, False])
def test_xoauth2_bad_token_decodes_the_challenge_and_gets_the_final_535(
    smtpd: ServerFactory, ca_file: str, initial_response: bool
) -> None:
    server = smtpd("starttls")
    probe = plan(
        server.port,
        ca_file=ca_file,
        auth=AuthMethod.XOAUTH2,
        behaviour=ClientBehaviour(initial_response=initial_response),
    )
    result = run_checked(probe, Credentials(token=Secret(BAD_TOKEN)))

    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.REPLY, Phase.AUTH)
    assert result.failure.reply is not None
    assert result.failure.reply.code == 535
    assert result.xoauth2_error == XOAUTH2_ERROR
    auth_events = [e for e in result.transcript if e.phase is Phase.AUTH]
    client = [e.text for e in auth_events if e.kind is EventKind.CLIENT]
    assert client[-1] == ""  # the empty line that acknowledges the error challenge
    assert any("status=401" in e.text and "scope=https://mail.google.com/" in e.text for e in auth_events)
    assert [r.code for p, r in result.replies if p is Phase.AUTH][-2:] == [334, 535]
    assert_no_secret_leak(result)


def test_plain_connection_with_auth(smtpd: ServerFactory) -> None:
    server = smtpd("plain")
    result = run_checked(plan(server.port, SecurityMode.NONE), password())
    assert result.ok, result.failure
    assert result.tls is None
    assert phase_names(result)[:3] == [("connect", True), ("greeting", True), ("ehlo", True)]
    assert result.capabilities_before_tls is not None
    assert "PLAIN" in result.capabilities_before_tls.auth_mechanisms
    assert len(server.handler.messages) == 1
    assert_no_secret_leak(result)


def test_no_auth_before_starttls_is_not_offered(smtpd: ServerFactory) -> None:
    server = smtpd("starttls")
    result = run_checked(plan(server.port, SecurityMode.NONE), password())

    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.NOT_OFFERED, Phase.AUTH)
    assert "lists no AUTH" in result.failure.message
    assert "STARTTLS" in result.failure.message
    caps = result.capabilities_before_tls
    assert caps is not None
    assert caps.starttls
    assert caps.auth_mechanisms == ()
    assert texts(result, EventKind.CLIENT) == ["EHLO printer.example.test", "QUIT"]
    assert_no_secret_leak(result)


def test_starttls_not_offered(smtpd: ServerFactory) -> None:
    server = smtpd("plain")
    result = run_checked(plan(server.port, SecurityMode.STARTTLS), password())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.NOT_OFFERED, Phase.STARTTLS)
    assert "STARTTLS" not in texts(result, EventKind.CLIENT)
    assert result.capabilities_before_tls is not None
    assert not result.capabilities_before_tls.starttls


def test_mechanism_not_offered(smtpd: ServerFactory, ca_file: str) -> None:
    server = smtpd("starttls")
    result = run_checked(plan(server.port, ca_file=ca_file, auth=AuthMethod.CRAM_MD5), password())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.NOT_OFFERED, Phase.AUTH)
    assert "CRAM-MD5" in result.failure.message
    assert "PLAIN" in result.failure.message
    assert server.handler.attempts == []


def test_untrusted_certificate_records_the_chain_and_the_reason(smtpd: ServerFactory) -> None:
    server = smtpd("starttls")
    result = run_checked(plan(server.port, tls=TlsPolicy()), password())  # the system store lacks our CA

    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.TLS_CERTIFICATE, Phase.TLS)
    assert result.failure.verify_code == 20
    assert result.failure.ssl_reason == "CERTIFICATE_VERIFY_FAILED"
    assert result.tls is not None
    assert not result.tls.verified
    assert result.tls.verify_code == 20
    assert "local issuer" in (result.tls.verify_message or "")
    assert result.tls.chain
    assert "mx.local.test" in result.tls.chain[0].sans
    assert any(t.startswith("Certificate NOT verified (code 20)") for t in texts(result, EventKind.TLS))
    assert server.handler.attempts == []  # no password went anywhere


@pytest.mark.parametrize(("host", "code"), [("localhost", 62), ("127.0.0.1", 64)])
def test_name_or_address_mismatch(smtpd: ServerFactory, ca: Any, ca_file: str, host: str, code: int) -> None:
    other = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("other.example").configure_cert(other)
    server = smtpd("tls", ssl_context=other)
    result = run_checked(replace(plan(server.port, SecurityMode.TLS, ca_file=ca_file), host=host), password())
    assert result.failure is not None
    assert result.failure.kind is FailureKind.TLS_CERTIFICATE
    assert result.failure.verify_code == code  # 62 host name mismatch, 64 IP address mismatch
    assert result.failure.os_error is None
    assert "mismatch" in result.failure.message
    assert ".." not in result.failure.message
    assert result.tls is not None
    assert result.tls.chain[0].sans == ("other.example",)


def test_insecure_mode_proceeds_and_says_so(smtpd: ServerFactory) -> None:
    server = smtpd("starttls")
    result = run_checked(plan(server.port, tls=TlsPolicy(verify=False)), password())
    assert result.ok, result.failure
    assert result.tls is not None
    assert not result.tls.verification_enabled
    assert not result.tls.verified
    assert any("switched off" in t for t in texts(result, EventKind.TLS))


def test_implicit_tls_client_on_a_plaintext_port(smtpd: ServerFactory, ca_file: str) -> None:
    server = smtpd("starttls")
    result = run_checked(plan(server.port, SecurityMode.TLS, ca_file=ca_file), password())

    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.TLS_HANDSHAKE, Phase.TLS)
    assert "plaintext SMTP greeting ('220 mx.local.test" in result.failure.message
    assert result.failure.ssl_reason  # OpenSSL's wording varies by version; it is recorded as is
    assert "plaintext_greeting_on_tls" in result.quirks


def test_starttls_client_on_an_implicit_tls_port_times_out_at_the_greeting(smtpd: ServerFactory, ca_file: str) -> None:
    server = smtpd("tls")
    timeouts = Timeouts(connect=3, greeting=1, tls=3, command=3, data_end=5, total=20)
    probe = plan(server.port, ca_file=ca_file, timeouts=timeouts)
    result = run_checked(probe, password())

    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.TIMEOUT, Phase.GREETING)
    assert "no greeting" in result.failure.message
    assert "implicit TLS" in result.failure.message
    assert 900 < result.duration_ms < 2500


def test_pipelining_is_used_when_offered(smtpd: ServerFactory, ca_file: str) -> None:
    class PipeliningHandler(RecordingHandler):
        async def handle_EHLO(
            self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
        ) -> list[str]:
            session.host_name = hostname  # aiosmtpd leaves this to the hook
            return [*responses[:-1], "250-PIPELINING", responses[-1]]

    server = smtpd("starttls", handler=PipeliningHandler())
    probe = plan(server.port, ca_file=ca_file, message=MessageSpec(USER, ("bob@example.org", "carol@example.org")))
    result = run_checked(probe, password())

    assert result.ok, result.failure
    assert "The server offers PIPELINING" in " ".join(texts(result, EventKind.INFO))
    # All four commands went out before the first reply came back.
    envelope = [e for e in result.transcript if e.phase in (Phase.MAIL_FROM, Phase.RCPT_TO, Phase.DATA)]
    assert [(e.kind, e.text[:4]) for e in envelope[:8]] == [
        (EventKind.CLIENT, "MAIL"),
        (EventKind.CLIENT, "RCPT"),
        (EventKind.CLIENT, "RCPT"),
        (EventKind.CLIENT, "DATA"),
        (EventKind.SERVER, "250 "),
        (EventKind.SERVER, "250 "),
        (EventKind.SERVER, "250 "),
        (EventKind.SERVER, "354 "),
    ]
    assert server.handler.messages[0].rcpt_tos == ["bob@example.org", "carol@example.org"]


def test_pipelining_not_used_when_the_device_cannot(smtpd: ServerFactory, ca_file: str) -> None:
    class PipeliningHandler(RecordingHandler):
        async def handle_EHLO(
            self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
        ) -> list[str]:
            session.host_name = hostname  # aiosmtpd leaves this to the hook
            return [*responses[:-1], "250-PIPELINING", responses[-1]]

    server = smtpd("starttls", handler=PipeliningHandler())
    result = run_checked(plan(server.port, ca_file=ca_file, behaviour=ClientBehaviour(pipelining=False)), password())
    assert result.ok, result.failure
    mail_events = [e.kind for e in result.transcript if e.phase in (Phase.MAIL_FROM, Phase.RCPT_TO)]
    assert mail_events == [EventKind.CLIENT, EventKind.SERVER, EventKind.CLIENT, EventKind.SERVER]


def test_one_refused_recipient_fails_the_test_but_the_message_goes_to_the_others(
    smtpd: ServerFactory, ca_file: str
) -> None:
    class PickyHandler(RecordingHandler):
        async def handle_RCPT(
            self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
        ) -> str:
            if address.startswith("nobody"):
                return "550 5.1.1 User unknown"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    server = smtpd("starttls", handler=PickyHandler())
    probe = plan(server.port, ca_file=ca_file, message=MessageSpec(USER, ("nobody@example.org", "bob@example.org")))
    result = run_checked(probe, password())

    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.REPLY, Phase.RCPT_TO)
    assert result.failure.reply is not None
    assert str(result.failure.reply.enhanced) == "5.1.1"
    assert result.message_accepted
    assert server.handler.messages[0].rcpt_tos == ["bob@example.org"]
    assert ("rcpt_to", False) in phase_names(result)
    assert ("data", True) in phase_names(result)


def test_all_recipients_refused_stops_before_data(smtpd: ServerFactory, ca_file: str) -> None:
    class RefusingHandler(RecordingHandler):
        async def handle_RCPT(
            self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
        ) -> str:
            return "550 5.7.1 Relaying denied"

    server = smtpd("starttls", handler=RefusingHandler())
    result = run_checked(plan(server.port, ca_file=ca_file), password())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.REPLY, Phase.RCPT_TO)
    assert "DATA" not in texts(result, EventKind.CLIENT)
    assert server.handler.messages == []


def test_no_send_stops_after_auth(smtpd: ServerFactory, ca_file: str) -> None:
    server = smtpd("starttls")
    result = run_checked(plan(server.port, ca_file=ca_file, send=False), password())
    assert result.ok
    assert phase_names(result)[-2:] == [("auth", True), ("quit", True)]
    assert server.handler.messages == []


def test_no_credentials_skips_auth_and_the_server_refuses_relay(smtpd: ServerFactory) -> None:
    server = smtpd("plain", auth_required=True)
    result = run_checked(plan(server.port, SecurityMode.NONE, username=None), Credentials())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.REPLY, Phase.MAIL_FROM)
    assert result.failure.reply is not None
    assert result.failure.reply.code == 530
    assert "auth" not in [p.phase.value for p in result.phases]


def test_tls_ceiling_is_applied(smtpd: ServerFactory, ca_file: str) -> None:
    server = smtpd("tls")
    result = run_checked(
        plan(server.port, SecurityMode.TLS, tls=TlsPolicy(ca_file=ca_file, max_version="1.2")), password()
    )
    assert result.ok, result.failure
    assert result.tls is not None
    assert result.tls.version == "TLSv1.2"


def test_a_host_name_is_resolved_and_reported(smtpd: ServerFactory, ca_file: str) -> None:
    server = smtpd("starttls")
    result = run_checked(replace(plan(server.port, ca_file=ca_file, send=False), host="localhost"), password())
    assert result.ok, result.failure
    info = texts(result, EventKind.INFO)
    assert any(line.startswith("localhost resolved to ") and "127.0.0.1" in line for line in info)
    assert result.peer_address == f"127.0.0.1:{server.port}"


def test_a_broken_listener_does_not_break_the_probe(smtpd: ServerFactory, ca_file: str) -> None:
    class Broken(Listener):
        def on_event(self, event: TranscriptEvent) -> None:
            super().on_event(event)
            if len(self.events) == 3:
                raise RuntimeError("GUI bug")

    server = smtpd("starttls")
    broken = Broken()
    result = run_checked(plan(server.port, ca_file=ca_file), password(), listener=broken)
    assert result.ok, result.failure
    assert len(broken.events) == 3  # not called again after it failed
    assert "The progress display failed (RuntimeError)" in texts(result, EventKind.INFO)[-1]


def test_auto_with_a_password_when_only_xoauth2_is_offered(smtpd: ServerFactory, ca_file: str) -> None:
    server = smtpd("starttls", auth_exclude_mechanism=["PLAIN", "LOGIN"])
    result = run_checked(plan(server.port, ca_file=ca_file), password())
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.NOT_OFFERED, Phase.AUTH)
    assert result.failure.message == (
        "The server offers no password mechanism (PLAIN, LOGIN, CRAM-MD5); it offers XOAUTH2."
    )
