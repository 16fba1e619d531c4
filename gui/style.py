"""Light and dark palettes that follow the system colour scheme, and the transcript's colours.

The Fusion style is used on every platform so both palettes look the same everywhere; the scheme
is re-applied when the system switches between light and dark while the app runs.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from core.probe.transcript import EventKind

_LIGHT_KIND = {
    EventKind.CLIENT: "#0550ae",
    EventKind.SERVER: "#116329",
    EventKind.TLS: "#6639ba",
    EventKind.INFO: "#57606a",
    EventKind.ERROR: "#cf222e",
}
_DARK_KIND = {
    EventKind.CLIENT: "#79c0ff",
    EventKind.SERVER: "#7ee787",
    EventKind.TLS: "#d2a8ff",
    EventKind.INFO: "#9da7b3",
    EventKind.ERROR: "#ff7b72",
}


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the window background is dark (whatever set it: the system or our palette)."""
    colours = palette or QGuiApplication.palette()
    return colours.color(QPalette.ColorRole.Window).lightness() < 128


def kind_colour(kind: EventKind, dark: bool) -> QColor:
    return QColor((_DARK_KIND if dark else _LIGHT_KIND)[kind])


def highlight_background(dark: bool) -> QColor:
    """A soft background that marks a difference (capabilities) without hiding the text."""
    return QColor("#4d3800" if dark else "#fff1c2")


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1f2328",
        QPalette.ColorRole.WindowText: "#e6edf3",
        QPalette.ColorRole.Base: "#161b22",
        QPalette.ColorRole.AlternateBase: "#1f2428",
        QPalette.ColorRole.ToolTipBase: "#2d333b",
        QPalette.ColorRole.ToolTipText: "#e6edf3",
        QPalette.ColorRole.PlaceholderText: "#7d8590",
        QPalette.ColorRole.Text: "#e6edf3",
        QPalette.ColorRole.Button: "#2d333b",
        QPalette.ColorRole.ButtonText: "#e6edf3",
        QPalette.ColorRole.BrightText: "#ff7b72",
        QPalette.ColorRole.Link: "#4493f8",
        QPalette.ColorRole.Highlight: "#1f6feb",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Light: "#3d444d",
        QPalette.ColorRole.Midlight: "#30363d",
        QPalette.ColorRole.Mid: "#262c33",
        QPalette.ColorRole.Dark: "#0d1117",
        QPalette.ColorRole.Shadow: "#010409",
    }
    for role, value in roles.items():
        palette.setColor(role, QColor(value))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6e7681"))
    return palette


def apply_scheme(app: QApplication) -> None:
    """Use the dark palette when the system prefers dark, Fusion's own light palette otherwise."""
    scheme = app.styleHints().colorScheme()
    style = app.style()
    app.setPalette(dark_palette() if scheme is Qt.ColorScheme.Dark else style.standardPalette())


def install(app: QApplication) -> None:
    """Set the style and palette now and follow the system's light/dark changes from now on."""
    app.setStyle("Fusion")
    apply_scheme(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_scheme(app))
