"""VTube Studio status: connection, auth, version, model, mixer rate/jitter, last error, live parameter bars."""

from __future__ import annotations

import math

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.gui.elided import ElidedLabel
from aischoco_gui.gui.panels.placeholder import PlaceholderPanel
from aischoco_gui.i18n import tr
from aischoco_gui.user_text import explain
from aischoco_gui.vts import strings  # noqa: F401  (registers UI text)


class VTSPanel(QWidget):
    """Polls ``avatar.snapshot()`` a few times a second (cheap; no awaits in the widget).

    The buttons emit intents; the app controller does the async work and calls the ``show_*`` methods.
    """

    reconnect_requested = Signal()

    @property
    def avatar(self):
        """The running avatar driver (a live VTS setting change rebuilds it)."""
        return self.services.avatar

    selftest_requested = Signal()
    discover_requested = Signal()

    def __init__(self, services, bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.conn = ElidedLabel()  # retry text grows; it must not widen the window (full text on hover)
        self.auth = QLabel()
        self.version = QLabel()
        self.model = QLabel()
        self.rate = ElidedLabel()
        self.lipsync = QLabel()
        self.error = ElidedLabel()
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #c0392b")
        for key, w in (("vts.connection", self.conn), ("vts.auth", self.auth), ("vts.version", self.version),
                       ("vts.model", self.model), ("vts.rate", self.rate), ("vts.lipsync", self.lipsync),
                       ("vts.last_error", self.error)):
            form.addRow(tr(key), w)
        lay.addLayout(form)
        lay.addWidget(self.problems)
        box = QGroupBox(tr("vts.params"))
        self.grid = QGridLayout(box)
        self.bars: dict[str, tuple[QProgressBar, QLabel]] = {}
        lay.addWidget(box)
        buttons = QHBoxLayout()
        self.reconnect_btn = QPushButton(tr("vts.reconnect"))
        self.selftest_btn = QPushButton(tr("vts.selftest"))
        self.discover_btn = QPushButton(tr("vts.discover"))
        self.reconnect_btn.clicked.connect(self.reconnect_requested.emit)
        self.selftest_btn.clicked.connect(self._selftest_clicked)
        self.discover_btn.clicked.connect(self._discover_clicked)
        for b in (self.reconnect_btn, self.selftest_btn, self.discover_btn):
            buttons.addWidget(b)
        lay.addLayout(buttons)
        self.result = QLabel()
        self.result.setWordWrap(True)
        lay.addWidget(self.result)
        lay.addStretch(1)
        self.timer = QTimer(self)
        self.timer.setInterval(500)  # the rate and frame counters: twice a second is readable (issue 27: idle)
        self.timer.timeout.connect(self.refresh)
        self.refresh()  # the timer runs only while the panel is visible (showEvent / hideEvent)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.refresh()
        self.timer.start()

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.timer.stop()
        super().hideEvent(event)

    def refresh(self) -> None:
        if not available(self.services):  # replaced by a stand-in: the window swaps in the placeholder
            return
        s = self.avatar.snapshot()
        self.conn.setText(f"{tr('state.' + s['state'], attempt=s['attempt'])} — {s['detail']} ({s['url']})")
        self.auth.setText(tr("vts.auth.waiting") if s["waiting_for_allow"]
                          else tr("vts.auth.ok") if s["authenticated"] else tr("vts.auth.no"))
        self.version.setText(s["version"] or "—")
        self.model.setText(s["model"] or tr("vts.model.none"))
        self.rate.setText(tr("vts.rate.value", fps=s["fps"], p50=s.get("jitter_p50_ms", 0.0),
                             p99=s.get("jitter_p99_ms", 0.0)) + " · " + tr("vts.frames_sent", n=s["frames_sent"]))
        self.lipsync.setText(tr("vts.lipsync." + s["lipsync_mode"]))
        self.error.setText(explain(s["last_error"]) if s["last_error"] else "—")
        self.error.setToolTip(s["last_error"] or "")  # the technical reason on hover
        self.problems.setText("\n".join(s["problems"]))
        self.problems.setVisible(bool(s["problems"]))
        values = s["values"]
        if list(values) != list(self.bars):
            self._rebuild_bars(list(values))
        for pid, (v, lo, hi) in values.items():
            bar, label = self.bars[pid]
            frac = 0.0 if math.isnan(v) or hi <= lo else (v - lo) / (hi - lo)
            bar.setValue(int(round(max(0.0, min(1.0, frac)) * 1000)))
            excluded = pid in s["excluded"]
            label.setText(("—" if math.isnan(v) else f"{v:.3f}") + (" ⚠" if excluded else ""))

    # -- intents and their results --------------------------------------------------------
    def _selftest_clicked(self) -> None:
        self.selftest_btn.setEnabled(False)
        self.result.setText(tr("vts.selftest.running"))
        self.selftest_requested.emit()

    def show_selftest(self, res: dict | None, error: Exception | None = None) -> None:
        if error is not None:  # shown, never raised into Qt
            self.result.setText(f"❌ {explain(error)}")
            self.result.setToolTip(f"{type(error).__name__}: {error}")
        elif res is not None:
            self.result.setText(("✅ " if res["ok"] else "❌ ") + res["detail"])
        self.selftest_btn.setEnabled(True)

    def _discover_clicked(self) -> None:
        self.discover_btn.setEnabled(False)
        self.discover_requested.emit()

    def show_discovered(self, found: list[dict], error: Exception | None = None) -> None:
        if error is not None:
            self.result.setText(f"❌ {explain(error)}")
            self.result.setToolTip(str(error))
        else:
            self.result.setText("\n".join(f"{f['windowTitle'] or 'VTube Studio'}: ws://{f['host']}:{f['port']}"
                                           for f in found) or tr("vts.discover.none"))
        self.discover_btn.setEnabled(True)

    def _rebuild_bars(self, ids: list[str]) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.bars.clear()
        for row, pid in enumerate(ids):
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setTextVisible(False)
            bar.setMaximumHeight(10)
            label = QLabel()
            label.setMinimumWidth(60)
            self.grid.addWidget(QLabel(pid), row, 0)
            self.grid.addWidget(bar, row, 1)
            self.grid.addWidget(label, row, 2)
            self.bars[pid] = (bar, label)


SERVICE = "vts"  # a placeholder stands in while the avatar driver has no VTS connection to show


def available(services) -> bool:
    return hasattr(getattr(services, "avatar", None), "snapshot")


def create_panel(services, bridge) -> QWidget:
    if not available(services):
        return PlaceholderPanel(bridge, SERVICE, tr("vts.unavailable"), show_status=False)
    return VTSPanel(services, bridge)
