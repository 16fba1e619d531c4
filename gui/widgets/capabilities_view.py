"""EHLO capabilities before and after STARTTLS, side by side, with the differences highlighted.

Rows are aligned by keyword (``AUTH``, ``SIZE``...), so "AUTH appears only after TLS" — the
normal picture at Microsoft 365 and Gmail — is one highlighted row, marked in words too.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFontDatabase
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from core.smtp.capabilities import Capabilities
from gui.style import highlight_background, is_dark

_COLUMNS = ("Keyword", "Before STARTTLS", "After STARTTLS", "Difference")


def _by_keyword(caps: Capabilities | None) -> dict[str, str]:
    lines: dict[str, str] = {}
    for line in caps.raw if caps else ():
        word = line.split(" ", 1)[0].split("=", 1)[0].upper()
        lines[word] = f"{lines[word]}; {line}" if word in lines else line
    return lines


def compare(before: Capabilities | None, after: Capabilities | None) -> list[tuple[str, str, str, str]]:
    """Rows of (keyword, before, after, difference in words); order: before's, then new ones."""
    old, new = _by_keyword(before), _by_keyword(after)
    rows: list[tuple[str, str, str, str]] = []
    for word in [*old, *(w for w in new if w not in old)]:
        left, right = old.get(word, ""), new.get(word, "")
        if after is None:
            note = ""
        elif not left:
            note = "only after TLS"
        elif not right:
            note = "only before TLS"
        elif left.upper() != right.upper():
            note = "changed"
        else:
            note = ""
        rows.append((word, left, right, note))
    return rows


class CapabilitiesView(QTableWidget):
    """A read-only table; differing rows get a highlight background and a 'Difference' note."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(_COLUMNS), parent)
        self.setHorizontalHeaderLabels(_COLUMNS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().hide()
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.setAccessibleName("Capabilities before and after STARTTLS")

    def show_capabilities(self, before: Capabilities | None, after: Capabilities | None) -> None:
        rows = compare(before, after)
        self.setRowCount(len(rows))
        background = QBrush(highlight_background(is_dark(self.palette())))
        for row, values in enumerate(rows):
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                if values[3]:
                    item.setBackground(background)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, text or "absent")
                self.setItem(row, column, item)
        self.setColumnHidden(2, after is None)
        self.setColumnHidden(3, after is None)

    def differences(self) -> list[tuple[str, str]]:
        """(keyword, note) for every highlighted row."""
        rows = [(self.item(row, 0), self.item(row, 3)) for row in range(self.rowCount())]
        return [(word.text(), note.text()) for word, note in rows if word and note and note.text()]
