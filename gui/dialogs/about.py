"""The About box: name, version, what it is for, and the Qt/Python versions (for support tickets)."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from core import __version__
from gui.icons import Glyph, icon


def about_text() -> str:
    return (
        f"<h3>SMTP Doctor {__version__}</h3>"
        "<p>Tells you why a printer's scan-to-email cannot send, and what to change.</p>"
        f"<p>Python {platform.python_version()} · Qt {qVersion()} · PySide6 {pyside_version}</p>"
        "<p>Passwords are kept in the system keyring and never written to reports.</p>"
    )


def show_about(parent: QWidget) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("About SMTP Doctor")
    box.setIconPixmap(icon(Glyph.APP).pixmap(64, 64))
    box.setText(about_text())
    box.exec()
