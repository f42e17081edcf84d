"""The worker subprocess: start on a free port, loading progress, crash → restart, clean exit."""

from __future__ import annotations

import os
import shutil
import signal

import numpy as np
import pytest

from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.tts.worker import WorkerBackend
from tests.wait import wait_until


def _states(bus: EventBus) -> list:
    out: list = []
    bus.subscribe(lambda e: out.append(e.data["status"]) if e.kind is EventKind.STATUS else None)
    return out


async def _collect(backend, text: str) -> np.ndarray:
    parts = [c.samples async for c in backend.stream(text, "neutral")]
    return np.concatenate(parts)


async def test_worker_starts_reports_loading_and_serves():
    bus = EventBus()
    seen = _states(bus)
    w = WorkerBackend("fake", bus, extra_args=["--fake-load-s", "0.8"])
    await w.start()
    try:
        assert await w.wait_ready(20), w.stderr_tail
        assert any(s.state == ServiceState.CONNECTING and "%" in s.detail for s in seen)  # loading: N %
        assert bus.status["tts"].state == ServiceState.READY
        x = await _collect(w, "안녕하세요")
        assert len(x) > 0.3 * 24000
    finally:
        await w.aclose()
    assert w.proc.returncode is not None  # no orphan


async def test_worker_crash_is_restarted_with_status(english_ui):
    bus = EventBus()
    seen = _states(bus)
    w = WorkerBackend("fake", bus, backoff=(0.2, 1.0))
    await w.start()
    try:
        assert await w.wait_ready(20)
        pid = w.pid
        os.kill(pid, signal.SIGKILL)
        await wait_until(lambda: w.ready and w.pid not in (None, pid), timeout=10, what="the worker restarted")
        assert w.ready and w.pid != pid and w.restarts == 1
        assert any(s.state == ServiceState.RECONNECTING and "exited" in s.detail for s in seen)
        assert bus.status["tts"].state == ServiceState.READY
        assert len(await _collect(w, "다시 왔어요")) > 0
    finally:
        await w.aclose()


async def test_engine_that_cannot_load_reports_a_clear_error():
    bus = EventBus()
    w = WorkerBackend("qwen", bus, extra_args=["--ref-audio", "/nonexistent/ref.wav"])
    await w.start()
    try:
        await w.wait_ready(20)
        await wait_until(lambda: bus.status["tts"].state == ServiceState.ERROR, timeout=2, what="the load error")
        st = bus.status["tts"]
        assert st.state == ServiceState.ERROR and "reference voice sample not found" in st.last_error
        assert "reference voice" in w.failed
        with pytest.raises(Exception, match="unavailable"):
            await _collect(w, "안녕")
    finally:
        await w.aclose()


@pytest.mark.espeak
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
async def test_system_worker_speaks_korean():
    w = WorkerBackend("system", EventBus())
    await w.start()
    try:
        assert await w.wait_ready(20)
        assert "not the cloned voice" in w.label
        x = await _collect(w, "안녕하세요. 반가워요.")
        assert len(x) > 24000 and float(np.sqrt(np.mean(x ** 2))) > 0.02
    finally:
        await w.aclose()


async def test_close_during_start_always_ends():
    """Closing the worker at any moment of its start ends, and leaves no process. On Python 3.11 a
    cancellation that lands as ``wait_for``'s inner wait finishes is swallowed: the supervisor then kept
    following a live worker and ``aclose`` never returned (the app hung after SIGTERM in ~1 of 5 loaded
    starts). The moments below cover spawn, the port line, loading and the health polls."""
    import asyncio

    for delay in (0.0, 0.01, 0.03, 0.06, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.65, 0.8, 1.0, 1.3):
        w = WorkerBackend("fake", EventBus(), extra_args=["--fake-load-s", "0.4"])
        await w.start()
        await asyncio.sleep(delay)
        await asyncio.wait_for(w.aclose(), 15)  # a hang here is the bug
        assert w.proc is None or w.proc.returncode is not None, f"worker left running (closed after {delay} s)"
