"""What the rules look at: one probe result, read once into the facts that decide a diagnosis.

A reply means different things in different situations, so the context gathers the reply (the
embedded one when the outer reply carries an earlier error), the phase, the port and TLS mode,
the mechanisms offered before and after TLS, the mechanism and credential used, the provider and
the OAuth token's claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.diagnosis.providers import Provider
from core.diagnosis.replytext import decode_xoauth2_challenge, embedded_reply, normalise
from core.model import AuthMethod, CredentialKind, SecurityMode
from core.probe.phases import Phase
from core.probe.result import Failure, FailureKind, ProbeResult
from core.smtp.events import Reply

# Reply codes that belong to AUTH when found embedded in a later reply.
_AUTH_CODES = frozenset({454, 500, 501, 504, 530, 534, 535, 538})


@dataclass(frozen=True)
class Context:
    """The facts of one result that rules test. Built by :func:`build_context`."""

    result: ProbeResult
    now: datetime
    provider: Provider | None
    phase: Phase | None  # where it failed; AUTH when an embedded AUTH error explains a later reply
    kind: FailureKind | None
    reply: Reply | None  # the reply that explains the failure (embedded one unwrapped)
    outer: Reply | None  # the reply as received
    text: str  # normalised text of ``reply``
    embedded: bool
    xoauth2_error: Mapping[str, object] | None

    @property
    def failure(self) -> Failure | None:
        return self.result.failure

    @property
    def code(self) -> int | None:
        return self.reply.code if self.reply else None

    @property
    def enhanced(self) -> str | None:
        status = self.reply.enhanced if self.reply else None
        return str(status) if status else None

    @property
    def host(self) -> str:
        return self.result.plan.host

    @property
    def port(self) -> int:
        return self.result.plan.port

    @property
    def security(self) -> SecurityMode:
        return self.result.plan.security

    @property
    def tls_up(self) -> bool:
        """A TLS session was established (implicit, or after STARTTLS)."""
        tls = self.result.tls
        handshake_ok = any(p.phase is Phase.TLS and p.ok for p in self.result.phases)
        return handshake_ok or (tls is not None and tls.version is not None)

    @property
    def offered_before_tls(self) -> tuple[str, ...]:
        caps = self.result.capabilities_before_tls
        return caps.auth_mechanisms if caps else ()

    @property
    def offered(self) -> tuple[str, ...]:
        """The mechanisms in force for AUTH (after TLS when STARTTLS ran)."""
        caps = self.result.capabilities
        return caps.auth_mechanisms if caps else ()

    @property
    def starttls_offered(self) -> bool:
        caps = self.result.capabilities_before_tls
        return bool(caps and caps.starttls)

    @property
    def mechanism(self) -> str | None:
        """The AUTH mechanism used (or chosen in the settings)."""
        if self.result.auth_mechanism:
            return self.result.auth_mechanism.upper()
        chosen = self.result.plan.auth
        return None if chosen in (AuthMethod.AUTO, AuthMethod.NONE) else chosen.value.upper()

    @property
    def credential(self) -> CredentialKind:
        kind = self.result.plan.credential_kind
        if kind is CredentialKind.NONE and self.mechanism == "XOAUTH2":
            return CredentialKind.OAUTH_DELEGATED
        return kind

    @property
    def is_oauth(self) -> bool:
        return self.credential.is_oauth or self.mechanism in ("XOAUTH2", "OAUTHBEARER")

    @property
    def uses_password(self) -> bool:
        """A password-like secret (password, app password, key) was or would be presented."""
        return not self.is_oauth and self.credential is not CredentialKind.NONE

    @property
    def claims(self) -> Mapping[str, object]:
        claims = self.result.enrichment.token_claims
        return claims.as_dict() if claims is not None else {}

    @property
    def token_error(self) -> Mapping[str, object] | None:
        error = self.result.enrichment.token_error
        return error.as_dict() if error is not None else None

    @property
    def username(self) -> str | None:
        return self.result.plan.username or None

    @property
    def mail_from(self) -> str | None:
        return self.result.plan.message.mail_from or None

    @property
    def microsoft(self) -> bool:
        return bool(self.provider and self.provider.microsoft)

    def provider_is(self, *ids: str) -> bool:
        return self.provider is not None and self.provider.id in ids


def _failure_reply(result: ProbeResult) -> Reply | None:
    failure = result.failure
    if failure is None:
        return None
    if failure.reply is not None:
        return failure.reply
    if failure.kind is FailureKind.REPLY:
        replies = result.replies_in(failure.phase)
        return replies[-1] if replies else None
    if failure.phase is Phase.GREETING and result.greeting is not None and not result.greeting.is_positive:
        return result.greeting
    return None


def build_context(result: ProbeResult, now: datetime, provider: Provider | None) -> Context:
    outer = _failure_reply(result)
    inner = embedded_reply(outer) if outer is not None else None
    reply = inner or outer
    phase = result.failure.phase if result.failure else None
    if inner is not None and inner.code in _AUTH_CODES:
        phase = Phase.AUTH
    text = normalise(reply.text) if reply is not None else ""
    challenge: Mapping[str, object] | None = result.xoauth2_error
    if challenge is None and outer is not None:
        challenge = decode_xoauth2_challenge(outer)
    return Context(
        result=result,
        now=now,
        provider=provider,
        phase=phase,
        kind=result.failure.kind if result.failure else None,
        reply=reply,
        outer=outer,
        text=text,
        embedded=inner is not None,
        xoauth2_error=challenge,
    )
