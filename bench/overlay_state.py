"""/api/state latency during a chat burst (issue 13: p50 was 559 ms while 10,000 messages arrived).

The overlay server runs on this process's event loop; a burst of chat messages (``--messages``,
in slices of ``--slice`` per loop iteration, as a flooded CHZZK socket delivers them) goes through
the bus while a client thread requests ``/api/state`` back to back over loopback and times each
request on the wire. ``--uncached`` rebuilds the snapshot for every request (the old behaviour),
for comparison. Writes bench/results/overlay_state.json.

    .venv/bin/python bench/overlay_state.py [--quick] [--messages 10000] [--uncached]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aischoco_gui.chat.models import ChatMessage  # noqa: E402
from aischoco_gui.events import EventBus, EventKind  # noqa: E402
from aischoco_gui.overlay.server import OverlayServer  # noqa: E402
from aischoco_gui.overlay.state import OverlayState  # noqa: E402
from bench.stats import pct  # noqa: E402


def poll(url: str, stop: threading.Event, samples: list[float]) -> None:
    with httpx.Client(trust_env=False, timeout=30) as c:
        while not stop.is_set():
            t0 = time.perf_counter()
            r = c.get(url)
            r.raise_for_status()
            samples.append((time.perf_counter() - t0) * 1000)


async def run(messages: int, slice_n: int, uncached: bool) -> dict:
    bus = EventBus()
    state = OverlayState()
    if uncached:
        state.snapshot_json = lambda: json.dumps(state.snapshot(), ensure_ascii=False)  # type: ignore[method-assign]
    srv = OverlayServer(bus, state, host="127.0.0.1", port=0, token="bench-token-abcdefghijklmnop")
    await srv.start()
    samples: list[float] = []
    stop = threading.Event()
    th = threading.Thread(target=poll, args=(srv.url + "api/state", stop, samples), daemon=True)
    try:
        th.start()
        while not samples:
            await asyncio.sleep(0.01)
        samples.clear()  # measure during the burst only
        t0 = time.perf_counter()
        for i in range(0, messages, slice_n):
            for j in range(i, min(i + slice_n, messages)):
                bus.emit(EventKind.CHAT_RECEIVED,
                         message=ChatMessage(f"viewer{j % 500}", f"burst message {j} 안녕하세요 반가워요!",
                                             user_id=f"u{j % 500}"))
            await asyncio.sleep(0)
        burst_s = time.perf_counter() - t0
        n0 = len(samples)
        while len(samples) < n0 + 5:  # a few requests after the burst, so slow ones are counted
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await asyncio.to_thread(th.join, 30)
        await srv.stop()
    return {"requests": len(samples), "p50_ms": round(pct(samples, 50), 2), "p99_ms": round(pct(samples, 99), 2),
            "max_ms": round(max(samples), 2), "burst_s": round(burst_s, 3), "snapshot_builds": state.snapshot_builds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--slice", type=int, default=50)
    ap.add_argument("--uncached", action="store_true")
    ap.add_argument("--quick", action="store_true", help="(accepted for run_all; same run)")
    a = ap.parse_args()
    result = {"cached": asyncio.run(run(a.messages, a.slice, False))}
    if a.uncached:
        result["uncached"] = asyncio.run(run(a.messages, a.slice, True))
    out = {"bench": "overlay_state", "messages": a.messages, "slice": a.slice, "python": platform.python_version(),
           "machine": platform.machine(), "when": time.strftime("%Y-%m-%dT%H:%M:%S"), **result}
    print(json.dumps(out, indent=2))
    p = ROOT / "bench" / "results" / "overlay_state.json"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
