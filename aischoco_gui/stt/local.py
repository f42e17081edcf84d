"""Local Whisper (faster-whisper / CTranslate2), the optional ``[stt-local]`` extra.

The model is fetched on first use into ``<data>/cache/stt-models/<name>`` with progress reported
through ``on_progress(done_bytes, total_bytes, label)``. The files and repositories are the ones
faster-whisper itself downloads (``faster_whisper.utils.download_model``); we call the Hugging Face
hub client directly so that progress reaches the UI. faster-whisper is imported only when the
engine is used; without it the engine says how to install it and downloads nothing.

Not run here: neither faster-whisper nor a Whisper model was available on the machine this was
written on. The download path is tested against a stand-in for the hub client.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from aischoco_gui.stt.engines import SttError, SttUnavailable, Transcript

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
    """A tqdm-compatible class (what the hub client drives) that forwards byte counts."""
    try:
        from tqdm.auto import tqdm as base  # noqa: PLC0415 (a dependency of huggingface_hub)
    except ImportError:
        base = _MiniBar

    class Bar(base):  # type: ignore[misc, valid-type]
        def update(self, n: float | None = 1) -> Any:
            r = super().update(n)
            if on_progress is not None and getattr(self, "unit", "") == "B":
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
    """:class:`SpeechToText` on faster-whisper; loads (and fetches) the model on first use."""

    name = "local"

    def __init__(self, model: str, cache_dir: Path, *, device: str = "auto", compute_type: str = "default",
                 on_progress: Progress | None = None, download: Downloader | None = None) -> None:
        self.model_name = model
        self.cache_dir = Path(cache_dir)
        self.device = device
        self.compute_type = compute_type
        self.on_progress = on_progress
        self._download = download
        self._model: Any = None
        self._lock = asyncio.Lock()

    def problem(self) -> str:
        if importlib.util.find_spec("faster_whisper") is None:
            return f"the local speech engine needs faster-whisper: {INSTALL_HINT}"
        return ""

    def _load(self) -> Any:
        try:
            from faster_whisper import WhisperModel  # noqa: PLC0415 (optional extra, heavy)
        except ImportError:
            raise SttUnavailable(f"the local speech engine needs faster-whisper: {INSTALL_HINT}") from None
        path = ensure_model(self.model_name, self.cache_dir, self.on_progress, self._download)
        return WhisperModel(str(path), device=self.device, compute_type=self.compute_type)

    async def load(self) -> None:
        async with self._lock:
            if self._model is None:
                self._model = await asyncio.to_thread(self._load)

    async def transcribe(self, audio: np.ndarray, *, language: str = "") -> Transcript:
        await self.load()
        t0 = time.monotonic()

        def run() -> str:
            segments, _info = self._model.transcribe(audio, language=language or None, beam_size=1,
                                                     vad_filter=False, condition_on_previous_text=False)
            return "".join(s.text for s in segments)

        text = await asyncio.to_thread(run)
        return Transcript(text=text.strip(), engine=self.name, latency_s=time.monotonic() - t0,
                          extra={"model": self.model_name})

    async def aclose(self) -> None:
        self._model = None
