"""``smtp-doctor gui [--demo]``: open the desktop app (Qt is imported only when it really starts)."""

from __future__ import annotations

import argparse
import sys

from core.cli.desktop import desktop_of
from core.display import has_display

NO_DISPLAY = (
    "smtp-doctor gui: no display found; run it under xvfb-run (e.g. 'xvfb-run -a smtp-doctor gui --demo') "
    "or set QT_QPA_PLATFORM=offscreen"
)
NO_DESKTOP = "smtp-doctor gui: the desktop part is not available here; start it with 'smtp-doctor' or 'python -m gui'"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in practice server and open its ready-made profiles (no real account needed)",
    )


def run(args: argparse.Namespace) -> int:
    desktop = desktop_of(args)
    if desktop is None:
        print(NO_DESKTOP, file=sys.stderr)
        return 2
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    return desktop.open_app(demo=bool(args.demo))
