"""A hostile server run through the real window and controller: the GUI stays responsive throughout.

The server sends a 10 MB greeting line, a 1,000-line EHLO reply (a burst of transcript rows for the
GUI) and binary garbage at MAIL. The event loop must never stall for 100 ms or more, and the window
must end showing the diagnosis.
"""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from core.diagnosis.finding import primary
from core.model import SecurityMode
from gui.main_window import MainWindow
from tests.helpers.scripted_server import ScriptedServer, Sleep
from tests.robustness.gui_support import StallMeter, window
from tests.robustness.harness import FAST, plan_for
from tests.robustness.steps import LongLine
from tests.robustness.table import Row, record

pytestmark = [pytest.mark.gui, pytest.mark.network]
__all__ = ["window"]  # the fixture, imported for pytest

STALL_LIMIT = 0.100
EHLO_LINES = 999
BIG_EHLO = "\n".join([f"250-hostile.example.test line {n} " + "y" * 60 for n in range(EHLO_LINES)] + ["250 SIZE 1000"])


def test_window_stays_responsive_against_a_hostile_server(qtbot: QtBot, window: MainWindow) -> None:
    replies = {
        "greeting": LongLine(b"220 ", 10 * 1024 * 1024),
        "ehlo": BIG_EHLO,
        "mail_from": [bytes(range(256)) * 4, Sleep(5)],
    }
    with ScriptedServer.smtp(replies, total_time_limit=20) as server:
        window.load_plan(plan_for(server.port, SecurityMode.NONE, send=True))
        meter = StallMeter()
        meter.start()
        began = time.monotonic()
        with qtbot.waitSignal(window.run_finished, timeout=int((FAST.total + 2) * 1000)) as finished:
            QTest.mouseClick(window.test_button, Qt.MouseButton.LeftButton)
        qtbot.wait(50)  # let the result's own repaint happen under the meter too
        meter.stop()
        seconds = time.monotonic() - began
    result, findings = finished.args
    found = primary(findings)
    observed = found.code if found else "(none)"
    stall_ms = meter.longest * 1000
    record(
        Row(
            "gui",
            f"10 MB line, 1000-line EHLO, garbage (stall {stall_ms:.0f} ms)",
            "protocol_error",
            observed,
            seconds,
        )
    )
    assert meter.longest < STALL_LIMIT, f"the event loop stalled for {stall_ms:.0f} ms"
    assert observed == "protocol_error"
    assert result.failure is not None
    assert window.transcript.transcript.rowCount() >= EHLO_LINES
    assert window.test_button.isEnabled()
    assert found is not None
    assert window.findings.verdict.text.text() == f"Fails: {found.title}"
