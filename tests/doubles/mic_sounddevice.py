"""A stand-in for ``sounddevice`` with input devices: a PortAudio-like capture stream whose callback
runs in a thread at real-time pace, delivers a scripted signal (then silence), and can be
unplugged and plugged back in (PortAudio sees a replugged device only after re-initialising)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np


class FakeMicPortAudio:
    def __init__(self, names: tuple[str, ...] = ("Microphone (USB Audio)", "Line In"), rate: int = 48000,
                 refuse_16k: bool = True) -> None:
        self.names = names
        self.rate = rate
        self.refuse_16k = refuse_16k  # like most Windows WASAPI devices: only the device rate
        self.plugged = True
        self._visible = True
        self.default = SimpleNamespace(device=[0, -1])
        self.streams: list[FakeInputStream] = []
        self.signal = np.zeros(0, dtype=np.float32)  # delivered once, at the device rate
        self.reinits = 0

    def query_devices(self, idx=None):
        devs = [{"name": "Speakers", "max_output_channels": 2, "max_input_channels": 0,
                 "default_samplerate": self.rate}]
        if self._visible:
            devs += [{"name": n, "max_output_channels": 0, "max_input_channels": 1, "default_samplerate": self.rate}
                     for n in self.names]
        return devs if idx is None else devs[idx]

    def InputStream(self, **kw):  # noqa: N802 (mirrors sounddevice)
        if not self.plugged or not self._visible:
            raise RuntimeError("Error opening InputStream: Device unavailable [PaErrorCode -9985]")
        if kw["samplerate"] != self.rate and self.refuse_16k:
            raise RuntimeError("Error opening InputStream: Invalid sample rate [PaErrorCode -9997]")
        s = FakeInputStream(self, **kw)
        self.streams.append(s)
        return s

    def _terminate(self) -> None:
        self._visible = False

    def _initialize(self) -> None:
        self.reinits += 1
        self._visible = self.plugged

    def unplug(self) -> None:
        self.plugged = False
        for s in self.streams:
            s._die()

    def replug(self) -> None:
        self.plugged = True


class FakeInputStream:
    def __init__(self, pa: FakeMicPortAudio, *, device, samplerate, channels, dtype, blocksize, latency, callback,
                 finished_callback=None) -> None:
        assert channels == 1 and dtype == "float32"
        self.pa = pa
        self.device, self.samplerate, self.blocksize = device, samplerate, blocksize
        self.callback, self.finished_callback = callback, finished_callback
        self.active = False
        self._stop = threading.Event()
        self._t: threading.Thread | None = None

    def start(self) -> None:
        self.active = True
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        dt = self.blocksize / self.samplerate
        nxt = time.monotonic()
        i = 0
        while not self._stop.is_set():
            block = np.zeros((self.blocksize, 1), dtype=np.float32)
            chunk = self.pa.signal[i:i + self.blocksize]
            block[:len(chunk), 0] = chunk
            i += self.blocksize
            self.callback(block, self.blocksize, SimpleNamespace(inputBufferAdcTime=0.0, currentTime=0.0),
                          SimpleNamespace(input_overflow=False))
            nxt += dt
            self._stop.wait(max(0.0, nxt - time.monotonic()))

    def _die(self) -> None:
        """Unplugged: PortAudio stops calling back and the stream goes inactive."""
        self._stop.set()
        self.active = False
        if self.finished_callback:
            self.finished_callback()

    def abort(self) -> None:
        self._stop.set()
        self.active = False

    def close(self) -> None:
        self._stop.set()
        if self._t is not None:
            self._t.join(1.0)
