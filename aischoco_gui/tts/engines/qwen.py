"""Qwen3-TTS voice clone through the ``qwen-tts`` package (runs only inside the TTS worker).

Facts (DESIGN.md §4.4): ``Qwen3TTSModel.from_pretrained(path, device_map, dtype,
attn_implementation)``, ``create_voice_clone_prompt(ref_audio, ref_text)`` once, then
``generate_voice_clone(text, language="Korean", voice_clone_prompt=…)`` → whole clip, 24 kHz
float32 (it does not stream: we stream per sentence and chunk the clip). torch and qwen_tts are
imported lazily in :meth:`QwenEngine.load`; tests inject fakes through ``modules``.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aischoco_gui.audio.pcm import WavFormatError, read_wav_file
from aischoco_gui.audio.resample import resample
from aischoco_gui.tts.engine import EngineError, EngineUnavailable, Progress, chunked

DEFAULT_MODEL = "Qwen/Qwen3-TTS-12Hz-1.7B-Base"
SMALL_MODEL = "Qwen/Qwen3-TTS-12Hz-0.6B-Base"
MIN_VRAM_GB = {"1.7b": 4.0, "0.6b": 2.0}  # PRD §4.1.2


@dataclass
class QwenConfig:
    model: str = DEFAULT_MODEL
    device: str = "cuda:0"
    dtype: str = "bfloat16"
    attn_implementation: str = "auto"  # flash_attention_2 if installed, else sdpa
    ref_audio: str = ""
    ref_text: str = ""
    language: str = "Korean"


def qwen_installed() -> bool:
    """True when torch and qwen_tts are importable (checked without importing them)."""
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "qwen_tts"))


def required_vram_gb(model: str) -> float:
    m = model.lower()
    return MIN_VRAM_GB["0.6b"] if "0.6b" in m else MIN_VRAM_GB["1.7b"]


def read_reference_audio(p: Path) -> tuple[np.ndarray, int]:
    """Mono float32 at the file's own rate. soundfile reads 16/24/32-bit int and float WAVs (and
    FLAC/OGG); without it (it comes with the ``qwen`` extra) only integer PCM WAVs are readable."""
    try:
        import soundfile
    except ImportError:
        try:
            return read_wav_file(p)
        except WavFormatError as e:
            raise ValueError(f"{e} (install soundfile to read 24-bit and float WAVs)") from None
    try:
        x, rate = soundfile.read(str(p), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as e:  # type: ignore[attr-defined]
        raise ValueError(str(e)) from None
    return np.ascontiguousarray(x.mean(axis=1), dtype=np.float32), int(rate)


def load_reference(ref_audio: str, ref_text: str) -> tuple[np.ndarray, int, str]:
    """Reference voice as mono float32 **at its native rate** (the engine resamples it itself, with
    a proper filter), that rate, and its transcript; clear errors when missing."""
    if not ref_audio:
        raise EngineUnavailable("no reference voice sample: put ref.wav in assets/voice_samples/")
    p = Path(ref_audio)
    if not p.exists():
        raise EngineUnavailable(f"reference voice sample not found: {p}")
    try:
        x, rate = read_reference_audio(p)
    except ValueError as e:
        raise EngineUnavailable(f"reference voice sample {p.name} is not a readable WAV: {e}") from None
    if len(x) < rate * 1.0:
        raise EngineUnavailable(f"reference voice sample {p.name} is shorter than 1 s (3 s recommended)")
    text = ref_text
    if not text:
        tp = p.with_name("ref_text.txt")
        text = tp.read_text(encoding="utf-8").strip() if tp.exists() else ""
    if not text:
        raise EngineUnavailable("the reference transcript is missing: write what ref.wav says into ref_text.txt")
    return x, rate, text


class QwenEngine:
    name = "qwen"
    sample_format = "float32"
    cloned_voice = True
    max_concurrency = 1  # one GPU model: requests run one at a time

    def __init__(self, cfg: QwenConfig, modules: dict[str, Any] | None = None) -> None:
        self.cfg = cfg
        self.label = f"Qwen3-TTS {Path(cfg.model).name} (cloned voice)"
        self.sample_rate = 24000
        self._modules = modules  # {"torch": …, "qwen_tts": …} injected by tests
        self.model: Any = None
        self.prompt: Any = None
        self._lock = threading.Lock()

    def _import(self, name: str) -> Any:
        if self._modules is not None and name in self._modules:
            return self._modules[name]
        try:
            return importlib.import_module(name)
        except ImportError as e:
            raise EngineUnavailable(
                f"{name} is not installed ({e}); install the GPU extra: pip install .[qwen]") from None

    def _check_gpu(self, torch: Any) -> None:
        dev = self.cfg.device
        if not dev.startswith("cuda"):
            return
        if not torch.cuda.is_available():
            raise EngineUnavailable("no CUDA GPU available to torch (check the NVIDIA driver and a CUDA build of "
                                    "torch), or use TTS_ENGINE=system / TTS_REMOTE_URL")
        idx = int(dev.split(":")[1]) if ":" in dev else 0
        try:
            free, total = torch.cuda.mem_get_info(idx)
        except Exception:
            return
        need = required_vram_gb(self.cfg.model)
        if free / 2**30 < need:
            hint = f"; try {SMALL_MODEL}" if need > MIN_VRAM_GB["0.6b"] else ""
            raise EngineUnavailable(f"not enough GPU memory: {free / 2**30:.1f} GB free of {total / 2**30:.1f} GB, "
                                    f"{Path(self.cfg.model).name} needs about {need:.0f} GB{hint}")

    def _attn(self) -> str:
        if self.cfg.attn_implementation != "auto":
            return self.cfg.attn_implementation
        return "flash_attention_2" if importlib.util.find_spec("flash_attn") is not None else "sdpa"

    def load(self, progress: Progress) -> None:
        progress(0.02, "checking the reference voice")
        ref, ref_rate, ref_text = load_reference(self.cfg.ref_audio, self.cfg.ref_text)
        progress(0.05, "importing torch")
        torch = self._import("torch")
        self._check_gpu(torch)
        qwen_tts = self._import("qwen_tts")
        dtype = getattr(torch, self.cfg.dtype, None)
        if dtype is None:
            raise EngineUnavailable(f"unknown torch dtype {self.cfg.dtype!r}")
        progress(0.1, f"loading {Path(self.cfg.model).name}")
        oom = getattr(getattr(torch, "cuda", None), "OutOfMemoryError", MemoryError)
        try:
            self.model = qwen_tts.Qwen3TTSModel.from_pretrained(
                self.cfg.model, device_map=self.cfg.device, dtype=dtype, attn_implementation=self._attn())
        except oom as e:
            raise EngineUnavailable(f"not enough GPU memory to load {self.cfg.model}: {e}; try {SMALL_MODEL}") from None
        except (OSError, ValueError) as e:
            raise EngineUnavailable(
                f"model weights for {self.cfg.model!r} not found or unreadable ({e}); download them "
                "(huggingface-cli download …) or set QWEN_TTS_MODEL to a local folder") from None
        progress(0.8, "building the voice clone prompt")
        self.prompt = self.model.create_voice_clone_prompt(ref_audio=(ref, ref_rate), ref_text=ref_text)
        progress(0.9, "warming up")
        for _ in self.synthesize("안녕하세요.", "neutral", threading.Event()):
            pass
        progress(1.0, "ready")

    def synthesize(self, text: str, emotion: str, cancel: threading.Event) -> Iterator[np.ndarray]:
        if self.model is None or self.prompt is None:
            raise EngineError("the Qwen model is not loaded")
        with self._lock:
            if cancel.is_set():
                return
            try:
                wavs, sr = self.model.generate_voice_clone(text=text, language=self.cfg.language,
                                                           voice_clone_prompt=self.prompt)
            except Exception as e:
                raise EngineError(f"Qwen3-TTS failed: {type(e).__name__}: {e}") from None
        x = np.asarray(wavs[0], dtype=np.float32).reshape(-1)
        if sr != self.sample_rate:
            x = resample(x, sr, self.sample_rate)
        yield from chunked(x, self.sample_rate // 10, cancel)

    def close(self) -> None:
        self.model = None
        self.prompt = None
