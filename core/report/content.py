"""What a report says, independent of its format: the verdict, labelled rows and table data.

The text, HTML (and so PDF) renderings lay out the same facts from here, so they never disagree.
Every function takes an already-redacted result (see :mod:`core.report.redact`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.diagnosis.engine import find_provider
from core.diagnosis.finding import Finding, Severity, primary
from core.diagnosis.providers import Provider
from core.model import CredentialKind, ProbePlan
from core.probe.result import CertSummary, ProbeResult, TlsInfo
from core.probe.transcript import TranscriptEvent
from core.report.environment import Environment, describe_clock_offset
from core.smtp.capabilities import Capabilities

Row = tuple[str, str]

NOT_INCLUDED = "not included in this report"


@dataclass(frozen=True)
class Verdict:
    """The one-line answer at the top of every report."""

    passed: bool
    label: str  # "PASSED" / "PROBLEM FOUND"
    headline: str


@dataclass(frozen=True)
class CapabilityRow:
    """One EHLO keyword as advertised before and after STARTTLS."""

    keyword: str
    before: str | None
    after: str | None

    @property
    def change(self) -> str:
        if self.before is None and self.after is not None:
            return "new after STARTTLS"
        if self.after is None and self.before is not None:
            return "gone after STARTTLS"
        if self.before != self.after:
            return "changed"
        return ""


@dataclass(frozen=True)
class TimingRow:
    phase: str
    ok: bool
    milliseconds: float


def verdict(result: ProbeResult, findings: Sequence[Finding]) -> Verdict:
    cause = primary(findings)
    if result.ok and cause is None:
        return Verdict(True, "PASSED", _success_headline(result))
    if cause is not None:
        return Verdict(False, "PROBLEM FOUND", cause.title)
    failure = result.failure
    headline = failure.message if failure else "The test did not complete"
    return Verdict(False, "PROBLEM FOUND", headline)


def _success_headline(result: ProbeResult) -> str:
    if result.message_accepted:
        return "Connected, logged in and the server accepted the test message"
    if result.authenticated:
        return "Connected and logged in (no message was sent)"
    return "Connected; every step that ran succeeded"


def target(plan: ProbePlan) -> str:
    """``smtp.example.com:587 (STARTTLS)``."""
    return f"{plan.host}:{plan.port} ({plan.security.label})"


def stamp(moment: datetime) -> str:
    """A timestamp people read: ``2025-11-22 18:05:12 +01:00``."""
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    offset = moment.strftime("%z")
    return f"{text} {offset[:3]}:{offset[3:]}" if offset else text


def settings_rows(plan: ProbePlan) -> list[Row]:
    """The settings that were tested, in a technician's words. Secrets are never part of a plan."""
    message = plan.message
    rows: list[Row] = [
        ("Server", plan.host),
        ("Port", str(plan.port)),
        ("Encryption", plan.security.label),
        ("Login method", plan.auth.value.upper() if plan.auth.value not in ("auto", "none") else plan.auth.value),
        ("Login name", plan.username or "(none)"),
        ("Secret", _secret_label(plan)),
        ("Sender (MAIL FROM)", message.mail_from or "(none)"),
        ("Recipients", ", ".join(message.rcpt_to) or "(none)"),
    ]
    if message.header_from:
        rows.append(("Header From", message.header_from))
    if message.attachment_bytes:
        rows.append(("Attachment", f"{message.attachment_bytes} bytes"))
    rows += [
        ("Send a test message", "yes" if plan.send else "no (stop after login)"),
        ("EHLO name", plan.helo_name or "(this computer's name)"),
        ("Check certificate", "yes" if plan.tls.verify else "NO (verification switched off)"),
    ]
    optional: list[tuple[str, str | None]] = [
        ("CA file", plan.tls.ca_file),
        ("Lowest TLS version", plan.tls.min_version),
        ("Highest TLS version", plan.tls.max_version),
        ("Ciphers", plan.tls.ciphers),
        ("Profile", plan.profile_name),
        ("Emulated device", plan.device_profile),
    ]
    rows += [(label, value) for label, value in optional if value]
    rows.append(("Command timeout", f"{plan.timeouts.command:g} s"))
    return rows


def _secret_label(plan: ProbePlan) -> str:
    kind = credential_label(plan.credential_kind)
    return kind if plan.credential_kind is CredentialKind.NONE else f"{kind} ({NOT_INCLUDED})"


def credential_label(kind: CredentialKind) -> str:
    return _CREDENTIAL_LABELS[kind]


_CREDENTIAL_LABELS = {
    CredentialKind.NONE: "(none)",
    CredentialKind.PASSWORD: "password",
    CredentialKind.APP_PASSWORD: "app password",
    CredentialKind.API_KEY: "API key",
    CredentialKind.OAUTH_DELEGATED: "OAuth access token (delegated)",
    CredentialKind.OAUTH_APP_ONLY: "OAuth access token (app-only)",
}


def connection_rows(result: ProbeResult) -> list[Row]:
    rows: list[Row] = [("Server address", result.peer_address or "(not connected)")]
    provider = detected_provider(result)
    rows.append(("Detected provider", provider.label if provider is not None else "(not recognised)"))
    rows.append(("MX records", mx_summary(result)))
    if result.greeting is not None:
        rows.append(("Greeting", " / ".join(result.greeting.wire_lines())))
    rows += [
        ("Login mechanism used", result.auth_mechanism or "(none)"),
        ("Logged in", "yes" if result.authenticated else "no"),
        ("Test message accepted", "yes" if result.message_accepted else "no"),
        ("Total time", f"{result.duration_ms:.0f} ms"),
    ]
    if result.quirks:
        rows.append(("Server quirks", ", ".join(result.quirks)))
    return rows


