"""The "Find settings" dialog in the real main window (Qt offscreen) against the practice server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from core.lab.accounts import PRACTICE_PASSWORD
from core.lab.server import PracticeServer
from core.model import SecurityMode
from core.secret import Secret
from gui.app import build_services
from gui.main_window import MainWindow

pytestmark = [pytest.mark.gui, pytest.mark.network]


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    services = build_services(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    yield win
    if win.find_settings_dialog is not None:
        win.find_settings_dialog.wait()
    win.controller.shutdown(5000)
    services.probe_pool.waitForDone(5000)


def test_find_settings_fills_the_grid_and_copies_the_recommendation(
    qtbot: QtBot, window: MainWindow, practice: PracticeServer, refused_port: int
) -> None:
    test_menu = next(a for a in window.menuBar().actions() if a.text() == "&Test").menu()
    assert isinstance(test_menu, QMenu)
    assert window.find_settings_action in test_menu.actions()
    form = window.form
    form.host.setText("127.0.0.1")
    form.port.setText("25")
    form.security.setCurrentIndex(0)
    form.user.setText("works@practice.test")
    form.password.set_secret(Secret(PRACTICE_PASSWORD))
    form.ca_file.setText(practice.ca_file)

    dialog = window.open_find_settings()
    assert dialog.host.text() == "127.0.0.1"
    assert dialog.login.isChecked()
    sub, imp = practice.submission_port, practice.implicit_port
    dialog.ports.setText(f"{sub}, {imp}, {refused_port}")
    dialog.timeout.setValue(0.6)
    with qtbot.waitSignal(dialog.run_finished, timeout=30000) as finished:
        assert dialog.start()
        assert dialog.stop_button.isEnabled()
        assert not dialog.use_button.isEnabled()
    outcome = finished.args[0]
    assert outcome.recommendation is not None
    assert outcome.auth is not None
    assert outcome.auth.ok

    assert dialog.grid.rowCount() == 9
    assert dialog.row_texts(sub, SecurityMode.STARTTLS)[2:8] == [
        "yes", "TLSv1.3", "valid", "(none)", "LOGIN PLAIN XOAUTH2", "works",
    ]  # fmt: skip
    assert dialog.row_texts(refused_port, SecurityMode.NONE)[2] == "no"
    assert dialog.row_texts(refused_port, SecurityMode.NONE)[7] == "connect_refused"
    assert dialog.row_texts(imp, SecurityMode.NONE)[7] == "port_tls_mismatch_starttls_on_implicit_port"
    text = dialog.recommendation.text()
    assert f"Recommended: 127.0.0.1, port {sub}, STARTTLS" in text
    assert "worked (AUTH PLAIN)" in text
    assert PRACTICE_PASSWORD not in text

    assert dialog.use_button.isEnabled()
    dialog.use_button.click()
    assert form.port.text() == str(sub)
    assert form.security_mode() is SecurityMode.STARTTLS
    assert "port " + str(sub) in window.statusBar().currentMessage()


def test_bad_ports_are_reported_in_the_dialog(window: MainWindow) -> None:
    window.form.host.setText("mail.example.com")
    dialog = window.open_find_settings()
    dialog.ports.setText("587, smtp")
    assert not dialog.start()
    assert "Ports" in dialog.problem.text()
    assert not dialog.problem.isHidden()
    assert not dialog.is_running
