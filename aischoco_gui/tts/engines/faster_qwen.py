"""Optional adapter for ``faster-qwen3-tts`` (true chunk streaming with CUDA graphs).

It needs a different transformers version than ``qwen-tts``, so it lives in its own
environment: run ``aischoco-tts --engine faster-qwen`` there and point ``TTS_REMOTE_URL`` at it.
API used: ``FasterQwen3TTS.from_pretrained(model, device=…, dtype=…)`` and
``generate_voice_clone_streaming(text=…, language=…, ref_audio=…, ref_text=…, chunk_size=…)``
yielding ``(audio_chunk, sample_rate, timing)``.

Warm-up: FasterQwen3TTS captures its CUDA graphs (``_warmup``, private) inside the first
generation, which makes the first reply slow; its own example server therefore runs one short
``generate_voice_clone`` right after ``from_pretrained``. We do the same in :meth:`load` (or call a
public ``warmup()`` if a later release has one).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from aischoco_gui.audio.resample import StreamResampler
from aischoco_gui.tts.engine import EngineError, EngineUnavailable, Progress
from aischoco_gui.tts.engines.qwen import QwenConfig, QwenEngine, load_reference


class FasterQwenEngine(QwenEngine):
    name = "faster-qwen"

    def __init__(self, cfg: QwenConfig, modules: dict[str, Any] | None = None, chunk_size: int = 8) -> None:
        super().__init__(cfg, modules)
        self.label = f"faster-qwen3-tts {Path(cfg.model).name} (cloned voice, streaming)"
        self.chunk_size = chunk_size
        self._ref: tuple[str, str] = ("", "")

    def load(self, progress: Progress) -> None:
        progress(0.02, "checking the reference voice")
        _x, _rate, ref_text = load_reference(self.cfg.ref_audio, self.cfg.ref_text)  # same clear errors as qwen
        self._ref = (self.cfg.ref_audio, ref_text)  # the file itself, at its native rate
        torch = self._import("torch")
        self._check_gpu(torch)
        try:
            mod = self._modules["faster_qwen3_tts"] if self._modules and "faster_qwen3_tts" in self._modules \
                else importlib.import_module("faster_qwen3_tts")
        except ImportError as e:
            raise EngineUnavailable(f"faster-qwen3-tts is not installed ({e}); it needs its own environment") from None
        progress(0.1, f"loading {Path(self.cfg.model).name}")
        try:
            self.model = mod.FasterQwen3TTS.from_pretrained(self.cfg.model, device=self.cfg.device,
                                                            dtype=getattr(torch, self.cfg.dtype))
        except (OSError, ValueError) as e:
            raise EngineUnavailable(f"model weights for {self.cfg.model!r} not found or unreadable ({e})") from None
        self.prompt = self._ref
        progress(0.8, "warming up (CUDA graph capture)")
        self.warm_up()
        progress(1.0, "ready")

    def warm_up(self) -> None:
        """Capture the CUDA graphs and cache the voice prompt now, not during the first reply."""
        warm = getattr(self.model, "warmup", None)
        try:
            if callable(warm):
                warm()
            else:
                ref_audio, ref_text = self._ref
                self.model.generate_voice_clone(text="안녕하세요.", language=self.cfg.language,
                                                ref_audio=ref_audio, ref_text=ref_text)
        except Exception as e:
            raise EngineUnavailable(f"faster-qwen3-tts warm-up failed: {type(e).__name__}: {e}") from None

    def synthesize(self, text: str, emotion: str, cancel: threading.Event) -> Iterator[np.ndarray]:
        if self.model is None:
            raise EngineError("the faster-qwen3-tts model is not loaded")
        ref_audio, ref_text = self._ref
        rs: StreamResampler | None = None
        with self._lock:
            try:
                for chunk, sr, _timing in self.model.generate_voice_clone_streaming(
                        text=text, language=self.cfg.language, ref_audio=ref_audio, ref_text=ref_text,
                        chunk_size=self.chunk_size):
                    if cancel.is_set():
                        return
                    x = np.asarray(chunk, dtype=np.float32).reshape(-1)
                    if sr != self.sample_rate:
                        rs = rs or StreamResampler(sr, self.sample_rate)
                        x = rs.process(x)
                    yield x
                if rs is not None and len(tail := rs.flush()):
                    yield tail
            except EngineError:
                raise
            except Exception as e:
                raise EngineError(f"faster-qwen3-tts failed: {type(e).__name__}: {e}") from None
