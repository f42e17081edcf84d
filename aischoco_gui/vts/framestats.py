"""Frame-rate and jitter statistics of the avatar's mixer loop (shown on the VTS panel, used by bench/)."""

from __future__ import annotations

from collections import deque


class FrameStats:
    """Tick intervals of the mixer loop → frame rate and jitter (p50/p99 of |interval - period|)."""

    def __init__(self, period: float, window: int = 300) -> None:
        self.period = period
        self.intervals: deque[float] = deque(maxlen=window)
        self.last: float | None = None
        self.frames_sent = 0
        self.frames_dropped = 0
        self.frames_skipped = 0  # idle ticks with nothing visible to send

    def tick(self, t: float) -> None:
        if self.last is not None:
            self.intervals.append(t - self.last)
        self.last = t

    def summary(self) -> dict[str, float]:
        iv = sorted(self.intervals)
        if not iv:
            return {"fps": 0.0, "interval_p50_ms": 0.0, "interval_p99_ms": 0.0, "jitter_p99_ms": 0.0}
        mean = sum(iv) / len(iv)
        jit = sorted(abs(x - self.period) for x in iv)

        def pct(xs: list[float], q: float) -> float:
            return xs[min(len(xs) - 1, int(q * len(xs)))]

        return {"fps": 1.0 / mean if mean > 0 else 0.0, "interval_p50_ms": pct(iv, 0.5) * 1000,
                "interval_p99_ms": pct(iv, 0.99) * 1000, "jitter_p50_ms": pct(jit, 0.5) * 1000,
                "jitter_p99_ms": pct(jit, 0.99) * 1000}
