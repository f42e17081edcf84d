"""The speech-to-text protocol and the result type shared by the engines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np


class SttError(RuntimeError):
    """A transcription failed (after retries) or cannot be made."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class SttUnavailable(SttError):
    """The engine cannot run here (missing key, missing optional package, model not fetched)."""


@dataclass
class Transcript:
    text: str
    engine: str
    latency_s: float = 0.0  # request sent → answer (remote) or decode time (local)
    attempts: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class SpeechToText(Protocol):
    """Turns one utterance (16 kHz mono float32) into text."""

    name: str

    def problem(self) -> str:
        """Why this engine cannot run now ("" when it can): checked before the microphone opens."""
        ...

    async def transcribe(self, audio: np.ndarray, *, language: str = "") -> Transcript: ...

    async def aclose(self) -> None: ...
