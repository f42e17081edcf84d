"""The TTS worker's HTTP contracts, with the real espeak-ng system engine producing Korean audio."""

from __future__ import annotations

import asyncio
import shutil

import aiohttp
import numpy as np
import pytest

from aischoco_gui.audio.pcm import pcm16_to_float, read_wav_bytes, rms
from aischoco_gui.tts.engines.fake import FakeEngine
from aischoco_gui.tts.engines.system import create_system_engine
from tests.doubles.tts_servers import start_worker_app
from tests.wait import wait_until

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (apt install espeak-ng)")

KO = "안녕하세요. 오늘도 방송에 와 주셔서 정말 고마워요."


@pytest.fixture
async def system_worker():
    w = await start_worker_app(create_system_engine("ko"))
    yield w
    await w.stop()


@pytest.mark.espeak
@needs_espeak
async def test_health_reports_engine_rate_contracts(system_worker):
    async with aiohttp.ClientSession() as s, s.get(f"{system_worker.url}/health") as r:
        h = await r.json()
    assert r.status == 200 and h["status"] == "ok"
    assert h["engine"] == "system" and h["cloned_voice"] is False and "not the cloned voice" in h["label"]
    assert h["sample_rate"] == 22050 and h["pcm_sample_rate"] == 24000
    assert set(h["contracts"]) == {"aischoco", "openai"}


@pytest.mark.espeak
@needs_espeak
async def test_synthesize_returns_korean_speech_wav(system_worker):
    async with aiohttp.ClientSession() as s, \
            s.post(f"{system_worker.url}/synthesize", json={"text": KO, "emotion": "happy"}) as r:
        assert r.status == 200 and r.content_type == "audio/wav"
        x, rate = read_wav_bytes(await r.read())
    assert rate == 22050
    assert 1.5 < len(x) / rate < 8.0  # a spoken sentence, not a beep or a hang
    assert rms(x) > 0.02
    # speech has pauses and voiced parts: the 20 ms RMS must vary a lot
    w = x[: len(x) // 441 * 441].reshape(-1, 441)
    frame_rms = np.sqrt((w ** 2).mean(axis=1))
    assert frame_rms.max() > 5 * np.percentile(frame_rms, 10)


@pytest.mark.espeak
@needs_espeak
async def test_openai_contract_streams_pcm_24k(system_worker):
    body = {"input": KO, "voice": "default", "response_format": "pcm", "stream": True}
    sizes = []
    async with aiohttp.ClientSession() as s, s.post(f"{system_worker.url}/v1/audio/speech", json=body) as r:
        assert r.status == 200 and r.headers["X-Sample-Rate"] == "24000"
        assert r.headers.get("Transfer-Encoding") == "chunked"
        data = b""
        async for chunk in r.content.iter_any():
            sizes.append(len(chunk))
            data += chunk
    x = pcm16_to_float(data[: len(data) // 2 * 2])
    assert 1.5 < len(x) / 24000 < 8.0 and rms(x) > 0.02
    assert len(sizes) > 1  # it really streamed


@pytest.mark.espeak
@needs_espeak
async def test_openai_contract_non_streaming_wav_and_pcm(system_worker):
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{system_worker.url}/v1/audio/speech",
                          json={"input": "반가워요.", "response_format": "wav"}) as r:
            x, rate = read_wav_bytes(await r.read())
        async with s.post(f"{system_worker.url}/v1/audio/speech",
                          json={"input": "반가워요.", "response_format": "pcm", "stream": False}) as r:
            y = pcm16_to_float(await r.read())
    assert rate == 24000 and len(x) > 0.4 * 24000 and rms(x) > 0.02
    assert abs(len(y) - len(x)) < 50


async def test_bad_requests_get_clear_errors():
    w = await start_worker_app(FakeEngine())
    try:
        async with aiohttp.ClientSession() as s:
            async with s.post(f"{w.url}/synthesize", data=b"not json") as r:
                assert r.status == 400 and "JSON" in (await r.json())["error"]
            async with s.post(f"{w.url}/synthesize", json={"text": "  "}) as r:
                assert r.status == 400 and "non-empty" in (await r.json())["error"]
            async with s.post(f"{w.url}/v1/audio/speech", json={"input": "안녕", "response_format": "mp3"}) as r:
                assert r.status == 400 and "pcm or wav" in (await r.json())["error"]
            async with s.post(f"{w.url}/synthesize", json={"text": "가" * 3000}) as r:
                assert r.status == 413
    finally:
        await w.stop()


async def test_engine_loading_and_errors_are_reported_by_health():
    from aischoco_gui.tts.server import EngineHost, build_app  # noqa: PLC0415
    from tests.doubles.tts_servers import WorkerApp  # noqa: PLC0415

    w = WorkerApp(FakeEngine(load_s=0.6))
    await super(WorkerApp, w).start()  # serve before the engine is loaded
    load = asyncio.get_running_loop().create_task(w.host.load())
    try:
        async with aiohttp.ClientSession() as s:
            await wait_until(lambda: w.host.progress > 0, what="loading under way")
            async with s.get(f"{w.url}/health") as r:
                h = await r.json()
                assert r.status == 503 and h["status"] == "loading" and 0 < h["progress"] < 1
            async with s.post(f"{w.url}/synthesize", json={"text": "안녕"}) as r:
                assert r.status == 503 and "loading" in (await r.json())["error"]
            await load
            async with s.get(f"{w.url}/health") as r:
                assert (await r.json())["status"] == "ok"
    finally:
        await w.stop()
    broken = EngineHost(None, load_error="no CUDA GPU available to torch")
    app = build_app(broken)
    assert app is not None and broken.health()["status"] == "error"


async def test_cancellation_mid_utterance_stops_the_engine():
    eng = FakeEngine(rtf=1.0)  # real-time engine: a long sentence takes seconds
    w = await start_worker_app(eng)
    try:
        body = {"input": "가" * 60, "response_format": "pcm", "stream": True}
        async with aiohttp.ClientSession() as s:
            async with s.post(f"{w.url}/v1/audio/speech", json=body) as r:
                first = await r.content.read(4800)
                assert len(first) > 0
            # connection closed after the first chunk
            await wait_until(lambda: w.host.stats["active"] == 0, timeout=2.5, what="the engine stopped")
            async with s.get(f"{w.url}/health") as r:  # and /health says so
                st = (await r.json())["stats"]
        assert st["active"] == 0 and st["cancelled"] == 1 and st["completed"] == 0
    finally:
        await w.stop()
