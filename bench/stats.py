"""Statistics shared by the benchmarks."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
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


def report(rows: list[tuple[str, str]], res: dict, name: str) -> Path:
    """Print ``rows`` as an aligned two-column table and save ``res`` to ``bench/results/<name>.json``."""
    w = max(len(a) for a, _ in rows)
    for a, b in rows:
        print(f"{a:<{w}}  {b}")
    out = Path(__file__).resolve().parent / "results" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return out
