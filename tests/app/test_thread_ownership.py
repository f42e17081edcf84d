"""Worker threads end with their owner (issue 21): after ``stop`` the microphone listener, the VTS loop
thread, the audio sink, the in-process TTS threads and viewer memory's writer are joined; one that cannot
be joined in time is reported and can no longer reach the event loop."""

from __future__ import annotations

import asyncio
import threading

import numpy as np

from aischoco_gui import threads
from aischoco_gui.compose import build_services, rebuild, start_services, stop_services
from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from aischoco_gui.viewers.memory import MemoryConfig, ViewerMemory
from aischoco_gui.viewers.store import VIEWERS_FILE, connect
from tests.doubles.recording import ScriptedGenerator
from tests.doubles.stt_server import SttDouble
from tests.doubles.vts_server import VTSDouble
from tests.viewers.helpers import chat
from tests.wait import wait_until

SERVICE_THREADS = ("stt-listen", "stt-wav-in", "audio-", "aischoco-vts", "tts-inproc", "viewer-memory-writer")


def service_threads() -> list[str]:
    return sorted(t.name for t in threading.enumerate() if t.name.startswith(SERVICE_THREADS))


def write_wav(path, seconds: float = 30.0, rate: int = 16000) -> None:
    import wave

    t = np.arange(int(seconds * rate)) / rate
    x = (0.05 * np.sin(2 * np.pi * 220 * t) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(x.tobytes())


async def test_every_service_thread_is_joined_on_stop_and_on_rebuild(home, tmp_path):
    wav = tmp_path / "mic.wav"
    write_wav(wav)
    before = service_threads()
    async with SttDouble(key="k") as stt, VTSDouble() as vts:
        settings = Settings(overlay_port=0, tts_engine="fake", tts_fallback="", llm_fallbacks="",
                            tts_output_device=f"wav:{tmp_path / 'out.wav'}", vts_url=vts.url, vts_thread=True,
                            mic_mode="cohost", stt_input_device=f"wav:{wav}", stt_base_url=stt.base_url,
                            stt_api_key="k", viewer_memory="on")
        bus = EventBus()
        s = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                           overrides={"generator": ScriptedGenerator(), "chat": None})
        await start_services(s)
        try:
            await wait_until(lambda: bus.status.get("stt") and bus.status["stt"].state is ServiceState.READY,
                             10, "microphone open")
            await wait_until(lambda: bus.status["vts"].state is ServiceState.READY, 10, "VTS connected")
            running = service_threads()
            assert any(n == "stt-listen" for n in running) and any(n == "aischoco-vts" for n in running)
            assert any(n.startswith("audio-") for n in running) and "viewer-memory-writer" in running
            for name in ("mic", "vts", "tts", "viewers"):  # a rebuild stops the old service: its thread is gone
                await rebuild(s, name, settings)
            await wait_until(lambda: bus.status["stt"].state is ServiceState.READY, 10, "new microphone open")
            assert service_threads().count("stt-listen") == 1 and service_threads().count("aischoco-vts") == 1
            assert service_threads().count("viewer-memory-writer") == 1
        finally:
            await stop_services(s)
    assert service_threads() == before, "a service thread outlived stop()"
    assert threads.stragglers() == []


async def test_a_thread_that_will_not_end_is_reported_and_cut_off_from_the_loop(caplog):
    loop = asyncio.get_running_loop()
    post = threads.LoopPost(loop)
    release = threading.Event()
    posted: list[bool] = []

    def stubborn() -> None:  # e.g. a driver call that hangs
        release.wait(10)
        posted.append(post(lambda: None))

    t = threading.Thread(target=stubborn, name="stubborn-worker", daemon=True)
    t.start()
    post.cut()  # the owner stops: first cut, then join
    assert not await threads.join_thread(t, 0.1, "test owner")
    assert "stubborn-worker" in threads.stragglers()
    assert "did not stop within" in caplog.text and "test owner" in caplog.text
    release.set()
    await asyncio.to_thread(t.join, 5)
    assert posted == [False]  # what it tried to post after the cut reached no loop
    assert "stubborn-worker" not in threads.stragglers()  # ended: no longer listed


async def test_a_viewer_memory_writer_that_cannot_finish_is_reported_and_cut_off(tmp_path):
    """Another process holds the file's write lock (the command line, a backup tool): the writer cannot write
    its last batch within stop()'s time. It is reported, and what it writes later reaches no loop."""
    path = tmp_path / VIEWERS_FILE
    bus = EventBus()
    vm = ViewerMemory(path, bus, MemoryConfig())
    await vm.start()
    assert await vm.wait_ready()
    writer = next(t for t in threading.enumerate() if t.name == "viewer-memory-writer")
    blocker = connect(path, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # the write lock, held
    vm.observe(chat("안녕하세요", sender="late", nick="늦은손님"))
    await vm.stop(timeout=0.3)
    assert "viewer-memory-writer" in threads.stragglers()
    after: list = []
    bus.subscribe(lambda ev: after.append(ev) if ev.kind is EventKind.VIEWERS_CHANGED else None)
    blocker.execute("COMMIT")  # the lock goes: the writer writes its batch and ends on its own
    blocker.close()
    await asyncio.to_thread(writer.join, 10)
    assert not writer.is_alive()
    await asyncio.sleep(0.05)  # anything it had posted would have run by now
    assert after == []  # its "written" result was dropped: the memory had stopped
    assert "viewer-memory-writer" not in threads.stragglers()
