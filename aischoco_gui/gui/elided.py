"""A one-line label that elides its text to the width it gets and shows the whole text on hover.

Long status text (VTS retry messages, errors, status-bar states) must never force the window wider
than the screen: the label's minimum width is small, its size hint is the full text.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """Plain text, one line, elided at the right; ``text()`` is the full text, the tooltip too."""

    def __init__(self, text: str = "", parent: QWidget | None = None, min_chars: int = 6,
                 max_hint_chars: int | None = None) -> None:
        """``max_hint_chars``: the preferred width stops there (a long error line never asks the layout
        for its whole length, so it cannot widen the column it sits in)."""
        super().__init__(parent)
        self._full = ""
        self._min_chars = min_chars
        self._max_hint_chars = max_hint_chars
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)  # shrinks to the min hint
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt name)
        text = str(text)
        if text == self._full:
            return
        self._full = text
        super().setText(text)
        self.setToolTip(text if text else "")
        self.updateGeometry()

    def text(self) -> str:
        return self._full

    def elided(self) -> str:
        """What is shown at the current width."""
        return self.fontMetrics().elidedText(self._full.replace("\n", " "), Qt.TextElideMode.ElideRight,
                                             max(0, self.contentsRect().width()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        fm = self.fontMetrics()
        m = self.contentsMargins()
        return QSize(fm.averageCharWidth() * self._min_chars + m.left() + m.right(),
                     fm.height() + m.top() + m.bottom())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        fm = self.fontMetrics()
        m = self.contentsMargins()
        w = fm.horizontalAdvance(self._full.replace("\n", " "))
        if self._max_hint_chars is not None:
            w = min(w, fm.averageCharWidth() * self._max_hint_chars)
        return QSize(w + m.left() + m.right() + 2, fm.height() + m.top() + m.bottom())

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        p.setPen(self.palette().color(self.foregroundRole()))
        p.drawText(self.contentsRect(), int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), self.elided())
        p.end()
