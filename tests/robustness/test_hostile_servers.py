"""A server that misbehaves on cue, one case per misbehaviour: the app always ends with a diagnosis.

Every case asserts the promises of ``harness.assert_bounded`` (no exception, within the case's limit
+ 0.5 s, peak memory under 4 MB, a small transcript) and the specific finding the technician sees.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from core.model import ProbePlan, SecurityMode
from core.probe.phases import Phase
from core.probe.result import FailureKind
from tests.helpers.scripted_server import (
    Close,
    Drip,
    Flood,
    ScriptedServer,
    Send,
    Sleep,
    StallHandshake,
    StartTls,
)
from tests.robustness.conftest import Certificates
from tests.robustness.harness import (
    FAST,
    PASSED,
    Observation,
    assert_bounded,
    observe,
    plan_for,
    record_observation,
)
from tests.robustness.steps import AnswerLikeHttp, LongLine

pytestmark = pytest.mark.network

NONE, STARTTLS, TLS = SecurityMode.NONE, SecurityMode.STARTTLS, SecurityMode.TLS
TEN_MB = 10 * 1024 * 1024
GARBAGE = bytes(range(256)) * 8
STALL = 30.0  # far beyond every deadline: the client's deadline must end the wait

ServerFactory = Callable[[Certificates], ScriptedServer]


def smtp(replies: dict[str, object] | None = None, **options: object) -> ServerFactory:
    """A normal SMTP server except at the phases in ``replies``; ``tls=True`` gives it a certificate."""

    def build(certs: Certificates) -> ScriptedServer:
        tls = options.get("tls", False)
        context = certs.good if tls is True else getattr(certs, str(tls)) if tls else None
        return ScriptedServer.smtp(
            replies or {},
            tls_context=context,
            implicit_tls=bool(options.get("implicit", False)),
            connection_time_limit=20,
            total_time_limit=30,
        )

    return build


def raw(*steps: object) -> ServerFactory:
    return lambda _certs: ScriptedServer(list(steps), connection_time_limit=20, total_time_limit=30)


@dataclass(frozen=True)
class Case:
    id: str
    expected: str
    server: ServerFactory
    security: SecurityMode = NONE
    login: bool = False
    send: bool = False
    limit: float = FAST.greeting  # the deadline this case must end within
    failure: tuple[FailureKind, Phase] | None = None  # where the run must have stopped
    quirk: str | None = None
    meddle: Callable[[ScriptedServer], None] | None = None  # done from another thread, 0.3 s in

    def plan(self, port: int, certs: Certificates) -> ProbePlan:
        return plan_for(port, self.security, login=self.login, send=self.send, ca_file=certs.ca_file)


def _go_away(server: ScriptedServer) -> None:
    server.close()  # every connection ends: the network has gone away


K, P = FailureKind, Phase
CASES = [
    Case("no greeting", "server_timeout", raw(Sleep(STALL)), failure=(K.TIMEOUT, P.GREETING)),
    Case(
        "greeting then silence",
        "server_timeout",
        smtp({"ehlo": Sleep(STALL)}),
        limit=FAST.command,
        failure=(K.TIMEOUT, P.EHLO),
    ),
    Case(
        "slow drip, 1 byte/s",
        "server_timeout",
        raw(Drip(b"220 slow.example.test ESMTP\r\n", interval=1.0)),
        failure=(K.TIMEOUT, P.GREETING),
    ),
    Case(
        "endless multi-line reply",
        "protocol_error",
        smtp({"ehlo": Flood()}),
        limit=FAST.command,
        failure=(K.PROTOCOL, P.EHLO),
    ),
    Case(
        "10 MB refusal line",
        "greeting_rejected",
        smtp({"greeting": LongLine(b"554 5.7.1 go away ", TEN_MB)}),
        limit=FAST.greeting,
        failure=(K.REPLY, P.GREETING),
        quirk="overlong_line",
    ),
    Case(
        "10 MB line, never ended",
        "server_timeout",
        raw(LongLine(b"220 ", TEN_MB, end=b""), Sleep(STALL)),
        failure=(K.TIMEOUT, P.GREETING),
        quirk="overlong_line",
    ),
    Case(
        "10 MB EHLO line, then normal",
        PASSED,
        smtp({"ehlo": [LongLine(b"250-", TEN_MB), "250 SIZE 1000"]}),
        limit=FAST.total,
        quirk="overlong_line",
    ),
    Case(
        "binary garbage greeting",
        "not_smtp_service",
        raw(Send(GARBAGE), Sleep(STALL)),
        failure=(K.PROTOCOL, P.GREETING),
    ),
    Case(
        "binary garbage after EHLO",
        "protocol_error",
        smtp({"ehlo": GARBAGE}),
        failure=(K.PROTOCOL, P.EHLO),
    ),
    Case(
        "HTTP server on the port",
        "not_smtp_service",
        raw(AnswerLikeHttp()),
        failure=(K.TIMEOUT, P.GREETING),
        quirk="http_port",
    ),
    Case(
        "SSH server on the port",
        "not_smtp_service",
        raw(Send(b"SSH-2.0-OpenSSH_9.6p1 Debian-3\r\n"), Sleep(STALL)),
        failure=(K.PROTOCOL, P.GREETING),
    ),
    Case("close at connect", "server_disconnected", raw(Close()), failure=(K.DISCONNECTED, P.GREETING)),
    Case("close at EHLO", "ehlo_rejected", smtp({"ehlo": Close()}), failure=(K.DISCONNECTED, P.EHLO)),
    Case(
        "close at STARTTLS",
        "server_disconnected",
        smtp({"starttls": Close()}, tls=True),
        security=STARTTLS,
        failure=(K.DISCONNECTED, P.STARTTLS),
    ),
    Case(
        "close in TLS handshake",
        "tls_handshake_failed",
        smtp({"starttls": ["220 2.0.0 Ready to start TLS", Close()]}, tls=True),
        security=STARTTLS,
        failure=(K.TLS_HANDSHAKE, P.TLS),
    ),
    Case(
        "close at AUTH",
        "server_disconnected",
        smtp({"auth_command": Close()}),
        login=True,
        failure=(K.DISCONNECTED, P.AUTH),
    ),
    Case(
        "close at MAIL",
        "server_disconnected",
        smtp({"mail_from": Close()}),
        send=True,
        failure=(K.DISCONNECTED, P.MAIL_FROM),
    ),
    Case(
        "close at RCPT",
        "server_disconnected",
        smtp({"rcpt_to": Close()}),
        send=True,
        failure=(K.DISCONNECTED, P.RCPT_TO),
    ),
    Case(
        "close at end of DATA",
        "server_disconnected",
        smtp({"data_end": Close()}),
        send=True,
        failure=(K.DISCONNECTED, P.DATA),
    ),
    Case("close at QUIT", PASSED, smtp({"quit": Close()})),
    Case(
        "TCP reset at RCPT",
        "server_disconnected",
        smtp({"rcpt_to": Close(reset=True)}),
        send=True,
        failure=(K.DISCONNECTED, P.RCPT_TO),
    ),
    Case(
        "AUTH accepted, dropped at DATA",
        "server_disconnected",
        smtp({"data": Close()}, tls=True),
        security=STARTTLS,
        login=True,
        send=True,
        failure=(K.DISCONNECTED, P.DATA),
    ),
    Case(
        "network gone mid-session",
        "server_disconnected",
        smtp({"auth_command": Sleep(STALL)}),
        login=True,
        meddle=_go_away,
        failure=(K.DISCONNECTED, P.AUTH),
    ),
    Case(
        "TLS server, plaintext client",
        "port_tls_mismatch_starttls_on_implicit_port",
        smtp(tls=True, implicit=True),
        security=STARTTLS,
        failure=(K.TIMEOUT, P.GREETING),
        quirk="implicit_tls_port",
    ),
    Case(
        "plain server, TLS client",
        "port_tls_mismatch_implicit_on_starttls_port",
        smtp(),
        security=TLS,
        failure=(K.TLS_HANDSHAKE, P.TLS),
    ),
    Case("TLS handshake stalls", "server_timeout", raw(StallHandshake(STALL)), security=TLS, limit=FAST.tls),
    Case(
        "handshake stalls after STARTTLS",
        "server_timeout",
        smtp({"starttls": ["220 2.0.0 Ready to start TLS", StallHandshake(STALL)]}, tls=True),
        security=STARTTLS,
        limit=FAST.tls,
        failure=(K.TIMEOUT, P.TLS),
    ),
    Case(
        "expired certificate",
        "tls_certificate_expired",
        smtp(tls="expired", implicit=True),
        security=TLS,
        failure=(K.TLS_CERTIFICATE, P.TLS),
    ),
    Case(
        "self-signed certificate",
        "tls_certificate_untrusted",
        smtp(tls="self_signed", implicit=True),
        security=TLS,
        failure=(K.TLS_CERTIFICATE, P.TLS),
    ),
    Case(
        "certificate for another name",
        "tls_certificate_hostname_mismatch",
        smtp(tls="wrong_name", implicit=True),
        security=TLS,
        failure=(K.TLS_CERTIFICATE, P.TLS),
    ),
    Case(
        "bytes injected with the 220",
        PASSED,
        smtp(
            {"starttls": [b"220 2.0.0 Ready to start TLS\r\n250-INJECTED\r\n250 AUTH PLAIN\r\n", StartTls()]},
            tls=True,
        ),
        security=STARTTLS,
        quirk="data_after_starttls",
    ),
    Case(
        "bytes injected after the 220",
        "protocol_error",
        smtp(
            {"starttls": ["220 2.0.0 Ready to start TLS", Sleep(0.2), b"250 INJECTED\r\n", StartTls()]},
            tls=True,
        ),
        security=STARTTLS,
        failure=(K.TLS_HANDSHAKE, P.TLS),
        quirk="data_after_starttls",
    ),
    Case(
        "bare LF line ends",
        "bad_credentials",
        smtp(
            {
                "greeting": b"220 bare.example.test ESMTP\n",
                "ehlo": b"250-bare.example.test\n250 AUTH PLAIN LOGIN\n",
                "auth_command": b"535 5.7.8 Authentication credentials invalid\n",
                "quit": b"221 bye\n",
            }
        ),
        login=True,
        failure=(K.REPLY, P.AUTH),
        quirk="bare_lf",
    ),
    Case(
        "4xx on every command",
        "transient_server_error",
        smtp({key: "451 4.3.0 Temporary local problem, try later" for key in ("ehlo", "helo", "mail_from", "unknown")}),
        send=True,
        failure=(K.REPLY, P.EHLO),
    ),
    Case(
        "invalid UTF-8",
        "bad_credentials",
        smtp(
            {
                "greeting": b"220 serveur pr\xeat \xff\xfe ESMTP\r\n",
                "auth_command": b"535 5.7.8 Mot de passe \xe9rron\xe9\r\n",
            }
        ),
        login=True,
        failure=(K.REPLY, P.AUTH),
        quirk="invalid_utf8",
    ),
    Case(
        "reply code out of range",
        "protocol_error",
        smtp({"ehlo": "699 mx.example.test what is this"}),
        failure=(K.PROTOCOL, P.EHLO),
    ),
    Case(
        "reply code 000 as greeting",
        "not_smtp_service",
        raw("000 hello", Sleep(STALL)),
        failure=(K.PROTOCOL, P.GREETING),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_server(case: Case, certificates: Certificates) -> None:
    with case.server(certificates) as server:
        plan = case.plan(server.port, certificates)
        timer = threading.Timer(0.3, case.meddle, args=(server,)) if case.meddle else None
        if timer:
            timer.start()
        observation = observe(plan)
        if timer:
            timer.join()
    record_observation("hostile server", case.id, case.expected, observation)
    assert_bounded(observation, case.limit)
    assert observation.code == case.expected, _explain(observation)
    _assert_failure_and_quirk(case, observation)


def _assert_failure_and_quirk(case: Case, observation: Observation) -> None:
    result = observation.result
    assert result is not None
    if case.expected == PASSED:
        assert result.ok, result.failure
        assert not observation.error_findings()
    else:
        assert result.failure is not None
        finding = observation.error_findings()[0]
        assert finding.title, finding
        assert finding.explanation, finding
        assert finding.fix, finding
        if case.failure is not None:
            assert (result.failure.kind, result.failure.phase) == case.failure, result.failure
    if case.quirk is not None:
        assert case.quirk in result.quirks, result.quirks


def _explain(observation: Observation) -> str:
    result = observation.result
    failure = result.failure if result else None
    return f"observed {observation.code}; failure {failure}; quirks {result.quirks if result else ()}"
