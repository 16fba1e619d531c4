"""A long desktop session must not crash: PySide6 6.12 on Python 3.11 leaks references to None.

Every void Qt call drops None's reference count by one (gui.refcount_guard explains it). Without the
guard, about 10,000 calls (a few test runs in the window) abort the interpreter with
"Fatal Python error: none_dealloc". The check runs in its own process, since the abort would take
the test run down with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.robustness.table import Row, record

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]
CALLS = 40_000

SESSION = f"""
import sys
import gui  # the package installs the guard, as the app does
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit
app = QApplication([])
line, label = QLineEdit(), QLabel()
for n in range({CALLS}):
    line.selectAll()
    label.setVisible(n % 2 == 0)
print("session over", flush=True)
"""


def test_many_qt_calls_do_not_abort_the_app() -> None:
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", SESSION],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=60,
    )
    observed = "no crash" if done.returncode == 0 else f"exit {done.returncode}"
    record(Row("gui", f"{CALLS:,} void Qt calls in one session", "no crash", observed, time.monotonic() - began))
    assert done.returncode == 0, done.stderr[-500:]
    assert "session over" in done.stdout
    assert "Fatal Python error" not in done.stderr
