"""Idle CPU of the real app: VTS connected, overlay up, chat connected but silent.

Starts ``python -m aischoco_gui`` (offscreen, temp ``AISCHOCO_HOME``) against loopback doubles
(CHZZK, LLM, remote TTS, VTube Studio; audio to ``null``), waits until VTS receives frames, lets
it settle, then reads CPU time of the app and all its children from ``/proc`` over the window.
Prints total % of one core and a per-thread / per-process breakdown. Budget: ≤ 2 % (DESIGN §5).

    .venv/bin/python bench/idle_cpu.py [--quick] [--seconds N] [--repeat N]
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

from bench.apprun import App, Doubles, cpu_between, cpu_snapshot, rm, temp_home  # noqa: E402


def load_avg() -> float | None:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return None


def one_run(d: Doubles, seconds: float, settle: float, output: str) -> dict:
    home = temp_home()
    out = f"wav:{home / 'out.wav'}" if output == "wav" else output
    app = App.start(d.env(home, TTS_OUTPUT_DEVICE=out))
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
        res["output"] = output
        res["vts_frames_per_s"] = round((len(d.vts.injections) - n0) / res["seconds"], 1)
        res["load_avg_1m_before_after"] = [la0, load_avg()]
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
    ap.add_argument("--label", default="", help="stored with the result (e.g. before/after)")
    a = ap.parse_args()
    seconds = a.seconds or (20.0 if a.quick else 60.0)
    repeat = a.repeat or (1 if a.quick else 2)
    d = Doubles()
    runs = []
    try:
        for i in range(repeat):
            r = one_run(d, seconds, a.settle, a.output)
            runs.append(r)
            top = ", ".join(f"{k} {v}" for k, v in list(r["per_thread"].items())[:6])
            print(f"run {i + 1}: {r['cpu_pct']} % of one core over {r['seconds']} s "
                  f"(VTS {r['vts_frames_per_s']} fps, load {r['load_avg_1m_before_after']}); threads: {top}",
                  flush=True)
    finally:
        d.close()
    pcts = [r["cpu_pct"] for r in runs]
    res = {"bench": "idle_cpu", "label": a.label, "output": a.output, "seconds_per_run": seconds, "runs": runs,
           "cpu_pct_median": round(statistics.median(pcts), 2), "cpu_pct_min": min(pcts), "cpu_pct_max": max(pcts),
           "cores": len(os.sched_getaffinity(0)), "python": platform.python_version(),
           "target": "≤ 2 % of one core"}
    print(f"idle CPU: median {res['cpu_pct_median']} % (min {res['cpu_pct_min']}, max {res['cpu_pct_max']}) "
          f"of one core, n={len(runs)}")
    out = ROOT / "bench" / "results" / "idle_cpu.json"
    out.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    if a.label:
        out.with_name(f"{out.stem}.{a.label}.json").write_text(out.read_text(encoding="utf-8"), encoding="utf-8")


if __name__ == "__main__":
    main()
