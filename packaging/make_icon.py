"""Draw the app icon with QPainter and write ``resources/icons/app.png`` and ``app.ico``.

The icon is ours (no third-party art): a chocolate-coloured rounded square with a speech
bubble and a small "AI" mark. The ``.ico`` holds PNG-compressed images (16–256 px), a format
Windows accepts since Vista; it is written here by a tiny writer so no Pillow is needed.

    .venv/bin/python packaging/make_icon.py
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICON_DIR = ROOT / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(size: int) -> bytes:
    """One square icon image as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPen

    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 256.0
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(QColor("#5a3321")))
    p.drawRoundedRect(QRectF(8 * s, 8 * s, 240 * s, 240 * s), 52 * s, 52 * s)
    p.setBrush(QBrush(QColor("#7b4a30")))
    p.drawRoundedRect(QRectF(8 * s, 8 * s, 240 * s, 120 * s), 52 * s, 52 * s)
    bubble = QPainterPath()
    bubble.addRoundedRect(QRectF(40 * s, 52 * s, 176 * s, 120 * s), 40 * s, 40 * s)
    tail = QPainterPath()
    tail.moveTo(80 * s, 160 * s)
    tail.lineTo(64 * s, 212 * s)
    tail.lineTo(124 * s, 166 * s)
    tail.closeSubpath()
    p.setBrush(QBrush(QColor("#fff4e8")))
    p.drawPath(bubble.united(tail))
    p.setPen(QPen(QColor("#ff6f91")))
    f = QFont()
    f.setBold(True)
    f.setPixelSize(max(6, int(78 * s)))
    p.setFont(f)
    p.drawText(QRectF(40 * s, 52 * s, 176 * s, 120 * s), Qt.AlignmentFlag.AlignCenter, "AI")
    p.end()
    buf = QByteArray()
    dev = QBuffer(buf)
    dev.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(dev, "PNG")
    dev.close()
    return bytes(buf)


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """An ICO file whose entries are PNG images (sizes ≤ 256)."""
    sizes = sorted(images)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for n in sizes:
        data = images[n]
        dim = 0 if n >= 256 else n
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


def read_ico_sizes(data: bytes) -> list[int]:
    """Image sizes listed in an ICO directory (used by the tests)."""
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    if reserved != 0 or kind != 1:
        raise ValueError("not an .ico file")
    out = []
    for i in range(count):
        w = struct.unpack_from("<B", data, 6 + 16 * i)[0]
        out.append(256 if w == 0 else w)
    return out


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    ICON_DIR.mkdir(parents=True, exist_ok=True)
    images = {n: render_png(n) for n in ICO_SIZES}
    (ICON_DIR / "app.png").write_bytes(images[256])
    (ICON_DIR / "app.ico").write_bytes(ico_bytes(images))
    print(f"wrote {ICON_DIR / 'app.png'} and {ICON_DIR / 'app.ico'} ({', '.join(map(str, ICO_SIZES))} px)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
