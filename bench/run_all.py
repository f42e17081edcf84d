"""Run every benchmark and rewrite the README's performance table.

Runs each ``bench/<name>.py`` (``--quick`` is passed on), reads its ``bench/results/<name>.json``,
(start-up, idle CPU, first reply, VTS jitter and qasync sends are benches of their own that start the
real app in a subprocess), and writes the table between ``<!-- perf-table:start -->`` and ``<!-- perf-table:end -->`` in
README.md (if the markers are missing the table is printed and nothing is written).
A "before" column comes from ``bench/results/<name>.before.json`` where a bench saved one
(``--label before``, run on the base commit, e.g. with ``BENCH_APP_ROOT`` = a ``git archive`` export).
Saves everything to bench/results/run_all.json.

Usage: ``.venv/bin/python bench/run_all.py [--quick] [--skip NAME ...] [--no-readme]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BENCHES = ("llm_overhead", "chat_flood", "tts_latency", "vts_mixer", "overlay_push", "soak", "stt_listen",
           "startup", "idle_cpu", "first_reply", "vts_jitter", "qasync_send", "show_record", "viewer_memory",
           "app_stages")
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


def _g(d: Any, *path: Any, default: Any = None) -> Any:
    for k in path:
        try:
            d = d[k]
        except (KeyError, IndexError, TypeError):
            return default
    return d


def before(name: str) -> dict[str, Any] | None:
    p = RESULTS / f"{name}.before.json"
    try:
        return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None
    except ValueError:
        return None


def new_rows(res: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(what, before, measured, target) rows of the issue-18 benches."""
    out: list[tuple[str, str, str, str]] = []

    def r(name: str) -> dict[str, Any] | None:
        return _g(res, name, "result")

    def startup_cells(x: dict[str, Any] | None) -> tuple[str, str]:
        if not x:
            return "", ""
        w = f"{x['window_s_median']} s ({x['window_s_min_max'][0]}–{x['window_s_min_max'][1]})" \
            if x.get("window_s_min_max") else f"{x.get('window_s_median')} s"
        ratio = f" = {x['ratio_window_vs_bare']}× a bare window ({x['bare_window_s_median']} s)" \
            if x.get("ratio_window_vs_bare") else ""
        return w + ratio, f"{x.get('ready_wall_s_median')} s"

    st, stb = r("startup"), before("startup")
    if st:
        a_w, a_r = startup_cells(st)
        b_w, b_r = startup_cells(stb)
        if st.get("before"):  # measured in the same rounds: fairer than an older file
            bw = [x for x in st["before"]["window_s"] if x is not None]
            b_w = f"{st['before']['window_s_median']} s ({min(bw, default='?')}–{max(bw, default='?')}, same rounds)"
            b_r = f"{st['before']['ready_wall_s_median']} s (same rounds)"
        out.append((f"start-up: process start → main window shown (median of {st['n']}, min–max)", b_w, a_w,
                    "≤ 1.0 s, ≤ 4× bare"))
        out.append(("start-up: process start → `aischoco ready` (`--smoke`, wall, median)", b_r, a_r,
                    "services behind the window"))
    ic, icb = r("idle_cpu"), before("idle_cpu")
    if ic:
        def idle(x: dict[str, Any] | None) -> str:
            return "" if not x else (f"{x['cpu_pct_median']} % ({x['cpu_pct_min']}–{x['cpu_pct_max']}, "
                                     f"n={len(x['runs'])})")
        disp = "a real X display (Xvfb), window shown" if ic.get("display", "xvfb") == "xvfb" else "offscreen"
        out.append((f"idle CPU, app + children, {disp}, VTS + LLM connected, overlay up, "
                    f"{ic.get('output', 'wav')} sink, {ic['seconds_per_run']:.0f} s windows (% of one core)",
                    idle(icb), idle(ic), "≤ 1 %"))

        def threads(x: dict[str, Any] | None) -> str:
            pt = (x or {}).get("per_thread_pct") or {}
            if not pt:
                return ""
            vts = (x or {}).get("vts_thread_ms_per_frame") or {}
            return (" · ".join(f"{k} {v['median']} %" for k, v in list(pt.items())[:4])
                    + (f" · {vts['median']} ms CPU per VTS frame" if vts.get("median") else ""))
        if ic.get("per_thread_pct"):
            out.append(("idle CPU per thread (median % of one core), VTS loop CPU per frame", threads(icb),
                        threads(ic), "a frame ≪ 1 ms"))

        def mem(x: dict[str, Any] | None) -> str:
            if not x or not x.get("rss_mb"):
                return ""
            return (f"RSS {x['rss_mb']['median']} MB · PSS {x['pss_mb']['median']} MB "
                    f"({x['runs'][0]['memory']['processes']} process(es), TTS fallback "
                    f"{x.get('tts_fallback') or 'none'})")
        if ic.get("rss_mb"):
            out.append(("idle memory, app + children (resident, at the end of the window)", mem(icb), mem(ic),
                        "≤ 200 MB"))
    fr, frb = r("first_reply"), before("first_reply")
    if fr:
        def first(x: dict[str, Any] | None, key: str) -> str:
            if not x or not x.get("first"):
                return ""
            n = f" (median of {x['starts']} starts)" if x.get('starts', 1) > 1 else ""
            return f"first{n} {x['first'][key]} ms · later median {x['later_median'][key]} ms"
        out.append((f"chat → LLM request on the wire (LLM double {fr['llm_delay_ms']:.0f} ms)",
                    first(frb, "chat_to_llm_wire_ms"), first(fr, "chat_to_llm_wire_ms"), "first = later"))
        out.append(("chat → first WAV byte (remote TTS double, `wav:` sink)", first(frb, "chat_to_first_wav_byte_ms"),
                    first(fr, "chat_to_first_wav_byte_ms"), "first = later"))

        def to_tts(x: dict[str, Any] | None) -> str:
            t = (x or {}).get("llm_answer_to_tts_wire_ms") or {}
            return f"p50 {t['p50']} ms ({t['min']}–{t['max']})" if t.get("p50") is not None else ""
        out.append(("LLM answer → TTS request on the wire (parse, draft, auto-approve, GUI, TTS send)", to_tts(frb),
                    to_tts(fr), "a few ms"))
    vj, vjb = r("vts_jitter"), before("vts_jitter")
    if vj:
        def gaps(x: dict[str, Any] | None) -> str:
            if not x:
                return ""
            return (f"idle {x['idle']['rate_hz']} Hz p99 {x['idle']['gap_ms_p99']} ms · chat "
                    f"{x['chat']['rate_hz']} Hz p99 {x['chat']['gap_ms_p99']} ms (max {x['chat']['gap_ms_max']})")
        out.append((f"VTS frame gaps of the real app, idle vs {vj['chat_rate_per_s']:.0f} chats/s (replies spoken)",
                    gaps(vjb), gaps(vj), "30 Hz, p99 ≤ 40 ms"))
    ap = r("app_stages")
    if ap:
        out.extend(stage_rows(ap, before("app_stages")))
    qs = r("qasync_send")
    if qs:
        cells = {f"{x['loop']}/{x['client']}": x for x in qs["rows"]}
        txt = " · ".join(f"{k} {v['wire_ms_p50']}/{v['wire_ms_p99']} ms ({v['callbacks_per_request']} cb)"
                         for k, v in cells.items())
        out.append(("HTTP send on the loop: call → request on the wire p50/p99 (loop callbacks per request)", "",
                    txt, "qasync ≈ asyncio"))
    return out


