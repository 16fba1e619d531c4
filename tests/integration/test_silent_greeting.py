"""A greeting that never comes: implicit-TLS port (told by a TLS handshake on a second connection) or stall.

The practice server's implicit-TLS listener is on a random high port, so only the handshake, not the
port number, can tell the technician "this port wants SSL/TLS".
"""

from __future__ import annotations

import time

import pytest

from core.diagnosis.engine import diagnose
from core.diagnosis.finding import primary
from core.lab import PracticeServer
from core.model import Credentials as Creds
from core.model import ProbePlan, SecurityMode, Timeouts, TlsPolicy
from core.probe.result import FailureKind
from core.probe.runner import run_probe
from tests.helpers.scripted_server import ScriptedServer, Sleep

GREETING_SECONDS = 3.0


def _plan(port: int, ca_file: str | None = None) -> ProbePlan:
    return ProbePlan(
        host="127.0.0.1",
        port=port,
        security=SecurityMode.STARTTLS,
        send=False,
        tls=TlsPolicy(ca_file=ca_file),
        timeouts=Timeouts(connect=2, greeting=GREETING_SECONDS, tls=2, command=2, total=20),
    )


@pytest.mark.network
def test_starttls_on_an_implicit_tls_port_is_named_whatever_the_port_number() -> None:
    with PracticeServer() as lab:
        assert lab.implicit_port not in (465, 2465)
        began = time.monotonic()
        result = run_probe(_plan(lab.implicit_port, lab.ca_file), Creds())
        elapsed = time.monotonic() - began
    assert result.failure is not None
    assert result.failure.kind is FailureKind.TIMEOUT
    assert "implicit_tls_port" in result.quirks
    assert any("answered a TLS handshake" in e.text for e in result.transcript)
    finding = primary(diagnose(result))
    assert finding is not None
    assert finding.code == "port_tls_mismatch_starttls_on_implicit_port"
    # The check runs alongside the wait: the run is no longer than its greeting deadline.
    assert elapsed < GREETING_SECONDS + 0.5


@pytest.mark.network
def test_a_stalled_server_is_not_called_an_implicit_tls_port() -> None:
    with ScriptedServer([Sleep(GREETING_SECONDS + 2)], connection_time_limit=8, total_time_limit=15) as server:
        began = time.monotonic()
        result = run_probe(_plan(server.port), Creds())
        elapsed = time.monotonic() - began
    assert result.failure is not None
    assert result.failure.kind is FailureKind.TIMEOUT
    assert "implicit_tls_port" not in result.quirks
    finding = primary(diagnose(result))
    assert finding is not None
    assert finding.code == "server_timeout"
    assert elapsed < GREETING_SECONDS + 0.5
