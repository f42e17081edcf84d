"""HTTP sends on the qasync loop vs a plain asyncio loop: call → request on the wire, and round trip.

The issue: an httpx / aiohttp request costs 5–8 ms on the app's qasync loop but < 1 ms on plain
asyncio. This sends the same POST (a chat completion to the loopback OpenAI double, which answers
at once and stamps when the body arrived) n times per (loop, client) and counts how many
loop callbacks (``call_soon`` / ``call_later``) one request schedules — on qasync each one is a
Qt timer (``startTimer(0)`` → ``timerEvent`` → ``killTimer``) instead of a deque append.

    .venv/bin/python bench/qasync_send.py [--quick] [--n N] [--busy]

``--busy`` adds what the app has on its loop at idle: a 30 Hz timer (the VTS mixer) and a few
Qt timers (panels), to see how the cadence of other work affects the sends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import pct  # noqa: E402
from tests.doubles.openai_server import OpenAIDouble  # noqa: E402

BODY = {"model": "m", "messages": [{"role": "user", "content": "안녕"}], "max_tokens": 16}


class Counting:
    """Wraps a loop's scheduling methods to count callbacks (qasync's call_soon is call_later(0):
    count only call_later there, or each would be counted twice)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, names: tuple[str, ...] = ("call_soon", "call_later")) -> None:
        self.n = 0
        for name in names:
            orig = getattr(loop, name)

            def wrapped(*a, _orig=orig, **kw):
                self.n += 1
                return _orig(*a, **kw)

            setattr(loop, name, wrapped)


async def busy(stop: asyncio.Event) -> None:
    while not stop.is_set():
        await asyncio.sleep(1 / 30)


async def send_many(client_kind: str, url: str, d: OpenAIDouble, n: int, counter: Counting | None,
                    with_busy: bool) -> dict:
    stop = asyncio.Event()
    bg = asyncio.ensure_future(busy(stop)) if with_busy else None
    wire, total, calls = [], [], []
    if client_kind == "httpx":
        import httpx

        client = httpx.AsyncClient(trust_env=False)

        async def post() -> None:
            r = await client.post(url, json=BODY)
            await r.aread()

        close = client.aclose
    else:
        import aiohttp

        session = aiohttp.ClientSession(trust_env=False)

        async def post() -> None:
            async with session.post(url, json=BODY) as r:
                await r.read()

        close = session.close
    try:
        for i in range(n + 3):  # 3 warm-up requests (connection open, code paths hot)
            k = len(d.requests)
            c0 = counter.n if counter else 0
            t0 = time.perf_counter()
            await post()
            t1 = time.perf_counter()
            if i >= 3:
                wire.append(d.requests[k].t - t0)
                total.append(t1 - t0)
                calls.append((counter.n - c0) if counter else 0)
            await asyncio.sleep(0.02)
    finally:
        await close()
        stop.set()
        if bg is not None:
            await bg
    ms = 1000.0
    return {"client": client_kind, "n": n,
            "wire_ms_p50": round(pct(wire, 50) * ms, 2), "wire_ms_p99": round(pct(wire, 99) * ms, 2),
            "total_ms_p50": round(pct(total, 50) * ms, 2), "total_ms_p99": round(pct(total, 99) * ms, 2),
            "callbacks_per_request": round(sum(calls) / max(1, len(calls)), 1)}


def run_plain(client: str, d: OpenAIDouble, n: int, with_busy: bool) -> dict:
    loop = asyncio.new_event_loop()
    try:
        counter = Counting(loop)
        return loop.run_until_complete(send_many(client, d.base_url + "/chat/completions", d, n, counter, with_busy))
    finally:
        loop.close()


def run_qasync(client: str, d: OpenAIDouble, n: int, with_busy: bool) -> dict:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from aischoco_gui.gui.event_loop import new_event_loop

    app = QApplication.instance() or QApplication([])
    timers = []
    if with_busy:
        for ms in (200, 250, 500):  # panels' timers
            t = QTimer()
            t.start(ms)
            timers.append(t)
    loop = new_event_loop(app)
    try:
        counter = Counting(loop, ("call_later",))
        return loop.run_until_complete(send_many(client, d.base_url + "/chat/completions", d, n, counter, with_busy))
    finally:
        for t in timers:
            t.stop()
        loop.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--busy", action="store_true")
    a = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    n = a.n or (30 if a.quick else 100)
    d = OpenAIDouble.start_in_thread()
    rows = []
    try:
        for loop_kind, fn in (("asyncio", run_plain), ("qasync", run_qasync)):
            for client in ("httpx", "aiohttp"):
                r = fn(client, d, n, a.busy)
                r["loop"] = loop_kind
                rows.append(r)
                print(f"{loop_kind:8} {client:8} call→wire p50/p99 {r['wire_ms_p50']}/{r['wire_ms_p99']} ms, "
                      f"round trip p50/p99 {r['total_ms_p50']}/{r['total_ms_p99']} ms, "
                      f"{r['callbacks_per_request']} loop callbacks per request", flush=True)
    finally:
        d.stop()
    res = {"bench": "qasync_send", "busy": a.busy, "rows": rows, "python": platform.python_version()}
    out = ROOT / "bench" / "results" / "qasync_send.json"
    out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
