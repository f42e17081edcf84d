"""Issue 18: the remote TTS client keeps its connection open while nothing is spoken (an explicit connector
keep-alive and a cheap request before it runs out, never a synthesis), so the first reply after a quiet
spell does not reconnect (DNS + TCP + TLS on a real network)."""

from __future__ import annotations

import pytest

from aischoco_gui.tts.client import HttpTtsClient
from tests.doubles.tts_servers import AischocoTtsServer, OpenAiSpeechServer
from tests.wait import wait_until

# The keep-alive of the tests: the warm-up repeats after 2/3 of it, leaving 0.3 s of slack on a loaded machine.
KEEPALIVE_S = 0.9


@pytest.mark.parametrize("kind, ping_path", [("aischoco", "/health"), ("openai", "/")])
async def test_first_synthesis_after_a_quiet_spell_reuses_the_connection(kind, ping_path):
    """``aischoco`` has ``/health``; the OpenAI-style server has none (404), so the base URL is fetched."""
    srv = await (AischocoTtsServer() if kind == "aischoco" else OpenAiSpeechServer()).start()
    c = HttpTtsClient(srv.url, keepalive_s=KEEPALIVE_S)
    try:
        await c.start()
        probed = len(srv.hits)
        # 3 keep-warm periods: ≥ 2 keep-alives of silence
        await wait_until(lambda: len(srv.hits) >= probed + 3, 10, "three warm-ups")
        warm = srv.hits[probed:]
        assert {(m, p) for m, p, _, _ in warm} == {("GET", ping_path)}  # cheap, never a synthesis
        assert srv.requests == []
        chunks = [ch async for ch in c.stream("안녕하세요 여러분", "happy")]
        assert chunks and len(srv.requests) == 1
        assert len(srv.connections) == 1, srv.connections  # the reply went over the kept connection
        assert srv.hits[-1][3] == srv.hits[0][3]
    finally:
        await c.aclose()
        await srv.stop()


async def test_keep_warm_stops_with_the_client():
    srv = await AischocoTtsServer().start()
    c = HttpTtsClient(srv.url, keepalive_s=KEEPALIVE_S)
    try:
        await c.start()
        task = c._warm_task
        assert task is not None and not task.done()
        await c.aclose()
        assert task.done() and c._warm_task is None
    finally:
        await c.aclose()
        await srv.stop()


async def test_default_keepalive_outlasts_aiohttps_15_s():
    srv = await AischocoTtsServer().start()
    c = HttpTtsClient(srv.url)
    try:
        await c.start()
        assert c.keepalive_s == 60.0
        assert c._session is not None and c._session.connector._keepalive_timeout == 60.0
    finally:
        await c.aclose()
        await srv.stop()
