"""The profile list against the real ProfileStore (a temp file) and a session secret store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from core.model import SecurityMode
from core.profiles.model import Profile, SecretKind
from core.profiles.secrets import SessionSecretStore
from core.profiles.store import ProfileStore
from gui.app import build_services
from gui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def store(tmp_path: Path) -> ProfileStore:
    profiles = ProfileStore(tmp_path / "profiles.json")
    profiles.save(Profile(name="Acme MFP", host="smtp.office365.com", port=587, username="scan@acme.example"))
    profiles.save(Profile(name="Bistro printer", host="smtp.gmail.com", port=465, security=SecurityMode.TLS))
    return profiles


@pytest.fixture
def profile_window(qtbot: QtBot, tmp_path: Path, store: ProfileStore) -> Iterator[MainWindow]:
    services = build_services(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    services.profile_store = store
    services.secret_store = SessionSecretStore()
    services.keyring_label = services.secret_store.backend_name
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.controller.shutdown(5000)


def test_lists_searches_and_loads_profiles(profile_window: MainWindow) -> None:
    panel = profile_window.profile_panel
    assert panel is not None
    assert [panel.list.item(i).text() for i in range(panel.list.count())] == ["Acme MFP", "Bistro printer"]
    assert "Passwords are kept in" in panel.keyring_label.text()
    panel.search.setText("gmail")
    assert panel.list.count() == 1
    panel.list.setCurrentRow(0)
    assert profile_window.form.host.text() == "smtp.gmail.com"
    assert profile_window.form.security_mode() is SecurityMode.TLS


def test_save_writes_settings_and_remembers_the_password(profile_window: MainWindow, store: ProfileStore) -> None:
    panel = profile_window.profile_panel
    assert panel is not None
    panel.list.setCurrentRow(0)
    form = profile_window.form
    form.port.setText("25")
    form.password.line.setText("Sw0rdfish!")
    form.sender_address.setText("scan@acme.example")
    form.recipient.setText("it@acme.example")
    saved = profile_window.save_profile()
    assert saved is not None
    reloaded = ProfileStore(store.path).get("Acme MFP")
    assert reloaded.port == 25
    assert reloaded.rcpt_to == ("it@acme.example",)
    assert "Sw0rdfish!" not in store.path.read_text()
    secret = profile_window.services.secret_store.get(saved.secret_ref(SecretKind.PASSWORD))
    assert secret is not None
    assert secret.reveal() == "Sw0rdfish!"

    # Loading the profile again brings the remembered password back into the form.
    panel.list.setCurrentRow(1)
    panel.list.setCurrentRow(0)
    assert form.password.secret().reveal() == "Sw0rdfish!"


def test_rename_duplicate_and_delete(profile_window: MainWindow, store: ProfileStore) -> None:
    panel = profile_window.profile_panel
    assert panel is not None
    panel.list.setCurrentRow(0)
    panel.rename_profile("Acme MFP 3rd floor")
    assert "Acme MFP 3rd floor" in store.names()
    copy = panel.duplicate_profile()
    assert copy is not None
    assert copy.name == "Acme MFP 3rd floor (copy)"
    assert panel.current_profile() == store.get(copy.name)
    panel.delete_profile(confirm=False)
    assert copy.name not in store.names()
    assert panel.list.count() == 2


def test_rename_to_an_existing_name_is_refused_with_a_message(
    profile_window: MainWindow, store: ProfileStore, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    panel = profile_window.profile_panel
    assert panel is not None
    panel.list.setCurrentRow(0)
    assert panel.rename_profile("bistro PRINTER") is None
    assert shown
    assert "already exists" in shown[0]
    assert "Acme MFP" in store.names()


def test_delete_removes_the_remembered_password_too(profile_window: MainWindow, store: ProfileStore) -> None:
    panel = profile_window.profile_panel
    assert panel is not None
    panel.list.setCurrentRow(0)
    form = profile_window.form
    form.password.line.setText("Sw0rdfish!")
    form.sender_address.setText("scan@acme.example")
    form.recipient.setText("it@acme.example")
    saved = profile_window.save_profile()
    assert saved is not None
    ref = saved.secret_ref(SecretKind.PASSWORD)
    assert profile_window.services.secret_store.get(ref) is not None
    panel.list.setCurrentRow(0)
    panel.delete_profile(confirm=False)
    assert "Acme MFP" not in store.names()
    assert profile_window.services.secret_store.get(ref) is None


def test_save_with_an_invalid_form_saves_nothing_and_shows_why(profile_window: MainWindow, store: ProfileStore) -> None:
    panel = profile_window.profile_panel
    assert panel is not None
    panel.list.setCurrentRow(0)
    form = profile_window.form
    form.password.line.setText("Old-pass1")
    form.sender_address.setText("scan@acme.example")
    form.recipient.setText("it@acme.example")
    first = profile_window.save_profile()
    assert first is not None
    ref = first.secret_ref(SecretKind.PASSWORD)

    # Now a bad port and a new password: neither the settings nor the password may be written.
    form.port.setText("99999")
    form.password.line.setText("New-pass2")
    form.sender_address.setText("not an address")
    assert profile_window.save_profile() is None
    reloaded = ProfileStore(store.path).get("Acme MFP")
    assert reloaded.port == 587
    assert reloaded.mail_from == "scan@acme.example"
    secret = profile_window.services.secret_store.get(ref)
    assert secret is not None
    assert secret.reveal() == "Old-pass1"
    # The same inline messages as Test, and the cursor on the first field to fix.
    assert form.message("port")
    assert form.message("from")
    assert form.rows["port"].message.isVisible()
    assert form.focusWidget() is form.port
    assert "Fix the fields marked in red" in profile_window.statusBar().currentMessage()
