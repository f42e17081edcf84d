"""An honest "not connected yet" view for a panel whose service is not available."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from aischoco_gui.events import ServiceStatus
from aischoco_gui.gui.status_bar import state_text
from aischoco_gui.i18n import tr
from aischoco_gui.user_text import explain


class PlaceholderPanel(QWidget):
    def __init__(self, bridge, service: str, message: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.label = QLabel(message, self)
        self.label.setWordWrap(True)
        self.state = QLabel("", self)
        lay = QVBoxLayout(self)
        lay.addWidget(self.label)
        lay.addWidget(self.state)
        lay.addStretch(1)
        st = bridge.bus.status.get(service)
        if st:
            self._on_status(st)
        bridge.status.connect(self._on_status)

    def _on_status(self, st: ServiceStatus) -> None:
        if st.name == self.service:
            err = f"\n{explain(st.last_error)}" if st.last_error and not st.detail else ""
            self.state.setText(f"{tr('service.' + st.name)}: {state_text(st)} {st.detail}{err}")
            self.state.setToolTip(st.last_error)  # the technical reason on hover
