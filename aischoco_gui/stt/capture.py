"""Microphone capture for speech-to-text: a device, a WAV file played as if it were one, or off.

``STT_INPUT_DEVICE``: a device name fragment or index, ``wav:PATH`` (the file is read at real-time
pace, block by block, then silence follows for as long as capture runs) or ``off``.

The producer (the PortAudio callback, or a paced thread for ``wav:``) only copies mono float32
samples at the source rate into a :class:`RingBuffer`, updates the level meter and sets an event;
it never touches asyncio or Qt. The reader (the listener's worker thread) calls :meth:`read`,
which resamples to 16 kHz mono with soxr.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from aischoco_gui.audio.devices import AudioDeviceError, load_sounddevice, stream_healthy
from aischoco_gui.audio.pcm import read_wav_file
from aischoco_gui.audio.ring import RingBuffer
from aischoco_gui.threads import join_or_report

log = logging.getLogger(__name__)

STT_RATE = 16000
SILENCE_DBFS = -120.0


@dataclass(frozen=True)
class InputSpec:
    kind: str  # "off" | "device" | "wav"
    device: str = ""  # name fragment or index ("" = system default input)
    path: str = ""


def parse_input_spec(spec: str) -> InputSpec:
    """``off`` / ``""`` → off; ``wav:PATH``; anything else names a device (``default`` = system default)."""
    s = (spec or "").strip()
    if s.lower() in ("", "off", "none"):
        return InputSpec("off")
    if s.lower().startswith("wav:"):
        path = s[4:].strip()
        if not path:
            raise ValueError("wav: needs a file path, e.g. wav:C:/voice.wav")
        return InputSpec("wav", path=path)
    if s.lower() == "default":
        return InputSpec("device", device="")
    return InputSpec("device", device=s)


def _input_devices(sd: Any) -> list[tuple[int, dict]]:
    return [(i, d) for i, d in enumerate(sd.query_devices()) if d.get("max_input_channels", 0) > 0]


def list_input_devices(sd: Any = None) -> list[str]:
    """Input device names for a picker; empty when PortAudio is unavailable."""
    try:
        sd = sd or load_sounddevice()
        return [str(d["name"]) for _, d in _input_devices(sd)]
    except Exception as e:
        log.info("no input device list: %s", e)
        return []


def resolve_input_device(sd: Any, device: str) -> tuple[int | None, str, int]:
    """Name fragment or index → (index, name, default sample rate); AudioDeviceError lists the inputs."""
    ins = _input_devices(sd)
    if not ins:
        raise AudioDeviceError("no audio input devices found")
    names = ", ".join(f"{i}: {d['name']}" for i, d in ins[:20])
    if device == "":
        try:
            idx = sd.default.device[0]
        except Exception:
            idx = -1
        if idx is None or idx < 0 or idx not in {i for i, _ in ins}:
            idx = ins[0][0]
        d = dict(ins)[idx]
        return idx, str(d["name"]), int(d.get("default_samplerate") or 48000)
    if device.strip().lstrip("-").isdigit():
        idx = int(device)
        for i, d in ins:
            if i == idx:
                return i, str(d["name"]), int(d.get("default_samplerate") or 48000)
        raise AudioDeviceError(f"no input device with index {idx}; available: {names}")
    want = device.strip().lower()
    hits = [(i, d) for i, d in ins if str(d["name"]).lower() == want] or \
           [(i, d) for i, d in ins if want in str(d["name"]).lower()]
    if not hits:
        raise AudioDeviceError(f"input device {device!r} not found; available: {names}")
    i, d = hits[0]
    return i, str(d["name"]), int(d.get("default_samplerate") or 48000)


def dbfs(x: np.ndarray) -> float:
    """RMS level in dBFS (full-scale sine ≈ -3 dBFS); SILENCE_DBFS for digital silence."""
    if len(x) == 0:
        return SILENCE_DBFS
    r = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    return max(SILENCE_DBFS, 20.0 * math.log10(r)) if r > 0 else SILENCE_DBFS


class MicCapture:
    """One input source feeding a ring buffer; :meth:`read` returns 16 kHz mono float32.

    ``healthy()`` is False once a device stream stopped (unplugged) or went quiet for 1.5 s; the
    owner then calls :meth:`close` and :meth:`open` again (with backoff) — see the listener.
    """

    def __init__(self, spec: str | InputSpec, *, block_s: float = 0.020, capacity_s: float = 10.0,
                 wake_s: float = 0.032, sd_module: Any = None) -> None:
        self.spec = spec if isinstance(spec, InputSpec) else parse_input_spec(spec)
        self.block_s = block_s
        self.capacity_s = capacity_s
        self.wake_s = wake_s  # the reader is woken when this much audio is buffered (one VAD frame)
        self._sd = sd_module
        self.rate = STT_RATE  # source rate once open
        self.label = self.spec.kind
        self.ring = RingBuffer(int(STT_RATE * capacity_s))
        self.wake_samples = int(STT_RATE * wake_s)
        self.data_ready = threading.Event()
        self.level_dbfs = SILENCE_DBFS  # written by the producer, read by anyone (a float: atomic)
        self.overflows = 0  # samples dropped because the reader fell behind
        self.wav_done = False  # wav: the whole file has been delivered
        self.last_callback = time.monotonic()
        self.t_start = 0.0  # wav: monotonic time at which the file's first sample was delivered
        self._stream: Any = None
        self._finished = False
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._resampler: Any = None

    # -- lifecycle -------------------------------------------------------------------------
    def open(self) -> None:
        """Open the source (blocking; run it in a thread). Raises AudioDeviceError / OSError / ValueError."""
        self._stop.clear()
        self._finished = False
        self.last_callback = time.monotonic()
        if self.spec.kind == "off":
            raise ValueError("the microphone is off (STT_INPUT_DEVICE=off)")
        if self.spec.kind == "wav":
            audio, rate = read_wav_file(self.spec.path)
            self._setup_rate(rate)
            self.label = f"wav:{self.spec.path}"
            self.wav_done = False
            self._thread = threading.Thread(target=self._wav_run, args=(audio,), name="stt-wav-in", daemon=True)
            self._thread.start()
            return
        if self._sd is None:
            self._sd = load_sounddevice()
        idx, name, default_rate = resolve_input_device(self._sd, self.spec.device)
        self.label = name
        try:
            self._stream = self._make(idx, STT_RATE)
            self._setup_rate(STT_RATE)
        except Exception as e:  # device refuses 16 kHz: capture at its own rate and resample
            log.info("input %s refused %d Hz (%s); using %d Hz", name, STT_RATE, e, default_rate)
            self._stream = self._make(idx, default_rate)
            self._setup_rate(default_rate)
        self.last_callback = time.monotonic()
        self._stream.start()

    def _make(self, idx: int | None, rate: int) -> Any:
        return self._sd.InputStream(device=idx, samplerate=rate, channels=1, dtype="float32",
                                    blocksize=max(16, int(round(rate * self.block_s))), latency="low",
                                    callback=self._callback, finished_callback=self._on_finished)

    def _setup_rate(self, rate: int) -> None:
        self.rate = int(rate)
        self.ring = RingBuffer(int(self.rate * self.capacity_s))
        self.wake_samples = int(self.rate * self.wake_s)
        if self.rate != STT_RATE:
            import soxr  # noqa: PLC0415 (lazy: only when the source is not 16 kHz)

            self._resampler = soxr.ResampleStream(self.rate, STT_RATE, 1, dtype="float32", quality="HQ")
        else:
            self._resampler = None

    def close(self) -> None:
        self._stop.set()
        s, self._stream = self._stream, None
        if s is not None:
            with contextlib.suppress(Exception):
                s.abort()
            with contextlib.suppress(Exception):
                s.close()
        t, self._thread = self._thread, None
        join_or_report(t, 1.0, "microphone (wav input)")
        self.level_dbfs = SILENCE_DBFS
        self._resampler = None
        self.data_ready.set()  # wake a reader so it notices

    def healthy(self) -> bool:
        if self.spec.kind == "wav":
            return self._thread is not None and self._thread.is_alive()
        return stream_healthy(self._stream, self._finished, self.last_callback)

    # -- producer side (audio thread) ------------------------------------------------------
    def _push(self, x: np.ndarray) -> None:
        n = self.ring.write(x)
        if n < len(x):
            self.overflows += len(x) - n
        self.level_dbfs = dbfs(x)
        self.last_callback = time.monotonic()
        if self.ring.available >= self.wake_samples:  # wake the reader once per VAD frame, not per block
            self.data_ready.set()

    def _callback(self, indata, frames, time_info, status) -> None:  # PortAudio thread
        x = indata[:, 0] if getattr(indata, "ndim", 1) == 2 else indata
        self._push(np.asarray(x, dtype=np.float32))

    def _on_finished(self) -> None:
        self._finished = True

    def _wav_run(self, audio: np.ndarray) -> None:
        n = max(16, int(round(self.rate * self.block_s)))
        dt = n / self.rate
        silence = np.zeros(n, dtype=np.float32)
        i = 0
        next_t = self.t_start = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            if next_t > now:
                if self._stop.wait(next_t - now):
                    break
            elif now - next_t > 0.25:  # suspended: do not burst
                next_t = now
            if i < len(audio):
                block = audio[i:i + n]
                if len(block) < n:
                    block = np.concatenate((block, silence[: n - len(block)]))
                i += n
            else:
                block = silence
                self.wav_done = True
            self._push(block)
            next_t += dt

    # -- reader side -----------------------------------------------------------------------
    def read(self, max_samples: int = 16000) -> np.ndarray:
        """Everything buffered (up to ``max_samples`` at the source rate), resampled to 16 kHz."""
        n = min(self.ring.available, max_samples)
        if n <= 0:
            return np.zeros(0, dtype=np.float32)
        buf = np.empty(n, dtype=np.float32)
        self.ring.read_into(buf)
        if self._resampler is None:
            return buf
        return np.asarray(self._resampler.resample_chunk(buf), dtype=np.float32).reshape(-1)
