"""Statistics shared by the benchmarks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def pct(xs: Iterable[float | None], p: float, empty: Any = float("nan")) -> Any:
    """The p-th percentile (0–100) with linear interpolation; ``None`` samples are ignored."""
    s = sorted(x for x in xs if x is not None)
    if not s:
        return empty
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)
