"""The app's own share of a reply, in the whole app, split into the three stages of issue 27.

The real app (``python -m aischoco_gui``, main window, overlay with one browser-like SSE client, VTS
connected, conversation memory, word filter, viewer memory and the show recorder all on, auto-approve)
runs against the loopback doubles: the CHZZK session server, an OpenAI-compatible LLM that answers after
300 ms, an OpenAI-style TTS server whose first audio comes 150 ms after the request, and VTube Studio.
Per reply, every timestamp is taken where the bytes are, on one clock (CLOCK_MONOTONIC: the doubles'
``time.perf_counter`` and the app's ``time.monotonic`` are the same clock on Linux):

1. chat sent by the CHZZK double (the call that writes the frame) → LLM request body read by the LLM double;
2. LLM answer's last byte written by the LLM double → TTS request body read by the TTS double;
3. first audio bytes written by the TTS double → first sample written to the output (the app's
   ``wav:`` sink renders the block holding the utterance's first-sample marker; the app records that
   moment as ``t_first_sample`` of its ``first_audio`` event, read back from its show recording).

The home holds the shipped defaults (a show day, not the first start: ``--first-run`` keeps the setup
check window open as on a first start). The LLM's 300 ms and the TTS server's 150 ms are not in any
stage: what is left is the app's own work.
Each start waits for the app to settle, then sends ``--chats`` messages one at a time (the next after the
previous reply has been heard). ``--compare DIR`` alternates starts between this checkout and another
tree (e.g. ``git worktree add /tmp/base main``) so before and after see the same machine load.

    .venv/bin/python bench/app_stages.py [--quick] [--starts N] [--chats N] [--label before|after]
                                         [--compare DIR] [--x11]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aischoco_gui.paths import install_defaults, user_dirs  # noqa: E402
from bench.apprun import App, Doubles, rm, temp_home  # noqa: E402
from bench.stats import pct, report  # noqa: E402
from tests.doubles.tts_servers import free_port  # noqa: E402

STAGES = (("chat_to_llm_ms", "chat sent by the CHZZK server → LLM request on the wire", 4.0),
          ("llm_to_tts_ms", "LLM answer sent → TTS request on the wire", 4.0),
          ("tts_to_sample_ms", "first TTS bytes sent → first sample written to the output", 3.0))


async def _overlay_client(port: int, stop: asyncio.Event) -> None:
    """One OBS-like browser source: reads the overlay's event stream for as long as the app runs."""
    url = f"http://127.0.0.1:{port}/api/events"
    async with aiohttp.ClientSession() as s:
        while not stop.is_set():
            try:
                async with s.get(url, timeout=aiohttp.ClientTimeout(total=None, sock_read=None)) as r:
                    async for _ in r.content:
                        if stop.is_set():
                            return
            except (aiohttp.ClientError, OSError):
                await asyncio.sleep(0.2)


