"""``smtp-doctor --self-test [--screenshot FILE.png]`` and ``smtp-doctor --startup-probe``.

The checks live in ``core.selftest``; the window part comes from the desktop part the entry point
hands in (without one, only the core checks run). ``--startup-probe`` (for
tests/bench/bench_package.py) opens the desktop app as usual, prints the moment its first window
has been shown (``time.monotonic()``, comparable across processes), then quits.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from core.cli.common import EXIT_USAGE, OneLineParser
from core.cli.desktop import Desktop
from core.selftest import run_self_test

NO_DESKTOP = "smtp-doctor: --startup-probe needs the desktop part; start it with 'smtp-doctor' or 'python -m gui'"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="smtp-doctor", description="Check that this copy of SMTP Doctor works.")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--self-test", action="store_true", help="run the checks and print a short report")
    what.add_argument("--startup-probe", action="store_true", help="print when the first window shows, quit")
    parser.add_argument("--screenshot", metavar="FILE.png", help="with --self-test: save the window as PNG")
    return parser


def screenshot_path(value: str | None) -> Path | None:
    """The ``--screenshot`` target, or a usage error message via ValueError."""
    if value is None:
        return None
    path = Path(value).expanduser()
    if path.suffix.lower() != ".png":
        raise ValueError(f"--screenshot: {value} must end in .png")
    if not path.parent.is_dir():
        raise ValueError(f"--screenshot: the folder {path.parent} does not exist")
    return path


def main(argv: Sequence[str], desktop: Desktop | None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv))
    if args.startup_probe:
        if args.screenshot:
            parser.error("--screenshot goes with --self-test")
        if desktop is None:
            _say_error(NO_DESKTOP)
            return EXIT_USAGE
        return desktop.startup_probe()
    try:
        screenshot = screenshot_path(args.screenshot)
    except ValueError as exc:
        _say_error(f"smtp-doctor: {exc}")
        return EXIT_USAGE
    if desktop is None:
        return run_self_test()
    return run_self_test(lambda: desktop.self_test_checks(screenshot))


def _say_error(line: str) -> None:
    # A windowed Windows build has no stderr; the exit status still tells.
    if sys.stderr is not None:
        print(line, file=sys.stderr)
