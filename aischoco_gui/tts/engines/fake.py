"""An instant, deterministic engine for tests and benchmarks: a voiced tone whose length follows
the text (≈ 90 ms per character, like Korean speech), with optional engine-like delays."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np

from aischoco_gui.tts.engine import Progress, chunked


class FakeEngine:
    name = "fake"
    label = "test tone (fake engine)"
    sample_format = "float32"
    cloned_voice = False
    max_concurrency = 4

    def __init__(self, sample_rate: int = 24000, first_chunk_s: float = 0.0, rtf: float = 0.0,
                 load_s: float = 0.0, seconds_per_char: float = 0.09, chunk_s: float = 0.1) -> None:
        self.sample_rate = sample_rate
        self.first_chunk_s = first_chunk_s  # simulated time to first chunk
        self.rtf = rtf  # simulated synthesis time per second of audio after the first chunk
        self.load_s = load_s
        self.seconds_per_char = seconds_per_char
        self.chunk = int(sample_rate * chunk_s)
        self.requests = 0

    def load(self, progress: Progress) -> None:
        steps = 5
        for i in range(steps):
            progress(i / steps, "warming up")
            time.sleep(self.load_s / steps)
        progress(1.0, "ready")

    def render(self, text: str, emotion: str = "neutral") -> np.ndarray:
        chars = max(1, len([c for c in text if not c.isspace()]))
        n = int(self.sample_rate * self.seconds_per_char * chars)
        t = np.arange(n, dtype=np.float32) / self.sample_rate
        f0 = {"happy": 260.0, "excited": 300.0, "sad": 170.0, "angry": 220.0}.get(emotion, 200.0)
        # syllable-rate amplitude modulation (≈ 6 Hz) so the envelope moves like speech
        am = 0.55 + 0.45 * np.sin(2 * np.pi * 6.0 * t)
        x = 0.3 * am * np.sin(2 * np.pi * f0 * t)
        ramp = min(n // 2, int(0.01 * self.sample_rate))
        if ramp:
            x[:ramp] *= np.linspace(0, 1, ramp, dtype=np.float32)
            x[-ramp:] *= np.linspace(1, 0, ramp, dtype=np.float32)
        return x.astype(np.float32)

    def synthesize(self, text: str, emotion: str, cancel: threading.Event) -> Iterator[np.ndarray]:
        self.requests += 1
        x = self.render(text, emotion)
        if self.first_chunk_s and cancel.wait(self.first_chunk_s):
            return
        for c in chunked(x, self.chunk, cancel):
            yield c
            if self.rtf and cancel.wait(self.rtf * len(c) / self.sample_rate):
                return

    def close(self) -> None:
        pass
