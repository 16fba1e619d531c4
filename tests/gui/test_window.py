"""Window-level behaviour: shortcuts, menus, About, remembered window state, the CLI's gui command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from core.display import has_display
from core.probe.phases import Step
from gui.dialogs.about import about_text
from gui.icons import APP_ICON, app_icon, resources_dir
from gui.main_window import MainWindow
from gui.services import Services
from gui.widgets.step_bar import StepState

pytestmark = pytest.mark.gui


def test_ctrl_return_starts_the_test(qtbot: QtBot, window: MainWindow) -> None:
    assert QKeySequence("Ctrl+Return") in window.test_action.shortcuts()
    assert window.stop_action.shortcut() == QKeySequence(Qt.Key.Key_Escape)
    assert window.practice_panel is not None
    window.practice_panel.select("works-starttls")
    with qtbot.waitSignal(window.run_finished, timeout=20000):
        QTest.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.step_bar.state(Step.SEND) is StepState.PASSED


def test_menus_and_about_box(window: MainWindow) -> None:
    titles = [action.text() for action in window.menuBar().actions()]
    assert titles == ["&File", "&Test", "&Edit", "&Help"]
    assert "SMTP Doctor 0.1.0" in about_text()


def test_window_geometry_and_splitters_are_remembered(qtbot: QtBot, services: Services, tmp_path: Path) -> None:
    first = MainWindow(services)
    qtbot.addWidget(first)
    first.show()
    first.resize(first.minimumSizeHint().width(), 560)  # the offscreen screen is only 800x600
    first.main_split.setSizes([300, 600])
    qtbot.wait(10)
    first.close()
    assert services.settings.contains("window/geometry")

    second_services = Services(
        services.check_services,
        services.probe_pool,
        QSettings(services.settings.fileName(), QSettings.Format.IniFormat),
    )
    second = MainWindow(second_services)
    qtbot.addWidget(second)
    second.show()
    assert second.height() == 560
    assert second.main_split.sizes()[0] == first.main_split.sizes()[0]


def test_practice_mode_offers_ready_profiles(window: MainWindow) -> None:
    assert window.practice_panel is not None
    assert window.practice_panel.list.count() >= 6
    window.practice_panel.select("tenant-disabled")
    assert window.form.user.text() == "tenant-disabled@practice.test"
    assert not window.form.password.is_empty()
    assert window.form.ca_file.text()  # the practice CA, so TLS verification stays on


def test_has_display_rules() -> None:
    assert not has_display({}, "linux")
    assert has_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert has_display({"DISPLAY": ":0"}, "linux")
    assert has_display({}, "win32")


def test_gui_command_without_display_says_what_to_do() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run(
        [sys.executable, "-m", "gui", "gui", "--demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 2
    assert "xvfb-run" in done.stderr
    assert "QT_QPA_PLATFORM=offscreen" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


_PRINT_APP_ICON_SIZES = (
    "from gui.app import create_application\n"
    "app = create_application()\n"
    "print(sorted(s.width() for s in app.windowIcon().availableSizes()))\n"
)


def test_create_application_sets_the_bundled_app_icon() -> None:
    # A fresh process: the test session's QApplication already exists, and create_application reuses it.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", _PRINT_APP_ICON_SIZES],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[256]"  # resources/app.png, not the drawn sizes


def test_app_icon_is_found_where_the_packaged_app_keeps_it(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = tmp_path / "resources"
    bundled.mkdir()
    (bundled / APP_ICON).write_bytes((resources_dir() / APP_ICON).read_bytes())
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)  # PyInstaller's unpack folder
    assert resources_dir() == bundled
    assert [size.width() for size in app_icon().availableSizes()] == [256]
    (bundled / APP_ICON).unlink()
    drawn = app_icon()  # a missing file still gives the app an icon: the same drawing, in code
    assert not drawn.isNull()
    assert max(size.width() for size in drawn.availableSizes()) == 64
