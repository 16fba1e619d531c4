"""Shared pieces of the engine's integration tests: accounts, the recording handler, plans, leak checks.

The handler records every message and every AUTH attempt, and adds an ``AUTH XOAUTH2`` that
answers a bad token like Gmail does (``334 <base64 JSON>``, then ``535`` after the client's
empty line).
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session

from core.model import Credentials, MessageSpec, ProbePlan, SecurityMode, Timeouts, TlsPolicy
from core.probe.result import ProbeResult
from core.probe.runner import run_probe
from core.probe.transcript import EventKind
from core.report.json_report import result_to_json
from core.secret import Secret
from core.smtp.sasl import secret_wire_forms

USER = "alice@example.com"
PASSWORD = "s3cret-Pa55word!"
TOKEN = "ya29.good-token-0123456789abcdef"
BAD_TOKEN = "ya29.expired-token-zyxwvutsrq"
XOAUTH2_ERROR = {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}
SERVER_NAME = "mx.local.test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    mail_options: list[str]


@dataclass
class RecordingHandler:
    """Stores messages and AUTH outcomes; adds XOAUTH2."""

    messages: list[Received] = field(default_factory=list)
    attempts: list[tuple[str, bool]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.messages.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), content, list(envelope.mail_options))
        )
        return "250 2.0.0 OK queued as TEST1"

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        if len(args) > 1:
            blob: Any = _b64decode(args[1])
        else:
            blob = await server.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        text = bytes(blob).decode("utf-8", errors="replace")
        fields = dict(part.split("=", 1) for part in text.split("\x01") if "=" in part)
        good = fields.get("user") == USER and fields.get("auth") == f"Bearer {TOKEN}"
        self.attempts.append(("XOAUTH2", good))
        if good:
            return AuthResult(success=True, auth_data=fields.get("user"))
        await server.challenge_auth(json.dumps(XOAUTH2_ERROR))
        return AuthResult(success=False, handled=False, message="535 5.7.8 Username and Password not accepted")


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text)


def make_authenticator(handler: RecordingHandler) -> Callable[..., AuthResult]:
    def authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login == USER.encode() and data.password == PASSWORD.encode()
        handler.attempts.append((mechanism, ok))
        return AuthResult(success=ok, handled=False)

    return authenticator


def plan(port: int, security: SecurityMode = SecurityMode.STARTTLS, **changes: Any) -> ProbePlan:
    """A plan for a loopback server: our CA, short timeouts, alice sending to bob."""
    tls = changes.pop("tls", None) or TlsPolicy(ca_file=changes.pop("ca_file", None))
    defaults: dict[str, Any] = {
        "username": USER,
        "message": MessageSpec(USER, ("bob@example.org",)),
        "timeouts": Timeouts(connect=3, greeting=3, tls=3, command=3, data_end=5, total=20),
        "helo_name": "printer.example.test",
    }
    return ProbePlan("127.0.0.1", port, security, tls=tls, **(defaults | changes))


def run_checked(probe_plan: ProbePlan, credentials: Credentials, **kwargs: Any) -> ProbeResult:
    """run_probe, then the leak check every test needs: no form of any secret anywhere in the result."""
    result = run_probe(probe_plan, credentials, **kwargs)
    given = [s.reveal() for s in (credentials.password, credentials.token) if s]
    assert_no_secret_leak(result, *given, PASSWORD, TOKEN, BAD_TOKEN)
    return result


def password() -> Credentials:
    return Credentials(password=Secret(PASSWORD))


def texts(result: ProbeResult, kind: EventKind | None = None) -> list[str]:
    return [e.text for e in result.transcript if kind is None or e.kind is kind]


def assert_no_secret_leak(result: ProbeResult, *secrets: str) -> None:
    """No form of any secret in any transcript event or in the JSON report."""
    secrets = secrets or (PASSWORD, TOKEN, BAD_TOKEN)
    forms: set[str] = set()
    for secret in secrets:
        forms |= secret_wire_forms(USER, secret, secret)
    report = result_to_json(result, [])
    for form in forms:
        assert form not in report, form
        for event in result.transcript:
            assert form not in event.text, (form, event)
