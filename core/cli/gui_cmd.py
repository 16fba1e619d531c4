"""``smtp-doctor gui [--demo]``: open the desktop app (Qt is imported only when it really starts)."""

from __future__ import annotations

import argparse
import os
import sys

NO_DISPLAY = (
    "smtp-doctor gui: no display found; run it under xvfb-run (e.g. 'xvfb-run -a smtp-doctor gui --demo') "
    "or set QT_QPA_PLATFORM=offscreen"
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in practice server and open its ready-made profiles (no real account needed)",
    )


def has_display(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """False only where Qt would abort: X11/Wayland systems with no display and no platform override."""
    env = os.environ if environ is None else environ
    system = platform or sys.platform
    if not system.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return True  # Windows and macOS always have their native platform plugin
    return any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def run(args: argparse.Namespace) -> int:
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    from gui.app import main  # lazy: Qt loads only for the desktop app

    return main([], demo=bool(args.demo))
