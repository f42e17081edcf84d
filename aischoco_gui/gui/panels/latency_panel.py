"""TTS latency graph: per utterance, chat→reply, engine first chunk, chunk→device, approve→sound,
real-time factor and underruns, with medians over a rolling window.

Bus events only append to a history; a timer redraws at most once a second (and the mouth meter at
10 Hz while speech plays), only while the panel is visible, so a burst of events never stalls the
UI and an idle panel costs nothing. pyqtgraph (~0.3 s to import) is not on the start path: it is
imported in a background thread once the window is up, and the graph is built when it is loaded
(or on the first redraw, whichever comes first).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from aischoco_gui.events import EventKind
from aischoco_gui.i18n import register, tr
from aischoco_gui.tts.metrics import STAGES, LatencyHistory

register({
    "latency.title": ("TTS 지연 (ms, 발화별)", "TTS latency (ms, per utterance)"),
    "latency.medians": ("최근 {n}개 중앙값", "median of last {n}"),
    "latency.rtf": ("실시간 배율", "real-time factor"),
    "latency.underruns": ("끊김", "underruns"),
    "latency.mouth": ("입 모양", "mouth"),
    "latency.empty": ("아직 측정된 발화가 없습니다.", "No utterances measured yet."),
    "latency.stage.chat_to_reply_s": ("채팅→답변", "chat→reply"),
    "latency.stage.engine_first_chunk_s": ("엔진 첫 청크", "engine 1st chunk"),
    "latency.stage.chunk_to_sample_s": ("청크→장치", "chunk→device"),
    "latency.stage.approval_to_first_sample_s": ("승인→소리", "approve→sound"),
})

COLORS = ("#8e8e8e", "#e07a5f", "#3d85c6", "#6aa84f")
PLOT_POINTS = 100  # downsampled view: the last 100 utterances


log = logging.getLogger(__name__)
PREWARM_DELAY_MS = 300  # after the first show: the window paints first, then pyqtgraph loads behind it


def _import_pyqtgraph() -> Any:
    import pyqtgraph as pg  # noqa: PLC0415 (heavy: kept off the start path)

    return pg


class LatencyPanel(QWidget):
    _plot_module_loaded = Signal()

    def __init__(self, history: LatencyHistory, mouth_level: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self._mouth_level = mouth_level
        self._dirty = True
        self._prewarm_started = False
        lay = QVBoxLayout(self)
        self._lay = lay
        self.title = QLabel(tr("latency.title"))
        lay.addWidget(self.title)
        self.plot: Any = None  # pyqtgraph PlotWidget, built by _ensure_plot()
        self.curves: dict[str, Any] = {}
        self._plot_slot = QWidget()
        self._plot_slot.setMinimumHeight(140)
        lay.addWidget(self._plot_slot, 1)
        self._plot_module_loaded.connect(self._on_plot_module_loaded)
        self.summary = QLabel(tr("latency.empty"))
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("latency.mouth")))
        self.mouth = QProgressBar()
        self.mouth.setRange(0, 100)
        self.mouth.setTextVisible(False)
        self.mouth.setMaximumHeight(10)
        row.addWidget(self.mouth, 1)
        lay.addLayout(row)
        self._plot_timer = QTimer(self)
        # redraw at most once a second, only after new numbers came in and only while visible
        self._plot_timer.setSingleShot(True)
        self._plot_timer.setInterval(1000)  # a pyqtgraph repaint costs ~5–15 ms of the loop the VTS frames share
        self._plot_timer.timeout.connect(self.refresh)
        # The mouth meter ticks at 10 Hz only while the panel is visible and speech is playing: it
        # wakes on speech events and goes back to sleep after a second of silence.
        self._mouth_timer = QTimer(self)
        self._mouth_timer.setInterval(100)  # each meter change repaints part of the window: 10 Hz is lively enough
        self._mouth_timer.timeout.connect(self._update_mouth)
        self._quiet_ticks = 0

    def _ensure_plot(self) -> None:
        if self.plot is not None:
            return
        pg = _import_pyqtgraph()
        plot = pg.PlotWidget(background="w")
        plot.setMinimumHeight(140)
        plot.showGrid(x=False, y=True, alpha=0.3)
        plot.addLegend(offset=(5, 5))
        plot.setClipToView(True)
        plot.setDownsampling(auto=True, mode="peak")
        for (key, _), color in zip(STAGES, COLORS, strict=True):
            self.curves[key] = plot.plot([], [], pen=pg.mkPen(color, width=2), symbol="o", symbolSize=4,
                                         symbolBrush=color, name=tr(f"latency.stage.{key}"))
        self._lay.replaceWidget(self._plot_slot, plot)
        self._plot_slot.deleteLater()
        self.plot = plot
        self._dirty = True

    def _prewarm(self) -> None:
        """Import pyqtgraph in a thread; the graph is built on the GUI thread when it is loaded."""
        def load() -> None:
            try:
                _import_pyqtgraph()
            except Exception:  # the panel shows the error when it builds the plot
                log.exception("pyqtgraph failed to import")
            try:
                self._plot_module_loaded.emit()
            except RuntimeError:  # panel already deleted
                pass

        threading.Thread(target=load, name="pyqtgraph-import", daemon=True).start()

    def _on_plot_module_loaded(self) -> None:
        try:
            self._ensure_plot()
        except Exception as e:
            log.exception("latency graph failed")
            self.summary.setText(f"{type(e).__name__}: {e}")
            return
        self.refresh()

    def _schedule_refresh(self) -> None:
        if self._dirty and self.isVisible() and not self._plot_timer.isActive():
            self._plot_timer.start()

    def _wake_mouth(self) -> None:
        if self._mouth_level is not None and self.isVisible() and not self._mouth_timer.isActive():
            self._quiet_ticks = 0
            self._mouth_timer.start()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if not self._prewarm_started:
            self._prewarm_started = True
            QTimer.singleShot(PREWARM_DELAY_MS, self._prewarm)
        self._schedule_refresh()
        self._wake_mouth()

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self._plot_timer.stop()
        self._mouth_timer.stop()
        super().hideEvent(event)

    def add_metrics(self, metrics: dict) -> None:
        self.history.add(metrics)
        self._dirty = True
        self._schedule_refresh()

    def wake_mouth(self, *_args: object) -> None:
        """Speech started: run the mouth meter until a second of silence."""
        self._wake_mouth()

    def refresh(self) -> None:
        if not self._dirty:
            return
        self._ensure_plot()
        self._dirty = False
        for key, curve in self.curves.items():
            xs, ys = self.history.series(key, last=PLOT_POINTS)
            curve.setData(xs, [y * 1000 for y in ys])
        if not self.history.items:
            return
        s = self.history.summary()
        parts = [tr("latency.medians", n=min(self.history.window, len(self.history.items))) + ":"]
        for key, _ in STAGES:
            v = s.get(key)
            parts.append(f"{tr(f'latency.stage.{key}')} {v * 1000:.0f} ms" if v is not None else
                         f"{tr(f'latency.stage.{key}')} –")
        parts.append(f"{tr('latency.rtf')} {s['rtf']:.2f}" if s.get("rtf") is not None else f"{tr('latency.rtf')} –")
        parts.append(f"{tr('latency.underruns')} {int(s['underruns'] or 0)}")
        self.summary.setText("  ·  ".join(parts))

    def _update_mouth(self) -> None:
        try:
            value = int(100 * float(self._mouth_level()))
        except Exception:
            self._mouth_timer.stop()
            return
        if abs(value - self.mouth.value()) >= 5 or (value == 0) != (self.mouth.value() == 0):
            # QProgressBar.setValue repaints synchronously (a backing-store flush on the loop per tick);
            # with updates off it only records the value, and turning them on queues one ordinary update.
            self.mouth.setUpdatesEnabled(False)
            self.mouth.setValue(value)
            self.mouth.setUpdatesEnabled(True)
        self._quiet_ticks = self._quiet_ticks + 1 if value == 0 else 0
        if self._quiet_ticks >= 10:  # a second of silence: sleep until the next speech event
            self._mouth_timer.stop()


def create_panel(services: Any, bridge: Any) -> QWidget:
    history = services.latency_history
    speaker = getattr(services, "speaker", None)
    panel = LatencyPanel(history, getattr(speaker, "mouth_level", None))
    if not history.items:  # utterances measured before the panel existed
        for ev in list(services.bus.recent):
            if ev.kind is EventKind.TTS_METRICS:
                panel.add_metrics(ev.data.get("metrics") or ev.data)
    bridge.tts_metrics.connect(panel.add_metrics)
    bridge.speech_started.connect(panel.wake_mouth)
    return panel
