"""Whether this session can show windows: the desktop app and the self-test's window part ask first."""

from __future__ import annotations

import os
import sys


def has_display(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """False only where Qt would abort: X11/Wayland systems with no display and no platform override."""
    env = os.environ if environ is None else environ
    system = platform or sys.platform
    if not system.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return True  # Windows and macOS always have their native platform plugin
    return any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
