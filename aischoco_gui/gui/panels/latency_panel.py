"""Latency panel: what the pipeline costs apart from what a human waited.

Top plot: per-stage bars (LLM, TTS first chunk, first audio after approval — ``PIPELINE_STAGES``, a list
of named stages another feature can extend) for the last N replies, in milliseconds; its y axis is
fitted to those stages only. Bottom plot: the approval wait (a person clicking "approve") in seconds,
on its own axis, so a 60 s wait never flattens the millisecond bars. p50/p90 per stage below.

Bus events only append to a history; a timer redraws at most once a second (and the mouth meter at 10 Hz
while speech plays), only while the panel is visible, so a burst of events never stalls the UI and an
idle panel costs nothing. The charts are ``gui/bar_chart.BarChart`` (QPainter), not pyqtgraph: the
same bars, axes and grid for ~34 MB less resident memory and no 0.3 s import (issue 27).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from aischoco_gui.events import EventKind
from aischoco_gui.gui.bar_chart import BarChart, BarSeries
from aischoco_gui.gui.elided import ElidedLabel
from aischoco_gui.i18n import register, tr
from aischoco_gui.tts.metrics import PIPELINE_STAGES, WAIT_STAGES, LatencyHistory

register({
    "latency.title": ("파이프라인 지연 (ms, 최근 답변별)", "Pipeline latency (ms, recent replies)"),
    "latency.wait_title": ("사람이 기다린 시간 (초)", "Human wait (s)"),
    "latency.reply": ("답변 #", "reply #"),
    "latency.pcts": ("p50 {p50} · p90 {p90}", "p50 {p50} · p90 {p90}"),
    "latency.rtf": ("실시간 배율", "real-time factor"),
    "latency.underruns": ("끊김", "underruns"),
    "latency.mouth": ("입 모양", "mouth"),
    "latency.empty": ("아직 측정된 답변이 없어요.", "No replies measured yet."),
    "latency.stage.llm_s": ("LLM", "LLM"),
    "latency.stage.engine_first_chunk_s": ("TTS 첫 청크", "TTS 1st chunk"),
    "latency.stage.approval_to_first_sample_s": ("첫 소리 (승인 후)", "first audio (after approval)"),
    "latency.stage.approval_wait_s": ("승인 대기", "approval wait"),
    # older keys (other stages a feature may add)
    "latency.stage.chat_to_reply_s": ("채팅→답변", "chat→reply"),
    "latency.stage.chunk_to_sample_s": ("청크→장치", "chunk→device"),
})

PALETTE = ("#e07a5f", "#3d85c6", "#6aa84f", "#8e7cc3", "#c9a227", "#8e8e8e")
WAIT_COLOR = "#b0b0b0"
LAST_N = 20  # replies shown as bars


def legend_row(stages: list[tuple[str, str]]) -> QWidget:
    """Each stage's colour square and name, in one row (the graph's legend, outside the graph)."""
    row = QWidget()
    row.setObjectName("latency_legend")
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(4)
    for i, (key, fallback) in enumerate(stages):
        square = QLabel("■")
        square.setStyleSheet(f"color:{PALETTE[i % len(PALETTE)]}")
        lay.addWidget(square)
        lay.addWidget(QLabel(stage_label(key, fallback)))
        lay.addSpacing(8)
    return row


def stage_label(key: str, fallback: str = "") -> str:
    label = tr(f"latency.stage.{key}")
    return fallback if label == f"latency.stage.{key}" and fallback else label


log = logging.getLogger(__name__)


class LatencyPanel(QWidget):
    def __init__(self, history: LatencyHistory, mouth_level: Any = None, parent: QWidget | None = None,
                 stages: list[tuple[str, str]] | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.stages = list(stages if stages is not None else PIPELINE_STAGES)
        self.wait_stages = list(WAIT_STAGES)
        self._mouth_level = mouth_level
        self._dirty = True
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)  # a low strip: every pixel of height goes to the graphs
        lay.setSpacing(3)
        self.title = QLabel(tr("latency.title"))
        # the legend is a row of its own above the graph, not drawn inside it: it never covers the bars
        self.legend = legend_row(self.stages)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.legend)
        lay.addLayout(head)
        self.plot = BarChart("ms")
        self.plot.setMinimumHeight(60)
        self.bars: dict[str, BarSeries] = {
            key: self.plot.add_series(PALETTE[i % len(PALETTE)], width=0.2) for i, (key, _f) in enumerate(self.stages)}
        plots = QHBoxLayout()  # side by side: the bottom strip is wide, not tall
        plots.addWidget(self.plot, 3)
        wait_box = QVBoxLayout()
        self.wait_title = QLabel(tr("latency.wait_title"))
        wait_box.addWidget(self.wait_title)
        self.wait_plot = BarChart("s")
        self.wait_plot.setMinimumHeight(40)
        self.wait_bars = self.wait_plot.add_series(WAIT_COLOR, width=0.6)
        wait_box.addWidget(self.wait_plot, 1)
        plots.addLayout(wait_box, 1)
        self.plot.set_y_range(0, 50.0)  # fixed until there are replies (no autoscaled empty axes)
        self.wait_plot.set_y_range(0, 1.0)
        lay.addLayout(plots, 1)
        # one line, elided, the whole text on hover (a wrapped label would make the dock ask for its
        # preferred height and scroll inside a 1366×768 window)
        self.summary = ElidedLabel(tr("latency.empty"))
        row = QHBoxLayout()  # the numbers and the mouth meter share one line
        row.addWidget(self.summary, 3)
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
        self._plot_timer.setInterval(1000)
        self._plot_timer.timeout.connect(self.refresh)
        # The mouth meter ticks at 10 Hz only while the panel is visible and speech is playing: it
        # wakes on speech events and goes back to sleep after a second of silence once the speech ended
        # (a voice may take longer than that for its first sound, or between two sentences).
        self._mouth_timer = QTimer(self)
        self._mouth_timer.setInterval(100)  # each meter change repaints part of the window: 10 Hz is lively enough
        self._mouth_timer.timeout.connect(self._update_mouth)
        self._quiet_ticks = 0
        self._speaking = False  # between speech_started and speech_ended

    def _schedule_refresh(self) -> None:
        if self._dirty and self.isVisible() and not self._plot_timer.isActive():
            self._plot_timer.start()

    def _wake_mouth(self) -> None:
        if self._mouth_level is not None and self.isVisible() and not self._mouth_timer.isActive():
            self._quiet_ticks = 0
            self._mouth_timer.start()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
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
        """Speech started: run the mouth meter until it ended and a second of silence followed."""
        self._speaking = True
        self._wake_mouth()

    def speech_over(self, *_args: object) -> None:
        """Speech ended (or was cut): the meter may sleep after a second of silence."""
        self._speaking = False

    def bar_data(self, key: str) -> tuple[list[float], list[float]]:
        """(x positions, heights) of one stage's bars; x is the reply number (ms for pipeline stages)."""
        series = self.bars.get(key) or (self.wait_bars if key in dict(self.wait_stages) else None)
        if series is None:
            return [], []
        return list(series.x), list(series.height)

    def refresh(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        n = len(self.stages)
        width = 0.8 / max(1, n)
        top = 0.0
        first = last = None
        for i, (key, _) in enumerate(self.stages):
            xs, ys = self.history.series(key, last=LAST_N)
            xs = [x for x in xs if x > self.history.count - LAST_N]
            ys = ys[len(ys) - len(xs):]
            ms = [y * 1000 for y in ys]
            offset = (i - (n - 1) / 2) * width
            bars = self.bars[key]
            bars.x, bars.height, bars.width = [x + offset for x in xs], ms, width * 0.9
            top = max([top, *ms])
            if xs:
                first = min(xs) if first is None else min(first, min(xs))
                last = max(xs) if last is None else max(last, max(xs))
        wkey = self.wait_stages[0][0]
        wxs, wys = self.history.series(wkey, last=LAST_N)
        self.wait_bars.x, self.wait_bars.height = list(wxs), list(wys)
        # each axis is fitted to its own data: a minute-long approval never stretches the ms bars
        self.plot.set_y_range(0, max(top * 1.15, 50.0))
        self.wait_plot.set_y_range(0, max(max(wys, default=0.0) * 1.15, 1.0))
        if wxs:
            first = min(wxs) if first is None else min(first, min(wxs))
            last = max(wxs) if last is None else max(last, max(wxs))
        if first is not None:
            self.plot.set_x_range(first - 0.6, last + 0.6)
            self.wait_plot.set_x_range(first - 0.6, last + 0.6)
        self.plot.update()
        self.wait_plot.update()
        if not self.history.items:
            return
        self.summary.setText(self.summary_text())

    def summary_text(self) -> str:
        parts = []
        for key, fallback in self.stages:
            p50, p90 = self.history.percentiles(key)
            parts.append(f"{stage_label(key, fallback)} " + (tr("latency.pcts", p50=_ms(p50), p90=_ms(p90))
                                                              if p50 is not None else "–"))
        for key, fallback in self.wait_stages:
            p50, p90 = self.history.percentiles(key)
            parts.append(f"{stage_label(key, fallback)} " + (tr("latency.pcts", p50=_s(p50), p90=_s(p90))
                                                              if p50 is not None else "–"))
        rtf = self.history.median("rtf")
        parts.append(f"{tr('latency.rtf')} {rtf:.2f}" if rtf is not None else f"{tr('latency.rtf')} –")
        parts.append(f"{tr('latency.underruns')} {self.history.underruns()}")
        return "  ·  ".join(parts)

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
        if self._quiet_ticks >= 10 and not self._speaking:  # a second of silence: sleep until the next speech
            self._mouth_timer.stop()


def _ms(v: float | None) -> str:
    return "–" if v is None else f"{v * 1000:.0f} ms"


def _s(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f} s"


def create_panel(services: Any, bridge: Any) -> QWidget:
    history = services.latency_history

    def mouth_level() -> float:  # the voice of the moment (a TTS setting replaces the speaker)
        return float(services.speaker.mouth_level())

    panel = LatencyPanel(history, mouth_level if hasattr(services, "speaker") else None)
    if not history.items:  # utterances measured before the panel existed
        for ev in list(services.bus.recent):
            if ev.kind is EventKind.TTS_METRICS:
                panel.add_metrics(ev.data.get("metrics") or ev.data)
    bridge.tts_metrics.connect(panel.add_metrics)
    bridge.speech_started.connect(panel.wake_mouth)
    bridge.speech_ended.connect(panel.speech_over)
    from aischoco_gui.gui.panels import mic_latency  # the microphone's own row (issue 16)

    mic_latency.attach(panel, services, bridge)
    return panel
