"""The real app in a subprocess, with every outside party a loopback double in this process.

Used by the benchmarks that measure the app from outside (idle CPU, first reply, VTS jitter):
the doubles (CHZZK session server, OpenAI-compatible LLM, VTube Studio, an OpenAI-style TTS
server) run on one asyncio loop in a background thread; the app is ``python -m aischoco_gui``
with ``AISCHOCO_HOME`` in a temp folder, offscreen, pointed at them through its environment.

CPU is read from ``/proc`` (Linux): the app's process and all its descendants, per thread.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.doubles.chzzk_server import ChzzkDouble  # noqa: E402
from tests.doubles.openai_server import OpenAIDouble, Script  # noqa: E402
from tests.doubles.tts_servers import OpenAiSpeechServer  # noqa: E402
from tests.doubles.vts_server import VTSDouble  # noqa: E402

# The app under test: this checkout, or another tree (e.g. an export of an older commit for "before").
APP_ROOT = Path(os.environ.get("BENCH_APP_ROOT") or ROOT)
CLK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class Doubles:
    """CHZZK, VTS and TTS doubles on one loop in a thread; the LLM double on its own thread."""

    def __init__(self, llm_delay_s: float = 0.3, tts_first_chunk_s: float = 0.0) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="doubles", daemon=True)
        self.thread.start()
        self.llm = OpenAIDouble.start_in_thread()
        self.llm.default = Script(delay_s=llm_delay_s, emotion="happy", response="네 반가워요!")
        self.chzzk: ChzzkDouble = self.call(ChzzkDouble(ping_interval_ms=25000).start())
        self.vts: VTSDouble = self.call(VTSDouble().start())
        self.tts = OpenAiSpeechServer(chunk_delay_s=tts_first_chunk_s)
        self.call(self.tts.start())

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = 20.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def push_chat(self, text: str, **kw: Any) -> int:
        return self.call(self.chzzk.push_chat(text, **kw))

    def env(self, home: Path, **over: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("GROQ", "CHZZK", "TTS_", "VTS_", "LLM_", "OVERLAY_", "APPROVAL", "CHAT_"))}
        env.update(
            AISCHOCO_HOME=str(home), QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(APP_ROOT),
            CHAT_SOURCE="chzzk", CHZZK_OPENAPI_BASE=self.chzzk.base_url, CHZZK_CLIENT_ID=self.chzzk.client_id,
            CHZZK_CLIENT_SECRET=self.chzzk.client_secret, CHZZK_ACCESS_TOKEN="user-token-1",
            LLM_BASE_URL=self.llm.base_url, GROQ_API_KEY="test-key", GROQ_MODEL="llama-3.3-70b-versatile",
            TTS_REMOTE_URL=self.tts.url, TTS_ENGINE="remote", TTS_FALLBACK="", TTS_OUTPUT_DEVICE="null",
            VTS_URL=self.vts.url, OVERLAY_PORT="0", APPROVAL_MODE="auto", AUTO_APPROVE_SECONDS="0",
        )
        env.update(over)
        return env

    def close(self) -> None:
        self.llm.stop()
        for c in (self.chzzk.stop(), self.vts.stop(), self.tts.stop()):
            try:
                self.call(c, 10)
            except Exception:
                pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@dataclass
class App:
    """``python -m aischoco_gui`` with a temp home; ``lines`` collects its stdout+stderr."""

    proc: subprocess.Popen
    home: Path
    lines: list[tuple[float, str]] = field(default_factory=list)

    @classmethod
    def start(cls, env: dict[str, str], args: tuple[str, ...] = ()) -> App:
        home = Path(env["AISCHOCO_HOME"])
        proc = subprocess.Popen([sys.executable, "-m", "aischoco_gui", *args], cwd=APP_ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        app = cls(proc, home)
        threading.Thread(target=app._read, daemon=True).start()
        return app

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.perf_counter(), line.rstrip("\n")))

    def wait_line(self, text: str, timeout: float = 60.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, line in list(self.lines):
                if text in line:
                    return t
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError(f"app never printed {text!r}; last output: {[x for _, x in self.lines[-15:]]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class Xvfb:
    """A real X server (``Xvfb``, 1366×768×24) for benches that need a display like a streamer's.

    ``-displayfd`` lets the server pick a free display number; ``env()`` points Qt at it (xcb)."""

    def __init__(self, screen: str = "1366x768x24") -> None:
        r, w = os.pipe()
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", screen, "-nolisten", "tcp",
                                      "-noreset"], pass_fds=(w,), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(w)
        buf = b""
        with os.fdopen(r, "rb") as f:
            while not buf.endswith(b"\n"):
                c = f.read(1)
                if not c:
                    raise RuntimeError("Xvfb did not start")
                buf += c
        self.display = f":{int(buf)}"

    def env(self) -> dict[str, str]:
        return {"DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"}

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def temp_home() -> Path:
    return Path(tempfile.mkdtemp(prefix="aischoco-bench-"))


def rm(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


# -- /proc CPU accounting ----------------------------------------------------------------------
def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc/*/stat parent ids)."""
    parent: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parent.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parent.get(p, []))
    return out


