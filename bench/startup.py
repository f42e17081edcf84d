"""Start-up: process start → main window shown, and → ``aischoco ready`` (``--smoke``), vs a bare window.

Each round starts (interleaved, so both see the same machine load):
* the app: ``python -m aischoco_gui --smoke`` offscreen, a fresh temp ``AISCHOCO_HOME``,
  ``AISCHOCO_TRACE_STARTUP=1`` (the app prints ``window shown <s since process start>`` on the
  first event-loop turn after ``show()``); wall time to the ``aischoco ready`` line;
* a bare PySide6 window: QApplication + an empty QMainWindow shown, the same marker.
Medians over n rounds and the ratio app/bare. Targets (DESIGN §5, issue 18): window ≤ 1.0 s, ≤ 4× bare.

    .venv/bin/python bench/startup.py [--quick] [--n N] [--label before|after]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_ROOT = Path(os.environ.get("BENCH_APP_ROOT") or ROOT)  # e.g. an export of an older commit ("before")

BARE = r"""
import os, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
def age():
    with open(f"/proc/{os.getpid()}/stat") as f:
        st = int(f.read().rsplit(")", 1)[1].split()[19])
    return time.clock_gettime(time.CLOCK_BOOTTIME) - st / os.sysconf("SC_CLK_TCK")
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.resize(1400, 860); w.show()
def shown():
    print(f"window shown {age():.3f}", flush=True); app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""


def base_env(home: Path, root: Path = APP_ROOT) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ", "CHZZK", "TTS_", "VTS_", "LLM_"))}
    env.update(AISCHOCO_HOME=str(home), QT_QPA_PLATFORM="offscreen", OVERLAY_PORT="0", TTS_OUTPUT_DEVICE="null",
               VTS_URL="ws://127.0.0.1:9", AISCHOCO_TRACE_STARTUP="1", PYTHONPATH=str(root))
    return env


def app_once(root: Path = APP_ROOT) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "aischoco_gui", "--smoke", "--smoke-timeout", "40"], cwd=root,
                           capture_output=True, text=True, env=base_env(Path(tmp) / "h", root), timeout=120)
        wall = time.perf_counter() - t0
    m = re.search(r"window shown ([0-9.]+)", r.stdout)
    ok = r.returncode == 0 and "aischoco ready" in r.stdout
    return {"window_s": float(m.group(1)) if m else None, "ready_wall_s": wall if ok else None,
            "error": None if ok and m else (r.stdout + r.stderr)[-400:]}


def bare_once() -> float | None:
    r = subprocess.run([sys.executable, "-c", BARE], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    m = re.search(r"window shown ([0-9.]+)", r.stdout)
    return float(m.group(1)) if m else None


def importtime_top(n: int = 15) -> list[tuple[str, float]]:
    """The slowest cumulative imports of ``aischoco_gui.app`` + the window module (``-X importtime``)."""
    code = ("import aischoco_gui.app, aischoco_gui.wiring; import PySide6.QtWidgets; "
            "import aischoco_gui.gui.main_window, aischoco_gui.gui.welcome")
    r = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, timeout=120,
                       cwd=APP_ROOT, env={**os.environ, "PYTHONPATH": str(APP_ROOT), "QT_QPA_PLATFORM": "offscreen"})
    rows = []
    for line in r.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m and len(m.group(3)) <= 3:  # top-level imports only (their cumulative time)
            rows.append((m.group(4), int(m.group(2)) / 1e6))
    return sorted(rows, key=lambda x: -x[1])[:n]


def med(xs: list) -> float | None:
    xs = [x for x in xs if x is not None]
    return round(statistics.median(xs), 3) if xs else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="n=3")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--label", default="")
    ap.add_argument("--before-root", default="", help="another tree (e.g. `git archive` of the base commit) "
                    "started in the same rounds, so before and after see the same machine load")
    a = ap.parse_args()
    n = a.n or (3 if a.quick else 10)
    apps, bares, befores = [], [], []
    for i in range(n):
        if a.before_root:
            befores.append(app_once(Path(a.before_root)))
            b = befores[-1]
            print(f"round {i + 1} before: window {b['window_s']} s, ready "
                  f"{b['ready_wall_s'] and round(b['ready_wall_s'], 3)} s", flush=True)
        apps.append(app_once())
        bares.append(bare_once())
        x = apps[-1]
        print(f"round {i + 1}: window {x['window_s']} s, ready {x['ready_wall_s'] and round(x['ready_wall_s'], 3)} s,"
              f" bare window {bares[-1]} s" + (f"  ERROR {x['error'][-200:]!r}" if x["error"] else ""), flush=True)
    win = [x["window_s"] for x in apps]
    ready = [x["ready_wall_s"] for x in apps]
    res = {"bench": "startup", "label": a.label, "n": n, "python": platform.python_version(),
           "window_s": win, "ready_wall_s": [round(x, 3) if x else None for x in ready], "bare_window_s": bares,
           "window_s_median": med(win), "ready_wall_s_median": med(ready), "bare_window_s_median": med(bares),
           "window_s_min_max": [min(filter(None, win), default=None), max(filter(None, win), default=None)],
           "errors": [x["error"] for x in apps if x["error"]],
           "imports_top_s": importtime_top(),
           "load_avg": Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else None,
           "target": "window shown ≤ 1.0 s and ≤ 4× a bare PySide6 window"}
    if befores:
        res["before"] = {"root": a.before_root, "window_s": [b["window_s"] for b in befores],
                         "ready_wall_s": [b["ready_wall_s"] and round(b["ready_wall_s"], 3) for b in befores],
                         "window_s_median": med([b["window_s"] for b in befores]),
                         "ready_wall_s_median": med([b["ready_wall_s"] for b in befores])}
        print(f"before: window shown median {res['before']['window_s_median']} s, ready median "
              f"{res['before']['ready_wall_s_median']} s")
    if res["window_s_median"] and res["bare_window_s_median"]:
        res["ratio_window_vs_bare"] = round(res["window_s_median"] / res["bare_window_s_median"], 2)
    print(f"window shown median {res['window_s_median']} s (min/max {res['window_s_min_max']}), ready median "
          f"{res['ready_wall_s_median']} s, bare window median {res['bare_window_s_median']} s, "
          f"ratio {res.get('ratio_window_vs_bare')}")
    print("slowest imports (cumulative s):", ", ".join(f"{k} {v:.3f}" for k, v in res["imports_top_s"][:10]))
    out = ROOT / "bench" / "results" / "startup.json"
    out.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    if a.label:
        out.with_name(f"{out.stem}.{a.label}.json").write_text(out.read_text(encoding="utf-8"), encoding="utf-8")


if __name__ == "__main__":
    main()
