"""Stand-in for faster-whisper's ``WhisperModel`` (the model is not installed here): it checks it was
given a fetched model folder and answers with what it received, so the tests see the plumbing."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace


class WhisperModel:
    def __init__(self, path: str, device: str = "auto", compute_type: str = "default") -> None:
        if not (Path(path) / "model.bin").exists():
            raise RuntimeError(f"no model.bin in {path}")
        self.path = path

    def transcribe(self, audio, language=None, **kw):
        text = f" {len(audio)} samples, language {language}, peak {float(abs(audio).max()):.2f}"
        return iter([SimpleNamespace(text=text)]), SimpleNamespace(language=language)
