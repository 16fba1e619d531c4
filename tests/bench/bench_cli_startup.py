"""Headless CLI start-up: ``smtp-doctor --version`` and ``smtp-doctor probe --help`` vs ``python -c pass``.

    .venv/bin/python tests/bench/bench_cli_startup.py [--runs 21]

Each command runs as a whole process, interleaved round by round, after one warm-up run (which
fills the byte-code cache: see bench_support.child_env). The installed console script
``.venv/bin/smtp-doctor`` is what people run; ``python -m core`` is shown next to it to tell the
wrapper's cost from ours. The table gives medians and the overhead above a bare interpreter.
Neither path may import Qt, msal or dnspython (tests/cli/test_probe_cli.py checks that).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.bench_support import SMTP_DOCTOR, VENV_PYTHON, child_env, median_ms, print_table

COMMANDS: dict[str, list[str]] = {
    "python -c pass": [str(VENV_PYTHON), "-c", "pass"],
    "smtp-doctor --version": [str(SMTP_DOCTOR), "--version"],
    "smtp-doctor probe --help": [str(SMTP_DOCTOR), "probe", "--help"],
    "python -m core probe --help": [str(VENV_PYTHON), "-m", "core", "probe", "--help"],
    "swaks --version (reference)": ["swaks", "--version"],
}


def _timed(args: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    done = subprocess.run(args, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=30, check=False)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed (exit {done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def measure(runs: int) -> dict[str, list[float]]:
    env = child_env()
    for args in COMMANDS.values():
        _timed(args, env)  # warm-up: byte code compiled and cached
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, args in COMMANDS.items():
            samples[name].append(_timed(args, env))
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=21, help="timed runs per command (default 21)")
    options = parser.parse_args()
    samples = measure(options.runs)
    baseline = median_ms(samples["python -c pass"])
    rows = [
        [name, f"{median_ms(times):.1f}", f"{median_ms(times) - baseline:+.1f}", f"{median_ms(times) / baseline:.2f}"]
        for name, times in samples.items()
    ]
    print_table(
        "Headless CLI start-up (whole process, median)",
        ["command", "median ms", "vs pass ms", "x pass"],
        rows,
        [
            f"{options.runs} interleaved runs each after one warm-up; byte-code cache on (PYTHONPYCACHEPREFIX)",
            f"smtp-doctor = {SMTP_DOCTOR.relative_to(SMTP_DOCTOR.parents[2])} (the console-script entry point)",
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
