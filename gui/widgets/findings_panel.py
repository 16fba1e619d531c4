"""The diagnosis: a one-line verdict, then findings by severity with fixes, commands and evidence.

Each finding is a card: icon and title, a plain explanation, numbered fix steps, admin commands
with their own Copy buttons, and links that jump to the transcript lines that led to it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.diagnosis.finding import Finding
from gui.icons import SEVERITY_GLYPH, Glyph, icon
from gui.presenter import SEVERITY_LABEL, sort_findings


class VerdictBanner(QFrame):
    """'Works: …' or 'Fails: …' in large type, with an icon and a tinted background."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdict")
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.text.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.text.setFont(font)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        self.passed: bool | None = None
        self.show_idle("Fill in the printer's settings and press Test (Ctrl+Enter).")

    def show_idle(self, text: str) -> None:
        self._show(None, text, Glyph.INFO)

    def show_running(self, text: str) -> None:
        self._show(None, text, Glyph.RUNNING)

    def show_verdict(self, passed: bool, text: str) -> None:
        self._show(passed, text, Glyph.OK if passed else Glyph.FAIL)

    def _show(self, passed: bool | None, text: str, glyph: Glyph) -> None:
        self.passed = passed
        self.text.setText(text)
        self.icon.setPixmap(icon(glyph).pixmap(32, 32))
        tint = {None: "rgba(9,105,218,0.10)", True: "rgba(26,127,55,0.16)", False: "rgba(207,34,46,0.16)"}[passed]
        edge = {None: "#0969da", True: "#1a7f37", False: "#cf222e"}[passed]
        self.setStyleSheet(
            f"#verdict {{ background: {tint}; border: 1px solid {edge}; border-left: 6px solid {edge};"
            " border-radius: 6px; }"
        )
        self.setAccessibleName(text)


class FindingCard(QFrame):
    """One finding, ready to act on."""

    evidence_requested = Signal(int)

    def __init__(self, finding: Finding, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.finding = finding
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.addLayout(self._header(finding))
        layout.addWidget(_wrapped(html.escape(finding.explanation)))
        if finding.fix:
            steps = "".join(f"<li>{html.escape(step)}</li>" for step in finding.fix)
            layout.addWidget(_wrapped(f"<b>How to fix it</b><ol style='margin-top:2px'>{steps}</ol>"))
        self.command_lines: list[QLineEdit] = []
        for command in finding.commands:
            layout.addLayout(self._command_row(command))
        if finding.evidence:
            layout.addLayout(self._evidence_row(finding.evidence))

    def _header(self, finding: Finding) -> QHBoxLayout:
        row = QHBoxLayout()
        glyph = QLabel()
        glyph.setPixmap(icon(SEVERITY_GLYPH[finding.severity]).pixmap(22, 22))
        title = QLabel(f"<b>{SEVERITY_LABEL[finding.severity]}: {html.escape(finding.title)}</b>")
        title.setWordWrap(True)
        code = QLabel(finding.code)
        code.setEnabled(False)
        code.setToolTip("Diagnosis code (quote it in a support ticket)")
        code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(glyph)
        row.addWidget(title, 1)
        row.addWidget(code)
        return row

    def _command_row(self, command: str) -> QHBoxLayout:
        row = QHBoxLayout()
        line = QLineEdit(command)
        line.setReadOnly(True)
        line.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        line.setCursorPosition(0)
        line.setAccessibleName("Admin command")
        button = QPushButton("Copy")
        button.setToolTip("Copy this command for the mail administrator")
        button.clicked.connect(lambda: QGuiApplication.clipboard().setText(command))
        self.command_lines.append(line)
        row.addWidget(line, 1)
        row.addWidget(button)
        return row

    def _evidence_row(self, evidence: Sequence[int]) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("Evidence:"))
        links = ", ".join(f'<a href="{i}">transcript line {i}</a>' for i in evidence)
        label = QLabel(links)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        label.linkActivated.connect(lambda href: self.evidence_requested.emit(int(href)))
        self.evidence_label = label
        row.addWidget(label, 1)
        return row


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class FindingsPanel(QWidget):
    """Verdict on top; the cards below in a scroll area, errors first."""

    evidence_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.verdict = VerdictBanner()
        self.cards: list[FindingCard] = []
        self._list = QWidget()
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._list)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.verdict)
        layout.addWidget(scroll, 1)

    def clear(self) -> None:
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []

    def show_findings(self, passed: bool, verdict: str, findings: Sequence[Finding]) -> None:
        self.clear()
        self.verdict.show_verdict(passed, verdict)
        for finding in sort_findings(findings):
            card = FindingCard(finding)
            card.evidence_requested.connect(self.evidence_requested)
            self._list_layout.insertWidget(self._list_layout.count() - 1, card)
            self.cards.append(card)

    def codes(self) -> list[str]:
        return [card.finding.code for card in self.cards]
