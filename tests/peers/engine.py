"""Helpers for running SMTP Doctor's own engine against the Postfix + Dovecot peer."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass

from core.diagnosis.engine import diagnose
from core.diagnosis.finding import Finding, primary
from core.model import (
    AuthMethod,
    CredentialKind,
    Credentials,
    MessageSpec,
    ProbePlan,
    SecurityMode,
    Timeouts,
    TlsPolicy,
)
from core.probe.result import ProbeResult
from core.probe.runner import run_probe
from core.secret import Secret, secret_forms
from core.usecase.enrich import enrich
from tests.peers.peer import MailPeer

PROBE_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Probe:
    """A finished engine run with its diagnosis."""

    result: ProbeResult
    findings: tuple[Finding, ...]

    @property
    def primary_code(self) -> str | None:
        found = primary(self.findings)
        return found.code if found else None

    def reply_codes(self) -> list[tuple[int, str | None]]:
        """(code, enhanced code) of every server reply the engine recorded, in order."""
        return [(reply.code, str(reply.enhanced) if reply.enhanced else None) for _, reply in self.result.replies]

    def transcript_text(self) -> str:
        return "\n".join(event.text for event in self.result.transcript)

    def sent_header(self, name: str) -> str | None:
        """A header of the test message, as the transcript shows the client sending it."""
        prefix = f"{name.lower()}: "
        for event in self.result.transcript:
            if event.text.lower().startswith(prefix):
                return event.text[len(prefix) :]
        return None


def port_for(peer: MailPeer, security: SecurityMode, *, submission: bool = True) -> int:
    if security is SecurityMode.TLS:
        return peer.smtps_port
    return peer.submission_port if submission else peer.plain_port


def make_plan(
    peer: MailPeer,
    port: int,
    security: SecurityMode,
    *,
    auth: AuthMethod = AuthMethod.NONE,
    username: str | None = None,
    kind: CredentialKind = CredentialKind.NONE,
    mail_from: str = "printer@example.test",
    rcpt_to: tuple[str, ...] = (),
    attachment_bytes: int = 0,
    subject_note: str = "",
) -> ProbePlan:
    message = MessageSpec(
        mail_from=mail_from, rcpt_to=rcpt_to, attachment_bytes=attachment_bytes, subject_note=subject_note
    )
    return ProbePlan(
        host=peer.host,
        port=port,
        security=security,
        auth=auth,
        username=username,
        credential_kind=kind,
        message=message,
        tls=TlsPolicy(ca_file=peer.ca_file),
        timeouts=Timeouts.uniform(PROBE_TIMEOUT_S),
    )


def probe(plan: ProbePlan, *, password: str | None = None, token: str | None = None) -> Probe:
    """Run the engine, add the token's claims as the CLI does, and diagnose."""
    credentials = Credentials(
        password=Secret(password) if password is not None else None,
        token=Secret(token) if token is not None else None,
    )
    result = run_probe(plan, credentials)
    if token is not None:
        result = enrich(result, token=Secret(token), lookup_mx=None)
    return Probe(result, diagnose(result))


def assert_no_secret_in_transcript(found: Probe, secret: str) -> None:
    text = found.transcript_text()
    for form in secret_forms(secret):
        assert form not in text


def unsigned_jwt(upn: str, *, lifetime_s: int = 3600) -> str:
    """A JWT-shaped access token (alg none) with the claims Exchange Online's tokens carry.

    The peer's introspection endpoint does not read it; SMTP Doctor's diagnosis does.
    """
    now = int(time.time())
    header = {"alg": "none", "typ": "JWT"}
    claims = {
        "aud": "https://outlook.office.com",
        "scp": "SMTP.Send",
        "upn": upn,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime_s,
    }
    return f"{_b64url(header)}.{_b64url(claims)}."


def _b64url(value: Mapping[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
