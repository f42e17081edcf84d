"""On-air rebuild soak (issue 21): rebuild every service again and again while the show runs.

The real control room (``build_services`` + ``MainWindow`` + ``AppController`` on the app's qasync loop,
offscreen, with the GC guard and the Qt message handler of the app) against the loopback doubles:
CHZZK (official Open API + session socket) with chat pushed at 5 messages/s, the LLM, a remote TTS
server into a ``null`` sink (auto-approved replies are spoken, so the mouth moves), VTube Studio
connected, OBS connected (the obs-websocket double), the overlay on a free port, the show recorded to a
file, viewer memory on, and the microphone reading a WAV file (``STT_INPUT_DEVICE=wav:…``) against the
transcription double.

One *cycle* rebuilds every rebuildable service in turn, with ``--pause`` seconds of show between two
rebuilds: LLM, TTS, VTS, chat, overlay, show tools, OBS (the BRB scene changes: a new connection), the show
recorder (SHOW_RECORD off ↔ on: the file closes, a new one opens) and viewer memory (VIEWER_MEMORY off ↔ on:
the writer thread stops, a new one opens the file) through the settings dialog's path
(``AppController.apply_settings`` → ``compose.apply_settings``); the microphone through its panel's path
(``apply_mic_settings``: co-host → push-to-talk → device change → closed → open …); and the overlay's
free-port fix (``overlay_fix_port``) — 11 rebuilds a cycle. After the last cycle it checks that every panel
shows the live service: the summary editor shows the live memory's turns, the mouth meter moves with the new
voice, the overlay preview repaints for the new overlay state, the VTS and pose panels drive the new avatar,
the OBS panel shows the live OBS's scenes, the viewers panel the live memory, and the recorder writes.
It records RSS, open file descriptors, threads and asyncio tasks after every cycle (growth is compared
between the first and the last tenth after a warm-up), Qt thread warnings (must be 0) and threads that
did not stop (must be none).

Usage: ``.venv/bin/python bench/rebuild_soak.py [--cycles 500] [--pause 0.05] [--quick] [--gc-stress]``
→ table + ``bench/results/rebuild_soak.json``
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.stats import pct, report  # noqa: E402

KINDS = ("llm", "tts", "vts", "chat", "overlay", "show", "obs", "record", "viewers", "mic", "port-fix")
MIC_STEPS = ({"mic_mode": "cohost"}, {"mic_mode": "ptt"}, {"stt_input_device": "B"}, {"mic_mode": "off"},
             {"mic_mode": "cohost", "stt_input_device": "A"})


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


def write_wav(path: Path, seconds: float = 20.0, rate: int = 16000) -> str:
    """A quiet tone with a louder burst every few seconds (the VAD hears "speech" now and then)."""
    t = np.arange(int(seconds * rate)) / rate
    amp = np.where((t % 4.0) < 1.2, 0.3, 0.004)
    x = (amp * np.sin(2 * np.pi * 220 * t) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(x.tobytes())
    return f"wav:{path}"


LIVE_TYPES = ("OverlayServer", "OverlayState", "VTSAvatar", "VTSClient", "TtsSpeaker", "AudioOutput", "MicListener",
              "LLMReplyGenerator", "ConversationMemory", "ChzzkOfficialChatSource", "ShowTools", "HttpTtsClient",
              "RemoteWhisper", "PoseEditor", "LoopThread", "ObsService", "ObsClient", "ShowRecorder", "ViewerMemory",
              "Task", "QTimer", "QObject")


def live_services() -> dict[str, int]:
    """How many service objects are alive (after a full collection): a rebuilt one must not linger."""
    import gc

    gc.collect()
    counts = dict.fromkeys(LIVE_TYPES, 0)
    for o in gc.get_objects():
        name = type(o).__name__
        if name in counts:
            counts[name] += 1
    return counts


class QtWarnings:
    """The app's Qt message handler, counting thread/timer warnings."""

    def __init__(self) -> None:
        from aischoco_gui.gui.qt_messages import install_message_handler

        self.thread_warnings: list[str] = []
        self.uninstall = install_message_handler(self.thread_warnings.append)


