"""Faults around the probe: a locked or missing keyring, a read-only config folder, a full disk.

Each one gets a clear message where the user is looking (status bar, a dialog, one stderr line),
nothing crashes, and nothing already saved is lost.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from keyring.errors import KeyringLocked
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from core.cli.main import main
from core.model import Credentials
from core.profiles.keyring_store import KeyringSecretStore
from core.profiles.model import Profile, SecretKind
from core.profiles.paths import CONFIG_DIR_ENV
from core.profiles.secrets import open_secret_store
from core.profiles.store import ProfileStore
from core.secret import Secret
from gui.app import build_services
from gui.main_window import MainWindow
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.scripted_server import ScriptedServer
from tests.profiles.test_store import read_only_directory
from tests.robustness.harness import plan_for
from tests.robustness.table import Row, record

pytestmark = pytest.mark.gui
PASSWORD = "Keyring-Pa55!"


class LockableKeyring(MemoryKeyring):
    """A working keyring that the session locks later (a screen lock, a timeout)."""

    locked = False

    def get_password(self, service: str, username: str) -> str | None:
        self._check()
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._check()
        super().set_password(service, username, password)

    def _check(self) -> None:
        if self.locked:
            raise KeyringLocked("Failed to unlock the collection!")


class Warnings:
    """Stands in for QMessageBox.warning (a modal dialog would block the test): records the texts."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, _parent: object, _title: str, text: str, *args: object) -> QMessageBox.StandardButton:
        self.texts.append(text)
        return QMessageBox.StandardButton.Ok


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> Warnings:
    seen = Warnings()
    monkeypatch.setattr(QMessageBox, "warning", seen)
    return seen


