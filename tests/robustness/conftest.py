"""Fixtures of the robustness suite and the table it prints at the end of the run.

``pytest_terminal_summary`` here is found because pytest registers every collected conftest as a
plugin; it prints the table whenever any robustness case ran (alone or in the whole suite).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.robustness.table import ROWS, format_table


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ROWS:
        return
    terminalreporter.section("robustness: hostile servers, bad input and faults")
    for line in format_table(ROWS):
        terminalreporter.write_line(line)
    mismatches = sum(1 for row in ROWS if not row.passed)
    total = sum(row.seconds for row in ROWS)
    terminalreporter.write_line(f"{len(ROWS)} cases, {mismatches} mismatches, {total:.1f} s of runs in all")


@dataclass(frozen=True)
class Certificates:
    """Server TLS contexts: a good one (the shared CA, names 127.0.0.1) and three bad ones."""

    good: ssl.SSLContext
    expired: ssl.SSLContext
    self_signed: ssl.SSLContext
    wrong_name: ssl.SSLContext
    ca_file: str


def _context(cert: object) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)  # type: ignore[attr-defined]
    return context


@pytest.fixture(scope="session")
def certificates(ca: object, server_ssl_context: ssl.SSLContext, ca_file: str) -> Certificates:
    import trustme

    now = datetime.now(UTC)
    expired = ca.issue_cert("127.0.0.1", not_before=now - timedelta(days=60), not_after=now - timedelta(days=1))  # type: ignore[attr-defined]
    # A CA's own certificate is self-signed; this CA is trusted by no one.
    stranger = trustme.CA()
    self_signed = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with stranger.cert_pem.tempfile() as cert_path, stranger.private_key_pem.tempfile() as key_path:
        self_signed.load_cert_chain(cert_path, key_path)
    wrong_name = ca.issue_cert("other-host.example.test")  # type: ignore[attr-defined]
    return Certificates(server_ssl_context, _context(expired), self_signed, _context(wrong_name), ca_file)
