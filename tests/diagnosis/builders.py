"""Build realistic ProbeResults for diagnosis tests: a transcript, capabilities and a failure.

``make_result`` plays a session up to the failing phase (greeting, EHLO, STARTTLS, EHLO, AUTH,
envelope) so evidence indices, capabilities and TLS state look like a real run.
``case_result`` turns one case of provider-replies-examples.yaml into such a result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.diagnosis.replytext import parse_reply
from core.model import AuthMethod, CredentialKind, MessageSpec, ProbePlan, SecurityMode, TlsPolicy
from core.probe.enrichment import Enrichment, TokenClaims, TokenErrorInfo
from core.probe.phases import Phase
from core.probe.result import CertSummary, Failure, FailureKind, PhaseOutcome, ProbeResult, TlsInfo
from core.probe.transcript import EventKind, Transcript
from core.smtp.capabilities import Capabilities
from core.smtp.events import Reply

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
YAML_PATH = Path(__file__).with_name("provider-replies-examples.yaml")  # copy of the shared knowledge file
_ORDER = [
    Phase.CONNECT,
    Phase.TLS,
    Phase.GREETING,
    Phase.EHLO,
    Phase.STARTTLS,
    Phase.AUTH,
    Phase.MAIL_FROM,
    Phase.RCPT_TO,
    Phase.DATA,
]


def ehlo_reply(host: str, keywords: Sequence[str]) -> Reply:
    return Reply(250, (f"{host} Hello [192.0.2.10]", *keywords))


def as_reply(reply: Reply | str | Sequence[str] | None) -> Reply | None:
    if reply is None or isinstance(reply, Reply):
        return reply
    text = reply if isinstance(reply, str) else "\n".join(reply)
    parsed = parse_reply(text)
    assert parsed is not None, f"not a reply: {text!r}"
    return parsed


def make_result(
    *,
    host: str = "smtp.example.net",
    port: int = 587,
    security: SecurityMode = SecurityMode.STARTTLS,
    fail_phase: Phase | None = None,
    kind: FailureKind = FailureKind.REPLY,
    reply: Reply | str | Sequence[str] | None = None,
    message: str = "",
    ssl_reason: str | None = None,
    verify_code: int | None = None,
    credential: CredentialKind = CredentialKind.PASSWORD,
    auth: AuthMethod = AuthMethod.AUTO,
    mechanism: str | None = "LOGIN",
    offered: Sequence[str] = ("LOGIN", "PLAIN"),
    offered_before: Sequence[str] | None = None,
    starttls_offered: bool = True,
    starttls_done: bool | None = None,
    tls_version: str = "TLSv1.3",
    verify: bool = True,
    chain: Sequence[CertSummary] = (),
    username: str | None = "scanner@contoso.com",
    mail_from: str = "scanner@contoso.com",
    greeting: str | None = None,
    authenticated: bool | None = None,
    claims: Mapping[str, object] | None = None,
    token_error: Mapping[str, object] | None = None,
    xoauth2_error: dict[str, object] | None = None,
    quirks: Sequence[str] = (),
    started_at: datetime = NOW,
) -> ProbeResult:
    """A session that went well up to ``fail_phase`` (None: it all went well)."""
    the_reply = as_reply(reply)
    transcript = Transcript(clock=lambda: 0.0)
    replies: list[tuple[Phase, Reply]] = []
    outcomes: list[PhaseOutcome] = []
    implicit = security is SecurityMode.TLS
    if starttls_done is None:
        starttls_done = security is SecurityMode.STARTTLS
    reached_auth = mechanism is not None and credential is not CredentialKind.NONE
    plan = ProbePlan(
        host=host,
        port=port,
        security=security,
        auth=auth,
        username=username,
        credential_kind=credential,
        message=MessageSpec(mail_from=mail_from, rcpt_to=("desk@contoso.com",)),
        tls=TlsPolicy(verify=verify),
    )
    tls_info: TlsInfo | None = None
    caps_before: Capabilities | None = None
    caps_after: Capabilities | None = None
    greeting_reply: Reply | None = None
    failure: Failure | None = None
    before = tuple(offered if offered_before is None and not starttls_done else (offered_before or ()))

    def stop_here(phase: Phase) -> bool:
        return fail_phase is phase

    def fail(phase: Phase, text: str) -> Failure:
        if the_reply is not None and kind is FailureKind.REPLY:
            for line in the_reply.wire_lines():
                transcript.add(EventKind.SERVER, line, phase)
            replies.append((phase, the_reply))
        event = transcript.add(EventKind.ERROR, text or message or "failed", phase)
        outcomes.append(PhaseOutcome(phase, False, 5.0))
        return Failure(
            kind,
            phase,
            event.text,
            the_reply if kind is FailureKind.REPLY else None,
            None,
            ssl_reason,
            verify_code,
            event.index,
        )

    def handshake() -> bool:
        nonlocal tls_info, failure
        transcript.add(EventKind.TLS, f"Starting TLS handshake (server name {host})", Phase.TLS)
        if stop_here(Phase.TLS):
            if kind is FailureKind.TLS_CERTIFICATE:
                tls_info = TlsInfo(tls_version, "TLS_AES_256_GCM_SHA384", tuple(chain), False, message, verify_code)
            failure = fail(Phase.TLS, message)
            return False
        tls_info = TlsInfo(tls_version, "TLS_AES_256_GCM_SHA384", tuple(chain), verify, None, None, verify)
        transcript.add(EventKind.TLS, f"TLS established: {tls_version}", Phase.TLS)
        outcomes.append(PhaseOutcome(Phase.TLS, True, 20.0))
        return True

    def session() -> None:
        nonlocal failure, caps_before, caps_after, greeting_reply
        transcript.add(EventKind.INFO, f"Connecting to {host} port {port} ({security.label})", Phase.CONNECT)
        if stop_here(Phase.CONNECT):
            failure = fail(Phase.CONNECT, message)
            return
        transcript.add(EventKind.INFO, f"Connected to 192.0.2.1:{port}", Phase.CONNECT)
        outcomes.append(PhaseOutcome(Phase.CONNECT, True, 10.0))
        if implicit and not handshake():
            return
        if stop_here(Phase.GREETING) and kind is not FailureKind.REPLY:
            failure = fail(Phase.GREETING, message)
            return
        greeting_reply = the_reply if stop_here(Phase.GREETING) else as_reply(greeting or f"220 {host} ESMTP ready")
        assert greeting_reply is not None
        if stop_here(Phase.GREETING):
            failure = fail(Phase.GREETING, message)
            return
        for line in greeting_reply.wire_lines():
            transcript.add(EventKind.SERVER, line, Phase.GREETING)
        replies.append((Phase.GREETING, greeting_reply))
        outcomes.append(PhaseOutcome(Phase.GREETING, True, 30.0))
        transcript.add(EventKind.CLIENT, "EHLO scanner.contoso.local", Phase.EHLO)
        first_keywords = ["SIZE 35882577", "PIPELINING", "ENHANCEDSTATUSCODES"]
        if before:
            first_keywords.append("AUTH " + " ".join(before))
        if starttls_offered and not implicit:
            first_keywords.append("STARTTLS")
        if stop_here(Phase.EHLO):
            failure = fail(Phase.EHLO, message)
            return
        first = ehlo_reply(host, first_keywords)
        caps_before = Capabilities.from_ehlo(first)
        for line in first.wire_lines():
            transcript.add(EventKind.SERVER, line, Phase.EHLO)
        replies.append((Phase.EHLO, first))
        outcomes.append(PhaseOutcome(Phase.EHLO, True, 30.0))
        if security is SecurityMode.STARTTLS:
            if stop_here(Phase.STARTTLS):
                if kind is FailureKind.REPLY:
                    transcript.add(EventKind.CLIENT, "STARTTLS", Phase.STARTTLS)
                failure = fail(Phase.STARTTLS, message)
                return
            if starttls_done or stop_here(Phase.TLS):
                transcript.add(EventKind.CLIENT, "STARTTLS", Phase.STARTTLS)
                transcript.add(EventKind.SERVER, "220 2.0.0 SMTP server ready", Phase.STARTTLS)
                outcomes.append(PhaseOutcome(Phase.STARTTLS, True, 5.0))
                if not handshake():
                    return
                transcript.add(EventKind.CLIENT, "EHLO scanner.contoso.local", Phase.EHLO)
                second = ehlo_reply(host, ["SIZE 35882577", "AUTH " + " ".join(offered), "ENHANCEDSTATUSCODES"])
                caps_after = Capabilities.from_ehlo(second)
                for line in second.wire_lines():
                    transcript.add(EventKind.SERVER, line, Phase.EHLO)
                replies.append((Phase.EHLO, second))
        if reached_auth:
            transcript.add(EventKind.CLIENT, f"AUTH {mechanism} ***", Phase.AUTH)
            if stop_here(Phase.AUTH):
                failure = fail(Phase.AUTH, message)
                return
            transcript.add(EventKind.SERVER, "235 2.7.0 Authentication successful", Phase.AUTH)
            outcomes.append(PhaseOutcome(Phase.AUTH, True, 50.0))
        elif stop_here(Phase.AUTH):
            failure = fail(Phase.AUTH, message)
            return
        for phase, command in (
            (Phase.MAIL_FROM, f"MAIL FROM:<{mail_from}>"),
            (Phase.RCPT_TO, "RCPT TO:<desk@contoso.com>"),
            (Phase.DATA, "DATA"),
        ):
            transcript.add(EventKind.CLIENT, command, phase)
            if stop_here(phase):
                failure = fail(phase, message)
                return
            transcript.add(EventKind.SERVER, "250 2.1.0 OK", phase)

    session()
    enrichment = Enrichment(
        token_claims=TokenClaims.from_mapping(claims) if claims is not None else None,
        token_error=token_error_of(token_error) if token_error is not None else None,
    )
    if authenticated is None:
        authenticated = reached_auth and (fail_phase is None or _ORDER.index(fail_phase) > _ORDER.index(Phase.AUTH))
    return ProbeResult(
        plan=plan,
        started_at=started_at,
        transcript=transcript.events,
        phases=tuple(outcomes),
        failure=failure,
        greeting=greeting_reply,
        capabilities_before_tls=caps_before,
        capabilities_after_tls=caps_after,
        tls=tls_info,
        auth_mechanism=mechanism if reached_auth else None,
        authenticated=authenticated,
        message_accepted=failure is None,
        replies=tuple(replies),
        quirks=tuple(quirks),
        xoauth2_error=xoauth2_error,
        enrichment=enrichment,
    )


def token_error_of(values: Mapping[str, object]) -> TokenErrorInfo:
    """A token error from the shape the sign-in service's reply is written in the test data."""
    numbers = values.get("aadsts") or ()
    correlation = values.get("correlation_id")
    return TokenErrorInfo(
        str(values.get("error") or ""),
        str(values.get("description") or ""),
        tuple(int(n) for n in numbers) if isinstance(numbers, list | tuple) else (),
        str(correlation) if correlation else None,
    )


