"""Every SMTP case of provider-replies-examples.yaml, served by a scripted loopback server at its phase
and probed through the real runner; the primary finding must be the expected code.

Two things the loopback cannot carry are put back after the run, as the app's own layers would:
the host name (the probe dialled 127.0.0.1; host-based provider knowledge needs the real name) and,
for OAuth cases, the token-claims summary the check stores in ``result.enrichment``.
"""

from __future__ import annotations

import dataclasses
import ssl
from typing import Any

import pytest

from core.diagnosis.engine import diagnose
from core.diagnosis.finding import primary
from core.model import AuthMethod, CredentialKind, MessageSpec, ProbePlan, SecurityMode, Timeouts, TlsPolicy
from core.probe.enrichment import TokenClaims
from core.probe.runner import run_probe
from core.secret import Secret
from tests.diagnosis.builders import NOW, YAML_PATH, case_claims, case_host, load_cases
from tests.helpers.scripted_server import Close, Expect, ScriptedServer

pytestmark = [
    pytest.mark.network,
    pytest.mark.skipif(not YAML_PATH.exists(), reason="shared knowledge file not available"),
]

CASES = [c for c in load_cases() if c["phase"] != "oauth_token"] if YAML_PATH.exists() else []
_PHASE_KEY = {"auth": "auth", "mail_from": "mail_from", "rcpt_to": "rcpt_to", "data": "data_end"}
_MODES = {"starttls": SecurityMode.STARTTLS, "implicit": SecurityMode.TLS, "none": SecurityMode.NONE}
_CREDENTIALS = {
    "password": CredentialKind.PASSWORD,
    "app_password": CredentialKind.APP_PASSWORD,
    "api_key": CredentialKind.API_KEY,
    "smtp_key": CredentialKind.API_KEY,
    "smtp_credentials": CredentialKind.PASSWORD,
    "oauth_delegated": CredentialKind.OAUTH_DELEGATED,
    "oauth_app_only": CredentialKind.OAUTH_APP_ONLY,
}


def _reply_text(case: dict[str, Any]) -> str:
    reply = case["reply"]
    text = "\n".join(reply) if isinstance(reply, list) else str(reply)
    if case.get("reply_code") is None and text[:1].isdigit() and text[1:2] == ".":
        text = f"{'530' if text.startswith('5.7.57') else '451' if text.startswith('4') else '550'} {text}"
    # Continuation lines that lost their code prefix get it back: a server always sends it.
    lines = text.split("\n")
    code = lines[0][:3]
    fixed = [lines[0]] + [ln if ln[:3].isdigit() else f"{code} {ln}" for ln in lines[1:]]
    return "\n".join(f"{ln[:3]}-{ln[4:]}" if i < len(fixed) - 1 else f"{ln[:3]} {ln[4:]}" for i, ln in enumerate(fixed))


def _ehlo(hostname: str, keywords: list[str]) -> str:
    lines = [f"{hostname} Hello [127.0.0.1]", "SIZE 35882577", *keywords, "ENHANCEDSTATUSCODES"]
    return "\n".join([f"250-{line}" for line in lines[:-1]] + [f"250 {lines[-1]}"])


def _script(case: dict[str, Any], mode: SecurityMode) -> dict[str, object]:
    context = case.get("context") or {}
    hostname = "scripted.test"
    used = context.get("auth_mechanism_used")
    offered = list(context.get("auth_mechanisms_advertised") or ["LOGIN", "PLAIN", *([used] if used else [])])
    auth_line = [f"AUTH {' '.join(offered)}"] if offered else []
    script: dict[str, object] = {}
    if mode is SecurityMode.STARTTLS:
        script["ehlo"] = _ehlo(hostname, ["STARTTLS"])
        script["ehlo_tls"] = _ehlo(hostname, auth_line)
    elif mode is SecurityMode.NONE:
        script["ehlo"] = _ehlo(hostname, ["STARTTLS"])
    else:
        script["ehlo"] = _ehlo(hostname, auth_line)
    phase = case["phase"]
    if phase == "tls":
        if mode is SecurityMode.STARTTLS:
            script["starttls"] = [_reply_text(case), Close()]
        return script
    reply = _reply_text(case)
    if reply.startswith("334"):
        script["auth_command"] = [reply, Expect(), "535 5.7.8 Username and Password not accepted"]
    else:
        script[_PHASE_KEY[phase]] = reply
    return script


def _plan(case: dict[str, Any], port: int, mode: SecurityMode, ca_file: str) -> tuple[ProbePlan, Secret | None]:
    context = case.get("context") or {}
    used = context.get("auth_mechanism_used")
    credential = (
        _CREDENTIALS.get(str(context.get("credential_type")), CredentialKind.NONE) if used else CredentialKind.NONE
    )
    if case["phase"] == "tls":
        credential = CredentialKind.PASSWORD
    _, user = case_claims(context)
    auth = AuthMethod(str(used).lower()) if used else AuthMethod.AUTO
    plan = ProbePlan(
        host="127.0.0.1",
        port=port,
        security=mode,
        auth=auth,
        username=user if credential is not CredentialKind.NONE else None,
        credential_kind=credential,
        message=MessageSpec(mail_from="scanner@contoso.com", rcpt_to=("desk@contoso.com",)),
        tls=TlsPolicy(ca_file=ca_file),
        timeouts=Timeouts.uniform(3.0),
    )
    secret = Secret("s3cret-Pa55word") if credential is not CredentialKind.NONE else None
    return plan, secret


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_served_case_gives_the_expected_primary_finding(
    case: dict[str, Any], server_ssl_context: ssl.SSLContext, ca_file: str
) -> None:
    from core.model import Credentials

    context = case.get("context") or {}
    mode = _MODES[str(context.get("tls_mode", "starttls"))]
    tls_server = case["phase"] != "tls" or mode is SecurityMode.STARTTLS
    with ScriptedServer.smtp(
        _script(case, mode),
        tls_context=server_ssl_context
        if (tls_server and mode is not SecurityMode.NONE) or mode is SecurityMode.NONE
        else None,
        implicit_tls=mode is SecurityMode.TLS and tls_server,
        connection_time_limit=8.0,
        total_time_limit=15.0,
    ) as server:
        plan, secret = _plan(case, server.port, mode, ca_file)
        oauth = plan.credential_kind.is_oauth
        credentials = Credentials(token=secret) if oauth else Credentials(password=secret)
        result = run_probe(plan, credentials)
    claims, _ = case_claims(context)
    enrichment = dataclasses.replace(
        result.enrichment, token_claims=TokenClaims.from_mapping(claims) if claims else result.enrichment.token_claims
    )
    result = dataclasses.replace(
        result, plan=dataclasses.replace(result.plan, host=case_host(case)), enrichment=enrichment
    )
    first = primary(diagnose(result, now=NOW))
    assert first is not None, [e.text for e in result.transcript]
    assert first.code == case["expected"]["category"], (first.rule_id, result.failure)
    assert first.evidence
