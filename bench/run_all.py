"""Run every benchmark and rewrite the README's performance table.

Runs each ``bench/<name>.py`` (``--quick`` is passed on), reads its ``bench/results/<name>.json``,
measures startup time to ``aischoco ready`` (``python -m aischoco_gui --smoke`` offscreen, 3 runs),
and writes the table between ``<!-- perf-table:start -->`` and ``<!-- perf-table:end -->`` in
README.md (if the markers are missing the table is printed and nothing is written).
Saves everything to bench/results/run_all.json.

Usage: ``.venv/bin/python bench/run_all.py [--quick] [--skip NAME ...] [--no-readme]``
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BENCHES = ("llm_overhead", "chat_flood", "tts_latency", "vts_mixer", "overlay_push", "soak", "stt_listen")
START, END = "<!-- perf-table:start -->", "<!-- perf-table:end -->"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        ram_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": cpu, "cores": cores, "ram_gb": ram_gb, "os": platform.platform(),
            "python": platform.python_version()}


def run_bench(name: str, quick: bool, timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, str(ROOT / "bench" / f"{name}.py")] + (["--quick"] if quick else [])
    t0 = time.perf_counter()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    try:
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)
        rc, tail = r.returncode, (r.stdout + r.stderr)[-1500:]
    except subprocess.TimeoutExpired:
        rc, tail = -1, f"timed out after {timeout:.0f} s"
    out: dict[str, Any] = {"rc": rc, "seconds": round(time.perf_counter() - t0, 1)}
    if rc != 0:
        out["error"] = tail
    p = RESULTS / f"{name}.json"
    if rc == 0 and p.exists():
        out["result"] = json.loads(p.read_text(encoding="utf-8"))
    return out


def startup_times(runs: int = 3) -> dict[str, Any]:
    """Wall time from process start to ``aischoco ready`` and the app's own ``startup N s`` line."""
    walls, own, errors = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ", "CHZZK", "TTS_", "VTS_"))}
            env.update(AISCHOCO_HOME=str(Path(tmp) / "h"), QT_QPA_PLATFORM="offscreen", OVERLAY_PORT="0",
                       TTS_OUTPUT_DEVICE="null", VTS_URL="ws://127.0.0.1:9")
            t0 = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "aischoco_gui", "--smoke", "--smoke-timeout", "40"],
                               cwd=ROOT, capture_output=True, text=True, env=env, timeout=90)
            wall = time.perf_counter() - t0
            if r.returncode != 0 or "aischoco ready" not in r.stdout:
                errors.append((r.stdout + r.stderr)[-500:])
                continue
            walls.append(wall)
            m = re.search(r"startup ([0-9.]+)s", r.stderr)
            if m:
                own.append(float(m.group(1)))
    return {"runs": runs, "ok": len(walls), "wall_s": [round(w, 2) for w in walls],
            "ready_s": [round(x, 2) for x in own], "ready_s_median": round(statistics.median(own), 2) if own else None,
            "wall_s_median": round(statistics.median(walls), 2) if walls else None, "errors": errors}


def _g(d: Any, *path: Any, default: Any = None) -> Any:
    for k in path:
        try:
            d = d[k]
        except (KeyError, IndexError, TypeError):
            return default
    return d


