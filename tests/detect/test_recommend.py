"""The ranking and its reason, on rows as data (the matrix tests cover rows from real servers)."""

from __future__ import annotations

from core.detect.matrix import Combination, MatrixRow
from core.detect.recommend import rank_key, recommend
from core.model import SecurityMode

NONE, STARTTLS, TLS = SecurityMode.NONE, SecurityMode.STARTTLS, SecurityMode.TLS
AUTH = ("LOGIN", "PLAIN")


def row(
    port: int,
    security: SecurityMode,
    *,
    tls: str | None = "TLSv1.3",
    cert: bool | None = True,
    auth: tuple[str, ...] = AUTH,
    ms: float = 10.0,
    completed: bool = True,
) -> MatrixRow:
    encrypted = security is not NONE
    return MatrixRow(
        Combination(port, security),
        reachable=True,
        tls_version=tls if encrypted else None,
        certificate_valid=cert if encrypted else None,
        auth_before_tls=auth if not encrypted else (),
        auth_after_tls=auth if encrypted else None,
        milliseconds=ms,
        completed=completed,
        error_code=None if completed else "server_timeout",
    )


def test_587_starttls_beats_465_and_explains_why() -> None:
    rows = [row(465, TLS, ms=1.0), row(587, STARTTLS, ms=50.0), row(25, NONE)]
    best = recommend(rows)
    assert best is not None
    assert (best.port, best.security) == (587, STARTTLS)
    assert "port 465 SSL/TLS: works too, but 587 with STARTTLS is the standard submission setting" in best.reason
    assert "port 25 None: no encryption" in best.reason
    assert best.as_dict() == {"port": 587, "security": "starttls", "reason": best.reason}


def test_login_and_a_valid_certificate_outrank_the_standard_port() -> None:
    relay = row(587, STARTTLS, auth=())
    untrusted = row(465, TLS, cert=False)
    good = row(2525, STARTTLS)
    best = recommend([relay, untrusted, good])
    assert best is not None
    assert best.port == 2525
    assert "port 587 STARTTLS: offers no login" in best.reason
    assert "port 465 SSL/TLS: its certificate is not trusted" in best.reason
    assert sorted([relay, untrusted, good], key=rank_key) == [good, untrusted, relay]


def test_encryption_outranks_login_and_newer_tls_breaks_ties() -> None:
    assert recommend([row(25, NONE), row(587, STARTTLS, auth=())]).port == 587  # type: ignore[union-attr]
    old, new = row(2525, STARTTLS, tls="TLSv1.2"), row(2525, STARTTLS, tls="TLSv1.3", ms=99.0)
    assert sorted([old, new], key=rank_key)[0] is new


def test_plaintext_only_recommendation_says_so_and_counts_failures() -> None:
    best = recommend([row(25, NONE), row(25, STARTTLS, completed=False), row(465, TLS, completed=False)])
    assert best is not None
    assert best.security is NONE
    assert "cross the network readable" in best.reason
    assert "2 other combinations did not work" in best.reason


def test_no_working_combination_gives_none() -> None:
    assert recommend([row(587, STARTTLS, completed=False)]) is None
    assert recommend([]) is None
