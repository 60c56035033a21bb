"""Draw the Rooftop Sync app icon and write resources/icons/rooftop.png and rooftop.ico.

A blue rounded square (the app's accent colour) with a white car and a "sync" badge,
drawn with Qt from the same icon font the app uses. Run it once after changing the
design; the PNG and ICO it writes are committed, so builds need no drawing step:

    QT_QPA_PLATFORM=offscreen .venv/bin/python installer/make_icon.py
"""

from __future__ import annotations

import io
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "resources" / "icons"
ACCENT = "#1f5fbf"
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)


def render(size: int):  # type: ignore[no-untyped-def]
    """One square QImage of the icon at ``size`` pixels."""
    import qtawesome as qta
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath

    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    margin = size * 0.04
    square = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    path = QPainterPath()
    path.addRoundedRect(square, size * 0.2, size * 0.2)
    p.fillPath(path, QColor(ACCENT))
    car = qta.icon("mdi6.car-side", color="white").pixmap(int(size * 0.74), int(size * 0.74))
    p.drawPixmap(int(size * 0.08), int(size * 0.0), car)
    if size >= 24:  # the badge is noise at 16/20 px
        badge = QRectF(size * 0.54, size * 0.54, size * 0.4, size * 0.4)
        p.setBrush(QColor("white"))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(badge)
        inner = int(badge.width() * 0.8)
        sync = qta.icon("mdi6.sync", color=ACCENT).pixmap(inner, inner)
        off = (badge.width() - inner) / 2
        p.drawPixmap(int(badge.x() + off), int(badge.y() + off), sync)
    p.end()
    return img


def _png_bytes(img) -> bytes:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def _dib_bytes(img) -> bytes:  # type: ignore[no-untyped-def]
    """A 32-bit BGRA bitmap entry (header, bottom-up pixels, AND mask) for small sizes."""
    from PySide6.QtGui import QImage

    w, h = img.width(), img.height()
    argb = img.convertToFormat(QImage.Format.Format_ARGB32)
    header = struct.pack("<IiiHHIIiiII", 40, w, h * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    out = io.BytesIO()
    out.write(header)
    for y in range(h - 1, -1, -1):  # bottom-up rows; ARGB32 is BGRA in memory (little endian)
        line = bytes(argb.constScanLine(y))[: w * 4]
        out.write(line)
    mask_row = ((w + 31) // 32) * 4
    out.write(b"\x00" * mask_row * h)  # alpha channel decides; the AND mask stays clear
    return out.getvalue()


def ico_bytes(images: list) -> bytes:
    """A Windows .ico with one entry per image: bitmaps up to 64 px, PNG above."""
    blobs = [(_dib_bytes(i) if i.width() <= 64 else _png_bytes(i)) for i in images]
    head = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries = b""
    for img, blob in zip(images, blobs, strict=True):
        side = img.width() if img.width() < 256 else 0  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
    return head + entries + b"".join(blobs)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication(sys.argv[:1])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    images = [render(s) for s in ICO_SIZES]
    (OUT_DIR / "rooftop.ico").write_bytes(ico_bytes(images))
    render(256).save(str(OUT_DIR / "rooftop.png"), "PNG")
    render(48).save(str(OUT_DIR / "rooftop-48.png"), "PNG")
    print(f"Wrote {OUT_DIR / 'rooftop.ico'} and {OUT_DIR / 'rooftop.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