def load_cases() -> list[dict[str, Any]]:
    """The cases of the shared provider-replies YAML (a project knowledge file)."""
    import yaml  # type: ignore[import-untyped]

    data = yaml.safe_load(YAML_PATH.read_text(encoding="utf-8"))
    return list(data["cases"])


_CREDENTIALS = {
    "password": CredentialKind.PASSWORD,
    "app_password": CredentialKind.APP_PASSWORD,
    "api_key": CredentialKind.API_KEY,
    "smtp_key": CredentialKind.API_KEY,
    "smtp_credentials": CredentialKind.PASSWORD,
    "oauth_delegated": CredentialKind.OAUTH_DELEGATED,
    "oauth_app_only": CredentialKind.OAUTH_APP_ONLY,
    "none": CredentialKind.NONE,
}
_MODES = {"starttls": SecurityMode.STARTTLS, "implicit": SecurityMode.TLS, "none": SecurityMode.NONE}
_GENERIC_HOSTS = {"generic": "mail.example.net", "exchange_onprem": "mail.example.net"}


def case_host(case: Mapping[str, Any]) -> str:
    server = str(case["server"]).split(" / ")[-1]
    server = server.replace("<tenant>", "contoso-com").replace("<region>", "eu-west-1")
    if " " in server or "." not in server:
        return _GENERIC_HOSTS.get(str(case["provider"]), "mail.example.net")
    return server


