"""Issue 18: the remote transcription client connects when the microphone opens (a free ``GET /models``,
never a transcription) and stays connected while it is open, so the first utterance of the show, and the
first after a quiet spell, reuses that connection like the tenth. Mic off: nothing is opened or sent."""

from __future__ import annotations

import asyncio
import wave

import numpy as np
import pytest

from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.stt.factory import build_engine
from aischoco_gui.stt.listener import ListenerConfig, MicListener
from aischoco_gui.stt.remote import RemoteWhisper
from tests.doubles.stt_server import SttDouble
from tests.stt.speech import PHRASE_A, make_speech
from tests.wait import wait_until as until

KEY = "gsk_test_stt"
# The keep-alive of the tests: the warm-up repeats after 2/3 of it, leaving 0.3 s of slack on a loaded machine.
KEEPALIVE_S = 0.9


def tone(seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * 16000), dtype=np.float32) / 16000
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def silent_wav(path, seconds: float = 1.0):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * int(seconds * 16000))
    return path


def listener(d: SttDouble, tmp_path, **cfg) -> MicListener:
    bus = EventBus()
    engine = build_engine("remote", bus, base_url=d.base_url, api_key=KEY, model="whisper-large-v3-turbo",
                          local_model="small", cache_dir=tmp_path)
    engine.keepalive_s = KEEPALIVE_S  # read when the HTTP client is built (at start)
    return MicListener(ListenerConfig(**cfg), bus, engine, lambda *a: None)


async def test_preconnect_is_free_and_the_first_transcription_reuses_its_connection():
    async with SttDouble(key=KEY) as d:
        eng = RemoteWhisper(d.base_url, KEY)
        assert await eng.preconnect() is True
        assert len(d.models_requests) == 1 and d.requests == []  # nothing transcribed, nothing spent
        assert d.models_requests[0][1] is not None
        await eng.transcribe(tone(), language="ko")
        assert d.requests[0].peer == d.models_requests[0][1]  # same TCP connection
        assert len(d.connections) == 1
        await eng.aclose()


async def test_preconnect_without_a_key_sends_nothing_and_a_dead_server_is_quiet():
    async with SttDouble(key=KEY) as d:
        assert await RemoteWhisper(d.base_url, "").preconnect() is False
        assert d.connections == []
        port = d.port
    eng = RemoteWhisper(f"http://127.0.0.1:{port}/v1", KEY)
    assert await eng.preconnect(timeout_s=1.0) is False  # no exception: only a warm-up
    await eng.aclose()


async def test_a_quiet_spell_longer_than_the_keepalive_does_not_cost_a_new_connection():
    async with SttDouble(key=KEY) as d:
        eng = RemoteWhisper(d.base_url, KEY, keepalive_s=KEEPALIVE_S)
        # warm-ups every quarter of the keep-alive: a loop stalled for up to ~0.6 s on a loaded machine still
        # warms the connection before it expires (the default two thirds leaves 0.3 s, which failed under load)
        warm = asyncio.get_running_loop().create_task(eng.keep_warm(every_s=KEEPALIVE_S / 4))
        try:
            # the condition is the quiet spell itself: warm-ups spanning more than two keep-alives of silence
            await until(lambda: len(d.models_requests) >= 3
                        and d.models_requests[-1][0] - d.models_requests[0][0] > 2 * KEEPALIVE_S, 30,
                        "warm-ups spanning two keep-alives")
            assert d.requests == []  # the warm-up never transcribes
            await eng.transcribe(tone(), language="ko")
            assert len(d.connections) == 1, d.connections  # the utterance went over the pre-opened connection
            assert d.requests[0].peer == d.models_requests[0][1]
        finally:
            warm.cancel()
            await eng.aclose()


async def test_mic_open_keeps_warm_and_mic_stop_ends_it(tmp_path):
    async with SttDouble(key=KEY) as d:
        lis = listener(d, tmp_path, mode="cohost", input_device=f"wav:{silent_wav(tmp_path / 'quiet.wav')}")
        await lis.start()
        await until(lambda: len(d.models_requests) >= 2, 10, "connect at start and one keep-warm")
        assert d.requests == [] and len(d.connections) == 1
        await lis.stop()
        assert lis.tasks.tasks == set()  # the keep-warm task is gone with the microphone
        assert lis.engine._client is None  # and its connection closed
        assert d.requests == []


@pytest.mark.parametrize("cfg", [dict(mode="off", input_device="wav:/nonexistent.wav"),
                                 dict(mode="cohost", input_device="off"),
                                 dict(mode="ptt", input_device="off")])
async def test_mic_off_opens_no_connection(tmp_path, cfg):
    async with SttDouble(key=KEY) as d:
        lis = listener(d, tmp_path, **cfg)
        await lis.start()
        assert lis.bus.status["stt"].state in (ServiceState.OFF, ServiceState.NOT_CONFIGURED)
        assert lis.tasks.tasks == set()
        await lis.stop()
        assert d.connections == [] and d.models_requests == [] and d.requests == []


@pytest.mark.espeak
@pytest.mark.slow
async def test_first_utterance_after_a_quiet_start_reuses_the_warm_connection(tmp_path):
    """End to end: the microphone opens, 2.5 s of silence (well over the 0.9 s keep-alive), then speech."""
    sp = make_speech(tmp_path, (PHRASE_A,), lead_s=2.5, tail_s=0.3)
    async with SttDouble(key=KEY) as d:
        lis = listener(d, tmp_path, mode="cohost", input_device=f"wav:{sp.path}")
        await lis.start()
        try:
            await until(lambda: lis.counters["sent"] + lis.counters["failed"] >= 1, 30, "the utterance")
            assert lis.counters["sent"] == 1 and len(d.requests) == 1
            assert len(d.models_requests) >= 3  # kept warm through the quiet start
            assert d.requests[0].peer == d.models_requests[0][1]
            assert len(d.connections) == 1, d.connections
        finally:
            await lis.stop()
