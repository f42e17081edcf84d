"""OBS · lockdown panel: OBS's program scene, a scene picker, the BRB scene (from OBS's real scene list),
and the lockdown log (time and what each step did).

Keeps the ``Services`` container, never the OBS service (a settings change rebuilds it): every read goes
through ``services.obs``, and a rebuilt service (``bridge.replaced_of("obs")``) is read afresh. Its status is
``bridge.status_of("obs")``. Buttons emit intents; the app controller (``AppController.wire_panel``) does the
async work and answers with :meth:`ObsPanel.show_result`.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.gui.elided import ElidedLabel
from aischoco_gui.i18n import register, tr
from aischoco_gui.lockdown import strings as _lockdown_strings  # noqa: F401 (registers the step names)
from aischoco_gui.obs import strings as _obs_strings  # noqa: F401 (registers the OBS text)

register({
    "obs.panel.title": ("OBS", "OBS"),
    "obs.panel.state": ("연결", "Connection"),
    "obs.panel.scene": ("방송 장면", "Program scene"),
    "obs.panel.switch_to": ("장면 바꾸기", "Switch to"),
    "obs.panel.switch": ("전환", "Switch"),
    "obs.panel.brb": ("잠금 때 장면", "Lockdown scene"),
    "obs.panel.brb_save": ("저장", "Save"),
    "obs.panel.brb_none": ("(정하지 않음)", "(not set)"),
    "obs.panel.reconnect": ("연결", "Connect"),
    "obs.panel.no_scene": ("(알 수 없음)", "(unknown)"),
    "obs.panel.switched": ("'{scene}'(으)로 바꿨어요", "Switched to '{scene}'"),
    "obs.panel.brb_saved": ("잠금 때 '{scene}' 장면으로 바꿔요 (설정에 저장함)",
                            "Lockdown switches to '{scene}' (saved in settings)"),
    "lockdown.panel.title": ("잠금", "Lockdown"),
    "lockdown.panel.off": ("잠금 아님", "Not locked down"),
    "lockdown.panel.on": ("🔒 잠금 중 · {time}부터", "🔒 Locked down since {time}"),
    "lockdown.panel.pending": ("되돌리지 못한 것이 있어요: 잠금 버튼으로 다시 시도하세요",
                               "Something was not restored: press the lockdown button to retry"),
    "lockdown.panel.log": ("기록", "Log"),
    "lockdown.panel.action.lockdown": ("잠금", "Lockdown"),
    "lockdown.panel.action.lift": ("해제", "Lift"),
})

SCENE_ROLE = 256  # Qt.UserRole
SERVICE = "obs"


class ObsPanel(QWidget):
    switch_requested = Signal(str)
    brb_requested = Signal(str)
    reconnect_requested = Signal()

    def __init__(self, services: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        lay = QVBoxLayout(self)
        obs_box = QGroupBox(tr("obs.panel.title"))
        form = QFormLayout(obs_box)
        self.state = ElidedLabel()
        self.state.setObjectName("obs_state")
        self.scene = QLabel()
        self.scene.setObjectName("obs_scene")
        self.scene.setStyleSheet("font-weight:bold")
        self.picker = QComboBox()
        self.picker.setObjectName("obs_scene_picker")
        self.switch_btn = QPushButton(tr("obs.panel.switch"))
        self.switch_btn.setObjectName("obs_switch")
        row = QHBoxLayout()
        row.addWidget(self.picker, 1)
        row.addWidget(self.switch_btn)
        self.brb = QComboBox()
        self.brb.setObjectName("obs_brb_picker")
        self.brb_btn = QPushButton(tr("obs.panel.brb_save"))
        self.brb_btn.setObjectName("obs_brb_save")
        brb_row = QHBoxLayout()
        brb_row.addWidget(self.brb, 1)
        brb_row.addWidget(self.brb_btn)
        self.reconnect_btn = QPushButton(tr("obs.panel.reconnect"))
        self.reconnect_btn.setObjectName("obs_reconnect")
        state_row = QHBoxLayout()
        state_row.addWidget(self.state, 1)
        state_row.addWidget(self.reconnect_btn)
        form.addRow(tr("obs.panel.state"), state_row)
        form.addRow(tr("obs.panel.scene"), self.scene)
        form.addRow(tr("obs.panel.switch_to"), row)
        form.addRow(tr("obs.panel.brb"), brb_row)
        self.result = ElidedLabel()
        self.result.setObjectName("obs_result")
        self.result.hide()
        form.addRow(self.result)
        lay.addWidget(obs_box)

        lock_box = QGroupBox(tr("lockdown.panel.title"))
        lv = QVBoxLayout(lock_box)
        self.lock_state = QLabel()
        self.lock_state.setObjectName("lockdown_state")
        self.lock_state.setWordWrap(True)
        self.log = QListWidget()
        self.log.setObjectName("lockdown_log")
        self.log.setMinimumHeight(90)
        lv.addWidget(self.lock_state)
        lv.addWidget(QLabel(tr("lockdown.panel.log")))
        lv.addWidget(self.log, 1)
        lay.addWidget(lock_box, 1)

        self.switch_btn.clicked.connect(self._switch_clicked)
        self.brb_btn.clicked.connect(self._brb_clicked)
        self.reconnect_btn.clicked.connect(self.reconnect_requested.emit)
        bridge.obs_scenes.connect(self._on_scenes)
        bridge.status_of(SERVICE).connect(self._on_status)
        bridge.replaced_of(SERVICE).connect(self.refresh)  # a new address, password or switch: read it afresh
        bridge.lockdown_changed.connect(self._on_lockdown)
        self.refresh()

    # -- reading the services (never kept) ----------------------------------------------------
    @property
    def obs(self) -> Any:
        return getattr(self.services, "obs", None)

    def refresh(self) -> None:
        obs = self.obs
        snap = obs.snapshot() if obs is not None else {"configured": False, "connected": False, "scenes": [],
                                                        "current": "", "brb": ""}
        self._fill(snap.get("current", ""), list(snap.get("scenes") or []), bool(snap.get("connected")))
        st = self.services.bus.status.get(SERVICE)
        self.state.setText(st.detail if st is not None and st.detail else tr("obs.off"))
        self.reconnect_btn.setEnabled(bool(snap.get("configured")))
        self._show_lockdown()

    def _fill(self, current: str, scenes: list[str], connected: bool) -> None:
        self.scene.setText(current or tr("obs.panel.no_scene"))
        keep = self.picker.currentText()
        self.picker.clear()
        self.picker.addItems(scenes)
        if keep in scenes:
            self.picker.setCurrentText(keep)
        elif current in scenes:
            self.picker.setCurrentText(current)
        obs = self.obs
        brb = getattr(obs, "brb_scene", "") if obs is not None else ""
        self.brb.clear()
        self.brb.addItem(tr("obs.panel.brb_none"), "")
        for name in scenes:
            self.brb.addItem(name, name)
        if brb and brb not in scenes:  # configured but not (or no longer) in OBS: shown, marked
            self.brb.addItem(f"{brb} ⚠", brb)
        idx = self.brb.findData(brb)
        self.brb.setCurrentIndex(max(0, idx))
        for w in (self.picker, self.switch_btn, self.brb, self.brb_btn):
            w.setEnabled(connected and bool(scenes))

    def _on_scenes(self, current: str, scenes: list, connected: bool) -> None:
        self._fill(current, [str(s) for s in scenes], connected)

    def _on_status(self, st: Any) -> None:
        self.state.setText(st.detail or tr(f"state.{st.state.value}", attempt=st.attempt))
        obs = self.obs
        self.reconnect_btn.setEnabled(bool(obs is not None and obs.configured))
        if obs is not None and not obs.connected:
            for w in (self.picker, self.switch_btn, self.brb, self.brb_btn):
                w.setEnabled(False)

    # -- intents ------------------------------------------------------------------------------
    def _switch_clicked(self) -> None:
        name = self.picker.currentText()
        if name:
            self.switch_btn.setEnabled(False)
            self.switch_requested.emit(name)

    def _brb_clicked(self) -> None:
        self.brb_requested.emit(str(self.brb.currentData() or ""))

    def show_result(self, ok: bool, text: str) -> None:
        """The controller's answer to an intent (switch, BRB, reconnect)."""
        self.result.setText(("" if ok else "⚠ ") + text)
        self.result.setStyleSheet("" if ok else "color:#c0392b")
        self.result.show()
        obs = self.obs
        self.switch_btn.setEnabled(bool(obs is not None and obs.connected))

    # -- lockdown -----------------------------------------------------------------------------
    def _on_lockdown(self, data: dict) -> None:
        self._show_lockdown()

    def _show_lockdown(self) -> None:
        ld = getattr(self.services, "lockdown", None)
        if ld is None:
            self.lock_state.setText(tr("lockdown.panel.off"))
            return
        if ld.active and ld.since is not None:
            text = tr("lockdown.panel.on", time=time.strftime("%H:%M:%S", time.localtime(ld.since)))
        else:
            text = tr("lockdown.panel.off")
        if ld.pending:
            text += "\n" + tr("lockdown.panel.pending")
        self.lock_state.setText(text)
        self.log.clear()
        for rec in reversed(ld.history):
            when = time.strftime("%H:%M:%S", time.localtime(rec.at))
            self.log.addItem(f"{when} {tr('lockdown.panel.action.' + rec.action)} — {rec.summary()}")
            for s in rec.steps:
                self.log.addItem("    " + s.line())


def create_panel(services: Any, bridge: Any) -> ObsPanel:
    return ObsPanel(services, bridge)
