"""Remote TTS client: contract detection, streaming, and the fallback chain with visible notices."""

from __future__ import annotations

import numpy as np
import pytest

from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.tts.backend import BackendUnavailable, FallbackChain, InProcessBackend
from aischoco_gui.tts.client import HttpTtsClient
from aischoco_gui.tts.engines.fake import FakeEngine
from tests.doubles.tts_servers import (
    AischocoTtsServer,
    OpenAiSpeechServer,
    RedirectServer,
    free_port,
    start_worker_app,
)
from tests.wait import wait_until


async def _collect(backend, text="안녕하세요 여러분"):
    chunks = [c async for c in backend.stream(text, "happy")]
    return chunks


async def test_detects_aischoco_only_server():
    srv = await AischocoTtsServer().start()
    c = HttpTtsClient(srv.url)
    try:
        info = await c.probe()
        assert info.contracts == ["aischoco"] and info.ready
        chunks = await _collect(c)
        assert srv.requests == [("/synthesize", {"text": "안녕하세요 여러분", "emotion": "happy"})]
        assert chunks[0].rate == 24000 and sum(len(ch.samples) for ch in chunks) > 0.5 * 24000
    finally:
        await c.aclose()
        await srv.stop()


async def test_detects_openai_only_server_and_keeps_sample_alignment():
    srv = await OpenAiSpeechServer(chunk_delay_s=0.01).start()
    c = HttpTtsClient(srv.url)
    try:
        info = await c.probe()
        assert info.contracts == ["openai"]
        chunks = await _collect(c)
        assert srv.requests[-1][1]["stream"] is True and srv.requests[-1][1]["response_format"] == "pcm"
        x = np.concatenate([ch.samples for ch in chunks])
        ref = srv.engine.render("안녕하세요 여러분")
        assert len(x) == len(ref)
        assert np.max(np.abs(x - ref)) < 1e-3  # odd-sized network chunks did not shift samples
        assert len(chunks) > 3
    finally:
        await c.aclose()
        await srv.stop()


async def test_our_worker_prefers_streaming_contract():
    w = await start_worker_app(FakeEngine(sample_rate=16000))
    c = HttpTtsClient(w.url)
    try:
        info = await c.probe()
        assert set(info.contracts) == {"aischoco", "openai"}
        chunks = await _collect(c)
        assert chunks[0].rate == 24000  # /v1 resamples to the declared 24 kHz
        assert c.last_first_chunk_s is not None  # measured (its size is a bench/tts_latency.py number)
    finally:
        await c.aclose()
        await w.stop()


