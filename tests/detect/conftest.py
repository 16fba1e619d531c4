"""Loopback listeners for the detect tests: the practice server, a silent port and a refused port.

* ``practice``: the real practice server (aiosmtpd): STARTTLS submission, implicit TLS and a plain
  relay listener, each on its own free port.
* ``silent_port``: a socket that listens (the kernel completes the TCP handshake from its backlog)
  but is never accepted from and never sends a greeting. It stands in for a port behind a firewall
  that lets the connection through but nothing answers; an unanswered SYN (a real packet filter)
  is tested separately in a private network namespace (test_filtered_netns.py).
* ``refused_port``: a port that was free a moment ago and has nothing listening (TCP reset).
* ``legacy_server_context`` / ``modern_server_context``: RSA server contexts that allow TLS 1.0
  (SECLEVEL=0, as an old-device-friendly server must) or insist on TLS 1.2 and newer.
"""

from __future__ import annotations

import socket
import ssl
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from core.lab.server import PracticeServer
from core.model import ProbePlan, TlsPolicy

TIMEOUT = 0.6  # per step; the loopback servers answer in milliseconds


@pytest.fixture(scope="module")
def practice() -> Iterator[PracticeServer]:
    with PracticeServer() as server:
        yield server


@pytest.fixture
def silent_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0), backlog=16) as sock:
        yield int(sock.getsockname()[1])


@pytest.fixture
def refused_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = int(sock.getsockname()[1])
    return port  # closed again: connecting now gets a TCP reset


@pytest.fixture(scope="session")
def rsa_ca() -> trustme.CA:
    # Old devices' cipher suites (AES128-SHA and friends) need an RSA certificate.
    return trustme.CA(key_type=trustme.KeyType.RSA)


@pytest.fixture(scope="session")
def rsa_ca_file(rsa_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("rsa-ca")) / "ca.pem"
    rsa_ca.cert_pem.write_to_path(str(path))
    return str(path)


def _server_context(ca: trustme.CA, *, legacy: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost", key_type=trustme.KeyType.RSA).configure_cert(context)
    if legacy:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0 is deprecated: that is the point
            context.minimum_version = ssl.TLSVersion.TLSv1
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    else:
        context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


@pytest.fixture(scope="session")
def legacy_server_context(rsa_ca: trustme.CA) -> ssl.SSLContext:
    return _server_context(rsa_ca, legacy=True)


@pytest.fixture(scope="session")
def modern_server_context(rsa_ca: trustme.CA) -> ssl.SSLContext:
    return _server_context(rsa_ca, legacy=False)


def base_plan(ca_file: str | None, *, device: str | None = None, timeout: float = TIMEOUT) -> ProbePlan:
    from core.detect.matrix import detect_timeouts

    return ProbePlan(
        host="127.0.0.1",
        port=25,
        tls=TlsPolicy(ca_file=ca_file),
        timeouts=detect_timeouts(timeout),
        device_profile=device,
    )
