"""A truly filtered port (the SYN is never answered), built in a private network namespace.

A listener that never accepts still completes the TCP handshake (the kernel does it from the
backlog), so it cannot stand for a firewall that drops packets. Here the test creates its own
network namespace (root only), with a veth pair whose far end owns no address and a permanent
neighbour entry, so a SYN to 192.0.2.2 (TEST-NET-1) leaves and is silently dropped: exactly what a
packet filter does. No netfilter rule is needed, nothing outside the namespace changes, and the
namespace (with its veth pair) is deleted at the end. ``smtp-doctor detect`` runs inside it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLACKHOLE = "192.0.2.2"

pytestmark = pytest.mark.network


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10)


@pytest.fixture
def namespace() -> Iterator[str]:
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to build a private network namespace")
    name = f"sd-detect-{os.getpid()}"
    if _ip("netns", "add", name).returncode != 0:
        pytest.skip("network namespaces are not available here")
    try:
        inside = ("netns", "exec", name, "ip")
        steps = [
            ("link", "set", "lo", "up"),
            ("link", "add", "sdv0", "type", "veth", "peer", "name", "sdv1"),
            ("addr", "add", "192.0.2.1/24", "dev", "sdv0"),
            ("link", "set", "sdv0", "up"),
            ("link", "set", "sdv1", "up"),
            ("neigh", "add", BLACKHOLE, "lladdr", "02:00:00:00:00:02", "dev", "sdv0", "nud", "permanent"),
        ]
        for step in steps:
            done = _ip(*inside, *step)
            if done.returncode != 0:
                pytest.skip(f"cannot build the test network ({' '.join(step)}): {done.stderr.strip()}")
        yield name
    finally:
        _ip("netns", "del", name)


def test_dropped_syn_is_a_blocked_port_and_a_reset_is_refused(namespace: str) -> None:
    done = subprocess.run(
        ["ip", "netns", "exec", namespace, sys.executable, "-m", "core", "detect", BLACKHOLE,
         "--ports", "25,587", "--timeout", "0.8", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=30, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert len(data["matrix"]) == 6
    for row in data["matrix"]:
        assert row["reachable"] is False
        assert row["error_code"] == "connect_timeout_port_blocked"
        assert 700 <= row["milliseconds"] < 2500  # each waited out its own connect deadline, in parallel
    assert data["duration_ms"] < 2500
    assert data["findings"][0]["code"] == "connect_timeout_port_blocked"

    refused = subprocess.run(
        ["ip", "netns", "exec", namespace, sys.executable, "-m", "core", "detect", "127.0.0.1",
         "--ports", "25", "--timeout", "0.8", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    rows = json.loads(refused.stdout)["matrix"]
    assert {row["error_code"] for row in rows} == {"connect_refused"}
