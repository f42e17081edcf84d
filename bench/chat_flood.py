"""Chat flood: the EIO=3 CHZZK double sends N chats/s into the running app (offscreen).

The double runs in its own process (as CHZZK would be remote) and floods over the real Socket.IO
path; the app is the real one: ``build_services`` + ``MainWindow`` on a qasync loop, CHAT_SOURCE=chzzk,
the official source, the pipeline's filter, the bridge and the chat panel's model/view. Speech and
avatar are the silent fallbacks (this measures chat, not TTS); the LLM has no key.

Measured:
- messages/s processed (CHAT_RECEIVED on the bus), lost and duplicated messages (sequence numbers);
- event-loop lag: a 10 ms sleeper's overshoot, p50/p99/max;
- receive → panel latency: ``ChatMessage.received_at`` (set when the socket event is parsed) to
  (a) the row being inserted into the model and (b) the first paint of the list view after that;
- send → receive latency (the double stamps its wall-clock send time into the text);
- RSS before / after / peak (Linux: /proc/self/statm).

    .venv/bin/python bench/chat_flood.py [--quick] [--rate 1000] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

from bench.stats import pct  # noqa: E402


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def start_double() -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.doubles.chzzk_server"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline().strip())
    return proc, port


async def run(args, app) -> dict:
    import aiohttp
    from PySide6.QtCore import QEvent, QObject

    from aischoco_gui.compose import build_services, start_services, stop_services
    from aischoco_gui.events import EventBus, EventKind, ServiceState
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.main_window import MainWindow
    from aischoco_gui.models import ChatMessage
    from aischoco_gui.paths import user_dirs
    from aischoco_gui.settings import Settings
    from aischoco_gui.tts.silent import SilentSpeaker
    from aischoco_gui.vts.noavatar import NoAvatar

    proc, port = start_double()
    base = f"http://127.0.0.1:{port}"
    home = Path(tempfile.mkdtemp(prefix="aischoco-flood-"))
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    settings = Settings(chat_source="chzzk", chzzk_client_id="cid", chzzk_client_secret="csecret",
                        chzzk_openapi_base=base, chzzk_access_token="user-token-1", overlay_port=0)
    bus = EventBus()
    services = build_services(settings, dirs, bus, overrides={"speaker": SilentSpeaker(bus), "avatar": NoAvatar(bus)})
    bridge = Bridge(bus)
    window = MainWindow(services, bridge)
    window.show()
    panel = window.panels["chat"]
    loop = asyncio.get_running_loop()

    seqs: list[int] = []
    send_to_recv: list[float] = []
    to_model: list[float] = []
    to_paint: list[float] = []
    awaiting_paint: list[ChatMessage] = []
    filtered = 0

    def on_event(ev) -> None:
        nonlocal filtered
        if ev.kind is EventKind.CHAT_RECEIVED:
            m = ev.data["message"]
            if m.text.startswith("flood "):
                _, seq, sent = m.text.split(" ")
                seqs.append(int(seq))
                send_to_recv.append(time.time() - float(sent))
                if m.filtered_reason:
                    filtered += 1

    bus.subscribe(on_event)

    def on_flushed(new: list[ChatMessage]) -> None:
        now = time.monotonic()
        for m in new:
            if m.text.startswith("flood "):
                to_model.append(now - m.received_at)
                awaiting_paint.append(m)

    panel.model.on_flushed = on_flushed

    class PaintProbe(QObject):
        def eventFilter(self, obj, ev) -> bool:  # noqa: N802 (Qt name)
            if ev.type() == QEvent.Type.Paint and awaiting_paint:
                now = time.monotonic()
                to_paint.extend(now - m.received_at for m in awaiting_paint)
                awaiting_paint.clear()
            return super().eventFilter(obj, ev)

    probe = PaintProbe()
    panel.view.viewport().installEventFilter(probe)

    lags: list[float] = []
    running = True

    async def lag_probe() -> None:
        while running:
            t = loop.time()
            await asyncio.sleep(0.01)
            lags.append(max(0.0, loop.time() - t - 0.01))

    await start_services(services)
    deadline = time.monotonic() + 15
    while not (bus.status.get("chat") and bus.status["chat"].state is ServiceState.READY):
        if time.monotonic() > deadline:
            raise SystemExit(f"chat never went live: {bus.status.get('chat')}")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    rss_before = rss_mb()
    rss_series = [rss_before]
    lag_task = asyncio.ensure_future(lag_probe())
    total = int(args.rate * args.seconds)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/_control/flood", params={"rate": args.rate, "seconds": args.seconds}):
            pass
        t0 = time.monotonic()
        next_rss = t0 + 1
        while len(seqs) < total and time.monotonic() - t0 < args.seconds + 20:
            await asyncio.sleep(0.05)
            if time.monotonic() >= next_rss:
                rss_series.append(rss_mb())
                next_rss += 1
        elapsed = time.monotonic() - t0
        async with http.get(f"{base}/_control/stats") as r:
            stats = await r.json()
    await asyncio.sleep(0.3)  # last flush + paint
    running = False
    await lag_task
    rss_after = rss_mb()
    rows = panel.model.rowCount()
    panel.view.viewport().removeEventFilter(probe)
    panel.model.on_flushed = None
    await stop_services(services)
    window.close()
    bridge.close()
    proc.terminate()
    proc.wait(5)

    unique = set(seqs)
    return {
        "rate_target": args.rate, "seconds": args.seconds, "sent": stats["sent"], "received": len(seqs),
        "lost": stats["sent"] - len(unique), "duplicates": len(seqs) - len(unique),
        "in_order": seqs == sorted(seqs), "filtered_by_rules": filtered,
        "processed_per_s": len(seqs) / elapsed if elapsed else 0.0, "elapsed_s": elapsed,
        "loop_lag_ms": {"p50": pct(lags, 50) * 1e3, "p99": pct(lags, 99) * 1e3, "max": max(lags or [0]) * 1e3},
        "recv_to_model_ms": {"p50": pct(to_model, 50) * 1e3, "p99": pct(to_model, 99) * 1e3},
        "recv_to_paint_ms": {"p50": pct(to_paint, 50) * 1e3, "p99": pct(to_paint, 99) * 1e3, "n": len(to_paint)},
        "send_to_recv_ms": {"p50": pct(send_to_recv, 50) * 1e3, "p99": pct(send_to_recv, 99) * 1e3},
        "rss_mb": {"before": rss_before, "after": rss_after, "peak": max(rss_series + [rss_after]),
                   "series": [round(x, 1) for x in rss_series]},
        "panel_rows": rows, "panel_cap": panel.model.cap,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "qt_platform": os.environ.get("QT_QPA_PLATFORM")},
    }


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="5 s instead of 30 s")
    p.add_argument("--rate", type=float, default=1000.0)
    p.add_argument("--seconds", type=float, default=None)
    args = p.parse_args()
    if args.seconds is None:
        args.seconds = 5.0 if args.quick else 30.0

    from PySide6.QtWidgets import QApplication

    from aischoco_gui.gui.event_loop import new_event_loop

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with asyncio.Runner(loop_factory=lambda: new_event_loop(app)) as runner:
        res = runner.run(run(args, app))

    out = ROOT / "bench" / "results" / "chat_flood.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2, ensure_ascii=False))
    ok = (res["loop_lag_ms"]["p99"] < 50 and res["lost"] == 0 and res["duplicates"] == 0)
    print(f"chat flood: {res['rate_target']:.0f} chats/s for {res['seconds']:.0f} s (offscreen app, official source)")
    print(f"{'metric':32} {'value':>14}")
    rows = [
        ("sent / received", f"{res['sent']} / {res['received']}"),
        ("lost / duplicates", f"{res['lost']} / {res['duplicates']}"),
        ("in order", str(res["in_order"])),
        ("processed msgs/s", f"{res['processed_per_s']:.0f}"),
        ("loop lag p50 / p99 / max ms", "{p50:.1f} / {p99:.1f} / {max:.1f}".format(**res["loop_lag_ms"])),
        ("recv→model p50 / p99 ms", "{p50:.1f} / {p99:.1f}".format(**res["recv_to_model_ms"])),
        ("recv→paint p50 / p99 ms", "{p50:.1f} / {p99:.1f}".format(**res["recv_to_paint_ms"])),
        ("send→recv p50 / p99 ms", "{p50:.1f} / {p99:.1f}".format(**res["send_to_recv_ms"])),
        ("RSS before / after / peak MB", "{before:.0f} / {after:.0f} / {peak:.0f}".format(**res["rss_mb"])),
        ("panel rows (cap)", f"{res['panel_rows']} ({res['panel_cap']})"),
    ]
    for k, v in rows:
        print(f"{k:32} {v:>14}")
    print("target met" if ok else "TARGET MISSED (lag p99 < 50 ms, nothing lost, no duplicates)")
    print(f"wrote {out.relative_to(ROOT)}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    # PySide6 6.12.0's Signal.emit() returns True without a new reference: every emit drops
    # True's refcount by one, so after enough bridge signals the interpreter aborts with
    # "bool_dealloc" (here at shutdown). Skip interpreter teardown once the results are written.
    rc = main()
    sys.stdout.flush()
    os._exit(rc)
