"""Read an access token's claims locally, for diagnosis (never to trust them).

Exchange Online answers every unsuitable token with the same ``535 5.7.3``, so the only way to
tell "wrong audience", "wrong user" and "expired" apart is to look inside the token. Microsoft
Entra work/school tokens are JWTs; Microsoft consumer (Outlook.com) tokens are opaque. The
signature is not checked: this is a looking glass, not an authorization decision. Only the claims
in ``SAFE_CLAIMS`` leave this module, and never the token itself.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from core.secret import Secret

SAFE_CLAIMS: tuple[str, ...] = (
    "aud",
    "scp",
    "roles",
    "upn",
    "preferred_username",
    "unique_name",
    "oid",
    "tid",
    "appid",
    "azp",
    "iss",
    "exp",
    "nbf",
    "iat",
)
_TIME_CLAIMS = frozenset({"exp", "nbf", "iat"})
_MAX_TEXT = 256  # a claim is a name or an ID; anything longer is not worth a report line
_MAX_ITEMS = 50
# Entra ID backdates iat and nbf by five minutes to absorb small clock differences.
ENTRA_BACKDATE_SECONDS = 300.0
DEFAULT_SKEW_TOLERANCE = 300.0


def inspect_token(token: Secret) -> dict[str, object]:
    """The safe claims of a JWT access token, or ``{"opaque": True}`` for any other token."""
    payload = _jwt_payload(token.reveal().strip())
    if payload is None:
        return {"opaque": True}
    claims: dict[str, object] = {}
    for name in SAFE_CLAIMS:
        value = _safe_value(name, payload.get(name))
        if value is not None:
            claims[name] = value
    return claims


def _jwt_payload(text: str) -> dict[str, object] | None:
    parts = text.split(".")
    # A JWS has three parts (the third may be empty for alg "none"); a JWE has five and is opaque.
    if len(parts) != 3:
        return None
    header = _b64url_json(parts[0])
    payload = _b64url_json(parts[1])
    if header is None or payload is None or "alg" not in header:
        return None
    return payload


def _b64url_json(part: str) -> dict[str, object] | None:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        value = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _safe_value(name: str, value: object) -> object | None:
    if name in _TIME_CLAIMS:
        # bool is an int subclass; a true/false "exp" is garbage, not a time.
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
        return None
    if isinstance(value, str):
        return value[:_MAX_TEXT]
    if isinstance(value, list):
        return [item[:_MAX_TEXT] for item in value[:_MAX_ITEMS] if isinstance(item, str)]
    return None


def _timestamp(claims: Mapping[str, object], name: str) -> float | None:
    value = claims.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _now_seconds(now: datetime | None) -> float:
    return (now or datetime.now(UTC)).timestamp()


def is_expired(claims: Mapping[str, object], *, now: datetime | None = None) -> bool:
    """True when the token's ``exp`` lies in the past by this machine's clock."""
    exp = _timestamp(claims, "exp")
    return exp is not None and exp <= _now_seconds(now)


def seconds_left(claims: Mapping[str, object], *, now: datetime | None = None) -> float | None:
    """Seconds until ``exp`` (negative when expired); None when the token carries no ``exp``."""
    exp = _timestamp(claims, "exp")
    return None if exp is None else exp - _now_seconds(now)


@dataclass(frozen=True)
class ClockSkew:
    """How far this machine's clock is off the token issuer's, as far as the token shows.

    ``local_ahead_seconds`` is positive when the local clock runs ahead of the issuer and
    negative when it runs behind; it is a lower bound of the real difference.
    """

    local_ahead_seconds: float
    basis: str  # the claim that showed it: "nbf", "iat" or "exp"

    def describe(self) -> str:
        minutes = abs(self.local_ahead_seconds) / 60
        direction = "ahead of" if self.local_ahead_seconds > 0 else "behind"
        return f"This computer's clock is at least {minutes:.0f} minutes {direction} the sign-in service's."

    def as_dict(self) -> dict[str, object]:
        return {"local_ahead_seconds": round(self.local_ahead_seconds), "basis": self.basis}


def clock_skew(
    claims: Mapping[str, object],
    *,
    now: datetime | None = None,
    freshly_issued: bool = False,
    tolerance: float = DEFAULT_SKEW_TOLERANCE,
) -> ClockSkew | None:
    """Compare the local clock with the token's ``nbf``/``iat`` (and ``exp``), or None if in step.

    A token that is not valid yet (``nbf`` or ``iat`` in the future) proves the local clock runs
    behind, whatever its age. Only a token that was issued moments ago (``freshly_issued``, i.e.
    not from the cache) proves a clock running ahead: its ``iat`` must then be close to now.
    """
    now_s = _now_seconds(now)
    for basis in ("nbf", "iat"):
        issued = _timestamp(claims, basis)
        if issued is not None and issued - now_s > tolerance:
            return ClockSkew(local_ahead_seconds=now_s - issued, basis=basis)
    if not freshly_issued:
        return None
    exp = _timestamp(claims, "exp")
    if exp is not None and now_s - exp > tolerance:
        return ClockSkew(local_ahead_seconds=now_s - exp, basis="exp")
    iat = _timestamp(claims, "iat")
    if iat is not None and now_s - iat > ENTRA_BACKDATE_SECONDS + tolerance:
        return ClockSkew(local_ahead_seconds=now_s - iat - ENTRA_BACKDATE_SECONDS, basis="iat")
    return None
