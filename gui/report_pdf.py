"""PDF reports: Qt lays out the HTML report (QTextDocument) and writes it with QPdfWriter.

The front ends hand ``html_to_pdf`` to ``core.report.save`` (core never imports Qt) through a
loader that imports this module only when a PDF is asked for, so the CLI pays for Qt only then.
No display is needed: without one, Qt's offscreen platform is used.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QSizeF
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument

# 96 dpi matches the CSS pixel sizes in the HTML; the PDF stays vector text whatever the value.
_RESOLUTION = 96
_MARGIN_MM = 14.0


def html_to_pdf(html: str, title: str = "SMTP Doctor report") -> bytes:
    """The PDF (A4, portrait) of an HTML report, as bytes."""
    ensure_gui_application()
    buffer = QBuffer()  # its own byte array: a temporary QByteArray here would dangle
    if not buffer.open(QIODevice.OpenModeFlag.WriteOnly):
        raise RuntimeError("Qt could not open an in-memory buffer for the PDF")
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("SMTP Doctor")
    writer.setResolution(_RESOLUTION)
    layout = QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        QPageLayout.Orientation.Portrait,
        QMarginsF(_MARGIN_MM, _MARGIN_MM, _MARGIN_MM, _MARGIN_MM),
        QPageLayout.Unit.Millimeter,
    )
    if not writer.setPageLayout(layout):
        raise RuntimeError("Qt refused the A4 page layout")
    document = QTextDocument()
    document.setDocumentMargin(0)
    document.setHtml(html)
    # Lay the text out on the printable width, so tables wrap instead of running off the page.
    painter_rect = writer.pageLayout().paintRectPixels(_RESOLUTION)
    document.setPageSize(QSizeF(painter_rect.width(), painter_rect.height()))
    document.print_(writer)
    del writer  # finishes the PDF stream
    data = bytes(buffer.data().data())
    buffer.close()
    if not data.startswith(b"%PDF"):
        raise RuntimeError("Qt produced no PDF data")
    return data


def ensure_gui_application() -> None:
    """QTextDocument needs fonts, so a QGuiApplication; make one (offscreen if headless) if none runs."""
    if QGuiApplication.instance() is not None:
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Kept on the module so it lives as long as the process (Qt wants exactly one).
    global _APP
    _APP = QGuiApplication([])


_APP: QGuiApplication | None = None
