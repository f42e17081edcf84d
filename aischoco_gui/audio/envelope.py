"""Mouth envelope: RMS per 20 ms window of the samples actually handed to the device.

The audio thread feeds played blocks with their play time; windows come out as
``(t_play, rms, level)`` where ``t_play`` is the monotonic time the window's first sample is
heard and ``level`` is RMS mapped to 0..1 for ``ParamMouthOpenY``.
"""

from __future__ import annotations

import math
from collections import deque
from typing import NamedTuple

import numpy as np

WINDOW_S = 0.020
FULL_SCALE_RMS = 0.25  # RMS that maps to a fully open mouth (loud speech)
GATE_RMS = 0.01  # below this the mouth is closed (noise floor, breaths)


class EnvelopePoint(NamedTuple):
    t: float  # monotonic play time of the window's first sample
    rms: float
    level: float  # 0..1


def rms_to_level(r: float) -> float:
    if r <= GATE_RMS:
        return 0.0
    return min(1.0, (r - GATE_RMS) / (FULL_SCALE_RMS - GATE_RMS))


class EnvelopeMeter:
    """Accumulates played samples into fixed windows (called from the audio thread only)."""

    def __init__(self, rate: int, window_s: float = WINDOW_S, keep: int = 512) -> None:
        self.rate = rate
        self.win = max(1, int(round(rate * window_s)))
        self.points: deque[EnvelopePoint] = deque(maxlen=keep)
        self._acc = 0.0
        self._n = 0
        self._t0 = 0.0

    def feed(self, block: np.ndarray, t_first: float) -> None:
        i = 0
        n = len(block)
        while i < n:
            if self._n == 0:
                self._t0 = t_first + i / self.rate
            take = min(self.win - self._n, n - i)
            seg = block[i:i + take]
            self._acc += float(np.dot(seg, seg))
            self._n += take
            i += take
            if self._n == self.win:
                r = math.sqrt(self._acc / self.win)
                self.points.append(EnvelopePoint(self._t0, r, rms_to_level(r)))
                self._acc, self._n = 0.0, 0

    def level_at(self, t: float) -> float:
        """Level of the window being heard at monotonic time ``t`` (0 when nothing is playing)."""
        pts = list(self.points)  # atomic copy under the GIL; the audio thread keeps appending
        for p in reversed(pts):
            if p.t <= t:
                return p.level if t - p.t < 2 * self.win / self.rate else 0.0
        return 0.0
