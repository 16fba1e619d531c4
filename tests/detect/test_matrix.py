"""The matrix against real loopback listeners: practice server ports, a silent port, a refused port."""

from __future__ import annotations

import threading
import time

import pytest

from core.cancel import CancelToken
from core.detect.matrix import Combination, MatrixRow, combinations, run_matrix
from core.detect.recommend import recommend
from core.lab.server import PracticeServer
from core.model import SecurityMode
from tests.detect.conftest import TIMEOUT, base_plan

pytestmark = pytest.mark.network

NONE, STARTTLS, TLS = SecurityMode.NONE, SecurityMode.STARTTLS, SecurityMode.TLS


def _by_combo(rows: tuple[MatrixRow, ...]) -> dict[tuple[int, SecurityMode], MatrixRow]:
    return {(row.port, row.security): row for row in rows}


def test_combinations_keep_port_order_and_drop_duplicates() -> None:
    combos = combinations([587, 25, 587])
    assert [c.port for c in combos] == [587, 587, 587, 25, 25, 25]
    assert [c.security for c in combos[:3]] == [NONE, STARTTLS, TLS]


def test_full_matrix_against_loopback_listeners(practice: PracticeServer, silent_port: int, refused_port: int) -> None:
    sub, imp, plain = practice.submission_port, practice.implicit_port, practice.plain_port
    seen: list[Combination] = []
    began = time.monotonic()
    rows = run_matrix(
        base_plan(practice.ca_file),
        [sub, imp, plain, silent_port, refused_port],
        on_row=lambda r: seen.append(r.combination),
    )
    elapsed = time.monotonic() - began
    m = _by_combo(rows)
    assert len(rows) == 15
    assert len(seen) == 15

    # STARTTLS submission: AUTH only after TLS, valid certificate.
    row = m[(sub, STARTTLS)]
    assert row.works
    assert row.reachable
    assert row.tls_version == "TLSv1.3"
    assert row.certificate_valid is True
    assert row.auth_before_tls == ()
    assert row.auth_after_tls == ("LOGIN", "PLAIN", "XOAUTH2")
    assert row.greeting is not None
    assert row.greeting.startswith("220 mail.practice.test")
    assert m[(sub, NONE)].session_ok
    assert m[(sub, NONE)].login_mechanisms == ()
    assert m[(sub, TLS)].error_code == "port_tls_mismatch_implicit_on_starttls_port"

    # Implicit TLS: plaintext modes wait for a greeting that never comes; SSL/TLS works.
    assert m[(imp, TLS)].works
    assert m[(imp, TLS)].auth_after_tls == ("LOGIN", "PLAIN", "XOAUTH2")
    assert m[(imp, TLS)].auth_before_tls is None
    for mode in (NONE, STARTTLS):
        assert m[(imp, mode)].error_code == "port_tls_mismatch_starttls_on_implicit_port"
        assert m[(imp, mode)].reachable is True
        assert m[(imp, mode)].greeting is None

    # Plain relay: AUTH in the clear, no STARTTLS.
    assert m[(plain, NONE)].works
    assert m[(plain, NONE)].auth_before_tls == ("LOGIN", "PLAIN", "XOAUTH2")
    assert m[(plain, STARTTLS)].error_code == "starttls_not_offered"

    # Silent port: connects, nothing ever answers (not mistaken for an implicit-TLS port).
    for mode in (NONE, STARTTLS, TLS):
        silent = m[(silent_port, mode)]
        assert silent.reachable is True
        assert not silent.session_ok
        assert silent.error_code == "server_timeout", (mode, silent.error_code)
    # Refused port: unreachable in every mode.
    for mode in (NONE, STARTTLS, TLS):
        assert m[(refused_port, mode)].reachable is False
        assert m[(refused_port, mode)].error_code == "connect_refused"

    best = recommend(rows)
    assert best is not None
    assert (best.port, best.security) == (sub, STARTTLS)
    assert "encrypted (TLSv1.3)" in best.reason
    assert "AUTH LOGIN PLAIN XOAUTH2" in best.reason
    assert f"port {imp} SSL/TLS: works too, but STARTTLS" in best.reason
    assert f"port {plain} None: no encryption" in best.reason
    # Six combinations wait out a timeout; concurrently that costs about one timeout, not six.
    assert elapsed < TIMEOUT * 3, elapsed


def test_untrusted_certificate_still_shows_what_the_port_offers(practice: PracticeServer) -> None:
    rows = run_matrix(base_plan(None), [practice.submission_port], modes=[STARTTLS])
    (row,) = rows
    assert row.certificate_valid is False
    assert row.error_code == "tls_certificate_untrusted"
    assert row.session_ok
    assert not row.works
    assert row.auth_after_tls == ("LOGIN", "PLAIN", "XOAUTH2")  # learned by the unverified retry
    best = recommend(rows)
    assert best is not None
    assert "NOT trusted" in best.reason


def test_insecure_run_leaves_certificate_validity_unknown(practice: PracticeServer) -> None:
    from dataclasses import replace

    plan = base_plan(None)
    plan = replace(plan, tls=replace(plan.tls, verify=False))
    (row,) = run_matrix(plan, [practice.implicit_port], modes=[TLS])
    assert row.works
    assert row.certificate_valid is None
    assert row.tls_version == "TLSv1.3"


def test_cancel_ends_the_matrix_promptly(silent_port: int) -> None:
    cancel = CancelToken()
    timer = threading.Timer(0.3, cancel.cancel)
    timer.start()
    began = time.monotonic()
    try:
        rows = run_matrix(base_plan(None, timeout=20.0), [silent_port], cancel=cancel)
    finally:
        timer.cancel()
    assert time.monotonic() - began < 3.0
    assert all(not row.session_ok for row in rows)
    assert recommend(rows) is None
