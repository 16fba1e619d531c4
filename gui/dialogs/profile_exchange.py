"""File > Export profiles… and Import profiles…: share settings with colleagues, never secrets.

Export asks which profiles (all ticked at first), then where; it writes the exchange file of
``core.profiles.exchange`` (settings only: no password, client secret or token). Import adds the
file's profiles under new ids and says what it added and what it renamed because the name was taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import InputError, SmtpDoctorError
from core.profiles.exchange import EXPORT_SUFFIX, ImportResult, export_profiles, import_profiles

if TYPE_CHECKING:
    from gui.main_window import MainWindow

FILE_FILTER = f"SMTP Doctor profiles (*{EXPORT_SUFFIX} *.json);;All files (*)"


class ChooseProfilesDialog(QDialog):
    """A ticked list of profile names with "All" and "None"; ``chosen()`` gives the ticked ones."""

    def __init__(self, names: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export profiles")
        intro = QLabel("Choose the profiles to export. Passwords, client secrets and sign-ins are never exported.")
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Profiles to export")
        for name in names:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
        select_all = QPushButton("All")
        select_none = QPushButton("None")
        select_all.clicked.connect(lambda: self.tick_all(True))
        select_none.clicked.connect(lambda: self.tick_all(False))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list.itemChanged.connect(lambda _item: self._sync_ok())
        choices = QHBoxLayout()
        choices.addWidget(select_all)
        choices.addWidget(select_none)
        choices.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addLayout(choices)
        layout.addWidget(self.buttons)

    def items(self) -> list[QListWidgetItem]:
        return [item for row in range(self.list.count()) if (item := self.list.item(row)) is not None]

    def tick_all(self, ticked: bool) -> None:
        state = Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        for item in self.items():
            item.setCheckState(state)

    def chosen(self) -> list[str]:
        return [item.text() for item in self.items() if item.checkState() == Qt.CheckState.Checked]

    def _sync_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setEnabled(bool(self.chosen()))


def import_summary(result: ImportResult) -> str:
    """What an import did, in sentences for the message box."""
    names = ", ".join(profile.name for profile in result.imported)
    count = len(result.imported)
    lines = [f"Imported {count} profile{'s' if count != 1 else ''}: {names}." if count else "No profile was imported."]
    if result.renamed:
        lines.append("Renamed because the name was already taken:")
        lines.extend(f"  {old} → {new}" for old, new in result.renamed)
    lines.extend(result.notes)
    lines.append("Passwords and sign-ins are not part of an export: enter them before testing.")
    return "\n".join(lines)


def with_export_suffix(path: str) -> Path:
    """The chosen path, with the exchange file's suffix when the user typed none."""
    target = Path(path)
    return target if target.suffix else target.with_name(target.name + EXPORT_SUFFIX)


class ProfileExchange(QObject):
    """The two File menu actions and what they do; owned by the main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.export_action = QAction("&Export profiles…", window)
        self.export_action.setToolTip("Write profiles to a file for colleagues (settings only, no secrets)")
        self.import_action = QAction("&Import profiles…", window)
        self.import_action.setToolTip("Add the profiles of an export file")
        self.export_action.triggered.connect(self.export_profiles)
        self.import_action.triggered.connect(self.import_profiles)

    def actions(self) -> list[QAction]:
        return [self.export_action, self.import_action]

    def export_profiles(self) -> Path | None:
        """Ask which profiles and where; write the file. Returns its path, or None."""
        store = self.window.services.profile_store
        names = list(store.names())
        if not names:
            QMessageBox.information(self.window, "Export profiles", "There are no saved profiles to export yet.")
            return None
        dialog = ChooseProfilesDialog(names, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.chosen():
            return None
        chosen = dialog.chosen()
        suggested = str(Path.home() / f"smtp-doctor-profiles{EXPORT_SUFFIX}")
        path, _filter = QFileDialog.getSaveFileName(self.window, "Export profiles", suggested, FILE_FILTER)
        if not path:
            return None
        try:
            written = export_profiles([store.get(name) for name in chosen], with_export_suffix(path))
        except (InputError, SmtpDoctorError) as exc:
            QMessageBox.warning(self.window, "Profiles not exported", getattr(exc, "message", str(exc)))
            return None
        count = len(chosen)
        self.window.statusBar().showMessage(
            f"Exported {count} profile{'s' if count != 1 else ''} to {written} (settings only, no secrets).", 8000
        )
        return written

    def import_profiles(self) -> ImportResult | None:
        """Ask for an export file, add its profiles and say what was added or renamed."""
        path, _filter = QFileDialog.getOpenFileName(self.window, "Import profiles", str(Path.home()), FILE_FILTER)
        if not path:
            return None
        try:
            result = import_profiles(path, self.window.services.profile_store)
        except (InputError, SmtpDoctorError) as exc:
            QMessageBox.warning(self.window, "Profiles not imported", getattr(exc, "message", str(exc)))
            return None
        panel = self.window.profile_panel
        if panel is not None:
            panel.refresh()
        QMessageBox.information(self.window, "Profiles imported", import_summary(result))
        self.window.statusBar().showMessage(f"Imported {len(result.imported)} profile(s) from {path}.", 8000)
        return result
