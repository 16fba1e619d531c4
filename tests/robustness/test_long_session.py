"""A long desktop session must not crash, whatever the Qt binding does with reference counts.

PySide6/shiboken6 6.12.0 on Python 3.11 drops None's reference count by one on every void Qt call
(``setText``, ``selectAll``...): about 10,000 calls, a few test runs in the window, abort the
interpreter with "Fatal Python error: none_dealloc". pyproject pins 6.11.3, which does not; this
test keeps an upgrade to a broken release from landing. It runs in its own process, since the abort
would take the test run down with it, and also checks None's count directly.
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
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit
app = QApplication([])
line, label = QLineEdit(), QLabel()
before = sys.getrefcount(None)
for n in range({CALLS}):
    line.selectAll()
    label.setVisible(n % 2 == 0)
print("None references lost:", before - sys.getrefcount(None), flush=True)
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
    lost = int(done.stdout.split("None references lost:")[1].split()[0])
    assert lost < 100, f"the Qt binding leaks a reference to None on every call ({lost} over {CALLS:,})"
    assert "Fatal Python error" not in done.stderr
