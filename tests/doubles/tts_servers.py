"""Loopback TTS servers for tests and benchmarks (real HTTP on 127.0.0.1, random ports).

* :func:`start_worker_app` — our own worker app (any engine) in this event loop.
* :class:`AischocoTtsServer` — the command-line AIsChoco server contract only:
  ``POST /synthesize`` → WAV, ``GET /health`` → ``{"status": "ok"}``; no ``/v1`` route.
* :class:`OpenAiSpeechServer` — a vLLM-Omni / faster-qwen3-tts style server: only
  ``POST /v1/audio/speech`` streaming 16-bit PCM at 24 kHz. Strict like OpenAI's own endpoint:
  ``model`` is required, unknown body keys are refused (400), an optional Bearer key (401), and
  **no** ``/health`` (most OpenAI-compatible servers have none: 404) unless asked for.
* Every server records each request (``hits``: method, path, status, client TCP connection) and each
  client TCP connection (``connections``, peer addresses in order of first use).
* :class:`RedirectServer` — answers every request with a redirect to another origin (another
  loopback port), to prove credentials never follow it.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import numpy as np
from aiohttp import web

from aischoco_gui.audio.pcm import float_to_pcm16, wav_bytes
from aischoco_gui.tts.engine import TtsEngine
from aischoco_gui.tts.engines.fake import FakeEngine
from aischoco_gui.tts.server import EngineHost, build_app
from tests.doubles.serving import serve


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Base:
    def __init__(self) -> None:
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.requests: list[tuple[str, dict]] = []
        self.request_times: list[float] = []  # time.perf_counter() when each synthesis request's body was read
        self.hits: list[tuple[str, str, int, Any]] = []  # (method, path, status, peer) of every request
        self.connections: list[Any] = []  # each client TCP connection (peer address), in order of first use

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> web.Application:
        raise NotImplementedError

    async def start(self, port: int = 0) -> _Base:
        app = self.app()
        app.middlewares.append(self._record)
        self.runner, self.port = await serve(app, port=port)
        return self

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer not in self.connections:
            self.connections.append(peer)
        try:
            resp = await handler(request)
        except web.HTTPException as e:  # e.g. 404 for a route the server does not have
            self.hits.append((request.method, request.path, e.status, peer))
            raise
        self.hits.append((request.method, request.path, resp.status, peer))
        return resp

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


class WorkerApp(_Base):
    def __init__(self, engine: TtsEngine) -> None:
        super().__init__()
        self.host = EngineHost(engine)

    def app(self) -> web.Application:
        return build_app(self.host)

    async def start(self, port: int = 0) -> WorkerApp:
        await super().start(port)
        await self.host.load()
        return self

    async def stop(self) -> None:
        await super().stop()
        self.host.close()


async def start_worker_app(engine: TtsEngine) -> WorkerApp:
    return await WorkerApp(engine).start()


class AischocoTtsServer(_Base):
    def __init__(self, engine: FakeEngine | None = None, max_chars: int | None = None) -> None:
        super().__init__()
        self.engine = engine or FakeEngine(sample_rate=24000)
        self.max_chars = max_chars  # a server with a length limit answers 413 to longer text
        self.rejected: list[str] = []

    def app(self) -> web.Application:
        app = web.Application()

        async def health(request: web.Request) -> web.Response:
            return web.json_response({"status": "ok"})

        async def synthesize(request: web.Request) -> web.Response:
            body = await request.json()
            if not isinstance(body.get("text"), str):  # FastAPI would answer 422 here
                return web.json_response({"detail": "text: field required"}, status=422)
            if self.max_chars is not None and len(body["text"]) > self.max_chars:
                self.rejected.append(body["text"])
                return web.json_response({"detail": f"text longer than {self.max_chars} characters"}, status=413)
            self.requests.append(("/synthesize", body))
            self.request_times.append(time.perf_counter())
            x = self.engine.render(body["text"], body.get("emotion", "neutral"))
            return web.Response(body=wav_bytes(x, self.engine.sample_rate), content_type="audio/wav")

        app.router.add_get("/health", health)
        app.router.add_post("/synthesize", synthesize)
        return app


class OpenAiSpeechServer(_Base):
    # OpenAI's documented body + the one extension vLLM-Omni / faster-qwen3-tts servers read.
    KEYS = {"model", "input", "voice", "response_format", "speed", "instructions", "stream_format", "stream"}

    def __init__(self, chunk_delay_s: float = 0.0, *, health: bool = False, api_key: str | None = None,
                 first_audio_delay_s: float = 0.0) -> None:
        super().__init__()
        self.engine = FakeEngine(sample_rate=24000)
        self.chunk_delay_s = chunk_delay_s
        self.first_audio_delay_s = first_audio_delay_s  # after the headers, before the first audio bytes
        self.first_audio_times: list[float] = []  # perf_counter() as each answer's first audio goes to the socket
        self.health = health
        self.api_key = api_key
        self.auth_seen: list[str | None] = []  # Authorization header of every request received

    def app(self) -> web.Application:
        app = web.Application()

        async def health(request: web.Request) -> web.Response:
            return web.Response(status=200)

        async def speech(request: web.Request) -> web.StreamResponse:
            self.auth_seen.append(request.headers.get("Authorization"))
            if self.api_key is not None and request.headers.get("Authorization") != f"Bearer {self.api_key}":
                return web.json_response({"error": {"message": "invalid api key"}}, status=401)
            body = await request.json()
            unknown = sorted(set(body) - self.KEYS)
            if unknown:
                return web.json_response({"error": {"message": f"Unrecognized request argument supplied: "
                                                               f"{', '.join(unknown)}"}}, status=400)
            if not body.get("model"):
                return web.json_response({"error": {"message": "model: field required"}}, status=400)
            if not body.get("input"):
                return web.json_response({"error": {"message": "input required"}}, status=400)
            self.requests.append(("/v1/audio/speech", body))
            self.request_times.append(time.perf_counter())
            x = self.engine.render(body["input"])
            resp = web.StreamResponse(headers={"Content-Type": "audio/pcm"})
            await resp.prepare(request)
            if self.first_audio_delay_s:
                await asyncio.sleep(self.first_audio_delay_s)
            step = 2400
            for i in range(0, len(x), step):
                # odd-sized writes on purpose: clients must keep sample alignment across chunks
                data = float_to_pcm16(x[i:i + step])
                if i == 0:  # stamped as the bytes are handed to the socket (after the write, the client
                    self.first_audio_times.append(time.perf_counter())  # may have played them already)
                await resp.write(data[:1001])
                await resp.write(data[1001:])
                if self.chunk_delay_s:
                    await asyncio.sleep(self.chunk_delay_s)
            await resp.write_eof()
            return resp

        if self.health:
            app.router.add_get("/health", health)
        app.router.add_post("/v1/audio/speech", speech)
        return app


class RedirectServer(_Base):
    """Every request → ``status`` redirect to the same path on ``target`` (another origin)."""

    def __init__(self, target: str, status: int = 307) -> None:
        super().__init__()
        self.target = target.rstrip("/")
        self.status = status
        self.auth_seen: list[str | None] = []

    def app(self) -> web.Application:
        app = web.Application()

        async def any_route(request: web.Request) -> web.Response:
            self.auth_seen.append(request.headers.get("Authorization"))
            return web.Response(status=self.status, headers={"Location": self.target + request.path_qs})

        app.router.add_route("*", "/{tail:.*}", any_route)
        return app


def tone(seconds: float, rate: int, freq: float = 440.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate), dtype=np.float32) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
