"""Soak: a compressed one-hour show, watching for growth.

Every outside party is a loopback double (tests/e2e/harness.py): CHZZK session server, LLM, the
real TTS worker with the instant ``fake`` engine, VTS, overlay. Chat arrives at a realistic rate
(≈1 message/s with a 25-message burst every 5 simulated minutes), compressed ``--speedup`` times;
replies are auto-approved. Every sample records RSS, open file descriptors, asyncio task count and
event-loop lag (how late a 20 ms ticker wakes). Reports each metric's slope per simulated hour over
the second half (after warm-up). Target: flat.

Usage: ``.venv/bin/python bench/soak.py [--quick]`` → table + bench/results/soak.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from aischoco_gui.events import EventKind  # noqa: E402
from tests.e2e.harness import show  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * PAGE / 2**20
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


def slope_per_hour(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope (units per simulated hour); xs are simulated minutes."""
    if len(xs) < 3:
        return 0.0
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return 60.0 * sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


async def soak(real_s: float, speedup: float, sample_s: float) -> dict:
    rng = random.Random(7)
    samples: list[dict] = []
    lag_max = [0.0]

    async def ticker() -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.02)
            lag_max[0] = max(lag_max[0], time.perf_counter() - t - 0.02)

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        async with show(home, tts_engine="fake", tts_output_device="null", approval_mode="auto",
                        auto_approve_seconds=0.0) as sh:
            sh.replies.default = ("happy", "고마워요!")
            count = {"received": 0, "spoken": 0}
            # the harness keeps every event for assertions; here only counters are kept, so any
            # growth measured is the app's own
            sh.events.clear()

            def counter(ev) -> None:
                if ev.kind == EventKind.CHAT_RECEIVED:
                    count["received"] += 1
                elif ev.kind == EventKind.PLAYBACK_END:
                    count["spoken"] += 1
                sh.events.clear()
            sh.bus.subscribe(counter)
            tick = asyncio.get_running_loop().create_task(ticker())
            t0 = time.monotonic()
            sent = 0
            next_sample = t0
            next_burst = 0.0
            while (now := time.monotonic()) - t0 < real_s:
                sim_min = (now - t0) * speedup / 60.0
                if now >= next_sample:
                    samples.append({"sim_min": round(sim_min, 2), "rss_mb": round(rss_mb(), 2), "fds": open_fds(),
                                    "tasks": len(asyncio.all_tasks()), "loop_lag_ms": round(lag_max[0] * 1000, 2),
                                    "received": count["received"], "spoken": count["spoken"]})
                    lag_max[0] = 0.0
                    next_sample = now + sample_s
                    # the doubles run in this process and record everything: forget it, so the
                    # growth measured is the app's own
                    for rec in (sh.vts.injections, sh.vts.requests, sh.llm.requests, sh.chzzk.log):
                        rec.clear()
                n = 1
                if sim_min >= next_burst:
                    n, next_burst = 25, next_burst + 5.0
                for _ in range(n):
                    sent += 1
                    await sh.chzzk.push_chat(f"채팅 {sent} 오늘 방송 재밌어요 ㅋㅋ", nickname=f"시청자{sent % 300}",
                                             sender=f"u-{sent % 300}")
                # ≈1 message per simulated second, jittered
                await asyncio.sleep(rng.expovariate(1.0) / speedup)
            tick.cancel()
            await asyncio.sleep(1.0)
            received = count["received"]
            states = {k: v.state.value for k, v in sh.bus.status.items()}
    half = [s for s in samples if s["sim_min"] >= samples[-1]["sim_min"] / 2] if samples else []
    xs = [s["sim_min"] for s in half]
    result = {
        "bench": "soak", "real_seconds": real_s, "speedup": speedup,
        "simulated_minutes": round(real_s * speedup / 60, 1),
        "messages_sent": sent, "messages_received": received, "final_status": states,
        "python": platform.python_version(), "platform": platform.platform(),
        "slope_per_sim_hour": {k: round(slope_per_hour(xs, [s[k] for s in half]), 3)
                               for k in ("rss_mb", "fds", "tasks", "loop_lag_ms")},
        "start": samples[0] if samples else {}, "end": samples[-1] if samples else {},
        "loop_lag_ms_p99": round(sorted(s["loop_lag_ms"] for s in samples)[int(0.99 * (len(samples) - 1))], 2)
        if samples else None,
        "samples": samples,
    }
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="30 s real (CI smoke)")
    ap.add_argument("--seconds", type=float, default=None, help="real seconds (default 240, quick 30)")
    ap.add_argument("--speedup", type=float, default=None, help="simulated/real time (default: 1 h in --seconds)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "soak.json"))
    a = ap.parse_args()
    real_s = a.seconds or (30.0 if a.quick else 240.0)
    speedup = a.speedup or 3600.0 / real_s
    r = asyncio.run(soak(real_s, speedup, sample_s=max(1.0, real_s / 60)))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(r, ensure_ascii=False, indent=1))
    print(f"soak: {r['simulated_minutes']} simulated min in {real_s:.0f} s, "
          f"{r['messages_received']}/{r['messages_sent']} messages received")
    print(f"{'metric':<12} {'start':>9} {'end':>9} {'slope/sim h':>12}")
    for k in ("rss_mb", "fds", "tasks", "loop_lag_ms"):
        print(f"{k:<12} {r['start'].get(k, ''):>9} {r['end'].get(k, ''):>9} {r['slope_per_sim_hour'][k]:>12}")
    print(f"loop lag p99 {r['loop_lag_ms_p99']} ms; status {r['final_status']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
