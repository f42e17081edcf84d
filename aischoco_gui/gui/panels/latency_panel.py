"""TTS latency graph: per utterance, chat→reply, engine first chunk, chunk→device, approve→sound,
real-time factor and underruns, with medians over a rolling window.

Bus events only append to a history; a timer redraws at 4 Hz (and the mouth meter at 20 Hz),
so a burst of events never stalls the UI. pyqtgraph is imported when the panel is built.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
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


class LatencyPanel(QWidget):
    def __init__(self, history: LatencyHistory, mouth_level: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        import pyqtgraph as pg  # noqa: PLC0415 (heavy: only when the panel is shown)

        self.history = history
        self._mouth_level = mouth_level
        self._dirty = True
        lay = QVBoxLayout(self)
        self.title = QLabel(tr("latency.title"))
        lay.addWidget(self.title)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumHeight(140)
        self.plot.showGrid(x=False, y=True, alpha=0.3)
        self.plot.addLegend(offset=(5, 5))
        self.plot.setClipToView(True)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.curves = {}
        for (key, _), color in zip(STAGES, COLORS, strict=True):
            self.curves[key] = self.plot.plot([], [], pen=pg.mkPen(color, width=2), symbol="o", symbolSize=4,
                                              symbolBrush=color, name=tr(f"latency.stage.{key}"))
        lay.addWidget(self.plot, 1)
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
        self._plot_timer.timeout.connect(self.refresh)
        self._plot_timer.start(250)
        self._mouth_timer = QTimer(self)
        self._mouth_timer.timeout.connect(self._update_mouth)
        if mouth_level is not None:
            self._mouth_timer.start(50)

    def add_metrics(self, metrics: dict) -> None:
        self.history.add(metrics)
        self._dirty = True

    def refresh(self) -> None:
        if not self._dirty:
            return
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
            self.mouth.setValue(int(100 * float(self._mouth_level())))
        except Exception:
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
    from aischoco_gui.gui.panels import mic_latency  # the microphone's own row (issue 16)

    mic_latency.attach(panel, services, bridge)
    return panel
