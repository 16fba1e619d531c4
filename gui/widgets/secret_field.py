"""A password field with a Show/Hide button that hands out a ``Secret``, never a bare string."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QToolButton, QWidget

from core.secret import Secret


class SecretLineEdit(QWidget):
    """Masked input plus a toggle; ``secret()`` wraps the text so it cannot be logged by accident."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line = QLineEdit()
        self.line.setEchoMode(QLineEdit.EchoMode.Password)
        self.line.setObjectName("password")
        self.toggle = QToolButton()
        self.toggle.setText("Show")
        self.toggle.setCheckable(True)
        self.toggle.setToolTip("Show or hide the password (check it was typed right)")
        self.toggle.toggled.connect(self._set_visible)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.toggle)
        self.line.textEdited.connect(lambda _text: self.edited.emit())
        self.setFocusProxy(self.line)

    def _set_visible(self, visible: bool) -> None:
        self.line.setEchoMode(QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password)
        self.toggle.setText("Hide" if visible else "Show")

    def secret(self) -> Secret:
        return Secret(self.line.text())

    def set_secret(self, secret: Secret | None) -> None:
        self.line.setText(secret.reveal() if secret else "")

    def is_empty(self) -> bool:
        return not self.line.text()

    def clear(self) -> None:
        self.line.clear()
