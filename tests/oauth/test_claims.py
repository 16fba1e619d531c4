"""Local reading of token claims (JWT and opaque) and the clock-skew check."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from core.model import ProbePlan
from core.oauth.claims import SAFE_CLAIMS, clock_skew, inspect_token, is_expired, seconds_left
from core.probe.result import ProbeResult
from core.secret import Secret
from core.usecase.enrich import enrich
from tests.helpers.fake_authority import make_jwt

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())


def test_jwt_claims_are_read_and_only_the_safe_ones_kept() -> None:
    token = make_jwt(
        {
            "aud": "https://outlook.office.com",
            "scp": "SMTP.Send",
            "upn": "a@contoso.example",
            "oid": "o",
            "tid": "t",
            "appid": "c",
            "iss": "https://sts.windows.net/t/",
            "iat": T - 300,
            "nbf": T - 300,
            "exp": T + 3600,
            "name": "Alice",
            "ipaddr": "198.51.100.7",
            "puid": "1003",
            "acct": 0,
        }
    )
    claims = inspect_token(Secret(token))
    assert claims == {
        "aud": "https://outlook.office.com",
        "scp": "SMTP.Send",
        "upn": "a@contoso.example",
        "oid": "o",
        "tid": "t",
        "appid": "c",
        "iss": "https://sts.windows.net/t/",
        "exp": T + 3600,
        "nbf": T - 300,
        "iat": T - 300,
    }
    assert set(claims) <= set(SAFE_CLAIMS)


def test_opaque_consumer_token_is_reported_as_opaque() -> None:
    # Outlook.com tokens look like this: not a JWT at all.
    assert inspect_token(Secret("EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA")) == {"opaque": True}
    assert inspect_token(Secret("a.b.c")) == {"opaque": True}
    assert inspect_token(Secret("")) == {"opaque": True}
    jwe_like = ".".join(["eyJhbGciOiJSU0EifQ"] * 5)
    assert inspect_token(Secret(jwe_like)) == {"opaque": True}


def test_garbage_claim_types_are_dropped_and_long_values_cut() -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "RS256"}).encode()).decode().rstrip("=")
    payload = (
        base64.urlsafe_b64encode(
            json.dumps({"exp": True, "iat": "soon", "aud": "x" * 1000, "roles": ["A", 5, {"b": 1}], "oid": 7}).encode()
        )
        .decode()
        .rstrip("=")
    )
    claims = inspect_token(Secret(f"{header}.{payload}.sig"))
    assert claims == {"aud": "x" * 256, "roles": ["A"]}


def test_oauth_extra_never_contains_the_token() -> None:
    token = make_jwt({"aud": "https://outlook.office.com", "exp": T})
    bare = ProbeResult(plan=ProbePlan(host="127.0.0.1", port=587), started_at=NOW, transcript=())
    extra = enrich(bare, token=Secret(token), lookup_mx=None).enrichment.as_dict()
    assert extra == {"token_claims": {"aud": "https://outlook.office.com", "exp": T}}
    assert token not in json.dumps(extra)


def test_expiry_helpers() -> None:
    assert is_expired({"exp": T - 1}, now=NOW)
    assert not is_expired({"exp": T + 60}, now=NOW)
    assert not is_expired({}, now=NOW)
    assert seconds_left({"exp": T + 90}, now=NOW) == 90
    assert seconds_left({}, now=NOW) is None


def test_token_not_yet_valid_means_the_local_clock_is_behind() -> None:
    skew = clock_skew({"nbf": T + 3600, "iat": T + 3600, "exp": T + 7200}, now=NOW)
    assert skew is not None
    assert skew.basis == "nbf"
    assert skew.local_ahead_seconds == -3600
    assert "60 minutes behind" in skew.describe()


def test_fresh_token_already_expired_means_the_local_clock_is_ahead() -> None:
    claims = {"iat": T - 7200 - 300, "nbf": T - 7200 - 300, "exp": T - 3600}
    assert clock_skew(claims, now=NOW) is None  # from the cache this is simply an old token
    skew = clock_skew(claims, now=NOW, freshly_issued=True)
    assert skew is not None
    assert skew.basis == "exp"
    assert skew.local_ahead_seconds == 3600
    assert skew.as_dict() == {"local_ahead_seconds": 3600, "basis": "exp"}


def test_fresh_token_with_entra_backdating_is_in_step() -> None:
    # Entra ID backdates iat/nbf by 5 minutes; that alone is not skew.
    assert clock_skew({"iat": T - 300, "nbf": T - 300, "exp": T + 3300}, now=NOW, freshly_issued=True) is None
    skew = clock_skew({"iat": T - 1500, "nbf": T - 1500, "exp": T + 2100}, now=NOW, freshly_issued=True)
    assert skew is not None
    assert skew.basis == "iat"
    assert skew.local_ahead_seconds == 1200
