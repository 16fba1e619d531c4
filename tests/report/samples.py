"""Hand-built probe results for report tests: realistic sessions with fixed times and secrets.

The transcripts deliberately carry the raw AUTH payloads a naive recorder would have written
(the runner redacts at source; these prove the report's own pass works on top of it).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone

from core.diagnosis.finding import Finding, Severity
from core.model import (
    AuthMethod,
    CredentialKind,
    Credentials,
    MessageSpec,
    ProbePlan,
    SecurityMode,
)
from core.probe.enrichment import Enrichment, SenderDomainMx, TokenClaims
from core.probe.phases import Phase
from core.probe.result import (
    CertSummary,
    Failure,
    FailureKind,
    PhaseOutcome,
    ProbeResult,
    TlsInfo,
)
from core.probe.transcript import EventKind, TranscriptEvent
from core.report.environment import Environment, clock_offset
from core.secret import Secret
from core.smtp.capabilities import Capabilities
from core.smtp.events import Reply

PASSWORD = 'Pa$$w<rd&"9 Zürich'
APP_PASSWORD = "abcd efgh ijkl mnop"
TOKEN = (
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9."
    "eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJ1cG4iOiJzY2FuQGNvbnRvc28uY29tIn0."
    "c2lnbmF0dXJlLW5vdC1yZWFsLTEyMzQ1Njc4OTA"
)

CET = timezone(timedelta(hours=1))
STARTED = datetime(2025, 11, 22, 18, 5, 12, 250000, tzinfo=CET)

FIXED_ENVIRONMENT = Environment(
    app_version="0.1.0",
    os="Linux-6.1.0-test-x86_64-with-glibc2.36",
    python="3.11.7 (CPython)",
    qt="PySide6 6.12.0, Qt 6.12.0",
    local_time=datetime(2025, 11, 22, 18, 6, 0, tzinfo=CET),
    server_date=None,
    clock_offset_seconds=None,
)


@dataclass(frozen=True)
class Sample:
    name: str
    result: ProbeResult
    findings: tuple[Finding, ...]
    credentials: Credentials
    secret: str  # the one secret this run used
    user: str


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


class _Events:
    """Numbers events and spaces their offsets like a real session."""

    def __init__(self) -> None:
        self.events: list[TranscriptEvent] = []
        self.offset = 0.0

    def add(self, kind: EventKind, text: str, phase: Phase | None, step_ms: float = 4.0) -> int:
        self.offset += step_ms
        self.events.append(TranscriptEvent(len(self.events), round(self.offset, 1), kind, text, phase))
        return len(self.events) - 1

    def server(self, reply: Reply, phase: Phase, step_ms: float = 6.0) -> int:
        index = -1
        for line in reply.wire_lines():
            index = self.add(EventKind.SERVER, line, phase, step_ms)
            step_ms = 0.1
        return index


def _caps(host: str, *lines: str) -> tuple[Reply, Capabilities]:
    reply = Reply(250, (host, *lines))
    return reply, Capabilities.from_ehlo(reply)


def _chain(host: str, issuer: str) -> tuple[CertSummary, ...]:
    leaf = CertSummary(
        subject=f"CN={host}",
        issuer=f"CN={issuer}, O=Example Trust Services, C=US",
        sans=(host, f"*.{host.split('.', 1)[1]}"),
        not_before=datetime(2025, 9, 1, 0, 0, tzinfo=UTC),
        not_after=datetime(2026, 8, 31, 23, 59, 59, tzinfo=UTC),
        sha256="3f" * 32,
        self_signed=False,
    )
    intermediate = CertSummary(
        subject=f"CN={issuer}, O=Example Trust Services, C=US",
        issuer="CN=Example Root CA 2019, O=Example Trust Services, C=US",
        sans=(),
        not_before=datetime(2019, 6, 1, 0, 0, tzinfo=UTC),
        not_after=datetime(2029, 6, 1, 0, 0, tzinfo=UTC),
        sha256="a1" * 32,
        self_signed=False,
    )
    return (leaf, intermediate)


def _session_start(ev: _Events, host: str, greeting: Reply, before: Reply) -> None:
    ev.add(EventKind.INFO, f"Resolved {host} to 192.0.2.25; connecting to 192.0.2.25:587", Phase.CONNECT, 1.0)
    ev.add(EventKind.INFO, "Connected in 31.2 ms", Phase.CONNECT, 31.2)
    ev.server(greeting, Phase.GREETING, 42.0)
    ev.add(EventKind.CLIENT, "EHLO scanner-3f.local", Phase.EHLO)
    ev.server(before, Phase.EHLO, 20.0)
    ev.add(EventKind.CLIENT, "STARTTLS", Phase.STARTTLS)
    ev.server(Reply(220, ("2.0.0 Ready to start TLS",)), Phase.STARTTLS, 18.0)


def starttls_login_success() -> Sample:
    """mail.example.net:587, STARTTLS, AUTH LOGIN with a password, message accepted."""
    host, user = "mail.example.net", "scanner@example.net"
    plan = ProbePlan(
        host=host,
        port=587,
        security=SecurityMode.STARTTLS,
        auth=AuthMethod.LOGIN,
        username=user,
        credential_kind=CredentialKind.PASSWORD,
        message=MessageSpec(mail_from=user, rcpt_to=("helpdesk@example.net",), attachment_bytes=250000),
        helo_name="scanner-3f.local",
        profile_name="2nd floor MFP",
        device_profile="generic-mfp-2018",
    )
    greeting = Reply(220, ("mail.example.net ESMTP Postfix (Debian/GNU)",))
    before_reply, before = _caps(
        host, "PIPELINING", "SIZE 52428800", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME", "CHUNKING"
    )
    after_reply, after = _caps(
        host,
        "PIPELINING",
        "SIZE 52428800",
        "AUTH PLAIN LOGIN",
        "AUTH=PLAIN LOGIN",
        "ENHANCEDSTATUSCODES",
        "8BITMIME",
        "CHUNKING",
    )
    ev = _Events()
    _session_start(ev, host, greeting, before_reply)
    ev.add(EventKind.TLS, "TLSv1.3 TLS_AES_256_GCM_SHA384; certificate verified for mail.example.net", Phase.TLS, 25.0)
    ev.add(EventKind.CLIENT, "EHLO scanner-3f.local", Phase.EHLO)
    ev.server(after_reply, Phase.EHLO, 15.0)
    ev.add(EventKind.CLIENT, "AUTH LOGIN", Phase.AUTH)
    ev.server(Reply(334, ("VXNlcm5hbWU6",)), Phase.AUTH)
    ev.add(EventKind.CLIENT, b64(user), Phase.AUTH)
    ev.server(Reply(334, ("UGFzc3dvcmQ6",)), Phase.AUTH)
    ev.add(EventKind.CLIENT, b64(PASSWORD), Phase.AUTH)  # a leak the report must catch
    ev.server(Reply(235, ("2.7.0 Authentication successful",)), Phase.AUTH, 52.0)
    ev.add(EventKind.CLIENT, f"MAIL FROM:<{user}> SIZE=251234", Phase.MAIL_FROM)
    ev.server(Reply(250, ("2.1.0 Ok",)), Phase.MAIL_FROM)
    ev.add(EventKind.CLIENT, "RCPT TO:<helpdesk@example.net>", Phase.RCPT_TO)
    ev.server(Reply(250, ("2.1.5 Ok",)), Phase.RCPT_TO)
    ev.add(EventKind.CLIENT, "DATA", Phase.DATA)
    ev.server(Reply(354, ("End data with <CR><LF>.<CR><LF>",)), Phase.DATA)
    ev.add(EventKind.INFO, "Sent 251234 bytes (test message with a 250000-byte PDF attachment)", Phase.DATA, 80.0)
    ev.server(Reply(250, ("2.0.0 Ok: queued as 4Bx9Qk3nTzz1",)), Phase.DATA, 60.0)
    ev.add(EventKind.CLIENT, "QUIT", Phase.QUIT)
    ev.server(Reply(221, ("2.0.0 Bye",)), Phase.QUIT)
    result = ProbeResult(
        plan=plan,
        started_at=STARTED,
        transcript=tuple(ev.events),
        phases=(
            PhaseOutcome(Phase.CONNECT, True, 32.2),
            PhaseOutcome(Phase.GREETING, True, 42.0),
            PhaseOutcome(Phase.EHLO, True, 24.0),
            PhaseOutcome(Phase.STARTTLS, True, 22.0),
            PhaseOutcome(Phase.TLS, True, 25.0),
            PhaseOutcome(Phase.AUTH, True, 74.1),
            PhaseOutcome(Phase.MAIL_FROM, True, 10.0),
            PhaseOutcome(Phase.RCPT_TO, True, 10.0),
            PhaseOutcome(Phase.DATA, True, 154.0),
            PhaseOutcome(Phase.QUIT, True, 10.0),
        ),
        peer_address="192.0.2.25:587",
        greeting=greeting,
        capabilities_before_tls=before,
        capabilities_after_tls=after,
        tls=TlsInfo("TLSv1.3", "TLS_AES_256_GCM_SHA384", _chain(host, "Example TLS RSA CA G1"), verified=True),
        auth_mechanism="LOGIN",
        authenticated=True,
        message_accepted=True,
        replies=((Phase.GREETING, greeting), (Phase.AUTH, Reply(235, ("2.7.0 Authentication successful",)))),
        duration_ms=ev.offset,
        enrichment=Enrichment(sender_mx=SenderDomainMx("example.net", ("mx1.example.net", "mx2.example.net"))),
    )
    findings = (
        Finding(
            code="auth_only_after_starttls",
            severity=Severity.INFO,
            title="Login is offered only after STARTTLS",
            explanation="The server lists AUTH only once the connection is encrypted. The device must use "
            "STARTTLS on port 587; with encryption set to None it will say the server does not support login.",
            fix=("Set the device's encryption to STARTTLS (sometimes called TLS) on port 587.",),
            evidence=(7, 18),
            rule_id="caps.auth_after_tls",
        ),
    )
    return Sample("starttls-login-ok", result, findings, Credentials(password=Secret(PASSWORD)), PASSWORD, user)


def m365_tenant_disabled() -> Sample:
    """smtp.office365.com:587, AUTH LOGIN with an app password, 535 5.7.139 (tenant switch off)."""
    host, user = "smtp.office365.com", "scanner@contoso.com"
    plan = ProbePlan(
        host=host,
        port=587,
        security=SecurityMode.STARTTLS,
        auth=AuthMethod.AUTO,
        username=user,
        credential_kind=CredentialKind.APP_PASSWORD,
        message=MessageSpec(mail_from=user, rcpt_to=("frontdesk@contoso.com",)),
        helo_name="scanner-3f.local",
    )
    greeting = Reply(
        220,
        (
            "SN4PR0501CA0123.outlook.office365.com Microsoft ESMTP MAIL Service ready at Sat, 22 Nov 2025 "
            "17:05:09 +0000",
        ),
    )
    server_name = "SN4PR0501CA0123.outlook.office365.com Hello [198.51.100.7]"
    before_reply, before = _caps(
        server_name,
        "SIZE 157286400",
        "PIPELINING",
        "DSN",
        "ENHANCEDSTATUSCODES",
        "STARTTLS",
        "8BITMIME",
        "BINARYMIME",
        "CHUNKING",
        "SMTPUTF8",
    )
    after_reply, after = _caps(
        server_name,
        "SIZE 157286400",
        "PIPELINING",
        "DSN",
        "ENHANCEDSTATUSCODES",
        "AUTH LOGIN XOAUTH2",
        "8BITMIME",
        "BINARYMIME",
        "CHUNKING",
        "SMTPUTF8",
    )
    rejection = Reply(
        535,
        (
            "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit "
            "https://aka.ms/smtp_auth_disabled for more information. [SN4PR0501CA0123.namprd05.prod.outlook.com "
            "2025-11-22T17:05:10.123Z 08DE1A2B3C4D5E6F]",
        ),
    )
    ev = _Events()
    _session_start(ev, host, greeting, before_reply)
    ev.add(
        EventKind.TLS,
        "TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384; certificate verified for smtp.office365.com",
        Phase.TLS,
        30.0,
    )
    ev.add(EventKind.CLIENT, "EHLO scanner-3f.local", Phase.EHLO)
    ev.server(after_reply, Phase.EHLO, 14.0)
    ev.add(EventKind.CLIENT, f"AUTH LOGIN {b64(user)}", Phase.AUTH)
    ev.server(Reply(334, ("UGFzc3dvcmQ6",)), Phase.AUTH)
    ev.add(EventKind.CLIENT, "***", Phase.AUTH)
    failed_at = ev.server(rejection, Phase.AUTH, 412.0)
    ev.add(EventKind.ERROR, "Login refused: 535 5.7.139", Phase.AUTH, 0.2)
    ev.add(EventKind.CLIENT, "QUIT", Phase.QUIT)
    ev.server(Reply(221, ("2.0.0 Service closing transmission channel",)), Phase.QUIT)
    result = ProbeResult(
        plan=plan,
        started_at=STARTED,
        transcript=tuple(ev.events),
        phases=(
            PhaseOutcome(Phase.CONNECT, True, 32.2),
            PhaseOutcome(Phase.GREETING, True, 42.0),
            PhaseOutcome(Phase.EHLO, True, 24.0),
            PhaseOutcome(Phase.STARTTLS, True, 22.0),
            PhaseOutcome(Phase.TLS, True, 30.0),
            PhaseOutcome(Phase.AUTH, False, 422.4),
        ),
        failure=Failure(
            FailureKind.REPLY, Phase.AUTH, "The server refused the login", reply=rejection, event_index=failed_at
        ),
        peer_address="52.97.133.18:587",
        greeting=greeting,
        capabilities_before_tls=before,
        capabilities_after_tls=after,
        tls=TlsInfo(
            "TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", _chain(host, "DigiCert Cloud Services CA-1"), verified=True
        ),
        auth_mechanism="LOGIN",
        replies=((Phase.GREETING, greeting), (Phase.AUTH, rejection)),
        duration_ms=ev.offset,
        enrichment=Enrichment(
            sender_mx=SenderDomainMx("contoso.com", ("contoso-com.mail.protection.outlook.com",)),
            provider_id="microsoft365",
        ),
    )
    command = f"Set-CASMailbox -Identity {user} -SmtpClientAuthenticationDisabled $false"
    findings = (
        Finding(
            code="smtp_auth_disabled_tenant",
            severity=Severity.ERROR,
            title="SMTP AUTH is switched off for the whole Microsoft 365 organisation",
            explanation="Microsoft 365 refused the login before checking the app password: the organisation "
            "has turned off SMTP AUTH for every mailbox (see https://aka.ms/smtp_auth_disabled). This blocks "
            "passwords and OAuth alike, so changing the password on the device will not help.",
            fix=(
                "Ask a Microsoft 365 administrator to allow SMTP AUTH for this one mailbox "
                f"(Exchange admin center > Mailboxes > {user} > Manage email apps > Authenticated SMTP), or "
                "run the command below in Exchange Online PowerShell.",
                "Wait up to an hour for the change to take effect, then press Test again.",
            ),
            evidence=(failed_at,),
            commands=(command,),
            rule_id="m365.5.7.139.tenant",
        ),
        Finding(
            code="basic_auth_retirement",
            severity=Severity.WARNING,
            title="Microsoft is retiring password (Basic) SMTP AUTH",
            explanation="Even once SMTP AUTH is allowed, app passwords count as Basic authentication, which "
            "Microsoft is phasing out for SMTP. Plan a move to OAuth or a relay connector.",
            fix=("Plan the move to OAuth (XOAUTH2) or a Microsoft 365 connector for this device.",),
            rule_id="m365.basic_retirement",
        ),
    )
    return Sample("m365-535-5.7.139", result, findings, Credentials(password=Secret(APP_PASSWORD)), APP_PASSWORD, user)


def xoauth2_wrong_audience() -> Sample:
    """smtp.office365.com:587, AUTH XOAUTH2 with a Graph token: 535 5.7.3."""
    host, user = "smtp.office365.com", "scan@contoso.com"
    plan = ProbePlan(
        host=host,
        port=587,
        security=SecurityMode.STARTTLS,
        auth=AuthMethod.XOAUTH2,
        username=user,
        credential_kind=CredentialKind.OAUTH_DELEGATED,
        message=MessageSpec(mail_from=user, rcpt_to=("frontdesk@contoso.com",)),
        send=False,
    )
    greeting = Reply(
        220,
        ("AM0PR02CA0001.outlook.office365.com Microsoft ESMTP MAIL Service ready at Sat, 22 Nov 2025 17:05:14 +0000",),
    )
    server_name = "AM0PR02CA0001.outlook.office365.com Hello [198.51.100.7]"
    before_reply, before = _caps(server_name, "SIZE 157286400", "PIPELINING", "STARTTLS", "8BITMIME")
    after_reply, after = _caps(server_name, "SIZE 157286400", "PIPELINING", "AUTH LOGIN XOAUTH2", "8BITMIME")
    rejection = Reply(535, ("5.7.3 Authentication unsuccessful [AM0PR02CA0001.eurprd02.prod.outlook.com]",))
    ev = _Events()
    ev.add(
        EventKind.INFO, "Token acquired from the cache for scan@contoso.com (expires in 52 min)", Phase.OAUTH_TOKEN, 2.0
    )
    ev.add(EventKind.INFO, f"Authorization: Bearer {TOKEN}", Phase.OAUTH_TOKEN, 0.1)  # a leak to catch
    _session_start(ev, host, greeting, before_reply)
    ev.add(EventKind.TLS, "TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384; certificate verified", Phase.TLS, 28.0)
    ev.add(EventKind.CLIENT, "EHLO scanner-3f.local", Phase.EHLO)
    ev.server(after_reply, Phase.EHLO, 14.0)
    ev.add(EventKind.CLIENT, "AUTH XOAUTH2 " + b64(f"user={user}\x01auth=Bearer {TOKEN}\x01\x01"), Phase.AUTH)
    failed_at = ev.server(rejection, Phase.AUTH, 380.0)
    ev.add(EventKind.CLIENT, "QUIT", Phase.QUIT)
    ev.server(Reply(221, ("2.0.0 Service closing transmission channel",)), Phase.QUIT)
    result = ProbeResult(
        plan=plan,
        started_at=STARTED,
        transcript=tuple(ev.events),
        phases=(
            PhaseOutcome(Phase.OAUTH_TOKEN, True, 2.1),
            PhaseOutcome(Phase.CONNECT, True, 32.2),
            PhaseOutcome(Phase.GREETING, True, 42.0),
            PhaseOutcome(Phase.EHLO, True, 24.0),
            PhaseOutcome(Phase.STARTTLS, True, 22.0),
            PhaseOutcome(Phase.TLS, True, 28.0),
            PhaseOutcome(Phase.AUTH, False, 384.0),
        ),
        failure=Failure(
            FailureKind.REPLY, Phase.AUTH, "The server refused the login", reply=rejection, event_index=failed_at
        ),
        peer_address="52.97.201.34:587",
        greeting=greeting,
        capabilities_before_tls=before,
        capabilities_after_tls=after,
        tls=TlsInfo(
            "TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", _chain(host, "DigiCert Cloud Services CA-1"), verified=True
        ),
        auth_mechanism="XOAUTH2",
        replies=((Phase.GREETING, greeting), (Phase.AUTH, rejection)),
        duration_ms=ev.offset,
        enrichment=Enrichment(
            provider_id="microsoft365",
            sender_mx=SenderDomainMx("contoso.com", ("contoso-com.mail.protection.outlook.com",)),
            token_claims=TokenClaims(
                {
                    "aud": "https://graph.microsoft.com",
                    "scp": "Mail.Send User.Read",
                    "upn": user,
                    "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47",
                    "appid": "9e5f94bc-e8a4-4e73-b8be-63364c29d753",
                    "exp": "2025-11-22T18:57:12+00:00",
                }
            ),
        ),
    )
    findings = (
        Finding(
            code="oauth_wrong_scope_or_audience",
            severity=Severity.ERROR,
            title="The token is for Microsoft Graph, not for SMTP",
            explanation="The token's audience is https://graph.microsoft.com and its scopes are Mail.Send "
            "User.Read. Exchange Online's SMTP server only accepts tokens for https://outlook.office.com with "
            "the SMTP.Send scope, and answers anything else with a bare 535 5.7.3.",
            fix=(
                "Request the token with the scope https://outlook.office.com/SMTP.Send "
                "(or https://outlook.office.com/.default for an app-only token).",
                "In the app registration, add the delegated permission SMTP.Send under "
                "APIs my organization uses > Office 365 Exchange Online, and grant consent.",
            ),
            evidence=(failed_at,),
            rule_id="oauth.audience",
        ),
    )
    return Sample("xoauth2-wrong-audience", result, findings, Credentials(token=Secret(TOKEN)), TOKEN, user)


def all_samples() -> list[Sample]:
    return [starttls_login_success(), m365_tenant_disabled(), xoauth2_wrong_audience()]


def environment_for(sample: Sample) -> Environment:
    """The fixed environment, with the clock offset measured from this sample's greeting."""
    server_date, offset = clock_offset(sample.result)
    return replace(FIXED_ENVIRONMENT, server_date=server_date, clock_offset_seconds=offset)
