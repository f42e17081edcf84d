"""An honest "not connected yet" view for a panel whose service is not available.

It shows that service's live status (``bridge.status_of``). When the service is rebuilt and becomes
available, the main window replaces the placeholder with the real panel (``MainWindow._service_replaced``).
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from aischoco_gui.events import ServiceStatus
from aischoco_gui.gui.status_bar import state_text
from aischoco_gui.i18n import tr
from aischoco_gui.user_text import explain


class PlaceholderPanel(QWidget):
    def __init__(self, bridge, service: str, message: str, parent: QWidget | None = None, *,
                 status_name: str | None = None, show_status: bool = True) -> None:
        """``service``: the rebuildable service it stands in for; ``status_name``: its status light
        (the same name except the microphone's ``stt``); ``show_status``: a line with that live status."""
        super().__init__(parent)
        self.service = service
        self.status_name = status_name or service
        self.label = QLabel(message, self)
        self.label.setWordWrap(True)
        self.state = QLabel("", self)
        lay = QVBoxLayout(self)
        lay.addWidget(self.label)
        lay.addWidget(self.state)
        lay.addStretch(1)
        self.state.setVisible(show_status)
        if show_status:
            st = bridge.bus.status.get(self.status_name)
            if st:
                self._on_status(st)
            bridge.status_of(self.status_name).connect(self._on_status)

    def text(self) -> str:
        return self.label.text()

    def _on_status(self, st: ServiceStatus) -> None:
        err = f"\n{explain(st.last_error)}" if st.last_error and not st.detail else ""
        self.state.setText(f"{tr('service.' + st.name)}: {state_text(st)} {st.detail}{err}")
        self.state.setToolTip(st.last_error)  # the technical reason on hover
