"""Idle CPU and memory of the real app: VTS connected, overlay up, chat connected but silent.

Starts ``python -m aischoco_gui`` (temp ``AISCHOCO_HOME``) against loopback doubles (CHZZK, LLM,
remote TTS, VTube Studio; audio to a wav file or ``null``), on a real X server (``--display xvfb``:
Xvfb 1366×768×24, the window visible, as on a streamer's desktop) or offscreen; waits until VTS
receives frames, lets it settle, then reads CPU time of the app and all its children from ``/proc``
over the window (process CPU time, not wall: fair on a shared machine). Prints total % of one core,
a per-thread breakdown (Python threads carry their names through ``bench/threadnames``), the CPU per
VTS frame on the VTS loop thread, and the resident memory (RSS and PSS) of the app and its children
at the end of the window. Budgets (issue 27): idle ≤ 1 % of one core, ≤ 200 MB resident.

    .venv/bin/python bench/idle_cpu.py [--quick] [--display xvfb|offscreen] [--seconds N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.apprun import (  # noqa: E402
    App,
    Doubles,
    Xvfb,
    cpu_between,
    cpu_snapshot,
    memory_by_mapping,
    memory_snapshot,
    rm,
    temp_home,
)

THREADNAMES = ROOT / "bench" / "threadnames"  # sitecustomize: OS thread names = Python thread names


def by_name(per_thread: dict[str, float], pid: int) -> dict[str, float]:
    """Per-thread shares summed by thread name; the main thread is the GUI thread (Qt + qasync)."""
    out: dict[str, float] = {}
    for key, v in per_thread.items():
        name, _, tid = key.rpartition("[")
        if tid.rstrip("]") == str(pid):
            name = "main (GUI)"
        out[name] = round(out.get(name, 0.0) + v, 2)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def load_avg() -> float | None:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return None


def one_run(d: Doubles, seconds: float, settle: float, output: str, xvfb: Xvfb | None, fallback: str) -> dict:
    home = temp_home()
    out = f"wav:{home / 'out.wav'}" if output == "wav" else output
    env = d.env(home, TTS_OUTPUT_DEVICE=out, TTS_FALLBACK=fallback, **(xvfb.env() if xvfb else {}))
    env["PYTHONPATH"] = os.pathsep.join((env["PYTHONPATH"], str(THREADNAMES)))
    app = App.start(env)
    try:
        deadline = time.monotonic() + 60
        while len(d.vts.injections) < 30:
            if time.monotonic() > deadline or app.proc.poll() is not None:
                raise RuntimeError(f"VTS got no frames; app output: {[x for _, x in app.lines[-15:]]}")
            time.sleep(0.1)
        time.sleep(settle)
        n0 = len(d.vts.injections)
        la0 = load_avg()
        a = cpu_snapshot(app.proc.pid)
        time.sleep(seconds)
        b = cpu_snapshot(app.proc.pid)
        res = cpu_between(a, b)
        res["memory"] = memory_snapshot(app.proc.pid)
        res["memory"]["app_by_mapping"] = memory_by_mapping(app.proc.pid)
        res["per_thread_name"] = by_name(res["per_thread"], app.proc.pid)
        res["output"] = output
        res["vts_frames_per_s"] = round((len(d.vts.injections) - n0) / res["seconds"], 1)
        res["load_avg_1m_before_after"] = [la0, load_avg()]
        vts_pct = res["per_thread_name"].get("aischoco-vts", 0.0)
        if res["vts_frames_per_s"]:
            res["vts_thread_ms_per_frame"] = round(10 * vts_pct / res["vts_frames_per_s"], 3)
        # VTS keeps control only if every controlled parameter is re-sent at least once a second
        last: dict[str, float] = {}
        worst = 0.0
        for inj in d.vts.injections[n0:]:
            for pid in inj.values:
                if pid in last:
                    worst = max(worst, inj.t - last[pid])
                last[pid] = inj.t
        res["max_param_resend_gap_s"] = round(worst, 3)
        return res
    finally:
        app.stop()
        rm(home)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 s window, one run")
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--settle", type=float, default=5.0)
    ap.add_argument("--output", default="wav", choices=("wav", "null"),
                    help="audio sink: wav (writes at device pace, like a sound card) or null")
    ap.add_argument("--display", default="xvfb", choices=("xvfb", "offscreen"),
                    help="xvfb: a real X server, the window visible (default); offscreen: Qt's offscreen platform")
    ap.add_argument("--fallback", default="system",
                    help="TTS_FALLBACK (default: the app's default, the offline system voice; '' for none)")
    ap.add_argument("--label", default="", help="stored with the result (e.g. before/after)")
    a = ap.parse_args()
    seconds = a.seconds or (20.0 if a.quick else 60.0)
    repeat = a.repeat or (1 if a.quick else 3)
    xvfb = Xvfb() if a.display == "xvfb" else None
    d = Doubles()
    runs = []
    try:
        for i in range(repeat):
            r = one_run(d, seconds, a.settle, a.output, xvfb, a.fallback)
            runs.append(r)
            top = ", ".join(f"{k} {v}" for k, v in list(r["per_thread_name"].items())[:7])
            print(f"run {i + 1}: {r['cpu_pct']} % of one core over {r['seconds']} s "
                  f"(VTS {r['vts_frames_per_s']} fps, {r.get('vts_thread_ms_per_frame')} ms CPU per frame on "
                  f"the VTS thread, load {r['load_avg_1m_before_after']}); threads: {top}; "
                  f"memory RSS {r['memory']['rss_mb']} MB, PSS {r['memory']['pss_mb']} MB "
                  f"({r['memory']['processes']} processes)", flush=True)
    finally:
        d.close()
        if xvfb is not None:
            xvfb.close()
    pcts = [r["cpu_pct"] for r in runs]

    def stat(values: list[float]) -> dict[str, float]:
        return {"median": round(statistics.median(values), 2), "min": round(min(values), 2),
                "max": round(max(values), 2)}

    names = sorted({k for r in runs for k in r["per_thread_name"]})
    per_thread = {k: stat([r["per_thread_name"].get(k, 0.0) for r in runs]) for k in names}
    per_thread = dict(sorted(per_thread.items(), key=lambda kv: -kv[1]["median"]))
    res = {"bench": "idle_cpu", "label": a.label, "display": a.display, "output": a.output,
           "tts_fallback": a.fallback,
           "seconds_per_run": seconds, "runs": runs,
           "cpu_pct_median": round(statistics.median(pcts), 2), "cpu_pct_min": min(pcts), "cpu_pct_max": max(pcts),
           "per_thread_pct": per_thread,
           "vts_thread_ms_per_frame": stat([r.get("vts_thread_ms_per_frame") or 0.0 for r in runs]),
           "rss_mb": stat([r["memory"]["rss_mb"] for r in runs]),
           "pss_mb": stat([r["memory"]["pss_mb"] for r in runs]),
           "cores": len(os.sched_getaffinity(0)), "python": platform.python_version(),
           "target": "≤ 1 % of one core, ≤ 200 MB resident (app + children)"}
    print(f"idle CPU ({a.display}): median {res['cpu_pct_median']} % (min {res['cpu_pct_min']}, "
          f"max {res['cpu_pct_max']}) of one core, n={len(runs)}")
    for k, v in list(per_thread.items())[:8]:
        print(f"  {k:<24} median {v['median']} % (min {v['min']}, max {v['max']})")
    print(f"VTS thread per frame: {res['vts_thread_ms_per_frame']} ms CPU")
    print(f"memory: RSS {res['rss_mb']} MB, PSS {res['pss_mb']} MB (app + children)")
    out = ROOT / "bench" / "results" / "idle_cpu.json"
    out.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    if a.label:
        out.with_name(f"{out.stem}.{a.label}.json").write_text(out.read_text(encoding="utf-8"), encoding="utf-8")


if __name__ == "__main__":
    main()