def trim_doubles(*doubles) -> None:
    """The doubles record every request for tests; a soak must not measure their logs' growth."""
    for d in doubles:
        for name in ("requests", "models_requests", "connections", "hits", "request_times", "injections",
                     "session_log", "log", "auth_requests", "token_requests", "expressions", "hotkey_fired",
                     "closes", "scene_changes"):
            v = getattr(d, name, None)
            if isinstance(v, list):
                del v[:]


async def run(args) -> dict:
    from PySide6.QtCore import QEvent, QObject

    from aischoco_gui import threads
    from aischoco_gui.compose import build_services, start_services, stop_services
    from aischoco_gui.events import EventBus, ServiceState
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow
    from aischoco_gui.paths import user_dirs
    from aischoco_gui.settings import Settings
    from tests.doubles.chzzk_server import ChzzkDouble
    from tests.doubles.obs_server import ObsDouble
    from tests.doubles.openai_server import OpenAIDouble, Script
    from tests.doubles.stt_server import SttDouble
    from tests.doubles.tts_servers import AischocoTtsServer
    from tests.doubles.vts_server import VTSDouble

    home = Path(tempfile.mkdtemp(prefix="aischoco-rebuild-soak-"))
    wav_a, wav_b = write_wav(home / "mic-a.wav"), write_wav(home / "mic-b.wav", seconds=17.0)
    chzzk = await ChzzkDouble(ping_interval_ms=5000, ping_timeout_ms=5000).start()
    llm = await OpenAIDouble().__aenter__()
    stt = await SttDouble(key="k").__aenter__()
    tts = await AischocoTtsServer().start()
    vts = await VTSDouble().start()
    obs = await ObsDouble(password="soak-pw", scenes=["Live", "BRB", "Away"]).start()
    llm.script(*[Script(emotion="happy", response="고마워요! 오늘도 재밌게 놀아요.") for _ in range(3)])

    settings = Settings(
        chat_source="chzzk", chzzk_openapi_base=chzzk.base_url, chzzk_client_id=chzzk.client_id,
        chzzk_client_secret=chzzk.client_secret, chzzk_access_token="user-token-1",
        llm_base_url=llm.base_url, groq_api_key="k", llm_fallbacks="", approval_mode="auto",
        tts_engine="remote", tts_remote_url=tts.url, tts_fallback="", tts_output_device="null",
        vts_url=vts.url, overlay_port=0, mic_mode="cohost", stt_input_device=wav_a, stt_base_url=stt.base_url,
        stt_api_key="k", obs_ws_url=obs.url, obs_ws_password="soak-pw", obs_brb_scene="BRB", show_record="on",
        viewer_memory="on")
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    bus = EventBus()
    services = build_services(settings, dirs, bus)
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    win.show()
    ctl = win.controller
    await start_services(services)

    async def until(cond, timeout: float, what: str) -> float:
        t0 = time.monotonic()
        while not cond():
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"timed out after {timeout}s: {what}")
            await asyncio.sleep(0.02)
        return time.monotonic() - t0

    def state(name: str):
        st = bus.status.get(name)
        return st.state if st else None

    await until(lambda: state("chat") is ServiceState.READY and state("vts") is ServiceState.READY
                and state("overlay") is ServiceState.READY and state("obs") is ServiceState.READY, 30,
                "chat, VTS, OBS and overlay up")

    pushed = received = spoken = 0
    chatting = True

    def on_event(ev) -> None:
        nonlocal received, spoken
        if ev.kind.value == "chat_received":
            received += 1
        elif ev.kind.value == "playback_end" and not ev.data.get("cancelled"):
            spoken += 1

    bus.subscribe(on_event)

    async def chat_feed() -> None:  # 5 messages a second through the CHZZK session socket
        nonlocal pushed
        i = 0
        while chatting:
            i += 1
            try:
                await chzzk.push_chat(f"소크 채팅 {i}번 안녕하세요", nickname=f"시청자{i % 500}",
                                      sender=f"user-{i % 500}")  # many viewers: no flood filter
                pushed += 1
            except Exception:
                pass
            await asyncio.sleep(0.2)

    feed = asyncio.ensure_future(chat_feed())
    current = settings
    mic_i = 0
    samples: list[dict] = []
    took: dict[str, list[float]] = {k: [] for k in KINDS}
    failures: list[str] = []

    def changed(field: str, a, b) -> tuple[Settings, dict]:
        nonlocal current
        value = b if getattr(current, field) == a else a
        current = dataclasses.replace(current, **{field: value})
        return current, {field: value}

    t_start = time.monotonic()
    for cycle in range(args.cycles):
        for kind in args.kinds:
            t0 = time.monotonic()
            try:
                if kind == "llm":
                    await ctl.apply_settings(*changed("groq_model", "soak-model-a", "soak-model-b"))
                elif kind == "tts":
                    await ctl.apply_settings(*changed("tts_sentence_max_chars", 200, 180))
                elif kind == "vts":
                    await ctl.apply_settings(*changed("vts_idle_hz", 15.0, 14.0))
                elif kind == "chat":
                    await ctl.apply_settings(*changed("chat_reconnect_max_s", 30.0, 29.0))
                elif kind == "overlay":
                    await ctl.apply_settings(*changed("overlay_host", "127.0.0.1", "127.0.0.1"))
                elif kind == "show":
                    await ctl.apply_settings(*changed("idle_talk_seconds", 0.0, 600.0))
                elif kind == "obs":
                    await ctl.apply_settings(*changed("obs_brb_scene", "BRB", "Away"))
                elif kind == "record":
                    await ctl.apply_settings(*changed("show_record", "on", "off"))
                elif kind == "viewers":
                    await ctl.apply_settings(*changed("viewer_memory", "on", "off"))
                elif kind == "mic":
                    step = dict(MIC_STEPS[mic_i % len(MIC_STEPS)])
                    mic_i += 1
                    if "stt_input_device" in step:
                        step["stt_input_device"] = wav_a if step["stt_input_device"] == "A" else wav_b
                    await ctl.apply_mic_settings(step)
                    current = services.settings
                elif kind == "port-fix":
                    await ctl.overlay_fix_port()
            except Exception as e:  # counted and shown; the soak goes on
                failures.append(f"cycle {cycle} {kind}: {type(e).__name__}: {e}")
            took[kind].append(time.monotonic() - t0)
            await asyncio.sleep(args.pause)  # the show plays between two rebuilds
        if cycle % 5 == 0:
            trim_doubles(llm, stt, tts, vts, chzzk, obs)
        samples.append({"cycle": cycle, "t": time.monotonic() - t_start, "rss_mb": rss_mb(), "fds": open_fds(),
                        "threads": threading.active_count(), "tasks": len(asyncio.all_tasks()),
                        "spoken": spoken})
        if args.live_objects and cycle % 5 == 0:
            samples[-1]["live"] = live_services()
            print(f"cycle {cycle}: live {samples[-1]['live']}", flush=True)
        if args.verbose and cycle % 25 == 0:
            s = samples[-1]
            print(f"cycle {cycle}: {s['rss_mb']:.1f} MB, {s['fds']} fds, {s['threads']} threads, "
                  f"{s['tasks']} tasks, {spoken} replies spoken, {len(qt.thread_warnings)} thread warnings",
                  flush=True)
    soak_s = time.monotonic() - t_start

    # -- afterwards: every panel shows the live service ----------------------------------------
    checks: dict[str, object] = {}
    for field, value in (("show_record", "on"), ("viewer_memory", "on")):  # an odd cycle count left them off
        if getattr(services.settings, field) != value:
            await ctl.apply_settings(*changed(field, value, value))
    await until(lambda: state("vts") is ServiceState.READY and state("chat") is ServiceState.READY
                and state("obs") is ServiceState.READY and services.overlay is not None
                and services.overlay.running, 30, "services up after the soak")
    mem = services.generator.memory
    try:
        await until(lambda: len(mem.turns) >= 2, 60, "the live memory got turns")
    except RuntimeError:
        print("no turns in the live memory; statuses:", {k: v.state.value for k, v in bus.status.items()},
              "queue:", len(services.pipeline.queue.pending), len(services.pipeline.queue.approved),
              "speaking:", services.pipeline.speaking is not None,
              "pipeline tasks:", sorted(t.get_name() for t in services.pipeline.tasks.tasks), file=sys.stderr)
        for t in services.pipeline.tasks.tasks:
            if t.get_name() == "pipeline:speak":
                t.print_stack(file=sys.stderr)
        for t in asyncio.all_tasks():
            if t.get_name().startswith("tts"):
                print("TTS TASK", t.get_name(), file=sys.stderr)
                t.print_stack(file=sys.stderr)
        raise
    hist = win.panels["history"]
    hist.refresh(force=True)
    checks["summary_editor_turns"] = hist.table.rowCount()
    checks["summary_editor_is_live"] = hist.table.rowCount() == len(mem.turns) and f" {len(mem.turns)}" in \
        hist.window_label.text()
    win.docks["latency"].raise_()
    lat = win.panels["latency"]
    try:
        await until(lambda: lat.isVisible() and lat.mouth.value() > 0, 60, "the mouth meter moves")
        checks["mouth_meter_moves"] = True
    except RuntimeError:
        checks["mouth_meter_moves"] = False
        print("mouth meter did not move:", lat.isVisible(), lat._mouth_timer.isActive(), lat.mouth.value(),
              services.pipeline.speaking, file=sys.stderr)
    win.docks["overlay"].raise_()
    ov = win.panels["overlay"]

    class Paints(QObject):
        n = 0

        def eventFilter(self, obj, ev) -> bool:  # noqa: N802 (Qt name)
            if ev.type() == QEvent.Type.Paint:
                Paints.n += 1
            return False

    probe = Paints()
    ov.preview.installEventFilter(probe)
    try:
        await until(lambda: Paints.n > 0, 30, "the overlay preview repaints")
        checks["overlay_preview_updates"] = True
    except RuntimeError:
        checks["overlay_preview_updates"] = False
    ov.preview.removeEventFilter(probe)
    checks["overlay_url_is_live"] = ov.url.text() == services.overlay.obs_url
    checks["vts_panel_is_live"] = win.panels["vts"].avatar is services.avatar
    checks["pose_panel_is_live"] = getattr(win.panels["pose"], "editor", None) is not None and \
        win.panels["pose"].editor.driver is services.avatar
    checks["vts_connected"] = state("vts") is ServiceState.READY and bool(vts.sessions)
    obs_panel = win.panels["obs"]
    win.docks["obs"].raise_()
    try:
        await until(lambda: [obs_panel.picker.itemText(i) for i in range(obs_panel.picker.count())] == obs.scenes
                    and obs_panel.reconnect_btn.isEnabled() and obs_panel.brb.currentData() ==
                    services.obs.brb_scene, 10, "the OBS panel shows the live OBS")
        checks["obs_panel_is_live"] = True
    except RuntimeError:
        checks["obs_panel_is_live"] = False
    vm = services.viewers
    checks["viewers_memory_open"] = vm is not None and await vm.wait_ready()
    win.docks["viewers"].raise_()
    vp = win.panels["viewers"]
    try:
        await until(lambda: vp.search.isEnabled() and vp.table.rowCount() > 0, 10,
                    "the viewers panel lists the live memory's viewers")
        checks["viewers_panel_is_live"] = True
    except RuntimeError:
        checks["viewers_panel_is_live"] = False
    rec = services.recorder
    before = rec.events if rec is not None else 0
    try:
        await until(lambda: rec is not None and rec.path is not None and rec.events > before, 10,
                    "the recorder writes the show")
        checks["recorder_writes"] = True
    except RuntimeError:
        checks["recorder_writes"] = False

    chatting = False
    await feed
    end = {"rss_mb": rss_mb(), "fds": open_fds(), "threads": threading.active_count()}
    await stop_services(services)
    win.close()
    bridge.close()
    for d in (vts, tts, chzzk):
        await d.stop()
    await obs.aclose()
    await stt.__aexit__(None, None, None)
    await llm.__aexit__(None, None, None)
    await asyncio.sleep(0.1)
    stragglers = threads.stragglers()

    n = len(samples)
    warm = min(n // 10, 25)  # the first cycles load code and fill caches
    tenth = max(1, (n - warm) // 10)
    first, last = samples[warm:warm + tenth], samples[-tenth:]

    def growth(key: str) -> dict:
        a = statistics.median(s[key] for s in first)
        b = statistics.median(s[key] for s in last)
        return {"first_tenth_median": round(a, 2), "last_tenth_median": round(b, 2), "growth": round(b - a, 2),
                "max": max(s[key] for s in samples)}

    return {
        "bench": "rebuild_soak", "cycles": args.cycles, "soak_s": round(soak_s, 1), "gc_stress": args.gc_stress,
        "per_kind": {k: {"n": len(v), "p50_ms": round(pct(v, 50) * 1e3, 1), "p99_ms": round(pct(v, 99) * 1e3, 1)}
                     for k, v in took.items() if v},
        "rss_mb": growth("rss_mb"), "fds": growth("fds"), "threads": growth("threads"), "tasks": growth("tasks"),
        "end": end, "chat": {"pushed": pushed, "received": received}, "replies_spoken": spoken,
        "rebuilds": sum(len(v) for v in took.values()), "pause_s": args.pause,
        "qt_thread_warnings": list(qt.thread_warnings), "stragglers": stragglers, "failures": failures,
        "checks": checks,
        "samples": [{k: (round(v, 2) if isinstance(v, float) else v) for k, v in s.items()}
                    for s in samples[:: max(1, n // 200)]],
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None},
    }


qt: QtWarnings


def main() -> int:
    global qt
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cycles", type=int, default=None, help="rounds of all 11 rebuilds (default 500)")
    p.add_argument("--quick", action="store_true", help="20 cycles")
    p.add_argument("--pause", type=float, default=0.05, help="seconds of show between two rebuilds")
    p.add_argument("--gc-stress", action="store_true", help="also collect garbage from a thread every 3 ms")
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--kinds", default=",".join(KINDS), help="which rebuilds (comma-separated; default all)")
    p.add_argument("--no-tune", action="store_true", help="skip the app's allocator tuning (app.tune_allocator)")
    p.add_argument("--live-objects", action="store_true", help="count live service objects every 5 cycles")
    p.add_argument("--name", default="rebuild_soak", help="results file name (bench/results/<name>.json)")
    args = p.parse_args()
    if args.cycles is None:
        args.cycles = 20 if args.quick else 500
    args.kinds = [k for k in args.kinds.split(",") if k in KINDS]

    from PySide6.QtWidgets import QApplication

    from aischoco_gui.app import tune_allocator
    from aischoco_gui.gui.event_loop import new_event_loop
    from aischoco_gui.gui.gc_guard import install_gc_guard

    tuned = tune_allocator() if not args.no_tune else False  # like the app (app.main)
    qt = QtWarnings()
    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)  # like the app (app.py)
    install_gc_guard(app)  # like the app: Python's collector runs on the GUI thread
    stress = None
    if args.gc_stress:
        from tests.gc_stress import start_gc_stress

        stress = start_gc_stress(0.003)
    with asyncio.Runner(loop_factory=lambda: new_event_loop(app)) as runner:
        res = runner.run(run(args))
    if stress is not None:
        stress.stop()
        res["gc_stress_collections"] = stress.collections
    qt.uninstall()
    res["allocator_tuned"] = tuned
    ok = (not res["qt_thread_warnings"] and not res["stragglers"] and not res["failures"]
          and all(res["checks"].values()))
    res["ok"] = ok
    kinds = " · ".join(f"{k} {v['p50_ms']:.0f}/{v['p99_ms']:.0f}" for k, v in res["per_kind"].items())
    report([
        ("cycles (rebuilds) / soak time", f"{res['cycles']} ({res['rebuilds']}) / {res['soak_s']} s"),
        ("rebuild time p50/p99 ms", kinds),
        ("RSS MB first→last tenth (growth)", f"{res['rss_mb']['first_tenth_median']} → "
                                              f"{res['rss_mb']['last_tenth_median']} ({res['rss_mb']['growth']:+})"),
        ("open fds first→last tenth (growth)", f"{res['fds']['first_tenth_median']} → "
                                                f"{res['fds']['last_tenth_median']} ({res['fds']['growth']:+})"),
        ("threads / asyncio tasks growth", f"{res['threads']['growth']:+} / {res['tasks']['growth']:+}"),
        ("chat pushed / received (5/s), replies spoken", f"{res['chat']['pushed']} / {res['chat']['received']}, "
                                                          f"{res['replies_spoken']}"),
        ("Qt thread warnings", str(len(res["qt_thread_warnings"]))),
        ("threads that did not stop", str(len(res["stragglers"]))),
        ("failed rebuilds", str(len(res["failures"]))),
        ("panels live afterwards", ", ".join(f"{k}={v}" for k, v in res["checks"].items())),
        ("verdict", "ok" if ok else "FAILED"),
    ], res, args.name)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
