"""The practice scenarios as a list of ready profiles (practice mode only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from gui.icons import Glyph, icon

if TYPE_CHECKING:
    from gui.practice import PracticeProfile

_ID_ROLE = Qt.ItemDataRole.UserRole


class PracticePanel(QWidget):
    """Pick a scenario; its settings (and practice password or token) go into the form.

    ``chosen`` carries the scenario's id, not the ``PracticeProfile``: that holds ``Credentials``,
    and no secret crosses a Qt signal, not even a practice one.
    """

    chosen = Signal(str)  # the scenario id: look the profile up in ``profiles``

    def __init__(self, profiles: Sequence[PracticeProfile], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profiles = {p.scenario.id: p for p in profiles}
        intro = QLabel(
            "Practice server on this computer: pick a situation, press Test, and read the diagnosis. "
            "No real account is used."
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Practice scenarios")
        for profile in profiles:
            item = QListWidgetItem(icon(Glyph.OK if profile.expected_code is None else Glyph.WARNING), profile.title)
            item.setData(_ID_ROLE, profile.scenario.id)
            item.setToolTip(profile.lesson)
            self.list.addItem(item)
        self.list.currentItemChanged.connect(self._current_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)

    def _current_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self.chosen.emit(str(current.data(_ID_ROLE)))

    def select(self, scenario_id: str) -> None:
        """Select a scenario by id (emits ``chosen``)."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item is not None and item.data(_ID_ROLE) == scenario_id:
                self.list.setCurrentRow(row)
                return
        raise KeyError(scenario_id)
