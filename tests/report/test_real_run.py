"""A report of a real probe against a loopback aiosmtpd server (STARTTLS, AUTH PLAIN then LOGIN)."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from core.model import AuthMethod, CredentialKind, Credentials, MessageSpec, ProbePlan, SecurityMode, TlsPolicy
from core.probe.runner import run_probe
from core.report.save import render_report
from core.secret import Secret
from tests.report.samples import FIXED_ENVIRONMENT
from tests.report.test_redaction import forbidden_forms

pytestmark = pytest.mark.network

USER = "scanner@example.test"
PASSWORD = "Loopback-s3cret!pw"


def _authenticator(server: object, session: object, envelope: object, mechanism: str, auth_data: object) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


class _Sink:
    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 2.0.0 Ok: queued"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def submission(server_ssl_context: ssl.SSLContext) -> Iterator[int]:
    port = _free_port()
    controller = Controller(
        _Sink(), hostname="127.0.0.1", port=port, server_hostname="mx.local.test", tls_context=server_ssl_context,
        require_starttls=True, auth_require_tls=True, authenticator=_authenticator,
    )  # fmt: skip
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.mark.parametrize("mechanism", [AuthMethod.PLAIN, AuthMethod.LOGIN])
@pytest.mark.parametrize("password", [PASSWORD, "wrong-password-123"])
def test_report_of_a_real_run_holds_no_secret(submission: int, ca_file: str, mechanism: AuthMethod,
                                               password: str) -> None:  # fmt: skip
    plan = ProbePlan(
        host="127.0.0.1", port=submission, security=SecurityMode.STARTTLS, auth=mechanism, username=USER,
        credential_kind=CredentialKind.PASSWORD, message=MessageSpec(mail_from=USER, rcpt_to=("to@example.test",)),
        tls=TlsPolicy(ca_file=ca_file),
    )  # fmt: skip
    result = run_probe(plan, Credentials(password=Secret(password)))
    assert result.authenticated is (password == PASSWORD), result.failure
    for fmt in ("html", "json", "text"):
        output = render_report(fmt, result, (), secrets=[password], environment=FIXED_ENVIRONMENT).decode()
        assert f"AUTH {mechanism.value.upper()}" in output
        assert [f for f in forbidden_forms(password, USER) if f in output] == [], fmt
