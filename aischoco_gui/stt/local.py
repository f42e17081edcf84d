"""Local Whisper (faster-whisper / CTranslate2), the optional ``[stt-local]`` extra.

The model runs in a worker process (``aischoco_gui.stt.worker``), never in the GUI process. It is
fetched on first use into ``<data>/cache/stt-models/<name>`` with progress reported through
``on_progress(done_bytes, total_bytes, label)``. The files and repositories are the ones
faster-whisper itself downloads (``faster_whisper.utils.download_model``); we call the Hugging Face
hub client directly so that progress reaches the UI. faster-whisper is imported only in the
worker; without it the engine says how to install it and downloads nothing.

Not run here: neither faster-whisper nor a Whisper model was available on the machine this was
written on. The download path and the worker's HTTP service are tested against stand-ins for the
hub client and for faster-whisper's ``WhisperModel``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import logging
import secrets
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from aischoco_gui.stt.engines import SttError, SttUnavailable, Transcript
from aischoco_gui.stt.remote import RemoteWhisper

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (done_bytes, total_bytes, label)
Downloader = Callable[..., str]  # huggingface_hub.snapshot_download's signature

# faster-whisper 1.1's names → CTranslate2 model repositories (faster_whisper/utils.py _MODELS).
MODELS = {
    "tiny": "Systran/faster-whisper-tiny",
    "base": "Systran/faster-whisper-base",
    "small": "Systran/faster-whisper-small",
    "medium": "Systran/faster-whisper-medium",
    "large-v2": "Systran/faster-whisper-large-v2",
    "large-v3": "Systran/faster-whisper-large-v3",
    "distil-large-v3": "Systran/faster-distil-whisper-large-v3",
    "large-v3-turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
    "turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
}
MODEL_FILES = ["config.json", "preprocessor_config.json", "model.bin", "tokenizer.json", "vocabulary.*"]
COMPLETE_MARK = ".complete"
INSTALL_HINT = "pip install \"aischoco-control-room[stt-local]\" (faster-whisper)"


def repo_for(model: str) -> str:
    """A faster-whisper model name, or an ``owner/repo`` id as is."""
    if model in MODELS:
        return MODELS[model]
    if "/" in model:
        return model
    raise SttError(f"unknown local speech model {model!r}; one of {', '.join(MODELS)} or an owner/repo id")


def _progress_class(on_progress: Progress | None, label: str) -> type:
    """A tqdm-compatible class (what the hub client drives) that forwards its counts: bytes where the
    hub client reports bytes, else files (hub versions differ in which bars use ``tqdm_class``)."""
    try:
        from tqdm.auto import tqdm as base  # noqa: PLC0415 (a dependency of huggingface_hub)
    except ImportError:
        base = _MiniBar

    class Bar(base):  # type: ignore[misc, valid-type]
        def update(self, n: float | None = 1) -> Any:
            r = super().update(n)
            if on_progress is not None:
                try:
                    on_progress(int(self.n), int(self.total or 0), label)
                except Exception:
                    log.exception("stt download progress callback failed")
            return r

    return Bar


class _MiniBar:
    """Enough of tqdm's interface for the hub client when tqdm itself is missing."""

    def __init__(self, *args: Any, total: float | None = None, unit: str = "it", desc: str = "",
                 initial: float = 0, **kw: Any) -> None:
        self.total, self.unit, self.desc, self.n = total, unit, desc, initial

    def update(self, n: float | None = 1) -> None:
        self.n += n or 0

    def close(self) -> None:
        pass

    def __enter__(self) -> _MiniBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def ensure_model(model: str, cache_dir: Path, on_progress: Progress | None = None,
                 download: Downloader | None = None) -> Path:
    """The model's folder in ``cache_dir``, downloading it first if it is not complete there."""
    repo = repo_for(model)
    target = Path(cache_dir) / repo.replace("/", "--")
    if (target / COMPLETE_MARK).exists() and (target / "model.bin").exists():
        return target
    if download is None:
        try:
            from huggingface_hub import snapshot_download as download  # noqa: PLC0415
        except ImportError:
            raise SttUnavailable(f"cannot fetch the local speech model: {INSTALL_HINT}") from None
    target.mkdir(parents=True, exist_ok=True)
    log.info("stt: fetching %s into %s", repo, target)
    try:
        path = download(repo_id=repo, local_dir=str(target), allow_patterns=MODEL_FILES,
                        tqdm_class=_progress_class(on_progress, repo))
    except Exception as e:
        raise SttError(f"could not download the speech model {repo}: {type(e).__name__}: {e}",
                       retryable=True) from e
    path = Path(path)
    if not (path / "model.bin").exists():
        raise SttError(f"the downloaded speech model {repo} has no model.bin")
    (path / COMPLETE_MARK).write_text(time.strftime("%Y-%m-%dT%H:%M:%S"), encoding="utf-8")
    return path


