"""A small bar chart drawn with QPainter: grouped bars, a y axis with a unit, reply numbers on x.

It replaces pyqtgraph for the latency panel's two charts (issue 27): pyqtgraph's 145 modules with
QtOpenGL/QtTest held ~34 MB of the idle app for two static bar charts. This draws only what those
charts showed — bars, a grid on y, both axes with tick labels, the unit — in the window's palette
(Base for the background, Text for axes and labels), and repaints only when its data changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


@dataclass
class BarSeries:
    """One colour of bars: centres on x, heights, and the bar width in x units."""

    color: str
    x: list[float] = field(default_factory=list)
    height: list[float] = field(default_factory=list)
    width: float = 0.6


def nice_ticks(lo: float, hi: float, max_ticks: int = 5) -> list[float]:
    """Round tick values (1, 2, 5 × 10^k steps) covering [lo, hi], at most about ``max_ticks`` of them."""
    span = hi - lo
    if span <= 0 or max_ticks < 1:
        return [lo]
    raw = span / max_ticks
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:g}"


class BarChart(QWidget):
    """Bars of one or more series over an x range, y from ``y_range``; the unit is written on the y axis."""

    def __init__(self, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unit = unit
        self.series: list[BarSeries] = []
        self._x_range = (0.0, 1.0)
        self._y_range = (0.0, 1.0)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # the whole rect is painted: no parent fill

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(240, 80)

    def add_series(self, color: str, width: float = 0.6) -> BarSeries:
        s = BarSeries(color, width=width)
        self.series.append(s)
        return s

    def set_x_range(self, lo: float, hi: float) -> None:
        if (lo, hi) != self._x_range:
            self._x_range = (lo, hi)
            self.update()

    def set_y_range(self, lo: float, hi: float) -> None:
        if (lo, hi) != self._y_range:
            self._y_range = (lo, hi)
            self.update()

    def view_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((x min, x max), (y min, y max)) shown."""
        return self._x_range, self._y_range

    def plot_rect(self) -> QRect:
        """Where the bars are drawn, in this widget's coordinates (inside the axes)."""
        fm = self.fontMetrics()
        y_ticks = nice_ticks(*self._y_range, max_ticks=self._max_y_ticks())
        label_w = max((fm.horizontalAdvance(_fmt(t)) for t in y_ticks), default=0)
        left = fm.height() + 4 + label_w + 6  # the rotated unit, the tick labels, the tick marks
        top = fm.height() // 2  # the top tick label is centred on the top edge: room for its upper half
        bottom = fm.height() + 6
        return QRect(left, top, max(1, self.width() - left - 6), max(1, self.height() - top - bottom))

    def _max_y_ticks(self) -> int:
        return max(1, min(5, (self.height() - 2 * self.fontMetrics().height()) // (self.fontMetrics().height() + 4)))

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt name)
        pal = self.palette()
        base, text = pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text)
        p = QPainter(self)
        p.fillRect(self.rect(), base)
        r = self.plot_rect()
        (x0, x1), (y0, y1) = self._x_range, self._y_range
        xs = r.width() / (x1 - x0) if x1 > x0 else 1.0
        ys = r.height() / (y1 - y0) if y1 > y0 else 1.0

        def px(x: float) -> float:
            return r.left() + (x - x0) * xs

        def py(y: float) -> float:
            return r.bottom() + 1 - (y - y0) * ys

        fm = self.fontMetrics()
        grid = QColor(text)
        grid.setAlphaF(0.3)
        # y: grid line, tick and label per tick
        for t in nice_ticks(y0, y1, self._max_y_ticks()):
            y = round(py(t))
            p.setPen(QPen(grid, 1))
            p.drawLine(r.left(), y, r.right(), y)
            p.setPen(text)
            p.drawLine(r.left() - 4, y, r.left(), y)
            label = _fmt(t)
            p.drawText(QRect(0, y - fm.height() // 2, r.left() - 6, fm.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        # x: integer ticks (reply numbers), spaced so their labels never overlap
        if x1 > x0:
            widest = fm.horizontalAdvance(_fmt(max(abs(x0), abs(x1)))) + 8
            step = next(m * 10 ** k for k in range(6) for m in (1, 2, 5) if m * 10 ** k * xs >= widest or k == 5)
            for t in range(math.ceil(x0 / step) * step, math.floor(x1) + 1, step):
                x = round(px(t))
                p.drawLine(x, r.bottom() + 1, x, r.bottom() + 4)
                p.drawText(QRect(x - 40, r.bottom() + 4, 80, fm.height()), Qt.AlignmentFlag.AlignHCenter, str(t))
        # the bars, clipped to the plot area
        p.save()
        p.setClipRect(r)
        for s in self.series:
            color = QColor(s.color)
            p.setPen(QPen(color, 1))
            p.setBrush(color)
            for x, h in zip(s.x, s.height, strict=False):
                top, bottom = py(max(h, y0)), py(y0)
                p.drawRect(QRectF(QPointF(px(x - s.width / 2), top), QPointF(px(x + s.width / 2), bottom)))
        p.restore()
        # axes and the unit, rotated along the y axis
        p.setPen(text)
        p.drawLine(r.left(), r.top(), r.left(), r.bottom() + 1)
        p.drawLine(r.left(), r.bottom() + 1, r.right(), r.bottom() + 1)
        p.save()
        p.translate(2, r.center().y())
        p.rotate(-90)
        p.drawText(QRect(-r.height() // 2, 0, r.height(), fm.height()), Qt.AlignmentFlag.AlignCenter, self.unit)
        p.restore()
        p.end()
