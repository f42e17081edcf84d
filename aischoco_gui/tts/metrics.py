"""Rolling per-utterance TTS latency history (Qt-free; the latency panel and benchmarks read it)."""

from __future__ import annotations

import statistics
from collections import deque
from typing import Any

# (metrics key, short label) in pipeline order
STAGES: tuple[tuple[str, str], ...] = (
    ("chat_to_reply_s", "chat→reply"),
    ("engine_first_chunk_s", "engine 1st chunk"),
    ("chunk_to_sample_s", "chunk→device"),
    ("approval_to_first_sample_s", "approve→sound"),
)

# What the pipeline costs per reply (the latency panel's bars, in ms), in pipeline order. A list of
# named stages: another stage (e.g. the microphone's speech→text) is one more entry here.
PIPELINE_STAGES: list[tuple[str, str]] = [
    ("llm_s", "LLM"),
    ("engine_first_chunk_s", "TTS 1st chunk"),
    ("approval_to_first_sample_s", "first audio"),
]
# What a human waited (seconds, on its own plot: never on the milliseconds axis).
WAIT_STAGES: list[tuple[str, str]] = [
    ("approval_wait_s", "approval wait"),
]


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100) of ``values``; None when empty."""
    vals = sorted(values)
    if not vals:
        return None
    pos = (len(vals) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


class LatencyHistory:
    def __init__(self, window: int = 50, keep: int = 500) -> None:
        self.window = window
        self.items: deque[dict[str, Any]] = deque(maxlen=keep)
        self.count = 0

    def add(self, m: dict[str, Any]) -> None:
        self.items.append(dict(m))
        self.count += 1

    def series(self, key: str, last: int | None = None) -> tuple[list[int], list[float]]:
        """(utterance numbers, values) for ``key`` over the kept history, skipping unknowns."""
        start = self.count - len(self.items)
        xs, ys = [], []
        for i, m in enumerate(self.items):
            v = m.get(key)
            if isinstance(v, (int, float)) and v is not None:
                xs.append(start + i + 1)
                ys.append(float(v))
        if last:
            xs, ys = xs[-last:], ys[-last:]
        return xs, ys

    def median(self, key: str) -> float | None:
        vals = [m[key] for m in list(self.items)[-self.window:] if isinstance(m.get(key), (int, float))]
        return statistics.median(vals) if vals else None

    def recent(self, key: str) -> list[float]:
        """Known values of ``key`` over the rolling window."""
        return [float(m[key]) for m in list(self.items)[-self.window:] if isinstance(m.get(key), (int, float))]

    def percentiles(self, key: str) -> tuple[float | None, float | None]:
        """(p50, p90) of ``key`` over the rolling window."""
        vals = self.recent(key)
        return percentile(vals, 50), percentile(vals, 90)

    def underruns(self) -> int:
        return sum(int(m.get("underruns") or 0) for m in list(self.items)[-self.window:])

    def summary(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {k: self.median(k) for k, _ in STAGES}
        out["rtf"] = self.median("rtf")
        out["underruns"] = float(self.underruns())
        return out