def case_claims(context: Mapping[str, Any]) -> tuple[dict[str, object] | None, str]:
    """Token claims the case's context describes (and the user= the client sent)."""
    user = "scanner@contoso.com"
    if "graph" in str(context.get("token_scope", "")).lower():
        return {
            "aud": "https://graph.microsoft.com",
            "scp": "Mail.Send User.Read",
            "upn": user,
            "exp": NOW.timestamp() + 3000,
            "iat": NOW.timestamp() - 600,
        }, user
    if context.get("xoauth2_user"):
        return {
            "aud": "https://outlook.office.com",
            "scp": "SMTP.Send",
            "upn": "alex@contoso.com",
            "exp": NOW.timestamp() + 3000,
            "iat": NOW.timestamp() - 600,
        }, "shared-scans@contoso.com"
    if "graph mail.send" in str(context.get("app_permissions", "")).lower():
        return {
            "aud": "https://outlook.office365.com",
            "roles": [],
            "exp": NOW.timestamp() + 3000,
            "iat": NOW.timestamp() - 600,
        }, user
    return None, user


def case_result(case: Mapping[str, Any]) -> ProbeResult:
    """The ProbeResult a probe would have produced for one YAML case."""
    context = case.get("context") or {}
    phase = Phase(case["phase"])
    mode = _MODES[str(context.get("tls_mode", "starttls"))]
    credential = _CREDENTIALS[str(context.get("credential_type", "password"))]
    advertised = tuple(context.get("auth_mechanisms_advertised") or ())
    used = context.get("auth_mechanism_used")
    starttls_done = bool(context.get("starttls_done")) and mode is SecurityMode.STARTTLS
    claims, user = case_claims(context)
    kind, reply, message = FailureKind.REPLY, case.get("reply"), ""
    if phase is Phase.TLS:
        kind, reply, message = FailureKind.TLS_HANDSHAKE, None, str(case.get("client_error") or "")
    parsed = as_reply(reply) if reply is not None else None
    if parsed is None and reply is not None:
        raise AssertionError(f"case {case['id']}: unparseable reply")
    xoauth2 = None
    if parsed is not None and parsed.code == 334:
        from core.diagnosis.replytext import decode_xoauth2_challenge

        xoauth2 = decode_xoauth2_challenge(parsed)
    ehlo_pre = context.get("ehlo_pre_tls")
    return make_result(
        host=case_host(case),
        port=int(context.get("port") or 587),
        security=mode,
        fail_phase=phase,
        kind=kind,
        reply=parsed,
        message=message,
        credential=credential,
        mechanism=used if (used and credential is not CredentialKind.NONE) else None,
        offered=advertised or ("LOGIN", "PLAIN"),
        offered_before=() if mode is SecurityMode.STARTTLS else advertised,
        starttls_offered=mode is not SecurityMode.TLS and (ehlo_pre is None or "STARTTLS" in ehlo_pre),
        starttls_done=starttls_done,
        username=user if credential is not CredentialKind.NONE else None,
        claims=claims,
        xoauth2_error=xoauth2,
    )


def token_result(
    token_error: Mapping[str, object] | None, *, message: str = "the sign-in service refused the token request"
) -> ProbeResult:
    """A run that stopped at the token endpoint, before any SMTP."""
    transcript = Transcript(clock=lambda: 0.0)
    event = transcript.add(EventKind.ERROR, message, Phase.OAUTH_TOKEN)
    plan = ProbePlan(
        host="smtp.office365.com",
        port=587,
        auth=AuthMethod.XOAUTH2,
        username="scanner@contoso.com",
        credential_kind=CredentialKind.OAUTH_DELEGATED,
    )
    return ProbeResult(
        plan=plan,
        started_at=NOW,
        transcript=transcript.events,
        phases=(PhaseOutcome(Phase.OAUTH_TOKEN, False, 300.0),),
        failure=Failure(FailureKind.TOKEN, Phase.OAUTH_TOKEN, event.text, event_index=event.index),
        enrichment=Enrichment(token_error=token_error_of(token_error) if token_error is not None else None),
    )