class Recording:
    """The app's show recording (``history/shows/*.jsonl``), read incrementally as it grows."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.events: list[dict[str, Any]] = []
        self._pos: dict[Path, int] = {}
        self._tail: dict[Path, bytes] = {}
        self._files: list[Path] = []
        self._found_at = -1e9

    def poll(self) -> Recording:
        now = time.monotonic()
        if now - self._found_at > 1.0:  # a tree walk at most once a second: the bench's own Python work holds
            self._found_at = now        # the GIL the doubles' thread needs to read and stamp the app's requests
            self._files = sorted(self.home.rglob("shows/*.jsonl"))
        for p in self._files:
            with open(p, "rb") as f:
                f.seek(self._pos.get(p, 0))
                data = self._tail.get(p, b"") + f.read()
                self._pos[p] = f.tell()
            *lines, self._tail[p] = data.split(b"\n")
            for line in lines:
                try:
                    self.events.append(json.loads(line))
                except ValueError:
                    pass
        return self

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("k") == kind]


def _xvfb() -> tuple[subprocess.Popen, str]:
    for n in range(91, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            p = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(100):
                if Path(f"/tmp/.X11-unix/X{n}").exists():
                    return p, f":{n}"
                time.sleep(0.05)
            p.kill()
    raise RuntimeError("no free X display for Xvfb")


def one_start(root: Path, chats: int, llm_delay_s: float, tts_first_s: float, x11: bool,
              trace: Path | None = None, first_run: bool = False) -> list[dict[str, Any]]:
    d = Doubles(llm_delay_s=llm_delay_s)
    d.tts.first_audio_delay_s = tts_first_s
    home = temp_home()
    if not first_run:  # a show day, not the first start: the shipped defaults are there, no setup check opens
        install_defaults(user_dirs({"AISCHOCO_HOME": str(home)}))
    wav = home / "out.wav"
    port = free_port()
    stop = asyncio.Event()
    xv = None
    extra: dict[str, str] = {"PYTHONPATH": str(root)}
    if trace is not None:  # profiling: every loop callback and bus event of the app, timed (bench/trace/)
        extra.update(PYTHONPATH=f"{ROOT / 'bench' / 'trace'}{os.pathsep}{root}", AISCHOCO_TRACE_OUT=str(trace),
                     AISCHOCO_TRACE_QT=os.environ.get("AISCHOCO_TRACE_QT", ""),
                     AISCHOCO_TRACE_PROFILE=os.environ.get("AISCHOCO_TRACE_PROFILE", ""),
                     AISCHOCO_TRACE_FUNCS=os.environ.get("AISCHOCO_TRACE_FUNCS", ""))
    if x11:
        xv, disp = _xvfb()
        extra.update(QT_QPA_PLATFORM="xcb", DISPLAY=disp)
    env = d.env(home, TTS_OUTPUT_DEVICE=f"wav:{wav}", OVERLAY_PORT=str(port), SHOW_RECORD="on", VIEWER_MEMORY="on",
                LOG_CONSOLE_LEVEL="WARNING", **extra)
    import bench.apprun as apprun
    apprun.APP_ROOT = root  # cwd of the app process
    app = App.start(env)
    overlay = asyncio.run_coroutine_threadsafe(_overlay_client(port, stop), d.loop)
    rows: list[dict[str, Any]] = []
    rec = Recording(home)

    async def push(text: str) -> float:
        t = time.perf_counter()  # the frame is written within this call, before its first await yields
        n = await d.chzzk.push_chat(text, nickname=f"시청자{len(rows) % 3 + 1}", sender=f"user-{len(rows) % 3 + 1}")
        if n != 1:
            raise RuntimeError(f"chat reached {n} sessions")
        return t

    try:
        deadline = time.monotonic() + 90
        while not (d.chzzk.subscribed("CHAT") and len(d.vts.injections) > 10 and wav.exists()
                   and rec.poll().events):
            if time.monotonic() > deadline or app.proc.poll() is not None:
                raise RuntimeError(f"app did not come up; output: {[x for _, x in app.lines[-20:]]}")
            time.sleep(0.05)
        time.sleep(2.0)  # services settle (TTS probe, tokenizer) like a streamer who starts the show
        for i in range(chats):
            n_llm, n_tts, n_first = len(d.llm.requests), len(d.tts.request_times), len(d.tts.first_audio_times)
            n_end = len(rec.poll().of("playback_end"))
            t_chat = d.call(push(f"초코야 안녕 {i + 1}번째 질문이야, 오늘 뭐 했어?"))
            deadline = time.monotonic() + 30
            while len(rec.poll().of("playback_end")) <= n_end:
                if time.monotonic() > deadline or app.proc.poll() is not None:
                    raise RuntimeError(f"reply {i + 1} never played; output: {[x for _, x in app.lines[-20:]]}")
                time.sleep(0.05)
            n_seen = len(rec.events)
            req = next((r for r in d.llm.requests[n_llm:] if r.t > t_chat), None)
            t_tts = d.tts.request_times[n_tts] if len(d.tts.request_times) > n_tts else None
            t_bytes = d.tts.first_audio_times[n_first] if len(d.tts.first_audio_times) > n_first else None
            t_sample = None
            if t_bytes is not None:  # this reply's first_audio event (it may land just after playback_end)
                until = time.monotonic() + 2.0
                while t_sample is None and time.monotonic() < until:
                    t_sample = next((e["d"]["t_first_sample"] for e in rec.poll().of("first_audio")
                                     if (e["d"].get("t_first_sample") or 0) > t_bytes), None)
                    if t_sample is None:
                        time.sleep(0.02)
                if t_sample is None:
                    keep = Path(tempfile.mkdtemp(prefix="aischoco-stages-anomaly-"))
                    shutil.copytree(home, keep / "home", ignore=shutil.ignore_patterns("*.wav"), dirs_exist_ok=True)
                    print(f"  reply {i + 1}: no first_audio after the TTS bytes (t_bytes {t_bytes}); home kept in "
                          f"{keep}; events: {[e.get('k') for e in rec.events[n_seen - 20:]]}", flush=True)
            row = {"reply": i + 1,
                   "chat_to_llm_ms": (req.t - t_chat) * 1000 if req else None,
                   "llm_to_tts_ms": (t_tts - req.t_answered) * 1000 if req and req.t_answered and t_tts else None,
                   "tts_to_sample_ms": (t_sample - t_bytes) * 1000 if t_sample and t_bytes else None}
            row["own_ms"] = sum(row[k] for k, _, _ in STAGES) if all(row[k] is not None for k, _, _ in STAGES) \
                else None
            rows.append({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()})
            if trace is not None:
                rows[-1]["abs"] = {"chat": t_chat, "llm_req": req and req.t, "llm_sent": req and req.t_answered,
                                   "tts_req": t_tts, "tts_bytes": t_bytes, "sample": t_sample}
            print("  reply {reply}: chat→LLM {chat_to_llm_ms} ms · LLM→TTS {llm_to_tts_ms} ms · "
                  "TTS bytes→sample {tts_to_sample_ms} ms · own {own_ms} ms".format(**rows[-1]), flush=True)
            time.sleep(0.3)  # the speech's tail events (memory, metrics) land before the next chat
    finally:
        stop.set()
        app.stop()
        overlay.cancel()
        d.close()
        if xv is not None:
            xv.kill()
            xv.wait(5)
        rm(home)
    return rows


def spans(rows: list[dict[str, Any]], trace: Path) -> None:
    """Print, per reply, what the app's loop ran between the stage boundaries (``--trace``)."""
    log = json.loads(trace.read_text()) if trace.exists() else []
    out = []
    for r in rows:
        a = r.get("abs") or {}
        for name, lo, hi in (("chat→LLM", "chat", "llm_req"), ("LLM→TTS", "llm_sent", "tts_req"),
                             ("TTS→sample", "tts_bytes", "sample")):
            if not a.get(lo) or not a.get(hi):
                continue
            inside = sorted((x for x in log if a[lo] - 0.0005 <= x[0] <= a[hi]), key=lambda x: x[0])
            print(f"--- reply {r['reply']} {name}: {(a[hi] - a[lo]) * 1000:.2f} ms, {len(inside)} records")
            for t0, dt, what in inside:
                print(f"   +{(t0 - a[lo]) * 1000:7.2f} ms  {dt * 1000:6.2f} ms  {what[:150]}")
            out.append({"reply": r["reply"], "span": name, "records": inside, "abs": a})
    trace.with_suffix(".spans.json").write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(rows)}
    for key in [k for k, _, _ in STAGES] + ["own_ms"]:
        xs = [r[key] for r in rows if r.get(key) is not None]
        out[key] = {"p50": round(statistics.median(xs), 2) if xs else None,
                    "p25": round(pct(xs, 25), 2) if xs else None, "p75": round(pct(xs, 75), 2) if xs else None,
                    "min": min(xs, default=None), "max": max(xs, default=None)}
    return out


