"""The one streaming engine interface hosted by the TTS worker.

An engine takes one sentence and yields mono PCM chunks (``sample_format`` float32 in [-1, 1])
at its declared ``sample_rate``. Engines are blocking (they run in worker threads, never on an
event loop); ``cancel`` is checked between chunks. ``load`` runs once and prepares the voice
(model weights, voice-clone prompt) so every later sentence reuses it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Protocol, runtime_checkable

import numpy as np

Progress = Callable[[float, str], None]  # (0..1, what is happening)


class EngineError(RuntimeError):
    """Synthesis failed for this request (the engine stays usable)."""


class EngineUnavailable(EngineError):
    """The engine cannot run here (package, GPU, weights, VRAM, reference voice missing)."""


@runtime_checkable
class TtsEngine(Protocol):
    name: str  # "system", "qwen", "faster-qwen", "fake"
    label: str  # honest, human readable: "espeak-ng (system voice, not the cloned voice)"
    sample_rate: int
    sample_format: str  # "float32" (every engine here) or "int16"
    cloned_voice: bool
    max_concurrency: int  # requests the worker may run at once (1 for a GPU model)

    def load(self, progress: Progress) -> None: ...

    def synthesize(self, text: str, emotion: str, cancel: threading.Event) -> Iterator[np.ndarray]: ...

    def close(self) -> None: ...


def chunked(x: np.ndarray, size: int, cancel: threading.Event) -> Iterator[np.ndarray]:
    """Yield ``x`` in blocks of ``size`` samples, stopping as soon as ``cancel`` is set."""
    for i in range(0, len(x), size):
        if cancel.is_set():
            return
        yield x[i:i + size]
