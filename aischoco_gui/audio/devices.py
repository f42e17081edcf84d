"""Output device discovery and the ``TTS_OUTPUT_DEVICE`` spec (name, index, ``wav:PATH``, ``null``).

sounddevice is imported lazily: without PortAudio (headless Linux without libportaudio2) the
app still runs with the ``wav:``/``null`` sinks and says why the device list is empty.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


class AudioDeviceError(RuntimeError):
    """No usable output device (PortAudio missing, device not found, open failed)."""


@dataclass(frozen=True)
class OutputSpec:
    kind: str  # "device" | "wav" | "null"
    device: str = ""  # name fragment or index for "device" ("" = system default)
    path: str = ""  # for "wav"


STALE_CALLBACK_S = 1.5  # a running stream calls back every few ms; this long without one = stalled


def stream_healthy(stream: Any, finished: bool, last_callback: float) -> bool:
    """Whether a PortAudio stream (input or output) still delivers: open, not finished, active, and
    its callback ran within :data:`STALE_CALLBACK_S` (``last_callback`` is ``time.monotonic()``)."""
    if stream is None or finished:
        return False
    try:
        if not stream.active:
            return False
    except Exception:  # a closed or broken stream raises instead of answering
        return False
    return time.monotonic() - last_callback < STALE_CALLBACK_S


def parse_output_spec(spec: str) -> OutputSpec:
    s = (spec or "").strip()
    if s.lower() == "null":
        return OutputSpec("null")
    if s.lower().startswith("wav:"):
        path = s[4:].strip()
        if not path:
            raise ValueError("wav: needs a file path, e.g. wav:C:/out.wav")
        return OutputSpec("wav", path=path)
    return OutputSpec("device", device=s)


def load_sounddevice() -> Any:
    """Import sounddevice, turning a missing PortAudio into a clear AudioDeviceError."""
    try:
        import sounddevice as sd  # noqa: PLC0415 (lazy: loads PortAudio)
    except OSError as e:  # "PortAudio library not found"
        raise AudioDeviceError(
            f"PortAudio is not available ({e}); install libportaudio2 or use TTS_OUTPUT_DEVICE=wav:PATH / null"
        ) from None
    except ImportError as e:
        raise AudioDeviceError(f"sounddevice is not installed ({e})") from None
    return sd


def _output_devices(sd: Any) -> list[tuple[int, dict]]:
    return [(i, d) for i, d in enumerate(sd.query_devices()) if d.get("max_output_channels", 0) > 0]


def list_output_devices() -> list[str]:
    """Output device names for the settings dialog ("" = system default is not included).

    Returns an empty list when PortAudio is unavailable (the dialog still accepts wav:/null)."""
    try:
        sd = load_sounddevice()
        return [str(d["name"]) for _, d in _output_devices(sd)]
    except Exception as e:
        log.info("no output device list: %s", e)
        return []


def resolve_device(sd: Any, device: str) -> tuple[int | None, str, int]:
    """Resolve a name fragment or index to (index, name, default sample rate).

    Raises AudioDeviceError listing the available outputs when nothing matches."""
    outs = _output_devices(sd)
    if not outs:
        raise AudioDeviceError("no audio output devices found")
    if device == "":
        try:
            idx = sd.default.device[1]
        except Exception:
            idx = -1
        if idx is None or idx < 0:
            idx = outs[0][0]
        d = sd.query_devices(idx)
        return idx, str(d["name"]), int(d.get("default_samplerate") or 48000)
    if device.strip().lstrip("-").isdigit():
        idx = int(device)
        for i, d in outs:
            if i == idx:
                return i, str(d["name"]), int(d.get("default_samplerate") or 48000)
        raise AudioDeviceError(f"no output device with index {idx}; available: {_names(outs)}")
    want = device.strip().lower()
    exact = [(i, d) for i, d in outs if str(d["name"]).lower() == want]
    partial = exact or [(i, d) for i, d in outs if want in str(d["name"]).lower()]
    if not partial:
        raise AudioDeviceError(f"output device {device!r} not found; available: {_names(outs)}")
    i, d = partial[0]
    return i, str(d["name"]), int(d.get("default_samplerate") or 48000)


def _names(outs: list[tuple[int, dict]]) -> str:
    return ", ".join(f"{i}: {d['name']}" for i, d in outs[:20])
