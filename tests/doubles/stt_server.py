"""A loopback OpenAI-compatible transcription server (Groq Whisper's contract, DESIGN.md §4.7).

``POST /v1/audio/transcriptions`` with multipart form data, checked as strictly as the real one
and as our own contract promises:

* ``Authorization: Bearer <key>`` must match (401 otherwise, OpenAI error body);
* fields ``file`` (a file part), ``model``, optional ``language`` (ISO-639-1), ``response_format``
  (``json`` | ``text`` | ``verbose_json``); unknown fields → 400;
* the file must be a RIFF/WAVE PCM file, 16 kHz, mono, 16-bit, at least 0.01 s, under 25 MB
  (what we promise to send; 400 otherwise);
* answers ``{"text": ...}`` (``json``), plain text, or ``verbose_json`` with ``duration``.

``GET /v1/models`` (free, Bearer key) lists the models: clients pre-connect with it. Each client TCP
connection is recorded (``connections``, peer addresses in order of first use; ``SttRequest.peer``).

Scripted answers (``Script``): another status (e.g. 429 with ``retry-after``), a redirect
(``redirect_to``), a delay. Every request is recorded with its decoded audio and receive time.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
import wave
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiohttp import web

from tests.doubles.serving import ServedDouble, run_in_thread, serve

ALLOWED_FIELDS = {"file", "model", "language", "prompt", "response_format", "temperature",
                  "timestamp_granularities[]"}
MAX_BYTES = 25 * 1024 * 1024


@dataclass
class Script:
    status: int = 200
    text: str | None = None  # None: the double's default text
    headers: dict[str, str] = field(default_factory=dict)
    redirect_to: str | None = None  # answer 307 with this Location
    delay_s: float = 0.0


@dataclass
class SttRequest:
    t: float  # time.monotonic() when the whole body was read
    headers: dict[str, str]
    fields: dict[str, str]
    filename: str
    content_type: str
    wav: bytes
    rate: int = 0
    channels: int = 0
    sampwidth: int = 0
    audio: np.ndarray | None = None  # float32 mono
    status: int = 0  # what the double answered
    peer: Any = None  # the client's TCP connection (address)

    @property
    def duration_s(self) -> float:
        return 0.0 if self.audio is None or not self.rate else len(self.audio) / self.rate


class SttDouble(ServedDouble):
    def __init__(self, key: str = "gsk_test_stt", text: str = "안녕하세요 오늘 방송 재밌어요",
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.key = key
        self.text = text
        self.host = host
        self.port = port
        self.requests: list[SttRequest] = []
        self.rejected: list[tuple[int, str]] = []  # (status, reason) of requests refused for form/auth
        self.models_requests: list[tuple[float, Any]] = []  # GET /v1/models: (time.monotonic(), peer)
        self.connections: list[Any] = []  # each client TCP connection (peer address), in order of first use
        self._scripts: deque[Script] = deque()
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def script(self, *scripts: Script) -> SttDouble:
        self._scripts.extend(scripts)
        return self

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> SttDouble:
        app = web.Application(client_max_size=MAX_BYTES + 1024 * 1024)
        app.router.add_post("/v1/audio/transcriptions", self._handle)
        app.router.add_get("/v1/models", self._models)
        self._runner, self.port = await serve(app, self.host, self.port)
        return self

    @classmethod
    def start_in_thread(cls, **kw) -> SttDouble:
        d = cls(**kw)
        run_in_thread(d, "stt-double")
        return d


    # -- handler -----------------------------------------------------------------------------
    @staticmethod
    def _error(status: int, message: str, kind: str = "invalid_request_error") -> web.Response:
        return web.json_response({"error": {"message": message, "type": kind}}, status=status)

    def _reject(self, status: int, message: str, kind: str = "invalid_request_error") -> web.Response:
        self.rejected.append((status, message))
        return self._error(status, message, kind)

    def _peer(self, request: web.Request) -> Any:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer not in self.connections:
            self.connections.append(peer)
        return peer

    async def _models(self, request: web.Request) -> web.Response:
        peer = self._peer(request)
        if request.headers.get("Authorization", "") != f"Bearer {self.key}":
            return self._reject(401, "Invalid API Key", "invalid_api_key")
        self.models_requests.append((time.monotonic(), peer))
        return web.json_response({"object": "list", "data": [
            {"id": "whisper-large-v3-turbo", "object": "model", "owned_by": "OpenAI"}]})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        peer = self._peer(request)
        if request.headers.get("Authorization", "") != f"Bearer {self.key}":
            return self._reject(401, "Invalid API Key", "invalid_api_key")
        if not request.content_type.startswith("multipart/form-data"):
            return self._reject(400, f"expected multipart/form-data, got {request.content_type}")
        fields: dict[str, str] = {}
        wav = b""
        filename = ctype = ""
        reader = await request.multipart()
        async for part in reader:
            name = part.name or ""
            if name not in ALLOWED_FIELDS:
                return self._reject(400, f"unknown parameter: {name}")
            if name == "file":
                if not part.filename:
                    return self._reject(400, "file must be a file upload")
                filename, ctype = part.filename, part.headers.get("Content-Type", "")
                wav = await part.read(decode=False)
                if len(wav) > MAX_BYTES:
                    return self._reject(413, "file too large")
            else:
                fields[name] = (await part.read(decode=True)).decode("utf-8")
        t = time.monotonic()
        if not wav:
            return self._reject(400, "file is required")
        if not fields.get("model"):
            return self._reject(400, "model is required")
        fmt = fields.get("response_format", "json")
        if fmt not in ("json", "text", "verbose_json"):
            return self._reject(400, f"response_format must be json, text or verbose_json (got {fmt})")
        lang = fields.get("language")
        if lang is not None and (len(lang) != 2 or not lang.isalpha()):
            return self._reject(400, f"language must be ISO-639-1 (got {lang})")
        rec = SttRequest(t=t, headers=dict(request.headers), fields=fields, filename=filename, content_type=ctype,
                         wav=wav, peer=peer)
        if wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
            return self._reject(400, "file is not a RIFF/WAVE file")
        try:
            with wave.open(io.BytesIO(wav), "rb") as w:
                rec.rate, rec.channels, rec.sampwidth = w.getframerate(), w.getnchannels(), w.getsampwidth()
                raw = w.readframes(w.getnframes())
        except (wave.Error, EOFError) as e:
            return self._reject(400, f"could not decode WAV: {e}")
        if (rec.rate, rec.channels, rec.sampwidth) != (16000, 1, 2):
            return self._reject(400, f"expected 16 kHz mono 16-bit WAV, got {rec.rate} Hz, "
                                     f"{rec.channels} ch, {rec.sampwidth * 8}-bit")
        rec.audio = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
        if rec.duration_s < 0.01:
            return self._reject(400, "audio file is too short (minimum 0.01 seconds)")
        self.requests.append(rec)
        s = self._scripts.popleft() if self._scripts else Script()
        if s.delay_s:
            await asyncio.sleep(s.delay_s)
        rec.status = 307 if s.redirect_to else s.status
        if s.redirect_to:
            return web.Response(status=307, headers={"Location": s.redirect_to})
        if s.status != 200:
            kind = "rate_limit_exceeded" if s.status == 429 else "server_error"
            resp = self._error(s.status, f"scripted HTTP {s.status}", kind)
            resp.headers.update(s.headers)
            return resp
        text = self.text if s.text is None else s.text
        if fmt == "text":
            return web.Response(text=text, headers=s.headers)
        body: dict = {"text": text, "x_groq": {"id": f"req_{len(self.requests)}"}}
        if fmt == "verbose_json":
            body.update(task="transcribe", language=lang or "korean", duration=rec.duration_s, segments=[])
        return web.Response(text=json.dumps(body, ensure_ascii=False), content_type="application/json",
                            headers=s.headers)
