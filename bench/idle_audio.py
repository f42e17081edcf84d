"""Idle cost of the audio output thread (issue 18): CPU of the ``null``/``wav:`` sink thread while
nothing plays, with the sleep-in-silence of audio/output.py and with the old 100 Hz tick
(``--mode tick`` keeps the thread ticking like before the change: same loop, never sleeps).
Also: how soon a write after a silent stretch is rendered (wake latency).

    .venv/bin/python bench/idle_audio.py [--seconds N]     # runs both modes, writes bench/results/idle_audio.json
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

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aischoco_gui.audio import output as output_mod  # noqa: E402
from aischoco_gui.audio.output import AudioOutput  # noqa: E402


def thread_cpu_s(t: threading.Thread) -> float:
    """CPU seconds (user + system) used by one thread (Linux/macOS: its POSIX CPU clock)."""
    return time.clock_gettime(time.pthread_getcpuclockid(t.ident))


async def run(mode: str, seconds: float) -> dict:
    if mode == "tick":
        output_mod._ClockedSink.SLEEP_AFTER_BLOCKS = 10**12  # the pre-change behaviour: never sleeps
    else:
        output_mod._ClockedSink.SLEEP_AFTER_BLOCKS = 10
    out = AudioOutput("null", None, rate=48000)
    await out.start()
    sink = out.sink
    thread = sink._thread
    await asyncio.sleep(0.5)  # settle (the sleeping sink has gone to sleep)
    c0, p0, w0, b0 = thread_cpu_s(thread), time.process_time(), time.monotonic(), sink.blocks
    await asyncio.sleep(seconds)
    c1, p1, w1, b1 = thread_cpu_s(thread), time.process_time(), time.monotonic(), sink.blocks
    wall = w1 - w0
    # wake latency: write after silence, time until the block holding the first sample is rendered
    lat = []
    for i in range(20):
        await asyncio.sleep(0.2)  # silence: the sink goes back to sleep (100 ms)
        fut = out.expect(i)
        t_w = time.monotonic()
        out.write(np.full(480, 0.1, np.float32), mark=i)
        t_play = await fut
        lat.append((t_play - t_w) * 1000)
    await out.close()
    lat.sort()
    return {"mode": mode, "idle_seconds": round(wall, 2),
            "audio_thread_cpu_pct": round(100 * (c1 - c0) / wall, 3),
            "process_cpu_pct": round(100 * (p1 - p0) / wall, 3),
            "blocks_rendered_per_s_idle": round((b1 - b0) / wall, 1),
            "wake_to_render_ms_p50": round(lat[len(lat) // 2], 2), "wake_to_render_ms_max": round(lat[-1], 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    rows = [asyncio.run(run(m, args.seconds)) for m in ("tick", "sleep")]
    res = {"bench": "idle_audio", "python": platform.python_version(), "platform": platform.platform(),
           "note": "process_cpu_pct includes the asyncio poller and the interpreter; the machine is shared",
           "before_tick": rows[0], "after_sleep": rows[1]}
    print(json.dumps(res, indent=2))
    dest = ROOT / "bench" / "results" / "idle_audio.json"
    dest.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
