"""The immutable outcome of one probe: the input to diagnosis, the CLI's JSON and reports."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from core.model import ProbePlan
from core.probe.enrichment import Enrichment
from core.probe.phases import Phase
from core.probe.transcript import TranscriptEvent
from core.smtp.capabilities import Capabilities
from core.smtp.events import Reply


class FailureKind(enum.Enum):
    """Why a probe stopped early, as data (diagnosis reads this, never live exceptions)."""

    DNS = "dns"  # host name did not resolve
    REFUSED = "refused"  # TCP reset on connect
    CONNECT_TIMEOUT = "connect_timeout"  # SYN unanswered
    CONNECT_FAILED = "connect_failed"  # other socket error at connect
    TIMEOUT = "timeout"  # the server went silent mid-conversation (or never greeted)
    DISCONNECTED = "disconnected"  # the server closed the connection
    TLS_HANDSHAKE = "tls_handshake"  # handshake failed (alert, wrong version number, ...)
    TLS_CERTIFICATE = "tls_certificate"  # certificate did not verify
    PROTOCOL = "protocol"  # not valid SMTP
    REPLY = "reply"  # the server answered a command with an error reply
    NOT_OFFERED = "not_offered"  # STARTTLS or the AUTH mechanism is not advertised
    TOKEN = "token"  # the OAuth token could not be fetched
    CANCELLED = "cancelled"
    INTERNAL = "internal"  # a bug in this tool; the message says what


@dataclass(frozen=True)
class Failure:
    """What stopped the run, where, and the evidence."""

    kind: FailureKind
    phase: Phase
    message: str  # one line for people, e.g. the OS reason or "STARTTLS not offered"
    reply: Reply | None = None  # the error reply, for FailureKind.REPLY (and 4xx/5xx greetings)
    os_error: str | None = None  # errno name, e.g. "ECONNREFUSED"
    ssl_reason: str | None = None  # OpenSSL's reason, e.g. "WRONG_VERSION_NUMBER"
    verify_code: int | None = None  # X509 verify error code (10 expired, 18/19/20 untrusted, 62 host)
    event_index: int | None = None  # the transcript line that shows it

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "phase": self.phase.value,
            "message": self.message,
            "reply": reply_dict(self.reply),
            "os_error": self.os_error,
            "ssl_reason": self.ssl_reason,
            "verify_code": self.verify_code,
        }


@dataclass(frozen=True)
class PhaseOutcome:
    """How one phase went and how long it took."""

    phase: Phase
    ok: bool
    milliseconds: float

    def as_dict(self) -> dict[str, object]:
        return {"name": self.phase.value, "ok": self.ok, "milliseconds": round(self.milliseconds, 1)}


@dataclass(frozen=True)
class CertSummary:
    """One certificate of the chain the server presented, as a person needs to see it."""

    subject: str
    issuer: str
    sans: tuple[str, ...]
    not_before: datetime
    not_after: datetime
    sha256: str  # hex, colon-free, lower case
    self_signed: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "sans": list(self.sans),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "sha256": self.sha256,
            "self_signed": self.self_signed,
        }


@dataclass(frozen=True)
class TlsInfo:
    """The negotiated TLS session (also recorded when verification failed)."""

    version: str | None  # "TLSv1.3"
    cipher: str | None
    chain: tuple[CertSummary, ...] = ()
    verified: bool = False
    verify_message: str | None = None  # why it did not verify, in OpenSSL's words
    verify_code: int | None = None
    verification_enabled: bool = True

    def as_dict(self) -> dict[str, object]:
        return {
            "version": self.version,
            "cipher": self.cipher,
            "chain": [c.as_dict() for c in self.chain],
            "verification": {
                "enabled": self.verification_enabled,
                "ok": self.verified,
                "reason": self.verify_message,
                "code": self.verify_code,
            },
        }


@dataclass(frozen=True)
class ProbeResult:
    """Everything one probe observed. ``failure`` is None when every phase it ran succeeded."""

    plan: ProbePlan
    started_at: datetime  # wall clock, timezone-aware
    transcript: tuple[TranscriptEvent, ...]
    phases: tuple[PhaseOutcome, ...] = ()
    failure: Failure | None = None
    peer_address: str | None = None  # "203.0.113.5:587" or "[2001:db8::1]:587"
    greeting: Reply | None = None
    capabilities_before_tls: Capabilities | None = None
    capabilities_after_tls: Capabilities | None = None
    tls: TlsInfo | None = None
    auth_mechanism: str | None = None  # the mechanism actually used
    authenticated: bool = False
    message_accepted: bool = False  # 250 after the end of DATA
    replies: tuple[tuple[Phase, Reply], ...] = ()  # every reply, with the phase it answered
    quirks: tuple[str, ...] = ()  # e.g. "bare_lf", "overlong_line", "data_after_starttls"
    xoauth2_error: dict[str, object] | None = None  # decoded JSON of a 334 XOAUTH2 challenge
    duration_ms: float = 0.0
    # Added by the check use case after the run (token claims, sender MX, provider); never secret.
    enrichment: Enrichment = field(default_factory=Enrichment)

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def capabilities(self) -> Capabilities | None:
        """The capabilities in force for AUTH: after TLS when STARTTLS ran, else before."""
        return self.capabilities_after_tls or self.capabilities_before_tls

    def replies_in(self, phase: Phase) -> list[Reply]:
        return [r for p, r in self.replies if p is phase]


def reply_dict(reply: Reply | None) -> dict[str, object] | None:
    if reply is None:
        return None
    return {"code": reply.code, "enhanced": str(reply.enhanced) if reply.enhanced else None, "lines": list(reply.lines)}