async def test_unreachable_server_raises_backend_unavailable():
    c = HttpTtsClient(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(BackendUnavailable, match="not reachable"):
        await _collect(c)
    assert await c.healthy() is False
    await c.aclose()


async def test_remote_down_falls_back_with_notice_and_recovers(english_ui):
    port = free_port()
    bus = EventBus()
    notices = []
    bus.subscribe(lambda e: notices.append(e.data["text"]) if e.kind is EventKind.NOTICE else None)
    remote = HttpTtsClient(f"http://127.0.0.1:{port}", bus=bus)
    local = InProcessBackend(FakeEngine(sample_rate=16000))
    chain = FallbackChain([remote, local], bus, recheck_s=0.2)
    await chain.start()
    try:
        chunks = await _collect(chain)
        assert chunks and chunks[0].rate == 16000  # spoken by the fallback
        assert chain.active == 1 and chain.fallbacks == 1
        assert bus.status["tts"].state == ServiceState.DEGRADED
        assert any("failed" in n and "using" in n for n in notices)
        # the remote server comes up: the chain goes back to it
        srv = await AischocoTtsServer().start(port)
        try:
            await wait_until(lambda: chain.active == 0, timeout=2.5, what="the chain back on the remote")
            assert chain.active == 0 and bus.status["tts"].state == ServiceState.READY
            chunks = await _collect(chain)
            assert chunks[0].rate == 24000 and srv.requests
        finally:
            await srv.stop()
    finally:
        await chain.aclose()


async def test_remote_dies_mid_session_next_sentence_uses_fallback():
    srv = await OpenAiSpeechServer().start()
    bus = EventBus()
    chain = FallbackChain([HttpTtsClient(srv.url, bus=bus), InProcessBackend(FakeEngine(sample_rate=16000))], bus,
                          recheck_s=5)
    await chain.start()
    try:
        assert (await _collect(chain))[0].rate == 24000
        await srv.stop()
        assert (await _collect(chain))[0].rate == 16000
        assert bus.status["tts"].state == ServiceState.DEGRADED
    finally:
        await chain.aclose()


async def test_openai_server_without_health_gets_model_and_only_standard_keys():
    """Issue 12: most OpenAI-compatible servers have no /health and refuse unknown keys; `model` is required."""
    srv = await OpenAiSpeechServer(api_key="sk-test").start()  # no /health route: 404
    c = HttpTtsClient(srv.url, model="qwen3-tts", api_key="sk-test")
    try:
        info = await c.probe()
        assert info.contracts == ["openai"] and info.ready and not info.health_known
        chunks = await _collect(c)
        assert sum(len(ch.samples) for ch in chunks) > 0
        body = srv.requests[-1][1]
        assert body["model"] == "qwen3-tts" and body["input"] == "안녕하세요 여러분"
        assert set(body) <= {"model", "input", "voice", "response_format", "stream"}
        assert srv.auth_seen[-1] == "Bearer sk-test"
    finally:
        await c.aclose()
        await srv.stop()


async def test_default_model_is_sent():
    srv = await OpenAiSpeechServer().start()
    c = HttpTtsClient(srv.url)
    try:
        await _collect(c)
        assert srv.requests[-1][1]["model"] == "tts-1"
    finally:
        await c.aclose()
        await srv.stop()


async def test_our_worker_still_gets_the_emotion():
    w = await start_worker_app(FakeEngine(sample_rate=24000))
    c = HttpTtsClient(w.url)
    try:
        await c.probe()
        assert c.info.ours
        body = {}
        orig = c._request

        async def spy(method, path, **kw):
            if path == "/v1/audio/speech":
                body.update(kw.get("json") or {})
            return await orig(method, path, **kw)

        c._request = spy
        await _collect(c)
        assert body["emotion"] == "happy" and body["model"] == "tts-1"
    finally:
        await c.aclose()
        await w.stop()


async def test_redirect_to_another_origin_is_refused_and_the_key_never_reaches_it():
    """Issue 13: a TTS server redirecting elsewhere must not get our API key forwarded there."""
    other = await OpenAiSpeechServer(api_key="sk-secret").start()  # another loopback port = another origin
    hop = await RedirectServer(other.url, status=307).start()
    c = HttpTtsClient(hop.url, api_key="sk-secret")
    try:
        with pytest.raises(BackendUnavailable, match="another origin"):
            await _collect(c)
        assert hop.auth_seen  # the configured server got the key (it is the one we trust)
        assert other.auth_seen == []  # the other origin never saw a request, let alone the key
    finally:
        await c.aclose()
        await hop.stop()
        await other.stop()


async def test_fallback_worker_starts_only_when_first_needed(english_ui):
    """Issue 27: behind a working remote voice the offline voice's worker process is not started (~50 MB);
    the first sentence the remote cannot speak starts it, waits for it and is spoken by it."""
    from aischoco_gui.tts.worker import WorkerBackend  # noqa: PLC0415

    srv = await OpenAiSpeechServer().start()
    bus = EventBus()
    local = WorkerBackend("fake", None)
    chain = FallbackChain([HttpTtsClient(srv.url, bus=bus), local], bus, recheck_s=5)
    await chain.start()
    try:
        assert (await _collect(chain))[0].rate == 24000
        assert local.proc is None and local.pid is None  # no child process for a voice nobody used
        await srv.stop()
        chunks = await _collect(chain)  # the remote is gone: the worker starts now and speaks this sentence
        assert chunks and local.pid is not None and chain.active == 1
        assert bus.status["tts"].state == ServiceState.DEGRADED
    finally:
        await chain.aclose()
    assert local.proc.returncode is not None  # joined on close, no orphan


async def test_unused_fallback_is_not_started_and_close_is_clean():
    srv = await OpenAiSpeechServer().start()
    local = InProcessBackend(FakeEngine(sample_rate=16000))
    chain = FallbackChain([HttpTtsClient(srv.url), local], None, recheck_s=5)
    await chain.start()
    try:
        assert (await _collect(chain))[0].rate == 24000
        assert not local._loaded
    finally:
        await chain.aclose()
        await srv.stop()
