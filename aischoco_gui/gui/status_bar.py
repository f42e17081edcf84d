"""Status bar: one indicator per connection (state + last error on hover) and the latest notice."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStatusBar, QWidget

from aischoco_gui.events import ServiceState, ServiceStatus
from aischoco_gui.gui.bridge import Bridge
from aischoco_gui.gui.elided import ElidedLabel
from aischoco_gui.i18n import register, tr

COLORS = {
    ServiceState.OFF: "#888888",
    ServiceState.NOT_CONFIGURED: "#c9a227",
    ServiceState.CONNECTING: "#4a90d9",
    ServiceState.READY: "#2e9e4f",
    ServiceState.RECONNECTING: "#e08a1e",
    ServiceState.ERROR: "#d0342c",
    ServiceState.DEGRADED: "#e08a1e",
}

register({
    "status.detail": ("상태", "State"),
    "status.last_error": ("마지막 오류", "Last error"),
    "status.details": ("자세히", "Details"),
    "service.stt": ("마이크", "Mic"),
    "service.obs": ("OBS", "OBS"),
})


def state_text(st: ServiceStatus) -> str:
    return tr(f"state.{st.state.value}", attempt=st.attempt)


class ServiceIndicator(ElidedLabel):
    """"● 채팅: 준비됨" — the state text elides when the window is narrow (full state and error on hover)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__("", parent, min_chars=4)
        self.name = name
        self.color = COLORS[ServiceState.OFF]
        self.setObjectName(f"indicator_{name}")
        self.status: ServiceStatus | None = None
        self.update_status(ServiceStatus(name=name, state=ServiceState.OFF))

    def update_status(self, st: ServiceStatus) -> None:
        self.status = st
        self.color = COLORS.get(st.state, "#888")
        self.setText(f"{tr('service.' + self.name)}: {state_text(st)}")
        lines = [f"<b>{tr('service.' + self.name)}</b>", f"{tr('status.detail')}: {state_text(st)}"]
        if st.detail:
            lines.append(st.detail)
        if st.last_error:
            lines.append(f"{tr('status.last_error')}: {st.last_error}")
        for k, v in st.extra.items():
            lines.append(f"{k}: {v}")
        self.setToolTip("<br>".join(_esc(s) if i else s for i, s in enumerate(lines)))
        self.update()

    def _dot_width(self) -> int:
        return self.fontMetrics().horizontalAdvance("● ")

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return super().minimumSizeHint() + QSize(self._dot_width(), 0)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return super().sizeHint() + QSize(self._dot_width(), 0)

    def elided(self) -> str:
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             max(0, self.contentsRect().width() - self._dot_width()))

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        r = self.contentsRect()
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        p.setPen(QColor(self.color))
        p.drawText(r, flags, "●")
        p.setPen(self.palette().color(self.foregroundRole()))
        p.drawText(r.adjusted(self._dot_width(), 0, 0, 0), flags, self.elided())
        p.end()


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ControlStatusBar(QStatusBar):
    NAMES = ("chat", "llm", "tts", "audio", "vts", "overlay", "stt", "obs")

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.indicators: dict[str, ServiceIndicator] = {}
        # The latest notice: elided to the room left (whole text on hover), cleared after a while.
        self.message = ElidedLabel("", self, min_chars=0)
        self.message.setObjectName("status_message")
        self.addWidget(self.message, 1)
        self._clear = QTimer(self)
        self._clear.setSingleShot(True)
        self._clear.timeout.connect(lambda: self.message.setText(""))
        for n in self.NAMES:
            ind = ServiceIndicator(n, self)
            self.indicators[n] = ind
            self.addPermanentWidget(ind)
        for st in bridge.bus.status.values():
            self._on_status(st)
        bridge.status.connect(self._on_status)
        bridge.notice.connect(self._on_notice)

    def _on_status(self, st: ServiceStatus) -> None:
        ind = self.indicators.get(st.name)
        if ind is not None:
            ind.update_status(st)

    def _on_notice(self, text: str, level: str, detail: str = "") -> None:
        self.message.setText(("⚠ " if level in ("warning", "error") else "") + text)
        # the whole text on hover, and the technical reason under it ("자세히")
        self.message.setToolTip(text + (f"\n\n{tr('status.details')}: {detail}" if detail else ""))
        self._clear.start(15000)
