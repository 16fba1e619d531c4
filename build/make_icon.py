"""Draws SMTP Doctor's application icon with Qt and writes resources/app.png, app.ico and app.icns.

    .venv/bin/python build/make_icon.py            # rewrite the three files
    .venv/bin/python build/make_icon.py --check    # exit 1 if one of the files is missing

The icon is a blue rounded tile with a white envelope and a green "works" badge, the same motif as
the window's own icon (gui.icons.Glyph.APP). It is painted at every size the platforms ask for, so
the small sizes are drawn for their size instead of being scaled down from a large bitmap.

No Pillow is needed: the ICO file (Windows) and the ICNS file (macOS) are simple containers, written
here directly. ICO entries below 256 px are classic 32-bit DIBs (every Windows version and resource
tool reads them); the 256 px entry is PNG, as Windows Vista and later expect. ICNS entries are PNG,
which macOS has read for every size since 10.7.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path
from typing import Final

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QImage,
    QImageWriter,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "resources"

PNG_SIZE = 256
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
# ICNS type codes and the pixel size each holds (the @2x types are the Retina variants).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),  # 16@2x
    (b"ic12", 64),  # 32@2x
    (b"ic07", 128),
    (b"ic13", 256),  # 128@2x
    (b"ic08", 256),
    (b"ic14", 512),  # 256@2x
    (b"ic09", 512),
    (b"ic10", 1024),  # 512@2x
)

TILE_TOP = QColor("#2f81f7")
TILE_BOTTOM = QColor("#0a58ca")
FLAP = QColor("#0a58ca")
BADGE = QColor("#1a7f37")
WHITE = QColor("#ffffff")


def draw_icon(size: int) -> QImage:
    """The icon at ``size`` x ``size`` pixels, with a transparent background."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)
    _tile(painter, s)
    _envelope(painter, s)
    _badge(painter, s)
    painter.end()
    return image


def _round_pen(colour: QColor, width: float) -> QPen:
    return QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)


def _tile(p: QPainter, s: float) -> None:
    gradient = QLinearGradient(QPointF(0, 0), QPointF(0, s))
    gradient.setColorAt(0.0, TILE_TOP)
    gradient.setColorAt(1.0, TILE_BOTTOM)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(gradient))
    margin = s * 0.04
    p.drawRoundedRect(QRectF(margin, margin, s - 2 * margin, s - 2 * margin), s * 0.2, s * 0.2)


def _envelope(p: QPainter, s: float) -> None:
    body = QRectF(s * 0.16, s * 0.27, s * 0.6, s * 0.42)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(WHITE))
    p.drawRoundedRect(body, s * 0.04, s * 0.04)
    flap = QPainterPath(QPointF(body.left() + s * 0.04, body.top() + s * 0.05))
    flap.lineTo(body.center().x(), body.top() + body.height() * 0.55)
    flap.lineTo(body.right() - s * 0.04, body.top() + s * 0.05)
    p.setPen(_round_pen(FLAP, max(1.0, s * 0.04)))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(flap)


def _badge(p: QPainter, s: float) -> None:
    centre = QPointF(s * 0.72, s * 0.7)
    radius = s * 0.18
    p.setPen(QPen(WHITE, max(1.0, s * 0.035)))
    p.setBrush(QBrush(BADGE))
    p.drawEllipse(centre, radius, radius)
    tick = QPainterPath(QPointF(centre.x() - radius * 0.45, centre.y() + radius * 0.02))
    tick.lineTo(centre.x() - radius * 0.1, centre.y() + radius * 0.38)
    tick.lineTo(centre.x() + radius * 0.5, centre.y() - radius * 0.35)
    p.setPen(_round_pen(WHITE, max(1.0, s * 0.045)))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(tick)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"PNG"))
    if not writer.write(image):
        raise RuntimeError(f"Qt could not encode a PNG: {writer.errorString()}")
    buffer.close()
    return bytes(data.data())


def dib_bytes(image: QImage) -> bytes:
    """A 32-bit ICO bitmap entry: BITMAPINFOHEADER, BGRA rows bottom-up, then the 1-bit AND mask."""
    size = image.width()
    argb = image.convertToFormat(QImage.Format.Format_ARGB32)  # straight alpha, BGRA bytes in memory
    rows = [bytes(argb.constScanLine(y))[: size * 4] for y in range(size)]  # type: ignore[call-overload]
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    mask_row = bytes(((size + 31) // 32) * 4)  # all zero: the alpha channel decides transparency
    return header + b"".join(reversed(rows)) + mask_row * size


def ico_bytes(sizes: tuple[int, ...] = ICO_SIZES) -> bytes:
    # Windows reads PNG entries at 256 px; the smaller ones are classic bitmaps.
    images = [(size, (png_bytes if size >= 256 else dib_bytes)(draw_icon(size))) for size in sizes]
    directory = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, payload = [], []
    for size, data in images:
        edge = size if size < 256 else 0  # 0 means 256 in an ICO directory
        entries.append(struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(data), offset))
        payload.append(data)
        offset += len(data)
    return directory + b"".join(entries) + b"".join(payload)


def icns_bytes() -> bytes:
    rendered: dict[int, bytes] = {}
    chunks = []
    for code, size in ICNS_TYPES:
        data = rendered.setdefault(size, png_bytes(draw_icon(size)))
        chunks.append(code + struct.pack(">I", 8 + len(data)) + data)
    body = b"".join(chunks)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


ICON_FILES: Final = (RESOURCES / "app.png", RESOURCES / "app.ico", RESOURCES / "app.icns")


def icon_files() -> dict[Path, bytes]:
    """Every icon file and its exact content (drawing is deterministic for one Qt version)."""
    png, ico, icns = ICON_FILES
    return {png: png_bytes(draw_icon(PNG_SIZE)), ico: ico_bytes(), icns: icns_bytes()}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only report whether the files exist")
    args = parser.parse_args(argv)
    if args.check:
        missing = [path.name for path in ICON_FILES if not path.is_file()]
        if missing:
            print(f"missing icon files: {', '.join(missing)} (run build/make_icon.py)", file=sys.stderr)
            return 1
        return 0
    if QGuiApplication.instance() is None:
        _app = QGuiApplication([sys.argv[0]])  # QPainter needs one (fonts, DPI)
    RESOURCES.mkdir(parents=True, exist_ok=True)
    for path, data in icon_files().items():
        path.write_bytes(data)
        print(f"wrote {path.relative_to(ROOT)} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