STAGE_ROWS = (("chat_to_llm_ms", "chat sent by the CHZZK server → LLM request on the wire", "≤ 4 ms"),
              ("llm_to_tts_ms", "LLM answer sent → TTS request on the wire", "≤ 4 ms"),
              ("tts_to_sample_ms", "first TTS bytes sent → first sample written to the output", "≤ 3 ms"),
              ("own_ms", "**the app's own share of a reply**", "≤ 10 ms"))


def stage_rows(ap: dict[str, Any], old: dict[str, Any] | None) -> list[tuple[str, str, str, str]]:
    """Issue 27: the three stages of a reply in the whole app (``bench/app_stages.py``), median (p25–p75).
    *Before* is the same rounds' other tree when the bench ran with ``--compare``, else the saved before file."""
    trees = ap.get("trees") or {}
    after = next((v for k, v in trees.items() if k != "before"), None)
    prev = trees.get("before") or next(iter(((old or {}).get("trees") or {}).values()), None)
    if after is None:
        return []

    def cell(t: dict[str, Any] | None, key: str) -> str:
        x = (t or {}).get("all", {}).get(key) or {}
        return f"{x['p50']} ms ({x['p25']}–{x['p75']})" if x.get("p50") is not None else ""

    n = after.get("all", {}).get("n")
    head = (f"whole app, {ap.get('display', 'offscreen')}, LLM double {ap.get('llm_delay_ms', 300):.0f} ms, TTS first "
            f"audio {ap.get('tts_first_audio_ms', 150):.0f} ms, {n} replies: ")
    return [(head + what if key == "chat_to_llm_ms" else what, cell(prev, key), cell(after, key), target)
            for key, what, target in STAGE_ROWS]


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
            out.append((f"LLM stage overhead ({row['mode']}, {row['history_tokens']} history tokens, "
                        f"{llm.get('loop', 'asyncio')} loop): batch → request on the wire / first byte → "
                        "first sentence, p50 / p99",
                        f"{row['to_server']['p50_ms']:.2f} / {row['to_server']['p99_ms']:.2f} ms · "
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
    sr = r("show_record")
    if sr:
        c = sr["recorder"]
        out.append(("show recorder: added per bus event, p50 (chat message / reply draft / LLM exchange with a 30 KB "
                    "request)", f"{c['chat_received']['added_us']} / {c['draft_created']['added_us']} / "
                    f"{c['llm_exchange (30 KB request)']['added_us']} µs", "small (synchronous bus)"))
        rb = sr["replay"]
        out.append((f"replay {rb['turns_recorded']} recorded turns at --speed {rb['speed']:g}, instant LLM double "
                    "(CLI start to exit)", f"{rb['wall_s']} s", "< 30 s"))
    else:
        failed("show_record", "show recording and replay")
    vm = r("viewer_memory")
    if vm:
        b = vm["burst"]
        out.append(("viewer memory, 100,000 viewers × 20 facts: file size / card lookup p99 (idle, during "
                    "1000/s writes)", f"{vm['build']['size_mb']} MB / {vm['lookup_idle_ms']['p99']} ms, "
                    f"{vm['lookup_during_burst_ms']['p99']} ms", "≤ 100 MB / ≤ 1 ms"))
        out.append(("viewer memory: 1000 chats/s from 5,000 viewers — lost, batch → LLM wire p50 off → on",
                    f"{b['lost']}, {b['batch_to_llm_wire_ms_p50']['off']} → {b['batch_to_llm_wire_ms_p50']['on']} ms",
                    "0, ≤ +2 ms"))
    else:
        failed("viewer_memory", "viewer memory")
    return out


def table(rws: list[tuple[str, str, str]], m: dict[str, Any], quick: bool,
          rws4: list[tuple[str, str, str, str]] | None = None) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = (f"Measured {when} by `bench/run_all.py{' --quick' if quick else ''}` on {m['cpu']}, {m['cores']} cores, "
            f"{m['ram_gb']} GB RAM, {m['os']}, Python {m['python']}.\n\n")
    lines = ["| what | measured | target |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rws]
    text = head + "\n".join(lines) + "\n"
    if rws4:
        text += ("\nPerformance and footprint (issue 18): *before* = the base commit (`bench/results/*.before.json`,"
                 " or the same rounds where a bench runs both), *after* = this checkout. The machine is shared:"
                 " see each bench's JSON for every run and the spread.\n\n")
        text += "| what | before | after | target |\n|---|---|---|---|\n"
        text += "\n".join(f"| {a} | {b or '—'} | {c} | {d} |" for a, b, c, d in rws4) + "\n"
    return text


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
    startup: dict[str, Any] = {}
    m = machine()
    text = table(rows(res, startup), m, a.quick, new_rows(res))
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
