"""What a check learns beside the SMTP conversation: the token's claims, a refused sign-in, the sender
domain's MX records and the provider they reveal.

The probe itself fills none of this; the check use case (``core.usecase.check``) does, after the
run, and every reader (diagnosis, the terminal, JSON, the reports, the app) reads these named fields.
None of it is secret: the token never appears here, only the claims ``core.oauth.claims`` lets out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


def _frozen(values: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True)
class TokenClaims:
    """The safe claims of the access token a run used (see ``core.oauth.claims.SAFE_CLAIMS``).

    ``values`` keeps the claims under their JWT names (``aud``, ``scp``, ``upn``…) because that is
    what support engineers search for; ``opaque`` marks a token that is not a readable JWT
    (Microsoft consumer tokens are opaque).
    """

    values: Mapping[str, object] = field(default_factory=dict)
    opaque: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _frozen(self.values))

    @classmethod
    def from_mapping(cls, claims: Mapping[str, object]) -> TokenClaims:
        """From ``core.oauth.claims.inspect_token``'s output (``{"opaque": True}`` for opaque tokens)."""
        if claims.get("opaque") is True:
            return cls(opaque=True)
        return cls(values=claims)

    def rows(self) -> list[tuple[str, object]]:
        """(claim, value) pairs in the token's order, for reports."""
        if self.opaque:
            return [("opaque", True)]
        return list(self.values.items())

    def as_dict(self) -> dict[str, object]:
        return {"opaque": True} if self.opaque else dict(self.values)


@dataclass(frozen=True)
class TokenErrorInfo:
    """A refused token request in the sign-in service's own words (already scrubbed of secrets)."""

    error: str
    description: str = ""
    aadsts: tuple[int, ...] = ()
    correlation_id: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "error": self.error,
            "description": self.description,
            "aadsts": list(self.aadsts),
            "correlation_id": self.correlation_id,
        }


@dataclass(frozen=True)
class SenderDomainMx:
    """The MX lookup of the sender's domain: the hosts, best first, or why there are none."""

    domain: str
    hosts: tuple[str, ...] = ()
    problem: str | None = None  # e.g. "no MX records", "the DNS server did not answer"


@dataclass(frozen=True)
class Enrichment:
    """Everything added to a probe result by the check use case; empty for a bare probe."""

    token_claims: TokenClaims | None = None
    token_error: TokenErrorInfo | None = None
    sender_mx: SenderDomainMx | None = None  # None: not looked up
    provider_id: str | None = None  # the detected provider (core.diagnosis.providers), None: unknown

    @property
    def mx_hosts(self) -> tuple[str, ...]:
        return self.sender_mx.hosts if self.sender_mx is not None else ()

    def as_dict(self) -> dict[str, object]:
        """JSON-ready; the keys are those of the JSON document's ``extra`` object (schema version 1)."""
        out: dict[str, object] = {}
        if self.token_claims is not None:
            out["token_claims"] = self.token_claims.as_dict()
        if self.token_error is not None:
            out["token_error"] = self.token_error.as_dict()
        if self.sender_mx is not None:
            out["mx"] = list(self.sender_mx.hosts)
            out["mx_domain"] = self.sender_mx.domain
            if self.sender_mx.problem:
                out["mx_problem"] = self.sender_mx.problem
        if self.provider_id is not None:
            out["provider"] = self.provider_id
        return out