def profile_window(qtbot: QtBot, folder: Path, secret_store: object, problem: str | None = None) -> MainWindow:
    services = build_services(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    services.profile_store = ProfileStore(folder / "profiles.json")
    services.secret_store = secret_store
    services.keyring_label = getattr(secret_store, "backend_name", "")
    services.keyring_problem = problem
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def cleanup() -> Iterator[list[MainWindow]]:
    windows: list[MainWindow] = []
    yield windows
    for window in windows:
        window.controller.shutdown(3000)


def _save_in_form(window: MainWindow, name: str, password: str, monkeypatch: pytest.MonkeyPatch) -> Profile | None:
    """Type settings into the form and press Save with no profile selected: a new profile ``name``."""
    panel = window.profile_panel
    assert panel is not None
    panel.list.setCurrentRow(-1)
    window.load_plan(plan_for(2525, login=True, send=True), Secret(password))
    monkeypatch.setattr(QInputDialog, "getText", lambda *_args, **_kw: (name, True))
    panel.remember.setChecked(True)
    saved = window.save_profile()
    # Nothing typed is lost by saving: the form still shows the settings and the password.
    assert window.form.port.text() == "2525"
    assert window.form.password.secret() == Secret(password)
    return saved


def test_keyring_locked_after_start(
    qtbot: QtBot,
    tmp_path: Path,
    warnings: Warnings,
    cleanup: list[MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    began = time.monotonic()
    backend = LockableKeyring()
    window = profile_window(qtbot, tmp_path, KeyringSecretStore(backend))
    cleanup.append(window)
    saved = _save_in_form(window, "Acme MFP", PASSWORD, monkeypatch)
    assert saved is not None
    assert backend.store  # the password went into the keyring while it was open
    backend.locked = True
    # Saving again: the settings are written, the password cannot be, and the user is told.
    again = _save_in_form(window, "Bistro MFP", PASSWORD, monkeypatch)
    assert again is not None
    assert warnings.texts
    assert "locked" in warnings.texts[-1].lower()
    assert PASSWORD not in " ".join(warnings.texts)
    # Loading a profile whose password sits in the locked keyring: status bar message, form filled.
    assert window.profile_panel is not None
    window.profile_panel.select(saved.id)
    status = window.statusBar().currentMessage()
    observed = "message, settings kept" if "locked" in status.lower() else status
    record(Row("fault", "keyring locked", "message, settings kept", observed, time.monotonic() - began))
    assert "Could not read the saved password" in status
    assert window.form.port.text() == "2525"
    assert ProfileStore(tmp_path / "profiles.json").names() == ["Acme MFP", "Bistro MFP"]


def test_keyring_absent(
    qtbot: QtBot,
    tmp_path: Path,
    warnings: Warnings,
    cleanup: list[MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    began = time.monotonic()
    status = open_secret_store(fail.Keyring())  # type: ignore[no-untyped-call]
    window = profile_window(qtbot, tmp_path, status.store, status.problem)
    cleanup.append(window)
    assert window.profile_panel is not None
    label = window.profile_panel.keyring_label.text()
    saved = _save_in_form(window, "Acme MFP", PASSWORD, monkeypatch)
    observed = "told, session only" if label.startswith("No OS keyring is available") else label
    record(Row("fault", "keyring absent", "told, session only", observed, time.monotonic() - began))
    assert label.startswith("No OS keyring is available")
    assert "session only" in label
    assert saved is not None
    assert warnings.texts == []
    assert status.store.get(saved.secret_ref(SecretKind.PASSWORD)) == Secret(PASSWORD)  # kept for the session


def test_keyring_absent_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path))
    ProfileStore(tmp_path / "profiles.json").save(
        Profile(name="Acme MFP", host="mail.example.test", username="scan@example.test", remember_secret=True)
    )
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]  # the root conftest restores it
    began = time.monotonic()
    status = main(["probe", "--profile", "Acme MFP", "--no-send"])
    err = capsys.readouterr().err.strip().splitlines()
    record(Row("fault", "keyring absent (CLI)", "exit 2", f"exit {status}", time.monotonic() - began))
    assert status == 2
    assert len(err) == 1
    assert "No OS keyring is available" in err[0]
    assert "--password-env" in err[0]


def test_config_folder_read_only(
    qtbot: QtBot,
    tmp_path: Path,
    warnings: Warnings,
    cleanup: list[MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    window = profile_window(qtbot, folder, open_secret_store(MemoryKeyring()).store)
    cleanup.append(window)
    assert _save_in_form(window, "Acme MFP", PASSWORD, monkeypatch) is not None
    before = (folder / "profiles.json").read_bytes()
    began = time.monotonic()
    with read_only_directory(folder):
        refused = _save_in_form(window, "Bistro MFP", PASSWORD, monkeypatch)
    observed = "message, nothing lost" if warnings.texts and "read-only" in warnings.texts[-1] else str(warnings.texts)
    record(Row("fault", "config folder read-only", "message, nothing lost", observed, time.monotonic() - began))
    assert refused is None
    assert len(warnings.texts) == 1
    assert "read-only or you do not have permission" in warnings.texts[0]
    assert CONFIG_DIR_ENV in warnings.texts[0]
    assert (folder / "profiles.json").read_bytes() == before
    assert window.services.profile_store.names() == ["Acme MFP"]


def fill_the_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on every os.write stores at most 64 bytes, then fails with ENOSPC: a disk filling up."""
    real_write = os.write

    def write(fd: int, data: bytes | memoryview) -> int:
        if len(data) > 64:
            return real_write(fd, data[:64])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", write)


@pytest.mark.network
def test_disk_full_while_saving_a_report_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.html"
    with ScriptedServer.smtp({}) as server:
        began = time.monotonic()
        with pytest.MonkeyPatch.context() as patch:
            fill_the_disk(patch)
            target = ["probe", "127.0.0.1", "--port", str(server.port), "--security", "none", "--auth", "none"]
            status = main([*target, "--no-send", "--timeout", "2", "--report", str(report), "--color", "never"])
    err = capsys.readouterr().err.strip().splitlines()
    observed = f"exit {status}, {len(err)} line" + ("" if len(err) == 1 else "s")
    record(Row("fault", "disk full saving report (CLI)", "exit 1, 1 line", observed, time.monotonic() - began))
    assert status == 1
    assert len(err) == 1
    assert "report not saved" in err[0]
    assert "No space left on device" in err[0]
    assert list(tmp_path.iterdir()) == []  # no partial report left behind


@pytest.mark.network
def test_disk_full_while_saving_a_report_from_the_window(
    qtbot: QtBot,
    tmp_path: Path,
    warnings: Warnings,
    cleanup: list[MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = profile_window(qtbot, tmp_path, open_secret_store(MemoryKeyring()).store)
    cleanup.append(window)
    with ScriptedServer.smtp({}) as server, qtbot.waitSignal(window.run_finished, timeout=10_000):
        assert window.start_plan(plan_for(server.port), Credentials())
    reports = tmp_path / "reports"
    reports.mkdir()
    began = time.monotonic()
    fill_the_disk(monkeypatch)
    saved = window.save_report_to(str(reports / "report.txt"))
    monkeypatch.undo()
    shown = warnings.texts[-1] if warnings.texts else ""
    told = "No space left" in shown and not list(reports.iterdir())
    observed = "message, no file" if told else shown
    record(Row("fault", "disk full saving report (GUI)", "message, no file", observed, time.monotonic() - began))
    assert saved is None
    assert "No space left on device" in shown
    assert list(reports.iterdir()) == []
    assert window.save_report_to(str(reports / "report.txt")) is not None  # works once there is room again
