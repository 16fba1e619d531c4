"""The live transcript: an append-only list model and a uniform-row list view.

Appends are buffered and flushed by a short single-shot timer with one ``beginInsertRows`` per
batch, so a burst of events (or 50,000 of them) costs one layout pass, not one per line. Rows
are coloured by kind and also carry the kind's text marker (``C:``/``S:``/``T:``/``*``/``!``)
and an icon, so the transcript reads without colour.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QFontDatabase, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from core.probe.transcript import EventKind, TranscriptEvent
from gui.icons import KIND_GLYPH, icon
from gui.presenter import event_row, transcript_text
from gui.style import is_dark, kind_colour

FLUSH_MS = 15  # long enough to coalesce a burst, short enough to feel live

EventRole = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class TranscriptModel(QAbstractListModel):
    """Rows of ``TranscriptEvent``; only ever appended to, or cleared for a new run."""

    rows_flushed = Signal(int)  # how many rows the model now has

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._events: list[TranscriptEvent] = []
        self._texts: list[str] = []
        self._pending: list[TranscriptEvent] = []
        self._dark = is_dark()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self.flush)

    # --- feeding ----------------------------------------------------------------------------------
    def append(self, event: TranscriptEvent) -> None:
        self._pending.append(event)
        if not self._timer.isActive():
            self._timer.start()

    def extend(self, events: Iterable[TranscriptEvent]) -> None:
        self._pending.extend(events)
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Insert everything pending as one batch."""
        self._timer.stop()
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        first = len(self._events)
        self.beginInsertRows(QModelIndex(), first, first + len(batch) - 1)
        self._events.extend(batch)
        self._texts.extend(event_row(e) for e in batch)
        self.endInsertRows()
        self.rows_flushed.emit(len(self._events))

    def clear(self) -> None:
        self._timer.stop()
        self._pending = []
        self.beginResetModel()
        self._events = []
        self._texts = []
        self.endResetModel()

    def set_dark(self, dark: bool) -> None:
        self._dark = dark
        if self._events:
            self.dataChanged.emit(self.index(0), self.index(len(self._events) - 1), [Qt.ItemDataRole.ForegroundRole])

    # --- reading ----------------------------------------------------------------------------------
    @property
    def events(self) -> list[TranscriptEvent]:
        return list(self._events)

    def event_at(self, row: int) -> TranscriptEvent:
        return self._events[row]

    def row_of(self, event_index: int) -> int | None:
        """The row showing transcript event ``event_index`` (rows and indices match per run)."""
        if 0 <= event_index < len(self._events) and self._events[event_index].index == event_index:
            return event_index
        return next((row for row, e in enumerate(self._events) if e.index == event_index), None)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._events)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = index.row()
        if not index.isValid() or row >= len(self._events):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[row]
        event = self._events[row]
        if role == Qt.ItemDataRole.ForegroundRole:
            return kind_colour(event.kind, self._dark)
        if role == Qt.ItemDataRole.DecorationRole:
            return icon(KIND_GLYPH[event.kind])
        if role == Qt.ItemDataRole.ToolTipRole:
            phase = event.phase.value if event.phase else "-"
            return f"{_KIND_WORD[event.kind]} · phase {phase} · line {event.index}"
        if role == EventRole:
            return event
        return None


_KIND_WORD = {
    EventKind.CLIENT: "sent by this app",
    EventKind.SERVER: "sent by the server",
    EventKind.TLS: "TLS",
    EventKind.INFO: "note",
    EventKind.ERROR: "error",
}


class TranscriptView(QListView):
    """Monospace, uniform rows, extended selection, Ctrl+C copies the selection as plain text."""

    def __init__(self, model: TranscriptModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.transcript = model or TranscriptModel(self)
        self.setModel(self.transcript)
        self.setUniformItemSizes(True)  # lets the view skip measuring every row: the key to 50k rows
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(2000)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setAccessibleName("Transcript")
        self.setIconSize(QSize(14, 14))
        self._follow = True
        self.verticalScrollBar().valueChanged.connect(self._track_follow)
        self.transcript.rows_flushed.connect(self._scroll_if_following)
        self.copy_action = QAction("Copy", self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(self.copy_selection)
        self.copy_all_action = QAction("Copy all", self)
        self.copy_all_action.triggered.connect(self.copy_all)
        self.addAction(self.copy_action)
        self.addAction(self.copy_all_action)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def _track_follow(self, value: int) -> None:
        # Keep following new lines only while the user is at the bottom (reading older lines stays put).
        self._follow = value >= self.verticalScrollBar().maximum() - 2

    def _scroll_if_following(self, _rows: int) -> None:
        if self._follow:
            self.scrollToBottom()

    def selected_text(self) -> str:
        rows = sorted(index.row() for index in self.selectionModel().selectedIndexes())
        return transcript_text([self.transcript.event_at(row) for row in rows])

    def copy_selection(self) -> None:
        text = self.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)

    def copy_all(self) -> None:
        QGuiApplication.clipboard().setText(transcript_text(self.transcript.events))

    def show_event(self, event_index: int) -> bool:
        """Select and scroll to a transcript line (the findings' evidence links land here)."""
        self.transcript.flush()
        row = self.transcript.row_of(event_index)
        if row is None:
            return False
        index = self.transcript.index(row)
        self._follow = False
        self.setCurrentIndex(index)
        self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.setFocus()
        return True
