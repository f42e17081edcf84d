"""The co-host microphone's row in the latency panel: end of speech → transcript → LLM request → first audio.

One label (medians of the last voice turns) fed by ``bridge.mic_metrics``; hidden until the first voice
turn, so the panel stays as it is for streamers who do not use the microphone.
"""

from __future__ import annotations

import statistics
from collections import deque
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from aischoco_gui.events import EventKind
from aischoco_gui.i18n import register, tr

register({
    "latency.mic": ("🎙 마이크 (말 끝부터, 최근 {n}개 중앙값): 인식 {stt} · LLM 요청 {llm} · 첫 소리 {audio}",
                    "🎙 Microphone (from end of speech, median of last {n}): transcript {stt} · LLM request {llm} "
                    "· first audio {audio}"),
})

STAGES = ("transcript_s", "llm_request_s", "first_audio_s")
WINDOW = 50


class MicLatencyRow(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mic_latency")
        self.setWordWrap(True)
        self.items: deque[dict] = deque(maxlen=WINDOW)
        self.hide()

    def add_metrics(self, m: dict) -> None:
        self.items.append(dict(m))
        self.setText(tr("latency.mic", n=len(self.items), **{
            k: self._median(key) for k, key in zip(("stt", "llm", "audio"), STAGES, strict=True)}))
        self.show()

    def _median(self, key: str) -> str:
        vals = [float(v) for it in self.items if (v := it.get(key)) is not None]
        return f"{statistics.median(vals) * 1000:.0f} ms" if vals else "–"

    def median_s(self, key: str) -> float | None:
        vals = [float(v) for it in self.items if (v := it.get(key)) is not None]
        return statistics.median(vals) if vals else None


def attach(panel: QWidget, services: Any, bridge: Any) -> MicLatencyRow:
    """Add the row under ``panel``'s layout, replaying voice turns measured before the panel existed."""
    row = MicLatencyRow(panel)
    panel.layout().addWidget(row)
    for ev in list(services.bus.recent):
        if ev.kind is EventKind.MIC_METRICS:
            row.add_metrics(ev.data.get("metrics") or ev.data)
    bridge.mic_metrics.connect(row.add_metrics)
    return row
