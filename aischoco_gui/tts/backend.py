"""What the speaker synthesises through: an async stream of ``(samples, rate)`` per sentence.

Implementations: :class:`~aischoco_gui.tts.client.HttpTtsClient` (remote server or the local
worker — same HTTP contract), :class:`InProcessBackend` (an engine in a thread; tests and
benchmarks only, never a model in the GUI process) and :class:`FallbackChain`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator
from typing import NamedTuple, Protocol, runtime_checkable

import numpy as np

from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.i18n import register, tr
from aischoco_gui.threads import LoopPost, join_thread
from aischoco_gui.tts.engine import EngineError, TtsEngine
from aischoco_gui.user_text import explain, voice_label

log = logging.getLogger(__name__)

register({
    "tts.notice.fallback": ("음성 '{name}'을(를) 쓸 수 없어서 {next}(으)로 말해요. {why}",
                            "The voice '{name}' failed; using {next}. {why}"),
    "tts.status.fallback": ("대체 음성: {label}", "fallback: {label}"),
    "tts.notice.back": ("음성이 다시 {label}(으)로 돌아왔어요", "TTS back on {label}"),
})


class Chunk(NamedTuple):
    samples: np.ndarray  # float32 mono
    rate: int


class BackendUnavailable(EngineError):
    """The backend cannot synthesise right now (server down, worker restarting, model loading)."""


@runtime_checkable
class SynthBackend(Protocol):
    name: str
    label: str  # shown in the UI; honest about cloned vs system voice

    async def start(self) -> None: ...

    def stream(self, text: str, emotion: str) -> AsyncIterator[Chunk]: ...

    async def healthy(self) -> bool: ...

    async def aclose(self) -> None: ...


class InProcessBackend:
    """Runs a light engine (fake/system) in a thread of this process."""

    def __init__(self, engine: TtsEngine) -> None:
        self.engine = engine
        self.name = engine.name
        self.label = engine.label
        self._loaded = False
        self._threads: set[threading.Thread] = set()  # one per utterance being synthesised; joined by aclose

    async def start(self) -> None:
        if not self._loaded:
            await asyncio.to_thread(self.engine.load, lambda p, w: None)
            self.label = self.engine.label
            self._loaded = True

    async def stream(self, text: str, emotion: str) -> AsyncIterator[Chunk]:
        q: asyncio.Queue = asyncio.Queue()
        cancel = threading.Event()
        post = LoopPost(asyncio.get_running_loop())  # cut when this stream ends: the thread keeps no loop

        def run() -> None:
            try:
                for c in self.engine.synthesize(text, emotion, cancel):
                    if not post(q.put_nowait, ("chunk", c)):
                        return
            except Exception as e:
                post(q.put_nowait, ("error", e))
            finally:
                post(q.put_nowait, ("end", None))
                self._threads.discard(threading.current_thread())

        t = threading.Thread(target=run, name="tts-inproc", daemon=True)
        self._threads.add(t)
        t.start()
        try:
            while True:
                kind, v = await q.get()
                if kind == "end":
                    return
                if kind == "error":
                    raise v if isinstance(v, EngineError) else EngineError(str(v))
                yield Chunk(v, self.engine.sample_rate)
        finally:
            cancel.set()  # the engine stops at its next chunk; aclose() joins what is still running
            post.cut()

    async def healthy(self) -> bool:
        return self._loaded

    async def aclose(self) -> None:
        for t in list(self._threads):
            await join_thread(t, 2.0, f"TTS ({self.name}, in process)")
        self.engine.close()


class FallbackChain:
    """Try backends in order; on failure fall to the next with a visible notice and DEGRADED status.

    The preferred backend is health-checked in the background and restored when it answers.
    Only the preferred backend starts with the chain; a fallback starts the first time it is needed
    (issue 27: the offline voice's worker process behind a remote voice held ~50 MB and woke the app
    several times a second for a voice that may never speak). Its first sentence waits for it to
    start (the system voice: about a second), bounded by ``fallback_start_s``."""

    name = "chain"

    def __init__(self, backends: list[SynthBackend], bus: EventBus | None = None, *, status_name: str = "tts",
                 recheck_s: float = 5.0, fallback_start_s: float = 20.0) -> None:
        if not backends:
            raise ValueError("a fallback chain needs at least one backend")
        self.backends = backends
        self.fallback_start_s = fallback_start_s
        self._starting: dict[int, asyncio.Task] = {}  # backend index → its start (started or starting)
        self.bus = bus
        self.status_name = status_name
        self.recheck_s = recheck_s
        self.active = 0
        self._task: asyncio.Task | None = None
        self.fallbacks = 0

    @property
    def label(self) -> str:
        return self.backends[self.active].label

    @property
    def current(self) -> SynthBackend:
        return self.backends[self.active]

    async def start(self) -> None:
        await self._ensure_started(0, wait=False)
        self._task = asyncio.get_running_loop().create_task(self._watch(), name="tts:fallback-watch")

    async def _ensure_started(self, i: int, wait: bool = True) -> None:
        """Start backend ``i`` if it is not yet; a fallback's first use waits (bounded) until it is ready.
        Callers at the same time share the one start (``shield``: one caller cancelled stops nobody)."""
        task = self._starting.get(i)
        if task is None:
            task = self._starting[i] = asyncio.get_running_loop().create_task(self._start_one(i, wait),
                                                                               name=f"tts:start-{i}")
        if not task.done():
            await asyncio.shield(task)

    async def _start_one(self, i: int, wait: bool) -> None:
        b = self.backends[i]
        try:
            await b.start()
        except Exception as e:
            log.warning("TTS backend %s failed to start: %s", b.name, e)
            return
        wait_ready = getattr(b, "wait_ready", None)
        if wait and wait_ready is not None:
            t0 = time.monotonic()
            ok = await wait_ready(self.fallback_start_s)
            log.info("TTS fallback %s started on first use: %s in %.0f ms", b.name, "ready" if ok else "not ready",
                     (time.monotonic() - t0) * 1e3)

    def _fall(self, frm: int, why: str) -> bool:
        if frm != self.active:
            return self.active < len(self.backends)
        if frm + 1 >= len(self.backends):
            return False
        self.active = frm + 1
        self.fallbacks += 1
        nxt = self.backends[self.active]
        msg = tr("tts.notice.fallback", name=self.backends[frm].name, why=explain(why), next=voice_label(nxt.label))
        if self.bus is not None:
            self.bus.notice(msg, level="warning", detail=why)
            self.bus.set_status(self.status_name, ServiceState.DEGRADED,
                                tr("tts.status.fallback", label=voice_label(nxt.label)), error=why)
        return True

    async def stream(self, text: str, emotion: str) -> AsyncIterator[Chunk]:
        last: Exception | None = None
        for _ in range(len(self.backends)):
            i = self.active
            got_audio = False
            await self._ensure_started(i)
            try:
                async with contextlib.aclosing(self.backends[i].stream(text, emotion)) as chunks:
                    async for c in chunks:
                        got_audio = True
                        yield c
                return
            except EngineError as e:
                last = e
                if got_audio:  # half a sentence played: don't repeat it on another voice
                    self._fall(i, str(e))
                    raise
                if not self._fall(i, str(e)):
                    raise
        raise last or BackendUnavailable("no TTS backend available")

    async def healthy(self) -> bool:
        return await self.current.healthy()

    async def _watch(self) -> None:
        await asyncio.sleep(min(0.5, self.recheck_s))
        while True:
            if self.active == 0:
                why = getattr(self.backends[0], "failed", "")
                if why and len(self.backends) > 1:  # known broken before anyone speaks: switch now
                    self._fall(0, why)
            else:
                t0 = time.monotonic()
                try:
                    ok = await self.backends[0].healthy()
                except Exception:
                    ok = False
                if ok:
                    self.active = 0
                    log.info("TTS %s is back (checked in %.0f ms)", self.backends[0].name,
                             (time.monotonic() - t0) * 1e3)
                    if self.bus is not None:
                        self.bus.notice(tr("tts.notice.back", label=voice_label(self.backends[0].label)))
                        self.bus.set_status(self.status_name, ServiceState.READY,
                                            voice_label(self.backends[0].label))
            await asyncio.sleep(self.recheck_s)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for i, b in enumerate(self.backends):
            starting = self._starting.get(i)
            if starting is None:  # a fallback never needed was never started
                continue
            if not starting.done():
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await starting
            with contextlib.suppress(Exception):
                await b.aclose()