def rows(res: dict[str, Any], startup: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(what, measured, target) rows for the table; a bench that failed says so."""
    out: list[tuple[str, str, str]] = []

    def r(name: str) -> dict[str, Any] | None:
        return _g(res, name, "result")

    def failed(name: str, what: str) -> None:
        err = _g(res, name, "error", default="not run")
        out.append((what, f"not measured ({str(err).strip().splitlines()[-1][:80] if err else 'no result'})", ""))

    llm = r("llm_overhead")
    if llm:
        for row in llm.get("results", []):
            out.append((f"LLM stage overhead ({row['mode']}, {row['history_tokens']} history tokens): batch → "
                        "request sent / first byte → first sentence, p50 / p99",
                        f"{row['to_sent']['p50_ms']:.2f} / {row['to_sent']['p99_ms']:.2f} ms · "
                        f"{row['to_first_sentence']['p50_ms']:.2f} / {row['to_first_sentence']['p99_ms']:.2f} ms",
                        "single-digit ms"))
    else:
        failed("llm_overhead", "LLM stage overhead")
    cf = r("chat_flood")
    if cf:
        out.append((f"chat flood {cf.get('rate_target', 0):.0f} msg/s for {cf.get('seconds', 0):.0f} s: "
                    "received / lost, receive → panel p99, loop lag p99",
                    f"{cf.get('received')} / {cf.get('lost')}, {_g(cf, 'recv_to_paint_ms', 'p99', default=0):.1f} ms, "
                    f"{_g(cf, 'loop_lag_ms', 'p99', default=0):.1f} ms", "0 lost, UI responsive"))
    else:
        failed("chat_flood", "chat flood")
    tts = r("tts_latency")
    if tts:
        for run in tts.get("runs", []):
            if run.get("presynthesized"):
                out.append((f"approval → first audio sample ({run['engine']}, {run['sink']} sink, pre-synthesised) "
                            "p50 / p95", f"{run['approval_to_first_sample_s']['p50'] * 1000:.1f} / "
                            f"{run['approval_to_first_sample_s']['p95'] * 1000:.1f} ms", "< 50 ms p95"))
    else:
        failed("tts_latency", "approval → first sample")
    vts = r("vts_mixer")
    if vts:
        out.append((f"VTS frame rate under {vts.get('chat_rate_per_s', 0):.0f} msg/s chat: rate, interval p99, "
                    "emotion reaction max", f"{vts.get('rate_hz_received')} Hz, {vts.get('interval_ms_p99')} ms, "
                    f"{vts.get('reaction_ms_max')} ms", "30 Hz ± 10 %, < 200 ms"))
    else:
        failed("vts_mixer", "VTS frame rate")
    ov = r("overlay_push")
    if ov:
        for row in ov.get("rows", []):
            out.append((f"overlay {row['mode']} to {row['clients']} browser tabs: p50 / p99 (missing)",
                        f"{row['p50_ms']} / {row['p99_ms']} ms ({row['missing']})",
                        f"< {ov.get('target_push_p99_ms', 100)} ms p99" if row["mode"] == "push" else ""))
    else:
        failed("overlay_push", "overlay push")
    so = r("soak")
    if so:
        sl = so["slope_per_sim_hour"]
        out.append((f"soak: {so['simulated_minutes']} simulated min ({so['messages_received']} messages) — growth per "
                    "simulated hour: RSS / fds / tasks / loop lag",
                    f"{sl['rss_mb']:+.1f} MB / {sl['fds']:+.1f} / {sl['tasks']:+.1f} / {sl['loop_lag_ms']:+.2f} ms "
                    f"(end RSS {_g(so, 'end', 'rss_mb')} MB)", "flat"))
    else:
        failed("soak", "soak")
    stt = r("stt_listen")
    if stt:
        i, lt = stt["idle"], stt["latency"]
        out.append((f"microphone listening to silence ({i['seconds']:.0f} s): CPU of the process, mic off → on",
                     f"{i['cpu_pct_mic_off']} % → {i['cpu_pct_listening']} % of one core", "small (runs for hours)"))
        out.append((f"microphone end of speech → transcription request p50 / p99 ({lt['hangover_ms']} ms VAD "
                    "hang-over included)", f"{lt['end_of_speech_to_request_ms']['p50']} / "
                    f"{lt['end_of_speech_to_request_ms']['p99']} ms", "hang-over + tens of ms"))
    else:
        failed("stt_listen", "microphone listening")
    if startup.get("ready_s_median") is not None:
        out.append(("startup to `aischoco ready` (`--smoke`, offscreen, median of "
                    f"{startup['ok']}): in-process / wall",
                    f"{startup['ready_s_median']} s / {startup['wall_s_median']} s", ""))
    else:
        out.append(("startup to `aischoco ready`", "not measured (--smoke failed)", ""))
    return out


def table(rws: list[tuple[str, str, str]], m: dict[str, Any], quick: bool) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = (f"Measured {when} by `bench/run_all.py{' --quick' if quick else ''}` on {m['cpu']}, {m['cores']} cores, "
            f"{m['ram_gb']} GB RAM, {m['os']}, Python {m['python']}.\n\n")
    lines = ["| what | measured | target |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rws]
    return head + "\n".join(lines) + "\n"


def write_readme(text: str, readme: Path) -> bool:
    if not readme.exists():
        return False
    s = readme.read_text(encoding="utf-8")
    i, j = s.find(START), s.find(END)
    if i < 0 or j < i:
        return False
    readme.write_text(s[: i + len(START)] + "\n" + text + s[j:], encoding="utf-8")
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="pass --quick to every benchmark")
    ap.add_argument("--skip", nargs="*", default=[], help="benchmarks not to run (their old results are used)")
    ap.add_argument("--no-readme", action="store_true")
    ap.add_argument("--timeout", type=float, default=900.0, help="per benchmark, seconds")
    a = ap.parse_args()
    res: dict[str, Any] = {}
    for name in BENCHES:
        if name in a.skip:
            p = RESULTS / f"{name}.json"
            res[name] = {"rc": 0, "skipped": True, **({"result": json.loads(p.read_text())} if p.exists() else {})}
            continue
        print(f"running {name}{' --quick' if a.quick else ''} …", flush=True)
        res[name] = run_bench(name, a.quick, a.timeout)
        print(f"  rc={res[name]['rc']} in {res[name]['seconds']} s", flush=True)
    print("startup (--smoke × 3) …", flush=True)
    startup = startup_times(3)
    m = machine()
    text = table(rows(res, startup), m, a.quick)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "run_all.json").write_text(json.dumps(
        {"when": datetime.now(UTC).isoformat(timespec="seconds"), "quick": a.quick, "machine": m,
         "startup": startup, "benches": {k: {kk: vv for kk, vv in v.items() if kk != "result"} for k, v in res.items()},
         "table": text}, ensure_ascii=False, indent=1))
    print()
    print(text)
    if a.no_readme:
        return 0
    if write_readme(text, ROOT / "README.md"):
        print("README.md performance table updated")
    else:
        print(f"README.md has no {START} … {END} markers: table printed above, README not changed")
    failed = [k for k, v in res.items() if v.get("rc") != 0]
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
