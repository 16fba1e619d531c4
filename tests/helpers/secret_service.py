"""Run a Python script against a real Secret Service: gnome-keyring on a private D-Bus session.

Every call gets its own ``dbus-run-session`` bus, and the daemon is unlocked with a known password
and keeps its keyring under the given throwaway HOME, so tests never touch the user's keyring and
can inspect (and grep) every file the run wrote. gnome-keyring-daemon exits with the bus.

The script reads one JSON object on stdin and prints one JSON object as its last stdout line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("dbus-run-session", "gnome-keyring-daemon")
UNLOCK_PASSWORD = "smtp-doctor-test-unlock"
# Unlock the daemon with the password on stdin, then replace the shell with the script.
_LAUNCH = 'printf "%s" "$KEYRING_UNLOCK" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"'


def require_secret_service_tools() -> None:
    """Skip when the tools are missing, except in CI (CI=true), where that is a failure."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    message = f"real Secret Service tests need {', '.join(missing)} (apt: dbus-daemon gnome-keyring)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + "; CI must provide them")
    pytest.skip(message)


def private_env(home: Path) -> dict[str, str]:
    """An environment whose HOME, XDG dirs and SMTP Doctor config all live under ``home``."""
    runtime = home / "run"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(runtime),
        "SMTP_DOCTOR_CONFIG_DIR": str(home / "smtp-doctor-config"),
        "PYTHONPATH": str(REPO_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return env


def run_in_private_secret_service(
    script: Path,
    payload: dict[str, Any],
    *,
    home: Path,
    unlock_password: str = UNLOCK_PASSWORD,
    timeout_s: float = 60.0,
) -> dict[str, Any]:
    """Run ``script`` with ``payload`` on stdin under a fresh unlocked gnome-keyring; return its JSON."""
    require_secret_service_tools()
    env = private_env(home)
    env["KEYRING_UNLOCK"] = unlock_password
    command = ["dbus-run-session", "--", "sh", "-c", _LAUNCH, "launch", sys.executable, str(script)]
    completed = subprocess.run(
        command,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=timeout_s,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    if completed.returncode != 0 or not lines:
        raise AssertionError(
            f"secret service scenario failed (exit {completed.returncode}):\n"
            f"stdout:\n{completed.stdout[-3000:]}\nstderr:\n{completed.stderr[-3000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1])
    return result
