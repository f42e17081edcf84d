"""The local Whisper worker process: faster-whisper behind the same HTTP contract as Groq.

Model code never runs in the GUI process (DESIGN.md §2): ``LocalWhisper`` starts this module as a
child process, which fetches the model (progress as JSON lines on stdout), loads it, and serves
``POST /v1/audio/transcriptions`` on 127.0.0.1 with a per-run bearer token. The parent then talks
to it with the same client as the remote engine.

stdout protocol, one JSON object per line: ``{"event": "progress", "done", "total", "label"}``,
``{"event": "ready", "port"}``, ``{"event": "error", "message", "unavailable": bool}``.
The token comes on stdin (first line) so it never shows in the process list.

Usage (started by the app): ``python -m aischoco_gui.stt.worker --model NAME --cache DIR``
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import io
import json
import sys
import wave
from pathlib import Path
from typing import Any

import numpy as np


def say(**obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def load_model(model: str, cache: Path, device: str, compute_type: str) -> Any:
    from aischoco_gui.stt.engines import SttUnavailable  # noqa: PLC0415
    from aischoco_gui.stt.local import INSTALL_HINT, ensure_model  # noqa: PLC0415

    if importlib.util.find_spec("faster_whisper") is None:  # before fetching a model it could not run
        raise SttUnavailable(f"the local speech engine needs faster-whisper: {INSTALL_HINT}")
    path = ensure_model(model, cache, lambda done, total, label: say(event="progress", done=done, total=total,
                                                                      label=label))
    try:
        from faster_whisper import WhisperModel  # noqa: PLC0415 (optional extra, heavy)
    except ImportError:
        raise SttUnavailable(f"the local speech engine needs faster-whisper: {INSTALL_HINT}") from None
    return WhisperModel(str(path), device=device, compute_type=compute_type)


def transcribe(model: Any, wav: bytes, language: str | None) -> str:
    with wave.open(io.BytesIO(wav), "rb") as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (16000, 1, 2):
            raise ValueError("expected a 16 kHz mono 16-bit WAV")
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    segments, _info = model.transcribe(audio, language=language or None, beam_size=1, vad_filter=False,
                                       condition_on_previous_text=False)
    return "".join(s.text for s in segments)


async def serve(model: Any, token: str, host: str) -> None:
    from aiohttp import web  # noqa: PLC0415

    lock = asyncio.Lock()  # one decode at a time

    async def handle(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {token}":
            return web.json_response({"error": {"message": "bad token"}}, status=401)
        form = await request.post()
        f = form.get("file")
        if f is None or not hasattr(f, "file"):
            return web.json_response({"error": {"message": "file is required"}}, status=400)
        wav = f.file.read()
        lang = str(form.get("language") or "") or None
        async with lock:
            try:
                text = await asyncio.to_thread(transcribe, model, wav, lang)
            except (ValueError, wave.Error) as e:
                return web.json_response({"error": {"message": str(e)}}, status=400)
        return web.json_response({"text": text})

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/v1/audio/transcriptions", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    say(event="ready", port=site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # the parent closes stdin (or dies): exit
    await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--compute-type", default="default")
    ap.add_argument("--host", default="127.0.0.1")
    a = ap.parse_args(argv)
    token = sys.stdin.readline().strip()
    from aischoco_gui.stt.engines import SttUnavailable  # noqa: PLC0415

    try:
        model = load_model(a.model, Path(a.cache), a.device, a.compute_type)
    except SttUnavailable as e:
        say(event="error", message=str(e), unavailable=True)
        return 2
    except Exception as e:
        say(event="error", message=f"{type(e).__name__}: {e}", unavailable=False)
        return 1
    asyncio.run(serve(model, token, a.host))
    return 0


if __name__ == "__main__":
    sys.exit(main())
