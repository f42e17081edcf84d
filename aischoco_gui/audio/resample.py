"""Streaming resampling to the device rate.

Linear interpolation with state carried across chunks (no clicks at chunk joins). Speech from
the engines is 16–24 kHz and devices run at 44.1/48 kHz, so this is mostly upsampling, where
linear interpolation is inaudible next to TTS artefacts and costs ~1 ms per second of audio.
"""

from __future__ import annotations

import numpy as np


class StreamResampler:
    """Resample one continuous mono stream chunk by chunk."""

    def __init__(self, src_rate: int, dst_rate: int) -> None:
        if src_rate <= 0 or dst_rate <= 0:
            raise ValueError(f"bad sample rates {src_rate} → {dst_rate}")
        self.src_rate = int(src_rate)
        self.dst_rate = int(dst_rate)
        self._step = self.src_rate / self.dst_rate
        self._prev: np.ndarray | None = None  # last source sample of the previous chunk
        self._pos = 0.0  # next output position, in source samples relative to _prev (or chunk start)

    def process(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32).reshape(-1)
        if self.src_rate == self.dst_rate:
            return x
        if len(x) == 0:
            return x
        buf = x if self._prev is None else np.concatenate((self._prev, x))
        last = len(buf) - 1
        if last < self._pos:
            n = 0
        else:
            n = int(np.floor((last - self._pos) / self._step)) + 1
        idx = self._pos + self._step * np.arange(n, dtype=np.float64)
        out = np.interp(idx, np.arange(len(buf), dtype=np.float64), buf).astype(np.float32)
        self._pos = self._pos + self._step * n - last
        self._prev = buf[-1:].copy()
        return out


def resample(x: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """One-shot resampling of a whole clip."""
    return StreamResampler(src_rate, dst_rate).process(x)