def detected_provider(result: ProbeResult) -> Provider | None:
    """The provider the check found (its enrichment), else what the server's own words reveal."""
    return find_provider(result)


def mx_summary(result: ProbeResult) -> str:
    """The sender domain's MX hosts, or why there are none, with the domain they belong to."""
    lookup = result.enrichment.sender_mx
    if lookup is None:
        return "(not looked up)"
    if lookup.hosts:
        return f"{', '.join(lookup.hosts)} (for {lookup.domain})"
    return f"{lookup.problem or 'none'} (for {lookup.domain})"


def failure_rows(result: ProbeResult) -> list[Row]:
    failure = result.failure
    if failure is None:
        return []
    rows: list[Row] = [
        ("Stopped at", failure.phase.value),
        ("Reason", failure.kind.value.replace("_", " ")),
        ("Message", failure.message),
    ]
    if failure.reply is not None:
        rows.append(("Server reply", " / ".join(failure.reply.wire_lines())))
    optional = [("OS error", failure.os_error), ("OpenSSL reason", failure.ssl_reason)]
    rows += [(label, value) for label, value in optional if value]
    if failure.verify_code is not None:
        rows.append(("Certificate verify code", str(failure.verify_code)))
    return rows


def tls_rows(tls: TlsInfo) -> list[Row]:
    if not tls.verification_enabled:
        verification = "switched off (the certificate was not checked)"
    elif tls.verified:
        verification = "verified"
    else:
        code = f" (code {tls.verify_code})" if tls.verify_code is not None else ""
        verification = f"FAILED: {tls.verify_message or 'not trusted'}{code}"
    return [
        ("TLS version", tls.version or "(not negotiated)"),
        ("Cipher", tls.cipher or "(not negotiated)"),
        ("Certificate", verification),
        ("Certificates in chain", str(len(tls.chain))),
    ]


def certificate_rows(cert: CertSummary) -> list[Row]:
    return [
        ("Subject", cert.subject),
        ("Issuer", cert.issuer + (" (self-signed)" if cert.self_signed else "")),
        ("Names (SAN)", ", ".join(cert.sans) or "(none)"),
        ("Valid from", stamp(cert.not_before)),
        ("Valid until", stamp(cert.not_after)),
        ("SHA-256", cert.sha256),
    ]


def capability_rows(before: Capabilities | None, after: Capabilities | None) -> list[CapabilityRow]:
    """EHLO keywords side by side, matched by keyword; the order the server used, after first."""
    before_map = _by_keyword(before)
    after_map = _by_keyword(after)
    keywords = list(after_map) + [k for k in before_map if k not in after_map]
    if after is None:
        return [CapabilityRow(k, before_map[k], None) for k in before_map]
    return [CapabilityRow(k, before_map.get(k), after_map.get(k)) for k in keywords]


def _by_keyword(capabilities: Capabilities | None) -> dict[str, str]:
    if capabilities is None:
        return {}
    rows: dict[str, str] = {}
    for line in capabilities.raw:
        keyword = line.split(" ", 1)[0].split("=", 1)[0].upper()
        rows[keyword] = f"{rows[keyword]}; {line}" if keyword in rows else line
    return rows


def timing_rows(result: ProbeResult) -> list[TimingRow]:
    return [TimingRow(p.phase.value, p.ok, p.milliseconds) for p in result.phases]


def timing_bar(milliseconds: float, longest: float, width: int = 24) -> str:
    """A proportional bar of block characters (reads without colour, survives copy and paste)."""
    if longest <= 0:
        return ""
    return "█" * max(1, round(width * milliseconds / longest)) if milliseconds > 0 else ""


def token_rows(result: ProbeResult) -> list[Row]:
    """The OAuth token's claims and the token endpoint's error, when the run used OAuth."""
    rows: list[Row] = []
    claims, error = result.enrichment.token_claims, result.enrichment.token_error
    if claims is not None:
        rows += [(f"Token {key}", _plain(value)) for key, value in claims.rows()]
    if error is not None:
        rows += [(f"Token error {key}", _plain(value)) for key, value in error.as_dict().items()]
    return rows


def xoauth2_rows(result: ProbeResult) -> list[Row]:
    if not result.xoauth2_error:
        return []
    return [(f"XOAUTH2 challenge {key}", _plain(value)) for key, value in result.xoauth2_error.items()]


def environment_rows(env: Environment) -> list[Row]:
    return [
        ("SMTP Doctor version", env.app_version),
        ("Operating system", env.os),
        ("Python", env.python),
        ("Qt", env.qt or "(not installed)"),
        ("Report made at (local time)", stamp(env.local_time)),
        ("UTC offset", env.utc_offset),
        ("Server's clock (from greeting)", stamp(env.server_date) if env.server_date else "(not given)"),
        ("Clock offset", describe_clock_offset(env.clock_offset_seconds)),
    ]


def severity_label(severity: Severity) -> str:
    return severity.value.upper()


def evidence_lines(finding: Finding, transcript: Sequence[TranscriptEvent]) -> list[str]:
    """The transcript lines a finding rests on, as ``#12 S: 535 ...``."""
    by_index = {e.index: e for e in transcript}
    return [
        f"#{i} {by_index[i].kind.prefix} {by_index[i].text}" if i in by_index else f"#{i} (not in transcript)"
        for i in finding.evidence
    ]


def ordered(findings: Sequence[Finding]) -> list[Finding]:
    """Errors first, then warnings, then notes; the engine's order within each severity."""
    return sorted(findings, key=lambda f: f.severity.rank)


def _plain(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "(none)" if value is None else str(value)
