"""A real MainWindow with private services (no practice server, no profiles) for robustness tests."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QTimer
from pytestqt.qtbot import QtBot

from gui.app import build_services
from gui.main_window import MainWindow

TICK_MS = 10


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    services = build_services(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.controller.shutdown(5000)
    services.probe_pool.waitForDone(5000)
    # Free the window's Qt objects now, while the QApplication exists, not in the interpreter's
    # final garbage collection (where PySide6 wrappers of already-deleted objects can crash it).
    win.close()
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    del win, services
    gc.collect()


class StallMeter:
    """Measures the event loop's responsiveness: a timer ticks every 10 ms; the longest gap is the stall."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._last = time.monotonic()
        self._timer = QTimer()
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.monotonic()
        self._timer.start()

    def stop(self) -> None:
        self._tick()
        self._timer.stop()

    def _tick(self) -> None:
        now = time.monotonic()
        self.longest = max(self.longest, now - self._last)
        self._last = now
