"""The device-code sign-in dialog: the code and the link (both copyable), a countdown, and Cancel.

It takes anything shaped like ``core.oauth.tokens.DeviceCodePrompt`` (plain data, no secrets).
Cancel rejects the dialog; the caller sets the token request's ``CancelToken``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class DeviceCodeLike(Protocol):
    @property
    def user_code(self) -> str: ...
    @property
    def verification_uri(self) -> str: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def message(self) -> str: ...


class DeviceCodeDialog(QDialog):
    """Shows the code until it expires; closes itself (rejected) at zero."""

    def __init__(self, prompt: DeviceCodeLike, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to the mail account")
        self.prompt = prompt
        intro = QLabel(prompt.message)
        intro.setWordWrap(True)
        self.code = QLabel(prompt.user_code)
        code_font = QFont(self.code.font())
        code_font.setPointSizeF(code_font.pointSizeF() * 2)
        code_font.setBold(True)
        code_font.setStyleHint(QFont.StyleHint.Monospace)
        self.code.setFont(code_font)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        copy_code = QPushButton("Copy code")
        copy_code.clicked.connect(lambda: QGuiApplication.clipboard().setText(prompt.user_code))
        self.link = QLabel(f'<a href="{prompt.verification_uri}">{prompt.verification_uri}</a>')
        self.link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.link.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        copy_link = QPushButton("Copy link")
        copy_link.clicked.connect(lambda: QGuiApplication.clipboard().setText(prompt.verification_uri))
        self.countdown = QLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(_row(self.code, copy_code))
        layout.addLayout(_row(self.link, copy_link))
        layout.addWidget(self.countdown)
        layout.addWidget(buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._tick()

    def seconds_left(self, now: datetime | None = None) -> int:
        remaining = (self.prompt.expires_at - (now or datetime.now(UTC))).total_seconds()
        return max(0, int(remaining))

    def _tick(self) -> None:
        left = self.seconds_left()
        minutes, seconds = divmod(left, 60)
        self.countdown.setText(f"The code expires in {minutes}:{seconds:02d}.")
        if left == 0:
            self._timer.stop()
            self.countdown.setText("The code has expired. Press Test to get a new one.")
            self.reject()


def _row(main: QWidget, button: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(main, 1)
    row.addWidget(button)
    return row
