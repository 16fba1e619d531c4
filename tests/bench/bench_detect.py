"""Detect benchmark (run by hand, not collected by pytest): is the matrix really concurrent?

    .venv/bin/python tests/bench/bench_detect.py [--timeout SECONDS] [--rounds N]

Against loopback listeners (the practice server's STARTTLS, implicit-TLS and plain ports, a silent
port that never greets, a refused port: 15 combinations), it measures

1. each combination alone (``probe_combination``, one after another): the slowest one is the
   floor for the whole matrix, because the silent and implicit-TLS ports wait out the timeout;
2. the whole matrix (``run_matrix``, all combinations at once).

Target: matrix time <= 1.2 x the slowest single combination. The best of ``--rounds`` runs is
taken for both figures, so a scheduling hiccup does not decide the verdict.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core.detect.matrix import combinations, detect_timeouts, probe_combination, run_matrix  # noqa: E402
from core.lab.server import PracticeServer  # noqa: E402
from core.model import ProbePlan, TlsPolicy  # noqa: E402

TARGET_RATIO = 1.2


def measure(timeout: float, rounds: int) -> tuple[float, str, float, int]:
    """(slowest single combination in s, its label, whole matrix in s, combinations)."""
    with PracticeServer() as server, socket.create_server(("127.0.0.1", 0), backlog=16) as silent:
        with socket.create_server(("127.0.0.1", 0)) as gone:
            refused = gone.getsockname()[1]
        ports = [server.submission_port, server.implicit_port, server.plain_port, silent.getsockname()[1], refused]
        base = ProbePlan(
            host="127.0.0.1", port=25, tls=TlsPolicy(ca_file=server.ca_file), timeouts=detect_timeouts(timeout)
        )
        combos = combinations(ports)
        slowest, slowest_label, matrix = 0.0, "", float("inf")
        for _ in range(rounds):
            singles = []
            for combo in combos:
                began = time.perf_counter()
                probe_combination(base, combo)
                singles.append((time.perf_counter() - began, combo.label))
            worst = max(singles)
            if slowest == 0.0 or worst[0] < slowest:
                slowest, slowest_label = worst
            began = time.perf_counter()
            rows = run_matrix(base, ports)
            matrix = min(matrix, time.perf_counter() - began)
            assert len(rows) == len(combos)
        return slowest, slowest_label, matrix, len(combos)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=1.0, help="per-step timeout in seconds (default 1.0)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each measurement; the best counts (default 3)")
    args = parser.parse_args()
    # aiosmtpd warns about every TLS ClientHello sent to a plaintext port; here that is on purpose.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    slowest, label, matrix, count = measure(args.timeout, args.rounds)
    ratio = matrix / slowest
    print(f"combinations:                 {count} (timeout {args.timeout:g} s per step)")
    print(f"slowest single combination:   {slowest * 1000:8.1f} ms  ({label})")
    print(f"whole matrix (concurrent):    {matrix * 1000:8.1f} ms")
    print(f"ratio matrix / slowest:       {ratio:8.3f}  (target <= {TARGET_RATIO})")
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(verdict)
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
