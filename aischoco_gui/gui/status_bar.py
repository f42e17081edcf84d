"""Status bar: one indicator per connection (state + last error on hover) and the latest notice."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from aischoco_gui.events import ServiceState, ServiceStatus
from aischoco_gui.gui.bridge import Bridge
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
    "service.stt": ("마이크", "Mic"),
})


def state_text(st: ServiceStatus) -> str:
    return tr(f"state.{st.state.value}", attempt=st.attempt)


class ServiceIndicator(QLabel):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName(f"indicator_{name}")
        self.status: ServiceStatus | None = None
        self.update_status(ServiceStatus(name=name, state=ServiceState.OFF))

    def update_status(self, st: ServiceStatus) -> None:
        self.status = st
        color = COLORS.get(st.state, "#888")
        self.setText(f"<span style='color:{color}'>●</span> {tr('service.' + self.name)}: {state_text(st)}")
        lines = [f"<b>{tr('service.' + self.name)}</b>", f"{tr('status.detail')}: {state_text(st)}"]
        if st.detail:
            lines.append(st.detail)
        if st.last_error:
            lines.append(f"{tr('status.last_error')}: {st.last_error}")
        for k, v in st.extra.items():
            lines.append(f"{k}: {v}")
        self.setToolTip("<br>".join(_esc(s) if i else s for i, s in enumerate(lines)))


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ControlStatusBar(QStatusBar):
    NAMES = ("chat", "llm", "tts", "audio", "vts", "overlay", "stt")

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.indicators: dict[str, ServiceIndicator] = {}
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

    def _on_notice(self, text: str, level: str) -> None:
        self.showMessage(("⚠ " if level in ("warning", "error") else "") + text, 15000)
