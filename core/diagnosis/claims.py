"""Reading an access token's claims (never the token) to tell why a server refused it.

The OAuth helper stores a summary in ``result.extra["token_claims"]``: aud, scp, roles, upn /
preferred_username / unique_name, exp, nbf, iat. Microsoft answers every token problem with the
same bare ``535 5.7.3``, so these claims are the only way to narrow it down.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from core.diagnosis.context import Context

# Exchange Online's resource, as a URL (with or without a trailing slash) or as its app id.
EXCHANGE_AUDIENCES = frozenset(
    {
        "https://outlook.office.com",
        "https://outlook.office365.com",
        "00000002-0000-0ff1-ce00-000000000000",
    }
)
DELEGATED_SCOPE = "SMTP.Send"
APP_ROLE = "SMTP.SendAsApp"
SKEW_SECONDS = 300  # token and local clock may differ by a few minutes before it matters


def _epoch(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.strip().isdigit():
        return float(value.strip())
    return None


def _timestamp(now: datetime) -> float:
    return (now if now.tzinfo else now.replace(tzinfo=UTC)).timestamp()


def audience(claims: Mapping[str, object]) -> str | None:
    aud = claims.get("aud")
    if isinstance(aud, list | tuple):
        aud = aud[0] if aud else None
    return str(aud) if aud else None


def token_user(claims: Mapping[str, object]) -> str | None:
    for key in ("upn", "preferred_username", "unique_name", "email"):
        value = claims.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def scopes(claims: Mapping[str, object]) -> list[str]:
    scp = claims.get("scp")
    return str(scp).split() if scp else []


def roles(claims: Mapping[str, object]) -> list[str]:
    value = claims.get("roles")
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value).split() if value else []


def is_app_only(ctx: Context) -> bool:
    from core.model import CredentialKind

    if ctx.credential is CredentialKind.OAUTH_APP_ONLY:
        return True
    return ctx.credential is not CredentialKind.OAUTH_DELEGATED and "scp" not in ctx.claims and bool(roles(ctx.claims))


def expired(ctx: Context) -> bool:
    exp = _epoch(ctx.claims.get("exp"))
    return exp is not None and exp < _timestamp(ctx.now)


def wrong_audience(ctx: Context) -> bool:
    """A Microsoft token meant for another resource (Graph, a custom API)."""
    aud = audience(ctx.claims)
    if aud is None or not (ctx.microsoft or "microsoft" in aud or "office" in aud):
        return False
    return aud.rstrip("/").lower() not in EXCHANGE_AUDIENCES


def missing_delegated_scope(ctx: Context) -> bool:
    if not ctx.microsoft or is_app_only(ctx) or "scp" not in ctx.claims:
        return False
    return not any(s.split("/")[-1].lower() == DELEGATED_SCOPE.lower() for s in scopes(ctx.claims))


def missing_app_role(ctx: Context) -> bool:
    if not ctx.microsoft or not is_app_only(ctx):
        return False
    return APP_ROLE.lower() not in (r.lower() for r in roles(ctx.claims))


def user_mismatch(ctx: Context) -> bool:
    """The token's account differs from the user= the client sent (delegated tokens only)."""
    user = token_user(ctx.claims)
    if is_app_only(ctx) or user is None or not ctx.username:
        return False
    return user.strip().lower() != ctx.username.strip().lower()


def app_only_token_fine(ctx: Context) -> bool:
    """An app-only token with the right audience and role: what is left is the mailbox side."""
    return ctx.microsoft and is_app_only(ctx) and bool(ctx.claims) and not missing_app_role(ctx)


def clock_difference(ctx: Context) -> float | None:
    """Seconds the token's issue time lies ahead of the local clock (a token from the future)."""
    now = _timestamp(ctx.now)
    ahead = [t - now for t in (_epoch(ctx.claims.get("iat")), _epoch(ctx.claims.get("nbf"))) if t is not None]
    worst = max(ahead, default=None)
    return worst if worst is not None and worst > SKEW_SECONDS else None
