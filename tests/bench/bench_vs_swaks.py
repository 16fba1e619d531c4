"""Whole-process wall time of one submission session: ``smtp-doctor probe`` vs ``swaks``.

    .venv/bin/python tests/bench/bench_vs_swaks.py [--runs 15]

Both run STARTTLS (certificate verified against the peer's CA), AUTH PLAIN with the same
password, and one message through the Postfix + Dovecot peer (tests/peers) on loopback, as whole
processes started the way people start them: the installed ``.venv/bin/smtp-doctor`` entry point
and Debian's ``swaks``. Runs alternate (ours, swaks, ours, ...) after warm-up runs, so caches and
drift affect both alike. Target: median(smtp-doctor) / median(swaks) <= 1.0.

On loopback the session itself takes a few milliseconds; what is measured is mostly start-up:
the Python interpreter and the imports (ssl, cryptography for the certificate summary, the
diagnosis rules) against Perl and Net::SSLeay. The byte-code cache is on (see bench_support).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.bench_support import (
    PASSWORD_VAR,
    Session,
    child_env,
    median_ms,
    print_table,
    run_checked,
    running_peer,
    shown,
)

WARM_UP_RUNS = 2
TARGET_RATIO = 1.0


def measure(runs: int) -> tuple[dict[str, list[float]], dict[str, str]]:
    with running_peer() as peer:
        session = Session.for_peer(peer)
        password = peer.alice.password
        env = child_env({PASSWORD_VAR: password})
        clients = {"smtp-doctor probe": session.smtp_doctor_args(), "swaks --pipeline": session.swaks_args(password)}
        samples: dict[str, list[float]] = {name: [] for name in clients}
        for round_number in range(WARM_UP_RUNS + runs):
            for name, args in clients.items():
                began = time.perf_counter()
                run_checked(args, env)
                if round_number >= WARM_UP_RUNS:
                    samples[name].append(time.perf_counter() - began)
        return samples, {name: shown(args, password) for name, args in clients.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15, help="timed runs per client (default 15)")
    options = parser.parse_args()
    samples, commands = measure(options.runs)
    ours, theirs = (median_ms(samples[name]) for name in commands)
    rows = [
        [name, f"{median_ms(times):.1f}", f"{min(times) * 1000:.1f}", f"{max(times) * 1000:.1f}"]
        for name, times in samples.items()
    ]
    ratio = ours / theirs
    rows.append(["ratio (median ours / swaks)", f"{ratio:.2f}", "", ""])
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print_table(
        "Full session as a whole process (STARTTLS + AUTH PLAIN + send, Postfix peer on loopback)",
        ["client", "median ms", "min ms", "max ms"],
        rows,
        [
            f"{options.runs} alternating runs each after {WARM_UP_RUNS} warm-up rounds; target ratio <= "
            f"{TARGET_RATIO:g}: {verdict}",
            *(f"{name}: {command}" for name, command in commands.items()),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
