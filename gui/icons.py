"""Small status and transcript icons drawn in code, crisp at any device pixel ratio; the app icon.

Each icon is painted into pixmaps of several sizes so Qt picks a sharp one on high-DPI screens;
no image files are needed for them, which keeps the frozen app simple. The one image file is the
application icon, resources/app.png (drawn by build/make_icon.py from ``Glyph.APP``), which the
PyInstaller spec bundles under ``resources``: ``resources_dir`` finds it in both layouts.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Final

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from core.diagnosis.finding import Severity
from core.probe.transcript import EventKind

_SIZES = (16, 20, 24, 32, 48, 64)
APP_ICON: Final = "app.png"

GREEN = QColor("#1a7f37")
RED = QColor("#cf222e")
BLUE = QColor("#0969da")
AMBER = QColor("#bf8700")
GREY = QColor("#8c959f")
PURPLE = QColor("#8250df")


class Glyph(enum.Enum):
    OK = "ok"
    FAIL = "fail"
    RUNNING = "running"
    PENDING = "pending"
    SKIPPED = "skipped"
    WARNING = "warning"
    INFO = "info"
    CLIENT = "client"
    SERVER = "server"
    LOCK = "lock"
    APP = "app"


Painter = Callable[[QPainter, float], None]


def _disc(p: QPainter, s: float, colour: QColor) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(colour))
    p.drawEllipse(QRectF(s * 0.06, s * 0.06, s * 0.88, s * 0.88))


def _stroke(p: QPainter, s: float, colour: QColor, width: float = 0.12) -> None:
    pen = QPen(colour, s * width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)


def _ok(p: QPainter, s: float) -> None:
    _disc(p, s, GREEN)
    _stroke(p, s, QColor("white"))
    path = QPainterPath(QPointF(s * 0.28, s * 0.52))
    path.lineTo(s * 0.44, s * 0.68)
    path.lineTo(s * 0.72, s * 0.34)
    p.drawPath(path)


def _fail(p: QPainter, s: float) -> None:
    _disc(p, s, RED)
    _stroke(p, s, QColor("white"))
    p.drawLine(QPointF(s * 0.33, s * 0.33), QPointF(s * 0.67, s * 0.67))
    p.drawLine(QPointF(s * 0.67, s * 0.33), QPointF(s * 0.33, s * 0.67))


def _running(p: QPainter, s: float) -> None:
    _stroke(p, s, BLUE, 0.1)
    p.drawEllipse(QRectF(s * 0.1, s * 0.1, s * 0.8, s * 0.8))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(BLUE))
    p.drawEllipse(QRectF(s * 0.32, s * 0.32, s * 0.36, s * 0.36))


def _pending(p: QPainter, s: float) -> None:
    _stroke(p, s, GREY, 0.1)
    p.drawEllipse(QRectF(s * 0.12, s * 0.12, s * 0.76, s * 0.76))


def _skipped(p: QPainter, s: float) -> None:
    _pending(p, s)
    p.drawLine(QPointF(s * 0.32, s * 0.5), QPointF(s * 0.68, s * 0.5))


def _warning(p: QPainter, s: float) -> None:
    path = QPainterPath(QPointF(s * 0.5, s * 0.06))
    path.lineTo(s * 0.95, s * 0.9)
    path.lineTo(s * 0.05, s * 0.9)
    path.closeSubpath()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(AMBER))
    p.drawPath(path)
    _stroke(p, s, QColor("white"), 0.11)
    p.drawLine(QPointF(s * 0.5, s * 0.36), QPointF(s * 0.5, s * 0.6))
    p.drawPoint(QPointF(s * 0.5, s * 0.76))


def _info(p: QPainter, s: float) -> None:
    _disc(p, s, BLUE)
    _stroke(p, s, QColor("white"), 0.11)
    p.drawLine(QPointF(s * 0.5, s * 0.46), QPointF(s * 0.5, s * 0.72))
    p.drawPoint(QPointF(s * 0.5, s * 0.3))


def _arrow(p: QPainter, s: float, colour: QColor, rightwards: bool) -> None:
    _stroke(p, s, colour, 0.13)
    x0, x1 = (0.15, 0.85) if rightwards else (0.85, 0.15)
    tip = 0.55 if rightwards else 0.45
    p.drawLine(QPointF(s * x0, s * 0.5), QPointF(s * x1, s * 0.5))
    p.drawLine(QPointF(s * tip, s * 0.22), QPointF(s * x1, s * 0.5))
    p.drawLine(QPointF(s * tip, s * 0.78), QPointF(s * x1, s * 0.5))


def _client(p: QPainter, s: float) -> None:
    _arrow(p, s, BLUE, rightwards=True)


def _server(p: QPainter, s: float) -> None:
    _arrow(p, s, GREEN, rightwards=False)


def _lock(p: QPainter, s: float) -> None:
    _stroke(p, s, PURPLE, 0.11)
    p.drawArc(QRectF(s * 0.3, s * 0.1, s * 0.4, s * 0.5), 0, 180 * 16)
    p.drawLine(QPointF(s * 0.3, s * 0.35), QPointF(s * 0.3, s * 0.45))
    p.drawLine(QPointF(s * 0.7, s * 0.35), QPointF(s * 0.7, s * 0.45))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(PURPLE))
    p.drawRoundedRect(QRectF(s * 0.18, s * 0.45, s * 0.64, s * 0.45), s * 0.08, s * 0.08)


def _app(p: QPainter, s: float) -> None:
    # An envelope with a small green check: "mail works".
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(BLUE))
    p.drawRoundedRect(QRectF(s * 0.04, s * 0.18, s * 0.8, s * 0.58), s * 0.08, s * 0.08)
    _stroke(p, s, QColor("white"), 0.07)
    p.drawLine(QPointF(s * 0.1, s * 0.25), QPointF(s * 0.44, s * 0.5))
    p.drawLine(QPointF(s * 0.78, s * 0.25), QPointF(s * 0.44, s * 0.5))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(GREEN))
    p.drawEllipse(QRectF(s * 0.52, s * 0.5, s * 0.46, s * 0.46))
    _stroke(p, s, QColor("white"), 0.07)
    p.drawLine(QPointF(s * 0.63, s * 0.73), QPointF(s * 0.72, s * 0.83))
    p.drawLine(QPointF(s * 0.72, s * 0.83), QPointF(s * 0.88, s * 0.62))


_PAINTERS: dict[Glyph, Painter] = {
    Glyph.OK: _ok,
    Glyph.FAIL: _fail,
    Glyph.RUNNING: _running,
    Glyph.PENDING: _pending,
    Glyph.SKIPPED: _skipped,
    Glyph.WARNING: _warning,
    Glyph.INFO: _info,
    Glyph.CLIENT: _client,
    Glyph.SERVER: _server,
    Glyph.LOCK: _lock,
    Glyph.APP: _app,
}

KIND_GLYPH = {
    EventKind.CLIENT: Glyph.CLIENT,
    EventKind.SERVER: Glyph.SERVER,
    EventKind.TLS: Glyph.LOCK,
    EventKind.INFO: Glyph.INFO,
    EventKind.ERROR: Glyph.FAIL,
}

SEVERITY_GLYPH = {Severity.ERROR: Glyph.FAIL, Severity.WARNING: Glyph.WARNING, Severity.INFO: Glyph.INFO}


def pixmap(glyph: Glyph, size: int) -> QPixmap:
    """One rendering of ``glyph`` at ``size`` device pixels."""
    image = QPixmap(size, size)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _PAINTERS[glyph](painter, float(size))
    painter.end()
    return image


@cache
def icon(glyph: Glyph) -> QIcon:
    """The glyph as an icon with several sizes (cached: needs a QGuiApplication)."""
    result = QIcon()
    for size in _SIZES:
        result.addPixmap(pixmap(glyph, size))
    return result


def resources_dir() -> Path:
    """The bundled resources folder: next to the packaged app's modules, or the repository's."""
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else Path(__file__).resolve().parents[1]
    return base / "resources"


def app_icon() -> QIcon:
    """The application icon from resources/app.png; the same drawing in code if the file is missing."""
    loaded = QIcon(str(resources_dir() / APP_ICON))
    return icon(Glyph.APP) if loaded.isNull() else loaded