class LocalWhisper:
    """:class:`SpeechToText` on faster-whisper in a worker process (``aischoco_gui.stt.worker``).

    The first :meth:`transcribe` (or :meth:`load`) starts the worker, which fetches the model
    (progress forwarded to ``on_progress``), loads it and serves the OpenAI transcription contract on
    127.0.0.1 with a per-run token; requests then go through :class:`RemoteWhisper`."""

    name = "local"

    def __init__(self, model: str, cache_dir: Path, *, device: str = "auto", compute_type: str = "default",
                 on_progress: Progress | None = None, timeout_s: float = 60.0, start_timeout_s: float = 1800.0,
                 python: str | None = None, env: dict[str, str] | None = None) -> None:
        self.model_name = model
        self.cache_dir = Path(cache_dir)
        self.device = device
        self.compute_type = compute_type
        self.on_progress = on_progress
        self.timeout_s = timeout_s
        self.start_timeout_s = start_timeout_s  # covers the first download
        self.python = python or sys.executable
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None
        self._client: RemoteWhisper | None = None
        self._stderr: deque[str] = deque(maxlen=20)
        self._io: list[asyncio.Task] = []
        self._lock = asyncio.Lock()

    def problem(self) -> str:
        if importlib.util.find_spec("faster_whisper") is None:
            return f"the local speech engine needs faster-whisper: {INSTALL_HINT}"
        return ""

    async def load(self) -> None:
        async with self._lock:
            if self._client is not None and self.proc is not None and self.proc.returncode is None:
                return
            await self._stop_worker()
            await self._start_worker()

    async def _start_worker(self) -> None:
        token = secrets.token_urlsafe(24)
        cmd = [self.python, "-m", "aischoco_gui.stt.worker", "--model", self.model_name, "--cache",
               str(self.cache_dir), "--device", self.device, "--compute-type", self.compute_type]
        proc = await asyncio.create_subprocess_exec(*cmd, stdin=asyncio.subprocess.PIPE,
                                                    stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE, env=self.env)
        self.proc = proc
        assert proc.stdin is not None and proc.stdout is not None
        self._io.append(asyncio.get_running_loop().create_task(self._drain_stderr(proc), name="stt:worker-stderr"))
        proc.stdin.write((token + "\n").encode())
        await proc.stdin.drain()
        deadline = time.monotonic() + self.start_timeout_s
        while True:
            left = deadline - time.monotonic()
            try:
                line = await asyncio.wait_for(proc.stdout.readline(), max(0.1, left))
            except TimeoutError:
                await self._stop_worker()
                raise SttError(f"the local speech worker did not start within {self.start_timeout_s:.0f}s") from None
            if not line:
                await proc.wait()
                tail = " | ".join(self._stderr)[-400:]
                await self._stop_worker()
                raise SttError(f"the local speech worker exited (code {proc.returncode}): {tail}")
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            ev = msg.get("event")
            if ev == "progress" and self.on_progress is not None:
                try:
                    self.on_progress(int(msg["done"]), int(msg["total"]), str(msg.get("label", "")))
                except Exception:
                    log.exception("stt download progress callback failed")
            elif ev == "error":
                await self._stop_worker()
                cls = SttUnavailable if msg.get("unavailable") else SttError
                raise cls(str(msg.get("message", "local speech worker failed")))
            elif ev == "ready":
                self._client = RemoteWhisper(f"http://127.0.0.1:{int(msg['port'])}/v1", token, self.model_name,
                                             timeout_s=self.timeout_s, max_retries=0)
                return

    async def _drain_stderr(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self._stderr.append(line)
                log.debug("stt worker: %s", line)

    async def transcribe(self, audio: np.ndarray, *, language: str = "") -> Transcript:
        await self.load()
        assert self._client is not None
        tr = await self._client.transcribe(audio, language=language)
        tr.engine = self.name
        return tr

    async def _stop_worker(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
        proc, self.proc = self.proc, None
        if proc is not None and proc.returncode is None:
            if proc.stdin is not None:
                with contextlib.suppress(Exception):
                    proc.stdin.close()  # the worker exits when stdin closes
            try:
                await asyncio.wait_for(proc.wait(), 3.0)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        for t in self._io:
            t.cancel()
        self._io.clear()

    async def aclose(self) -> None:
        await self._stop_worker()
