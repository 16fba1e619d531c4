"""Fixtures for the desktop app's tests: a running practice server, private services, a window.

Every window gets its own settings file and thread pool; teardown stops any run and waits for the
pool, so no test leaves a thread behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from gui.app import build_services
from gui.main_window import MainWindow
from gui.practice import PracticeSession
from gui.services import Services


@pytest.fixture(scope="session")
def practice() -> Iterator[PracticeSession]:
    session = PracticeSession().start()
    yield session
    session.stop()


@pytest.fixture
def services(tmp_path: Path, practice: PracticeSession) -> Iterator[Services]:
    built = build_services(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    built.practice = practice
    yield built
    built.probe_pool.waitForDone(5000)


@pytest.fixture
def window(qtbot: QtBot, services: Services) -> Iterator[MainWindow]:
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.controller.shutdown(5000)
