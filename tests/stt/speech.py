"""Real Korean speech for the microphone tests: espeak-ng, padded with silence, with its span measured."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soxr

from aischoco_gui.audio.pcm import read_wav_file
from aischoco_gui.audio.wavwriter import StreamingWavWriter

RATE = 16000
PHRASE_A = "안녕하세요 오늘 같이 게임해요"
PHRASE_B = "다음 노래는 뭐로 할까요"


@dataclass
class Speech:
    path: Path
    rate: int  # the file's own rate (espeak-ng writes 22050 Hz)
    spans: list[tuple[float, float]]  # seconds from the file start: where each phrase's sound is


def espeak(text: str, path: Path) -> tuple[np.ndarray, int]:
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed")
    subprocess.run([exe, "-v", "ko", "-w", str(path), text], check=True, capture_output=True, timeout=30)
    return read_wav_file(path)


def sound_span(x: np.ndarray, rate: int) -> tuple[float, float]:
    """First and last sample louder than 1 % of the peak (espeak-ng's output has no noise floor)."""
    nz = np.nonzero(np.abs(x) > 0.01 * float(np.max(np.abs(x))))[0]
    return nz[0] / rate, (nz[-1] + 1) / rate


def make_speech(tmp: Path, phrases: tuple[str, ...] = (PHRASE_A,), lead_s: float = 0.8, gap_s: float = 1.8,
                tail_s: float = 0.5) -> Speech:
    """A WAV at espeak's rate: lead silence, the phrases with ``gap_s`` between them, tail silence."""
    parts: list[np.ndarray] = []
    spans: list[tuple[float, float]] = []
    rate = 0
    t = 0.0
    for i, text in enumerate(phrases):
        x, rate = espeak(text, tmp / f"phrase{i}.wav")
        pad = np.zeros(int((lead_s if i == 0 else gap_s) * rate), dtype=np.float32)
        parts += [pad, x]
        t += len(pad) / rate
        a, b = sound_span(x, rate)
        spans.append((t + a, t + b))
        t += len(x) / rate
    parts.append(np.zeros(int(tail_s * rate), dtype=np.float32))
    path = tmp / "speech.wav"
    w = StreamingWavWriter(path, rate)
    w.write(np.concatenate(parts))
    w.close()
    return Speech(path, rate, spans)


def at_16k(x: np.ndarray, rate: int) -> np.ndarray:
    return soxr.resample(x, rate, RATE).astype(np.float32)
