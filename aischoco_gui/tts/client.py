"""HTTP client for a TTS server (the local worker or ``TTS_REMOTE_URL``).

It detects which contract the server speaks: our worker lists ``contracts`` in ``/health``;
otherwise ``POST /v1/audio/speech`` and ``POST /synthesize`` are probed with an empty body (any
answer but 404/405 means the route exists). ``/health`` is optional: most OpenAI-compatible
servers have none, so a 404 there means "unknown" and the first real request decides. Streaming
PCM (OpenAI style) is preferred because its first chunk arrives before the sentence is finished.

OpenAI-style bodies carry only OpenAI's keys (``model``, ``input``, ``voice``, ``response_format``)
plus ``stream`` (read by vLLM-Omni / faster-qwen3-tts servers); ``emotion`` goes only to our own
worker, which announces itself in ``/health``. Redirects are followed only within the configured
origin; a redirect elsewhere is refused, so an API key never reaches another host (issue 13).

Once started, the client keeps its pooled connection alive (issue 18): the connector keeps an idle
connection ``keepalive_s`` (60 s; aiohttp's default is 15 s) and, while nothing is spoken, a cheap
``GET /health`` (or ``GET`` of the base URL when the server has no ``/health``; never a synthesis)
is sent after two thirds of that, so the first reply after a quiet spell skips DNS + TCP + TLS.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import numpy as np

from aischoco_gui.audio.pcm import WavFormatError, pcm16_to_float, read_wav_bytes
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.i18n import register, tr
from aischoco_gui.tts.backend import BackendUnavailable, Chunk
from aischoco_gui.tts.engine import EngineError
from aischoco_gui.user_text import voice_label

log = logging.getLogger(__name__)
register({
    "tts.status.remote_down": ("원격 음성 서버({url})에 연결할 수 없어요. 주소와 서버가 켜져 있는지 확인하세요",
                               "Cannot reach the remote voice server ({url}). Check the address and that it runs"),
})

DEFAULT_MODEL = "tts-1"  # OpenAI's name; servers that serve one model usually accept any name
REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 3


def origin(url: str) -> tuple[str, str, int | None]:
    u = urlsplit(url)
    port = u.port or {"http": 80, "https": 443}.get(u.scheme)
    return u.scheme.lower(), (u.hostname or "").lower(), port


@dataclass
class ServerInfo:
    contracts: list[str] = field(default_factory=list)  # "openai" and/or "aischoco"
    health: dict[str, Any] = field(default_factory=dict)
    ready: bool = False
    label: str = ""
    ours: bool = False  # our own worker (it lists its contracts in /health): accepts `emotion`
    health_known: bool = True  # False: the server has no /health (404); the first request decides


class HttpTtsClient:
    def __init__(self, url: str, *, name: str = "remote", bus: EventBus | None = None, status_name: str = "tts",
                 connect_timeout: float = 2.0, read_timeout: float = 30.0, prefer: str = "openai",
                 report_status: bool = True, model: str = DEFAULT_MODEL, api_key: str = "",
                 voice: str = "default", keepalive_s: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.model = model or DEFAULT_MODEL
        self.voice = voice
        self._api_key = api_key
        self.name = name
        self.bus = bus
        self.status_name = status_name
        self.prefer = prefer
        self.report_status = report_status
        self._timeout = aiohttp.ClientTimeout(total=None, connect=connect_timeout, sock_read=read_timeout)
        self._session: aiohttp.ClientSession | None = None
        self.info: ServerInfo | None = None
        self.label = f"remote TTS {self.url}"
        self.last_first_chunk_s: float | None = None
        self.failed = ""  # why the last probe failed ("" when it answered)
        self.keepalive_s = keepalive_s  # idle connection kept this long (read when the session is built)
        self.last_used = 0.0  # time.monotonic() of the last request or answer
        self._warm_task: asyncio.Task | None = None

    def _sess(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout, connector=aiohttp.TCPConnector(keepalive_timeout=self.keepalive_s))
        return self._session

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}

    async def _request(self, method: str, path: str, **kw: Any) -> aiohttp.ClientResponse:
        """One request with redirects followed by hand, only inside our own origin."""
        url = f"{self.url}{path}"
        for _ in range(MAX_REDIRECTS + 1):
            self.last_used = time.monotonic()
            r = await self._sess().request(method, url, allow_redirects=False, headers=self._headers(), **kw)
            self.last_used = time.monotonic()
            if r.status not in REDIRECTS or "Location" not in r.headers:
                return r
            target = urljoin(url, r.headers["Location"])
            r.release()
            if origin(target) != origin(self.url):
                raise BackendUnavailable(f"{self.url} redirected to another origin ({origin(target)[1]}); refused "
                                         "so the API key is not sent there. Set TTS_REMOTE_URL to the final "
                                         "address if that server is yours.")
            url = target
        raise BackendUnavailable(f"{self.url}: more than {MAX_REDIRECTS} redirects")

    async def start(self) -> None:
        try:
            await self.probe()
        except BackendUnavailable as e:
            self._status(ServiceState.ERROR, tr("tts.status.remote_down", url=self.url), error=str(e))
        if self._warm_task is None or self._warm_task.done():
            self._warm_task = asyncio.get_running_loop().create_task(self.keep_warm(),
                                                                     name=f"tts:{self.name}-keep-warm")

    async def keep_warm(self, every_s: float | None = None) -> None:
        """Run until cancelled (:meth:`aclose`): whenever the connection has sat idle for ``every_s``
        (default two thirds of the keep-alive), send one cheap request so it stays open."""
        every = every_s if every_s is not None else self.keepalive_s * 2 / 3
        self.last_used = max(self.last_used, time.monotonic())
        while True:
            await asyncio.sleep(max(0.01, self.last_used + every - time.monotonic()))
            if time.monotonic() - self.last_used >= every * 0.99:
                await self.ping()
                self.last_used = time.monotonic()  # also when nobody answered: try again a period later

    async def ping(self, timeout_s: float = 3.0) -> bool:
        """One cheap request that synthesises nothing: ``GET /health``, or ``GET`` of the base URL when
        the server has no ``/health``. Quiet: changes no state; False when nobody answered."""
        path = "" if self.info is not None and not self.info.health_known else "/health"
        try:
            async with await self._request("GET", path, timeout=aiohttp.ClientTimeout(total=timeout_s)) as r:
                await r.read()
            return True
        except Exception as e:  # only a warm-up: the real request reports real problems
            log.debug("TTS keep-warm to %s failed: %s", self.url, type(e).__name__)
            return False

    def _status(self, state: ServiceState, detail: str, error: str | None = None) -> None:
        if self.bus is not None and self.report_status:
            self.bus.set_status(self.status_name, state, detail, error=error)

    async def get_health(self) -> tuple[int, dict[str, Any]]:
        try:
            async with await self._request("GET", "/health", timeout=aiohttp.ClientTimeout(total=3)) as r:
                try:
                    data = await r.json(content_type=None)
                except Exception:
                    data = {}
                return r.status, data if isinstance(data, dict) else {}
        except (TimeoutError, aiohttp.ClientError, OSError) as e:
            self.failed = f"{self.url} not reachable: {type(e).__name__}: {e}"
            raise BackendUnavailable(self.failed) from None

    async def probe(self) -> ServerInfo:
        """Find out what the server speaks and whether it is ready."""
        status, health = await self.get_health()
        self.failed = ""
        info = ServerInfo(health=health, health_known=status not in (404, 405))
        if isinstance(health.get("contracts"), list):
            info.contracts = [c for c in health["contracts"] if c in ("openai", "aischoco")]
            info.ours = True
        else:
            for contract, path in (("openai", "/v1/audio/speech"), ("aischoco", "/synthesize")):
                try:  # an empty body: a server with the route answers 4xx/5xx other than 404/405
                    async with await self._request("POST", path, json={},
                                                   timeout=aiohttp.ClientTimeout(total=3)) as r:
                        if r.status not in (404, 405):
                            info.contracts.append(contract)
                except (TimeoutError, aiohttp.ClientError, OSError):
                    pass
        if not info.contracts:
            raise BackendUnavailable(f"{self.url} speaks neither /v1/audio/speech nor /synthesize")
        # No /health (404): unknown, not "down" — the first real request tells.
        info.ready = (not info.health_known) or (
            status == 200 and health.get("status", "ok") in ("ok", "ready", "healthy"))
        label = health.get("label") or health.get("engine") or ""
        info.label = f"{label} @ {self.url}" if label else f"remote TTS {self.url}"
        self.label = info.label
        self.info = info
        if info.ready:
            self._status(ServiceState.READY, voice_label(info.label))
        return info

    async def healthy(self) -> bool:
        try:
            info = await self.probe()
        except BackendUnavailable:
            return False
        return info.ready

    async def stream(self, text: str, emotion: str) -> AsyncIterator[Chunk]:
        if self.info is None or not self.info.ready:
            info = await self.probe()
            if not info.ready:
                why = info.health.get("error") or info.health.get("detail") or "not ready"
                raise BackendUnavailable(f"{self.url}: {why}")
        assert self.info is not None
        contracts = self.info.contracts
        use_openai = "openai" in contracts and (self.prefer == "openai" or "aischoco" not in contracts)
        t0 = time.monotonic()
        self.last_first_chunk_s = None
        gen = self._stream_openai(text, emotion) if use_openai else self._stream_aischoco(text, emotion)
        try:
            async with contextlib.aclosing(gen) as chunks:
                async for c in chunks:
                    if self.last_first_chunk_s is None:
                        self.last_first_chunk_s = time.monotonic() - t0
                    yield c
        except (TimeoutError, aiohttp.ClientError, OSError) as e:
            self.info = None
            raise BackendUnavailable(f"{self.url}: {type(e).__name__}: {e}") from None
        finally:
            self.last_used = time.monotonic()  # the connection went back to the pool just now

    async def _stream_openai(self, text: str, emotion: str) -> AsyncIterator[Chunk]:
        body: dict[str, Any] = {"model": self.model, "input": text, "voice": self.voice, "response_format": "pcm",
                                "stream": True}
        if self.info is not None and self.info.ours:
            body["emotion"] = emotion  # our worker's extension; foreign servers may refuse unknown keys
        async with await self._request("POST", "/v1/audio/speech", json=body) as r:
            if r.status != 200:
                raise await self._http_error(r)
            rate = int(r.headers.get("X-Sample-Rate") or 24000)
            carry = b""
            async for data in r.content.iter_any():
                data = carry + data
                cut = len(data) - len(data) % 2
                carry = data[cut:]
                if cut:
                    yield Chunk(pcm16_to_float(data[:cut]), rate)

    async def _stream_aischoco(self, text: str, emotion: str) -> AsyncIterator[Chunk]:
        async with await self._request("POST", "/synthesize", json={"text": text, "emotion": emotion}) as r:
            if r.status != 200:
                raise await self._http_error(r)
            data = await r.read()
        try:
            x, rate = read_wav_bytes(data)
        except WavFormatError as e:
            raise EngineError(f"{self.url}/synthesize returned no WAV: {e}") from None
        step = max(1, rate // 10)
        for i in range(0, len(x), step):
            yield Chunk(np.ascontiguousarray(x[i:i + step]), rate)

    async def _http_error(self, r: aiohttp.ClientResponse) -> EngineError:
        try:
            msg = (await r.json(content_type=None)).get("error", "")
        except Exception:
            msg = (await r.text())[:200]
        cls = BackendUnavailable if r.status in (502, 503, 504) else EngineError
        if r.status == 503:
            self.info = None
        return cls(f"{self.url}: HTTP {r.status}: {msg}")

    async def aclose(self) -> None:
        t, self._warm_task = self._warm_task, None
        if t is not None:
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await t
        if self._session is not None:
            with contextlib.suppress(Exception):
                await self._session.close()
            self._session = None
