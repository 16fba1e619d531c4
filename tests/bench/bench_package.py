"""Packaging benchmark (run by hand, not collected by pytest): bundle sizes and start-up time.

    .venv/bin/python tests/bench/bench_package.py [--runs 7] [--platform offscreen|xcb]
    xvfb-run -a .venv/bin/python tests/bench/bench_package.py --platform xcb

Builds what is missing or stale (``bash build/build.sh both``; an up-to-date build is reused), then
prints one table:

- the one-folder size (every regular file under dist/smtp-doctor; target <= 140 MB) and the one-file
  size (dist/smtp-doctor-portable; target <= 60 MB), in MB of 10^6 bytes;
- start to first window of the desktop app from source (``python -m core --startup-probe``), of the
  one-folder app and of the one-file app, and the one-folder / source ratio (target <= 1.5x).

How "first window" is measured, identically for all three: the benchmark reads ``time.monotonic()``
just before it starts the process; the app (``--startup-probe``, see gui/selftest.py) opens exactly
as ``smtp-doctor gui --demo`` does and prints ``time.monotonic()`` once the main window's first
expose event has been handled, i.e. the window has been painted; then it exits. On Linux and macOS
``time.monotonic()`` is one system-wide clock, so the difference is the wall time from exec to
painted window, Python start-up, imports, practice server and (for one-file) unpacking included.
The variants run alternately, after one unmeasured warm-up each, and the median of N is compared.
Every run gets a fresh private HOME, config and temp folder, so no saved profile or window state
changes what it does.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXE = ".exe" if sys.platform == "win32" else ""
ONEDIR = ROOT / "dist" / "smtp-doctor"
ONEDIR_APP = ONEDIR / f"smtp-doctor{EXE}"
ONEFILE_APP = ROOT / "dist" / f"smtp-doctor-portable{EXE}"

ONEDIR_TARGET_MB = 140.0
ONEFILE_TARGET_MB = 60.0
RATIO_TARGET = 1.5
PROBE_LINE = re.compile(r"startup-probe: first window shown at monotonic (?P<at>\d+\.\d+)")
RUN_TIMEOUT_S = 60


@dataclass
class Variant:
    name: str
    command: list[str]
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def folder_bytes(folder: Path) -> int:
    """Regular files only: symbolic links inside the bundle take no space of their own."""
    total = 0
    for base, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(base) / name
            if not path.is_symlink():
                total += path.stat().st_size
    return total


def private_env(scratch: Path, platform: str) -> dict[str, str]:
    """The machine's environment with a throwaway home, config and temp folder, and one Qt platform."""
    env = dict(os.environ)
    for name in ("home", "config", "data", "cache", "tmp", "run"):
        (scratch / name).mkdir(mode=0o700)
    env.update(
        HOME=str(scratch / "home"),
        XDG_CONFIG_HOME=str(scratch / "config"),
        XDG_DATA_HOME=str(scratch / "data"),
        XDG_CACHE_HOME=str(scratch / "cache"),
        XDG_RUNTIME_DIR=str(scratch / "run"),
        TMPDIR=str(scratch / "tmp"),
        SMTP_DOCTOR_CONFIG_DIR=str(scratch / "config" / "smtp-doctor"),
        QT_QPA_PLATFORM=platform,
    )
    return env


def time_to_first_window(command: Sequence[str], platform: str) -> float:
    """Seconds from just before exec to the app's report of its first painted window."""
    with tempfile.TemporaryDirectory(prefix="smtp-doctor-bench-") as scratch:
        env = private_env(Path(scratch), platform)
        started = time.monotonic()
        run = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
        )
    found = PROBE_LINE.search(run.stdout)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"{' '.join(command)} failed (exit {run.returncode}):\n{run.stdout}{run.stderr}")
    return float(found.group("at")) - started


def measure(variants: list[Variant], runs: int, platform: str) -> None:
    for variant in variants:
        time_to_first_window(variant.command, platform)  # warm-up: page cache, .pyc files
    for round_number in range(runs):
        # Alternate the order so drift (another job, thermal) does not favour one variant.
        ordered = variants if round_number % 2 == 0 else list(reversed(variants))
        for variant in ordered:
            variant.seconds.append(time_to_first_window(variant.command, platform))


def build() -> None:
    env = dict(os.environ, PYTHON=sys.executable)
    subprocess.run(["bash", str(ROOT / "build" / "build.sh"), "both"], cwd=ROOT, env=env, check=True)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description="Packaged app: sizes and start-up time against source.")
    parser.add_argument("--runs", type=int, default=7, help="measured runs per variant (default 7)")
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM of every run")
    parser.add_argument("--no-build", action="store_true", help="use dist/ as it is")
    args = parser.parse_args(argv)
    if not args.no_build:
        build()
    onedir_mb = folder_bytes(ONEDIR) / 1e6
    onefile_mb = ONEFILE_APP.stat().st_size / 1e6
    variants = [
        Variant("from source", [sys.executable, "-m", "gui", "--startup-probe"]),
        Variant("one-folder app", [str(ONEDIR_APP), "--startup-probe"]),
        Variant("one-file app", [str(ONEFILE_APP), "--startup-probe"]),
    ]
    measure(variants, args.runs, args.platform)
    source, onedir, _onefile = variants
    ratio = onedir.median / source.median

    title = f"SMTP Doctor packaging ({sys.platform}, Qt platform {args.platform}"
    print(f"\n{title}, {args.runs} alternating runs each)")
    rows = [
        (
            "one-folder size (dist/smtp-doctor)",
            f"{onedir_mb:.1f} MB",
            f"<= {ONEDIR_TARGET_MB:.0f} MB",
            verdict(onedir_mb <= ONEDIR_TARGET_MB),
        ),
        (
            "one-file size (dist/smtp-doctor-portable)",
            f"{onefile_mb:.1f} MB",
            f"<= {ONEFILE_TARGET_MB:.0f} MB",
            verdict(onefile_mb <= ONEFILE_TARGET_MB),
        ),
    ]
    for variant in variants:
        spread = f"{min(variant.seconds) * 1000:.0f}-{max(variant.seconds) * 1000:.0f}"
        rows.append(
            (
                f"first window, {variant.name} (median)",
                f"{variant.median * 1000:.0f} ms",
                f"range {spread} ms",
                "",
            )
        )
    rows.append(
        (
            "one-folder start / source start",
            f"{ratio:.2f}x",
            f"<= {RATIO_TARGET:.1f}x",
            verdict(ratio <= RATIO_TARGET),
        )
    )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    print(f"{'measure':<{widths[0]}}  {'value':>{widths[1]}}  {'target':<{widths[2]}}  result")
    for row in rows:
        print(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
    ok = onedir_mb <= ONEDIR_TARGET_MB and onefile_mb <= ONEFILE_TARGET_MB and ratio <= RATIO_TARGET
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
