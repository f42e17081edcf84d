"""The TTS worker: an HTTP server hosting one engine (``aischoco-tts`` / ``python -m aischoco_gui.tts.server``).

It speaks both contracts seen in the field (DESIGN.md §4.4):

* AIsChoco: ``POST /synthesize {"text", "emotion"}`` → ``audio/wav`` (engine's own rate),
  ``GET /health``.
* OpenAI style: ``POST /v1/audio/speech {"input", "voice", "response_format": "pcm"|"wav",
  "stream"}`` → 16-bit LE mono at 24 kHz (``X-Sample-Rate`` says so), streamed chunk by chunk
  when ``stream`` is true.

``GET /health`` also reports loading progress, the engine's label and rate, and which contracts
are served (``contracts``), so clients need not guess. The app runs this on 127.0.0.1 as a
subprocess (model loading never happens in the GUI process); the same command runs on a GPU box
or Colab for ``TTS_REMOTE_URL``. With ``--port 0`` it prints ``AISCHOCO_TTS_PORT=<port>``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from aiohttp import web

from aischoco_gui.audio.pcm import float_to_pcm16, wav_bytes
from aischoco_gui.audio.resample import StreamResampler
from aischoco_gui.tts.engine import EngineError, EngineUnavailable, TtsEngine

log = logging.getLogger("aischoco_gui.tts.server")

PCM_RATE = 24000  # what OpenAI-style clients expect from /v1/audio/speech
CONTRACTS = ["aischoco", "openai"]
MAX_TEXT = 2000
PORT_LINE = "AISCHOCO_TTS_PORT="
EMOTIONS = ("happy", "sad", "angry", "surprised", "neutral", "excited")


class EngineHost:
    """Loads an engine once and runs its blocking synthesis in threads, as async chunk streams."""

    def __init__(self, engine: TtsEngine | None, load_error: str = "") -> None:
        self.engine = engine
        self.state = "error" if engine is None else "loading"
        self.progress = 0.0
        self.detail = "starting"
        self.error = load_error
        self.started = time.monotonic()
        self.load_s: float | None = None
        self.stats = {"requests": 0, "completed": 0, "cancelled": 0, "failed": 0, "active": 0}
        n = max(1, getattr(engine, "max_concurrency", 1))
        self._pool = ThreadPoolExecutor(max_workers=n + 1, thread_name_prefix="tts-engine")
        self._sem: asyncio.Semaphore | None = None
        self._n = n

    async def load(self) -> None:
        if self.engine is None:
            return
        t0 = time.monotonic()

        def progress(p: float, what: str) -> None:
            self.progress, self.detail = float(p), what

        try:
            await asyncio.get_running_loop().run_in_executor(self._pool, self.engine.load, progress)
        except Exception as e:
            self.state, self.error = "error", f"{type(e).__name__}: {e}" if not isinstance(e, EngineError) else str(e)
            log.error("engine %s failed to load: %s", self.engine.name, self.error)
            return
        self.load_s = time.monotonic() - t0
        self.state, self.progress, self.detail = "ok", 1.0, "ready"
        log.info("engine %s ready in %.2f s", self.engine.name, self.load_s)

    def health(self) -> dict[str, Any]:
        e = self.engine
        return {
            "status": self.state, "engine": e.name if e else None, "label": e.label if e else "",
            "cloned_voice": bool(e and e.cloned_voice), "sample_rate": e.sample_rate if e else None,
            "sample_format": e.sample_format if e else None, "pcm_sample_rate": PCM_RATE,
            "progress": round(self.progress, 3), "detail": self.detail, "error": self.error,
            "load_s": self.load_s, "contracts": CONTRACTS, "stats": dict(self.stats),
        }

    async def stream(self, text: str, emotion: str) -> AsyncIterator[np.ndarray]:
        """Chunks for one sentence. Closing the generator early cancels the engine between chunks."""
        assert self.engine is not None
        if self._sem is None:
            self._sem = asyncio.Semaphore(self._n)
        loop = asyncio.get_running_loop()
        q: asyncio.Queue = asyncio.Queue()
        cancel = threading.Event()
        engine = self.engine

        def put(item: tuple[str, Any]) -> None:
            with contextlib.suppress(RuntimeError):  # loop closed during shutdown
                loop.call_soon_threadsafe(q.put_nowait, item)

        def run() -> None:
            try:
                for c in engine.synthesize(text, emotion, cancel):
                    if cancel.is_set():
                        break
                    put(("chunk", c))
            except Exception as e:
                put(("error", e))
            finally:
                put(("end", None))

        self.stats["requests"] += 1
        ok = failed = False
        async with self._sem:
            self.stats["active"] += 1
            loop.run_in_executor(self._pool, run)
            try:
                while True:
                    kind, v = await q.get()
                    if kind == "end":
                        break
                    if kind == "error":
                        failed = True
                        raise v if isinstance(v, EngineError) else EngineError(f"{type(v).__name__}: {v}")
                    yield v
                ok = True
            finally:
                cancel.set()
                self.stats["active"] -= 1
                if ok:
                    self.stats["completed"] += 1
                elif failed:
                    self.stats["failed"] += 1
                else:
                    self.stats["cancelled"] += 1

    def close(self) -> None:
        if self.engine is not None:
            with contextlib.suppress(Exception):
                self.engine.close()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _error(status: int, msg: str) -> web.Response:
    return web.json_response({"error": msg}, status=status)


async def _json_body(request: web.Request) -> dict[str, Any] | web.Response:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return _error(400, "body must be JSON")
    if not isinstance(body, dict):
        return _error(400, "body must be a JSON object")
    return body


def _check_text(text: Any) -> str | web.Response:
    if not isinstance(text, str) or not text.strip():
        return _error(400, "text must be a non-empty string")
    if len(text) > MAX_TEXT:
        return _error(413, f"text longer than {MAX_TEXT} characters; send one sentence at a time")
    return text.strip()


def _not_ready(host: EngineHost) -> web.Response | None:
    if host.state == "ok":
        return None
    if host.state == "loading":
        return _error(503, f"engine loading ({host.progress:.0%}: {host.detail})")
    return _error(503, f"engine unavailable: {host.error}")


def build_app(host: EngineHost) -> web.Application:
    app = web.Application(client_max_size=1 << 20)

    async def health(request: web.Request) -> web.Response:
        return web.json_response(host.health(), status=200 if host.state == "ok" else 503)

    async def synthesize(request: web.Request) -> web.StreamResponse:
        body = await _json_body(request)
        if isinstance(body, web.Response):
            return body
        text = _check_text(body.get("text"))
        if isinstance(text, web.Response):
            return text
        if (r := _not_ready(host)) is not None:
            return r
        emotion = str(body.get("emotion") or "neutral")
        parts: list[np.ndarray] = []
        try:
            async with contextlib.aclosing(host.stream(text, emotion)) as chunks:
                async for c in chunks:
                    parts.append(c)
        except EngineError as e:
            return _error(500, str(e))
        x = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        rate = host.engine.sample_rate  # type: ignore[union-attr]
        return web.Response(body=wav_bytes(x, rate), content_type="audio/wav",
                            headers={"X-Sample-Rate": str(rate), "X-TTS-Engine": host.engine.name})  # type: ignore

    async def speech(request: web.Request) -> web.StreamResponse:
        body = await _json_body(request)
        if isinstance(body, web.Response):
            return body
        text = _check_text(body.get("input"))
        if isinstance(text, web.Response):
            return text
        fmt = str(body.get("response_format") or "wav").lower()
        if fmt not in ("pcm", "wav"):
            return _error(400, f"unsupported response_format {fmt!r}: use pcm or wav")
        if (r := _not_ready(host)) is not None:
            return r
        emotion = str(body.get("emotion") or "")
        if not emotion:
            instr = str(body.get("instructions") or "").lower()
            emotion = next((e for e in EMOTIONS if e in instr), "neutral")
        rs = StreamResampler(host.engine.sample_rate, PCM_RATE)  # type: ignore[union-attr]
        headers = {"X-Sample-Rate": str(PCM_RATE), "X-Sample-Format": "s16le", "X-Channels": "1",
                   "X-TTS-Engine": host.engine.name}  # type: ignore[union-attr]
        ctype = "audio/pcm" if fmt == "pcm" else "audio/wav"
        if not body.get("stream"):
            parts = []
            try:
                async with contextlib.aclosing(host.stream(text, emotion)) as chunks:
                    async for c in chunks:
                        parts.append(rs.process(c))
                parts.append(rs.flush())
            except EngineError as e:
                return _error(500, str(e))
            x = np.concatenate(parts) if parts else np.zeros(0, np.float32)
            data = float_to_pcm16(x) if fmt == "pcm" else wav_bytes(x, PCM_RATE)
            return web.Response(body=data, content_type=ctype, headers=headers)
        resp = web.StreamResponse(status=200, headers={**headers, "Content-Type": ctype})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        if fmt == "wav":  # streaming WAV: sizes unknown, use the conventional 0xFFFFFFFF
            hdr = bytearray(wav_bytes(np.zeros(0, np.float32), PCM_RATE))
            hdr[4:8] = b"\xff\xff\xff\xff"
            hdr[40:44] = b"\xff\xff\xff\xff"
            await resp.write(bytes(hdr))
        try:
            async with contextlib.aclosing(host.stream(text, emotion)) as chunks:
                async for c in chunks:
                    await resp.write(float_to_pcm16(rs.process(c)))
            await resp.write(float_to_pcm16(rs.flush()))
        except EngineError as e:  # headers are gone: end the stream early; the client sees it short
            log.error("synthesis failed mid-stream: %s", e)
            return resp
        except (ConnectionResetError, asyncio.CancelledError):
            log.info("client went away; synthesis cancelled")
            raise
        await resp.write_eof()
        return resp

    app.router.add_get("/health", health)
    app.router.add_post("/synthesize", synthesize)
    app.router.add_post("/v1/audio/speech", speech)
    return app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="aischoco-tts", description="AIsChoco TTS worker / server")
    p.add_argument("--engine", default="system", choices=("system", "qwen", "faster-qwen", "fake"))
    p.add_argument("--host", default="127.0.0.1", help="bind address (0.0.0.0 to serve other PCs)")
    p.add_argument("--port", type=int, default=0, help="0 = any free port (printed as AISCHOCO_TTS_PORT=…)")
    p.add_argument("--voice", default="ko", help="system engine voice (espeak-ng voice name)")
    p.add_argument("--model", default="", help="qwen model id or local folder (default 1.7B-Base)")
    p.add_argument("--device", default="", help="torch device for qwen (default cuda:0)")
    p.add_argument("--dtype", default="", help="torch dtype for qwen (default bfloat16)")
    p.add_argument("--attn", default="", help="attn_implementation (auto, sdpa, flash_attention_2)")
    p.add_argument("--ref-audio", default="", help="reference voice WAV for cloning")
    p.add_argument("--ref-text", default="", help="transcript of the reference (default: ref_text.txt beside it)")
    p.add_argument("--fake-first-chunk-s", type=float, default=0.0)
    p.add_argument("--fake-rtf", type=float, default=0.0)
    p.add_argument("--fake-load-s", type=float, default=0.0)
    p.add_argument("--exit-on-stdin-eof", action="store_true", help="exit when the parent closes stdin")
    p.add_argument("--log-level", default="INFO")
    return p.parse_args(argv)


async def serve(args: argparse.Namespace, ready: asyncio.Event | None = None) -> None:
    from aischoco_gui.tts.engines import create_engine  # noqa: PLC0415

    try:
        engine: TtsEngine | None = create_engine(
            args.engine, voice=args.voice, model=args.model, device=args.device, dtype=args.dtype,
            attn=args.attn, ref_audio=args.ref_audio, ref_text=args.ref_text,
            fake_first_chunk_s=args.fake_first_chunk_s, fake_rtf=args.fake_rtf, fake_load_s=args.fake_load_s)
        host = EngineHost(engine)
    except EngineUnavailable as e:
        log.error("engine %s unavailable: %s", args.engine, e)
        host = EngineHost(None, load_error=str(e))
    runner = web.AppRunner(build_app(host), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("serving on %s:%d: anyone on the network can use this TTS server", args.host, port)
    print(f"{PORT_LINE}{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    if args.exit_on_stdin_eof:
        def watch_stdin() -> None:
            with contextlib.suppress(Exception):
                while sys.stdin.buffer.read(4096):
                    pass
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=watch_stdin, name="stdin-watch", daemon=True).start()
    load_task = loop.create_task(host.load(), name="tts-server:load")
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        load_task.cancel()
        await runner.cleanup()
        host.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.INFO), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s tts-worker: %(message)s")
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
