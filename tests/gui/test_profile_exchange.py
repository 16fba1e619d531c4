"""File > Export profiles… and Import profiles… through the menu, with the file dialogs driven by the test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from core.model import AuthMethod, CredentialKind
from core.profiles.model import Profile, ProfileOAuth, SecretKind
from core.profiles.secrets import SessionSecretStore
from core.profiles.store import ProfileStore
from core.secret import Secret
from gui.app import build_services
from gui.dialogs.profile_exchange import ChooseProfilesDialog
from gui.main_window import MainWindow

pytestmark = pytest.mark.gui

PASSWORD = "Xq7-export-never!"
CLIENT_SECRET = "cs~never-exported-9Q"


@pytest.fixture
def store(tmp_path: Path) -> ProfileStore:
    profiles = ProfileStore(tmp_path / "profiles.json")
    profiles.save(Profile(name="Acme MFP", host="smtp.office365.com", port=587, username="scan@acme.example"))
    profiles.save(
        Profile(
            name="Contoso app-only",
            host="smtp.office365.com",
            auth=AuthMethod.XOAUTH2,
            credential_kind=CredentialKind.OAUTH_APP_ONLY,
            oauth=ProfileOAuth(tenant="contoso.example", client_id="0f0f0f0f-1111-2222-3333-444444444444"),
        )
    )
    profiles.save(Profile(name="Bistro printer", host="smtp.gmail.com", port=465))
    return profiles


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, store: ProfileStore) -> Iterator[MainWindow]:
    services = build_services(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    services.profile_store = store
    secrets = SessionSecretStore()
    secrets.set(store.get("Acme MFP").secret_ref(SecretKind.PASSWORD), Secret(PASSWORD))
    secrets.set(store.get("Contoso app-only").secret_ref(SecretKind.CLIENT_SECRET), Secret(CLIENT_SECRET))
    services.secret_store = secrets
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.controller.shutdown(5000)


def menu_action(window: MainWindow, text: str) -> object:
    return next(a for a in window.file_menu.actions() if a.text() == text)


def test_export_then_import_round_trip_through_the_menu(
    window: MainWindow, store: ProfileStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chooser_names: list[list[str]] = []

    def choose_two(dialog: ChooseProfilesDialog) -> int:
        chooser_names.append([item.text() for item in dialog.items()])
        dialog.items()[1].setCheckState(Qt.CheckState.Unchecked)  # leave "Bistro printer" out
        return QDialog.DialogCode.Accepted

    target = tmp_path / "share" / "customer-profiles"  # typed without a suffix
    target.parent.mkdir()
    monkeypatch.setattr(ChooseProfilesDialog, "exec", choose_two)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))

    export = menu_action(window, "&Export profiles…")
    export.trigger()  # type: ignore[attr-defined]

    assert chooser_names == [["Acme MFP", "Bistro printer", "Contoso app-only"]]
    written = target.with_name("customer-profiles.smtpdoctor.json")
    text = written.read_text(encoding="utf-8")
    document = json.loads(text)
    assert [p["name"] for p in document["profiles"]] == ["Acme MFP", "Contoso app-only"]
    assert document["profiles"][1]["oauth"]["client_id"] == "0f0f0f0f-1111-2222-3333-444444444444"
    assert PASSWORD not in text
    assert CLIENT_SECRET not in text
    assert "Exported 2 profiles" in window.statusBar().currentMessage()

    shown: list[str] = []

    def information(_parent: QWidget, _title: str, message: str) -> QMessageBox.StandardButton:
        shown.append(message)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(written), ""))
    monkeypatch.setattr(QMessageBox, "information", information)
    menu_action(window, "&Import profiles…").trigger()  # type: ignore[attr-defined]

    assert set(store.names()) == {
        "Acme MFP",
        "Bistro printer",
        "Contoso app-only",
        "Acme MFP (imported)",
        "Contoso app-only (imported)",
    }
    imported = store.get("Contoso app-only (imported)")
    assert imported.id != store.get("Contoso app-only").id  # never shares keyring entries
    assert imported.oauth.tenant == "contoso.example"
    assert window.services.secret_store.get(imported.secret_ref(SecretKind.CLIENT_SECRET)) is None
    panel = window.profile_panel
    assert panel is not None
    assert panel.list.count() == 5
    assert len(shown) == 1
    assert "Imported 2 profiles" in shown[0]
    assert "Acme MFP → Acme MFP (imported)" in shown[0]
    assert "Contoso app-only → Contoso app-only (imported)" in shown[0]


def test_cancelled_dialogs_and_a_foreign_file_change_nothing(
    window: MainWindow, store: ProfileStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ChooseProfilesDialog, "exec", lambda _d: QDialog.DialogCode.Rejected)
    menu_action(window, "&Export profiles…").trigger()  # type: ignore[attr-defined]
    assert list(tmp_path.glob("*.smtpdoctor.json")) == []

    foreign = tmp_path / "notes.json"
    foreign.write_text('{"hello": "world"}', encoding="utf-8")
    warnings: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(foreign), ""))
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, message: warnings.append(message))
    before = store.names()
    menu_action(window, "&Import profiles…").trigger()  # type: ignore[attr-defined]
    assert store.names() == before
    assert len(warnings) == 1
    assert "not an SMTP Doctor profile export" in warnings[0]


def test_chooser_all_and_none(qtbot: QtBot) -> None:
    dialog = ChooseProfilesDialog(["One", "Two"])
    qtbot.addWidget(dialog)
    assert dialog.chosen() == ["One", "Two"]
    dialog.tick_all(False)
    assert dialog.chosen() == []
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert ok is not None
    assert not ok.isEnabled()
    dialog.tick_all(True)
    assert ok.isEnabled()