def cell(s: dict[str, Any]) -> str:
    return f"{s['p50']} ms ({s['p25']}–{s['p75']})" if s.get("p50") is not None else "—"


def main() -> None:
    # the doubles run on a thread of this process; the main thread polls the recording: a doubles' thread
    # woken by the app's bytes gets the GIL within 0.5 ms instead of Python's default 5 ms switch interval
    sys.setswitchinterval(0.0005)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 start × 4 chats")
    ap.add_argument("--starts", type=int, default=None)
    ap.add_argument("--chats", type=int, default=None)
    ap.add_argument("--llm-delay", type=float, default=0.3)
    ap.add_argument("--tts-first", type=float, default=0.15)
    ap.add_argument("--label", default="")
    ap.add_argument("--compare", default="", help="another tree (the 'before'): starts alternate between the two")
    ap.add_argument("--x11", action="store_true", help="an Xvfb display instead of offscreen")
    ap.add_argument("--first-run", action="store_true", help="a fresh home: the setup check (welcome) stays open")
    ap.add_argument("--trace", default="", help="folder: trace the app's loop (bench/trace/) and write per-reply spans")
    a = ap.parse_args()
    starts = a.starts or (1 if a.quick else 3)
    chats = a.chats or (4 if a.quick else 6)
    trees = [("after" if a.compare else (a.label or "this"), ROOT)]
    if a.compare:
        trees.insert(0, ("before", Path(a.compare).resolve()))
    runs: dict[str, list[list[dict[str, Any]]]] = {name: [] for name, _ in trees}
    for k in range(starts):
        for name, root in trees:
            print(f"start {k + 1}/{starts} ({name}: {root})", flush=True)
            tr = Path(a.trace) / f"{name}-{k + 1}.json" if a.trace else None
            if tr is not None:
                tr.parent.mkdir(parents=True, exist_ok=True)
            runs[name].append(one_start(root, chats, a.llm_delay, a.tts_first, a.x11, tr, a.first_run))
            if tr is not None:
                spans(runs[name][-1], tr)
    res: dict[str, Any] = {"bench": "app_stages", "label": a.label, "llm_delay_ms": a.llm_delay * 1000,
                           "tts_first_audio_ms": a.tts_first * 1000, "starts": starts, "chats_per_start": chats,
                           "display": "xvfb" if a.x11 else "offscreen", "first_run": a.first_run,
                           "python": platform.python_version(),
                           "cores": len(os.sched_getaffinity(0)), "load_avg": os.getloadavg(),
                           "note": "machine shared with other jobs: see load_avg and the spread",
                           "targets_ms": {k: t for k, _, t in STAGES} | {"own_ms": 10.0}, "trees": {}}
    for name, root in trees:
        flat = [r for rs in runs[name] for r in rs]
        later = [r for rs in runs[name] for r in rs[1:]]
        res["trees"][name] = {"root": str(root), "all": summary(flat), "later": summary(later), "runs": runs[name]}
    rows: list[tuple[str, str]] = []
    names = [n for n, _ in trees]
    rows.append(("stage (median, p25–p75, all replies)", " | ".join(names) + " | target"))
    for key, what, target in STAGES:
        rows.append((what, " | ".join(cell(res["trees"][n]["all"][key]) for n in names) + f" | ≤ {target:g} ms"))
    rows.append(("the app's own share", " | ".join(cell(res["trees"][n]["all"]["own_ms"]) for n in names)
                 + " | ≤ 10 ms"))
    rows.append(("own share without each start's first reply",
                 " | ".join(cell(res["trees"][n]["later"]["own_ms"]) for n in names)))
    rows.append(("replies", " | ".join(str(res["trees"][n]["all"]["n"]) for n in names)
                 + f" ({starts} starts × {chats} chats, load avg {os.getloadavg()[0]:.1f} on "
                   f"{res['cores']} shared cores)"))
    report(rows, res, "app_stages")
    if a.label:
        out = ROOT / "bench" / "results" / "app_stages.json"
        out.with_name(f"app_stages.{a.label}.json").write_text(out.read_text(encoding="utf-8"), encoding="utf-8")


if __name__ == "__main__":
    main()