def _ticks(stat_path: str) -> tuple[str, int] | None:
    try:
        s = Path(stat_path).read_text()
    except OSError:
        return None
    name = s[s.index("(") + 1: s.rindex(")")]
    f = s.rsplit(")", 1)[1].split()
    return name, int(f[11]) + int(f[12])  # utime + stime


def cpu_snapshot(pid: int) -> dict[str, Any]:
    """Per process (pid, comm) total ticks and per thread ticks, for the tree under ``pid``."""
    procs: dict[int, tuple[str, int]] = {}
    threads: dict[tuple[int, int], tuple[str, int]] = {}
    for p in descendants(pid):
        t = _ticks(f"/proc/{p}/stat")
        if t is None:
            continue
        procs[p] = t
        try:
            tids = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tids:
            tt = _ticks(f"/proc/{p}/task/{tid}/stat")
            if tt is not None:
                threads[(p, int(tid))] = tt
    return {"t": time.perf_counter(), "procs": procs, "threads": threads}


def cpu_between(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """% of one core used between two snapshots: total, per process, per thread name."""
    dt = b["t"] - a["t"]
    total = 0
    per_proc: dict[str, float] = {}
    for p, (name, ticks) in b["procs"].items():
        d = ticks - a["procs"].get(p, (name, 0))[1] if p in a["procs"] else ticks
        total += d
        per_proc[f"{name}[{p}]"] = round(100 * d / CLK / dt, 2)
    per_thread: dict[str, float] = {}
    for (p, tid), (name, ticks) in b["threads"].items():
        d = ticks - a["threads"][(p, tid)][1] if (p, tid) in a["threads"] else ticks
        key = f"{name}[{tid}]"
        per_thread[key] = per_thread.get(key, 0.0) + 100 * d / CLK / dt
    return {"seconds": round(dt, 1), "cpu_pct": round(100 * total / CLK / dt, 2), "per_process": per_proc,
            "per_thread": {k: round(v, 2) for k, v in sorted(per_thread.items(), key=lambda kv: -kv[1]) if v > 0}}


# -- /proc memory accounting ---------------------------------------------------------------------
def _smaps_rollup(pid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            k, _, rest = line.partition(":")
            parts = rest.split()
            if len(parts) == 2 and parts[1] == "kB":
                out[k] = int(parts[0])
    except (OSError, ValueError):
        pass
    return out


def memory_snapshot(pid: int) -> dict[str, Any]:
    """RSS and PSS (MB) of ``pid`` and every process below it, in total and per process."""
    per: dict[str, dict[str, float]] = {}
    rss = pss = 0
    for p in descendants(pid):
        m = _smaps_rollup(p)
        if not m:
            continue
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            cmd = "?"
        rss += m.get("Rss", 0)
        pss += m.get("Pss", 0)
        per[f"{p} {cmd[:80]}"] = {"rss_mb": round(m.get("Rss", 0) / 1024, 1),
                                 "pss_mb": round(m.get("Pss", 0) / 1024, 1),
                                 "anon_mb": round(m.get("Anonymous", 0) / 1024, 1)}
    return {"rss_mb": round(rss / 1024, 1), "pss_mb": round(pss / 1024, 1), "processes": len(per),
            "per_process": per}


def memory_by_mapping(pid: int, top: int = 15) -> dict[str, float]:
    """Where ``pid``'s resident memory lies (MB): anonymous memory (Python objects, malloc heaps, native
    tables) vs each shared library / package (by its site-packages folder), the largest first."""
    agg: dict[str, int] = {}
    cur = "?"
    try:
        lines = Path(f"/proc/{pid}/smaps").read_text().splitlines()
    except OSError:
        return {}
    for line in lines:
        parts = line.split()
        if not parts:
            continue
        if not parts[0].endswith(":") and "-" in parts[0]:
            path = parts[5] if len(parts) > 5 else "[anon]"
            if "/site-packages/" in path:
                path = path.split("/site-packages/", 1)[1].split("/", 1)[0]
            elif "/" in path:
                path = path.rsplit("/", 1)[1]
            cur = path
        elif parts[0] == "Rss:":
            agg[cur] = agg.get(cur, 0) + int(parts[1])
    return {k: round(v / 1024, 1) for k, v in sorted(agg.items(), key=lambda kv: -kv[1])[:top]}
