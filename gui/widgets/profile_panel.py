"""The saved profiles: search, new, duplicate, rename, delete (with confirmation), save.

The panel edits the ``ProfileStore`` and the secret store; the form shows the chosen profile.
It says where passwords are kept (the keyring backend's name) and offers "Remember password".
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import InputError, SmtpDoctorError
from core.profiles.model import Profile

_ID_ROLE = Qt.ItemDataRole.UserRole


class ProfilePanel(QWidget):
    """A searchable list of profiles with the actions a technician needs."""

    chosen = Signal(object)  # Profile, or None when the list has no selection
    save_requested = Signal()  # the window takes the form's values and calls ``save``

    def __init__(
        self,
        store: Any,
        keyring_label: str,
        keyring_problem: str | None,
        parent: QWidget | None = None,
        *,
        service: Any = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        # Deleting through the profile service also removes the profile's secrets from the keyring.
        self._deleter = service if service is not None else store
        self.current_id: str | None = None
        self.search = QLineEdit(placeholderText="Search profiles (name, server, login…)")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Profiles")
        self.new_button = QPushButton("New")
        self.duplicate_button = QPushButton("Duplicate")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete…")
        self.save_button = QPushButton("Save")
        self.remember = QCheckBox("Remember password")
        self.remember.setChecked(True)
        self.remember.setToolTip("Keep the password in the system keyring so the profile can test without asking")
        where = keyring_problem or f"Passwords are kept in: {keyring_label}"
        self.keyring_label = QLabel(where)
        self.keyring_label.setWordWrap(True)
        self.keyring_label.setEnabled(keyring_problem is None)
        # What happened to the profile file when it was read (damaged and set aside, repaired, newer).
        self.file_warning = QLabel(getattr(store, "load_warning", None) or "")
        self.file_warning.setWordWrap(True)
        self.file_warning.setStyleSheet("color: #9a6700")
        self.file_warning.setVisible(bool(self.file_warning.text()))
        buttons = QHBoxLayout()
        for button in (self.new_button, self.duplicate_button, self.rename_button, self.delete_button):
            buttons.addWidget(button)
        saving = QHBoxLayout()
        saving.addWidget(self.remember, 1)
        saving.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.file_warning)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addLayout(saving)
        layout.addWidget(self.keyring_label)
        self.search.textChanged.connect(lambda _t: self.refresh())
        self.list.currentItemChanged.connect(self._current_changed)
        self.new_button.clicked.connect(self.new_profile)
        self.duplicate_button.clicked.connect(self.duplicate_profile)
        self.rename_button.clicked.connect(self.rename_profile)
        self.delete_button.clicked.connect(self.delete_profile)
        self.save_button.clicked.connect(self.save_requested)
        self.refresh()

    # --- list -----------------------------------------------------------------------------------
    def refresh(self, select_id: str | None = None) -> None:
        wanted = select_id or self.current_id
        text = self.search.text().strip()
        profiles = self.store.search(text) if text else self.store.list()
        self.list.blockSignals(True)
        self.list.clear()
        self.current_id = None
        for profile in profiles:
            item = QListWidgetItem(profile.name)
            item.setData(_ID_ROLE, profile.id)
            item.setToolTip(f"{profile.host}:{profile.port} · {profile.username or 'no login'}")
            self.list.addItem(item)
            if profile.id == wanted:
                self.list.setCurrentItem(item)
                self.current_id = profile.id
        self.list.blockSignals(False)
        self._sync_buttons()

    def current_profile(self) -> Profile | None:
        return self.store.get_by_id(self.current_id) if self.current_id else None

    def _current_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        self.current_id = str(current.data(_ID_ROLE)) if current is not None else None
        self._sync_buttons()
        profile = self.current_profile()
        if profile is not None:
            self.remember.setChecked(profile.remember_secret)
        self.chosen.emit(profile)

    def select(self, profile_id: str) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item is not None and item.data(_ID_ROLE) == profile_id:
                self.list.setCurrentRow(row)
                return

    def _sync_buttons(self) -> None:
        has = self.current_id is not None
        for button in (self.duplicate_button, self.rename_button, self.delete_button):
            button.setEnabled(has)

    # --- actions --------------------------------------------------------------------------------
    def new_profile(self) -> Profile | None:
        name, ok = QInputDialog.getText(self, "New profile", "Name (customer and device):")
        if not ok:
            return None
        return self._guarded(
            lambda: self.store.save(Profile(name=self.store.unique_name(name) if name.strip() else name))
        )

    def duplicate_profile(self) -> Profile | None:
        profile = self.current_profile()
        if profile is None:
            return None
        return self._guarded(lambda: self.store.duplicate(profile.name))

    def rename_profile(self, new_name: str | None = None) -> Profile | None:
        profile = self.current_profile()
        if profile is None:
            return None
        if new_name is None:
            new_name, ok = QInputDialog.getText(self, "Rename profile", "New name:", text=profile.name)
            if not ok:
                return None
        return self._guarded(lambda: self.store.rename(profile.name, new_name))

    def delete_profile(self, confirm: bool = True) -> Profile | None:
        profile = self.current_profile()
        if profile is None:
            return None
        if confirm:
            answer = QMessageBox.question(
                self,
                "Delete profile",
                f"Delete the profile '{profile.name}' and its saved password? This cannot be undone.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
        deleted = self._guarded(lambda: self._deleter.delete(profile.name), select=False)
        if deleted is not None:
            self.current_id = None
            self.refresh()
            self.chosen.emit(None)
        return deleted

    def _guarded(self, action: Any, *, select: bool = True) -> Profile | None:
        """Run a store action; show its plain message instead of a traceback when it fails."""
        try:
            profile: Profile = action()
        except (InputError, SmtpDoctorError) as exc:
            QMessageBox.warning(self, "Profiles", getattr(exc, "message", str(exc)))
            return None
        if select:
            previous = self.current_id
            self.refresh(select_id=profile.id)
            if profile.id != previous:
                self.chosen.emit(profile)
        return profile
