"""PCM helpers: float32 ⇄ 16-bit little-endian, WAV bytes in and out (stdlib ``wave`` + numpy)."""

from __future__ import annotations

import io
import wave

import numpy as np


def to_float32(x: np.ndarray) -> np.ndarray:
    """Any mono sample array → float32 in [-1, 1] (int16 is scaled)."""
    x = np.asarray(x)
    if x.dtype == np.int16:
        return (x.astype(np.float32) / 32768.0).reshape(-1)
    return x.astype(np.float32, copy=False).reshape(-1)


def float_to_pcm16(x: np.ndarray) -> bytes:
    """float32 [-1, 1] → 16-bit LE bytes (clipped)."""
    x = np.clip(to_float32(x), -1.0, 1.0)
    return (x * 32767.0).astype("<i2").tobytes()


def pcm16_to_float(b: bytes) -> np.ndarray:
    """16-bit LE bytes → float32 (an odd trailing byte must be kept by the caller)."""
    return np.frombuffer(b, dtype="<i2").astype(np.float32) / 32768.0


def wav_bytes(x: np.ndarray, rate: int) -> bytes:
    """A complete mono 16-bit WAV file in memory."""
    bio = io.BytesIO()
    with wave.open(bio, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes(float_to_pcm16(x))
    return bio.getvalue()


class WavFormatError(ValueError):
    pass


def read_wav_bytes(data: bytes) -> tuple[np.ndarray, int]:
    """Decode a PCM WAV (8/16/32-bit int, any channel count → mono float32). Raises WavFormatError."""
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            ch, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as e:
        raise WavFormatError(f"not a PCM WAV file: {e}") from None
    if width == 2:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 1:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 4:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    else:
        raise WavFormatError(f"unsupported WAV sample width {width * 8} bit")
    if ch > 1:
        x = x[: len(x) - len(x) % ch].reshape(-1, ch).mean(axis=1)
    return x.astype(np.float32), rate


def read_wav_file(path) -> tuple[np.ndarray, int]:
    with open(path, "rb") as f:
        return read_wav_bytes(f.read())


def rms(x: np.ndarray) -> float:
    x = to_float32(x)
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0
