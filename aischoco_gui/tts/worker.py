"""Runs the TTS worker as a child process on 127.0.0.1, watches it and restarts it when it dies.

The GUI process never imports torch: it starts ``python -m aischoco_gui.tts.server`` (or, in
the frozen app, ``<exe> --tts-worker``), reads the port it prints, follows model loading
through ``/health`` (shown as the ``tts`` status detail) and then talks to it over HTTP like
any remote server. The worker exits when our end of its stdin closes, so it never outlives us.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from collections import deque
from collections.abc import AsyncIterator

from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.frozen import frozen_worker_base
from aischoco_gui.i18n import register, tr
from aischoco_gui.tts.backend import BackendUnavailable, Chunk
from aischoco_gui.tts.client import HttpTtsClient
from aischoco_gui.tts.server import PORT_LINE
from aischoco_gui.user_text import explain, voice_label

log = logging.getLogger(__name__)

register({
    "tts.status.starting": ("음성 엔진 '{engine}'을(를) 켜는 중", "starting the voice engine '{engine}'"),
    "tts.status.start_failed": ("음성 엔진 '{engine}'을(를) 켜지 못했어요. {why}",
                                "The voice engine '{engine}' did not start. {why}"),
    "tts.status.worker_error": ("음성 작업 프로세스에 오류가 났어요 (자세한 내용은 로그). 다시 시작해요",
                                "The voice worker hit an error (details in the log); restarting it"),
    "tts.status.loading": ("음성 엔진 '{engine}' 불러오는 중: {pct}", "loading the voice engine '{engine}': {pct}"),
    "tts.status.unavailable": ("음성 엔진 '{engine}'을(를) 쓸 수 없어요. {why}",
                               "The voice engine '{engine}' is unavailable. {why}"),
    "tts.notice.worker_exit": ("음성 작업 프로세스가 종료됐어요 (코드 {code}) — {delay}초 뒤 다시 시작해요",
                               "TTS worker exited (code {code}); restarting in {delay} s"),
})


def worker_command(engine: str, extra: list[str] | None = None, port: int = 0) -> list[str]:
    """Command line that starts the worker (from source, or the frozen exe with --tts-worker)."""
    base = frozen_worker_base(engine) if getattr(sys, "frozen", False) \
        else [sys.executable, "-m", "aischoco_gui.tts.server"]
    return base + ["--engine", engine, "--host", "127.0.0.1", "--port", str(port), "--exit-on-stdin-eof",
                   *(extra or [])]


class WorkerBackend:
    def __init__(self, engine: str, bus: EventBus | None = None, *, extra_args: list[str] | None = None,
                 port: int = 0, status_name: str | None = "tts", start_timeout: float = 30.0,
                 backoff: tuple[float, float] = (0.5, 30.0), env: dict[str, str] | None = None) -> None:
        self.engine = engine
        self.name = f"worker:{engine}"
        self.label = f"local TTS worker ({engine})"
        self.bus = bus
        self.status_name = status_name
        self.extra_args = extra_args or []
        self.port = port
        self.start_timeout = start_timeout
        self.backoff = backoff
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None
        self.client: HttpTtsClient | None = None
        self.ready = False
        self.restarts = 0
        self.health: dict = {}
        self.stderr_tail: deque[str] = deque(maxlen=30)
        self._task: asyncio.Task | None = None
        self._io: list[asyncio.Task] = []
        self._closing = False
        self._ready_evt = asyncio.Event()

    # -- status -----------------------------------------------------------------------------
    def _status(self, state: ServiceState, detail: str, error: str | None = None, **extra) -> None:
        if self.bus is not None and self.status_name:
            self.bus.set_status(self.status_name, state, detail, error=error, attempt=self.restarts, **extra)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.returncode is None else None

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        self._closing = False
        self._status(ServiceState.CONNECTING, tr("tts.status.starting", engine=self.engine))
        self._task = asyncio.get_running_loop().create_task(self._supervise(), name=f"tts:{self.name}")

    async def wait_ready(self, timeout: float) -> bool:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._ready_evt.wait(), timeout)
        return self.ready

    async def _spawn(self) -> None:
        cmd = worker_command(self.engine, self.extra_args, self.port)
        env = dict(os.environ if self.env is None else self.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        kw = {"creationflags": 0x08000000} if sys.platform == "win32" else {}  # CREATE_NO_WINDOW
        self.proc = await asyncio.create_subprocess_exec(
            *cmd, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=env, **kw)
        proc = self.proc
        self._io = [asyncio.get_running_loop().create_task(self._drain_stderr(proc), name="tts:worker-stderr")]
        port = None
        deadline = time.monotonic() + self.start_timeout
        assert proc.stdout is not None
        while port is None:
            if self._closing:
                raise asyncio.CancelledError  # aclose() terminates the process it finds in self.proc
            left = deadline - time.monotonic()
            if left <= 0:
                raise BackendUnavailable(f"TTS worker printed no port within {self.start_timeout:.0f} s")
            try:
                line = await asyncio.wait_for(proc.stdout.readline(), left)
            except TimeoutError:
                continue
            if not line:
                await proc.wait()
                raise BackendUnavailable(f"TTS worker exited at start (code {proc.returncode}): {self._tail()}")
            s = line.decode("utf-8", "replace").strip()
            if s.startswith(PORT_LINE):
                port = int(s[len(PORT_LINE):])
        self._io.append(asyncio.get_running_loop().create_task(self._drain_stdout(proc), name="tts:worker-stdout"))
        if self.client is not None:
            await self.client.aclose()
        self.client = HttpTtsClient(f"http://127.0.0.1:{port}", name=self.name, report_status=False)

    async def _drain_stderr(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        async for line in proc.stderr:
            s = line.decode("utf-8", "replace").rstrip()
            self.stderr_tail.append(s)
            log.info("[tts worker] %s", s)

    async def _drain_stdout(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for _ in proc.stdout:
            pass

    def _tail(self, n: int = 3) -> str:
        return " | ".join(list(self.stderr_tail)[-n:]) or "no output"

    async def _supervise(self) -> None:
        delay = self.backoff[0]
        while not self._closing:
            started = time.monotonic()
            try:
                await self._spawn()
                await self._follow()
            except BackendUnavailable as e:
                self._status(ServiceState.ERROR, tr("tts.status.start_failed", engine=self.engine, why=explain(e)),
                             error=str(e))
            except asyncio.CancelledError:
                raise
            except Exception as e:
                log.exception("TTS worker supervision error")
                self._status(ServiceState.ERROR, tr("tts.status.worker_error"), error=f"{type(e).__name__}: {e}")
            self.ready = False
            self._ready_evt.clear()
            if self._closing:
                return
            if time.monotonic() - started > 60:
                delay = self.backoff[0]
            rc = self.proc.returncode if self.proc is not None else None
            self.restarts += 1
            msg = tr("tts.notice.worker_exit", code=rc, delay=f"{delay:.1f}")
            self._status(ServiceState.RECONNECTING, msg, error=self._tail())
            if self.bus is not None and self.status_name:
                self.bus.notice(msg, level="warning")
            await asyncio.sleep(delay)
            delay = min(self.backoff[1], delay * 2)

    async def _follow(self) -> None:
        """Poll /health while the process lives: loading progress, ready, load errors."""
        proc, client = self.proc, self.client
        assert proc is not None and client is not None
        last_state = None
        while proc.returncode is None and not self._closing:
            try:
                _, h = await client.get_health()
            except BackendUnavailable:
                h = {}
            self.health = h
            st = h.get("status")
            if st == "ok" and not self.ready:
                await client.probe()
                self.ready = True
                self.label = client.label
                self._ready_evt.set()
                self._status(ServiceState.READY, voice_label(str(h.get("label") or self.engine)),
                             cloned_voice=bool(h.get("cloned_voice")), engine=h.get("engine"))
            elif st == "loading":
                self._status(ServiceState.CONNECTING,
                             tr("tts.status.loading", engine=self.engine, pct=f"{float(h.get('progress') or 0):.0%}"))
            elif st == "error" and last_state != "error":
                self.ready = False
                self._ready_evt.set()  # waiters learn it will not become ready
                self._status(ServiceState.ERROR, tr("tts.status.unavailable", engine=self.engine,
                                                    why=explain(h.get("error", ""))), error=h.get("error", ""))
            last_state = st
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(proc.wait(), 0.25 if st != "ok" else 1.0)

    # -- SynthBackend -----------------------------------------------------------------------
    async def stream(self, text: str, emotion: str) -> AsyncIterator[Chunk]:
        if not self.ready or self.client is None or self.pid is None:
            h = self.health
            if h.get("status") == "error":
                raise BackendUnavailable(f"TTS engine '{self.engine}' unavailable: {h.get('error', '')}")
            if h.get("status") == "loading":
                pct = float(h.get("progress") or 0)
                raise BackendUnavailable(f"TTS engine '{self.engine}' still loading ({pct:.0%})")
            raise BackendUnavailable(f"TTS worker ({self.engine}) is not running")
        async with contextlib.aclosing(self.client.stream(text, emotion)) as chunks:
            async for c in chunks:
                yield c

    async def healthy(self) -> bool:
        return self.ready and self.pid is not None

    @property
    def failed(self) -> str:
        """Why the worker cannot serve (engine failed to load, or it keeps dying); "" when fine or loading."""
        if self.health.get("status") == "error":
            return str(self.health.get("error") or "engine unavailable")
        if self.restarts and not self.ready:
            return f"worker restarting ({self._tail(1)})"
        return ""

    async def aclose(self) -> None:
        self._closing = True
        task = self._task
        if task is not None:
            # Python 3.11's wait_for can swallow a cancellation that lands as its inner wait finishes
            # (seen: the supervisor kept following a live worker and the app never stopped after SIGTERM
            # in ~1 of 5 loaded starts). The loops also check _closing; cancel again until the task ends.
            task.cancel()
            while not task.done():
                await asyncio.wait({task}, timeout=0.5)
                if not task.done():
                    task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                task.result()
        proc = self.proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(Exception):
                proc.stdin.close()  # type: ignore[union-attr]
            try:
                await asyncio.wait_for(proc.wait(), 2.0)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), 2.0)
                except TimeoutError:
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
                    await proc.wait()
        for t in self._io:
            t.cancel()
        if self.client is not None:
            await self.client.aclose()
        self.ready = False
