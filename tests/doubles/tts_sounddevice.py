"""A stand-in for the ``sounddevice`` module: a PortAudio-like output device whose callback runs
in a thread at real-time pace, and which can be unplugged and plugged back in."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np


class FakePortAudio:
    def __init__(self, names: tuple[str, ...] = ("Speakers", "CABLE Input (VB-Audio Virtual Cable)"),
                 rate: int = 48000) -> None:
        self.names = names
        self.rate = rate
        self.plugged = True
        self._visible = True  # what PortAudio sees until re-initialised
        self.default = SimpleNamespace(device=[-1, 0])
        self.streams: list[FakeOutputStream] = []
        self.played: list[np.ndarray] = []
        self.reinits = 0

    # module-level API used by the app
    def query_devices(self, idx=None):
        devs = [{"name": n, "max_output_channels": 2, "max_input_channels": 0, "default_samplerate": self.rate}
                for n in self.names] if self._visible else []
        return devs if idx is None else devs[idx]

    def OutputStream(self, **kw):  # noqa: N802 (mirrors sounddevice)
        if not self.plugged:
            raise RuntimeError("Error opening OutputStream: Device unavailable [PaErrorCode -9985]")
        s = FakeOutputStream(self, **kw)
        self.streams.append(s)
        return s

    def _terminate(self) -> None:
        self._visible = False

    def _initialize(self) -> None:
        self.reinits += 1
        self._visible = self.plugged

    # test controls
    def unplug(self) -> None:
        self.plugged = False
        for s in self.streams:
            s._die()

    def replug(self) -> None:
        self.plugged = True


class FakeOutputStream:
    def __init__(self, pa: FakePortAudio, *, device, samplerate, channels, dtype, blocksize, latency, callback,
                 finished_callback=None) -> None:
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
        while not self._stop.is_set():
            out = np.zeros((self.blocksize, 1), dtype=np.float32)
            ti = SimpleNamespace(currentTime=0.0, outputBufferDacTime=0.005)
            self.callback(out, self.blocksize, ti, SimpleNamespace(output_underflow=False))
            self.pa.played.append(out[:, 0].copy())
            nxt += dt
            self._stop.wait(max(0.0, nxt - time.monotonic()))

    def _die(self) -> None:
        self._stop.set()
        self.active = False
        if self.finished_callback:
            self.finished_callback()

    def abort(self) -> None:
        self._die()

    def close(self) -> None:
        self._die()
