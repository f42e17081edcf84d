"""A stand-in for the ``sounddevice`` module: a PortAudio-like output device whose callback runs
in a thread at real-time pace, and which can be unplugged and plugged back in."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from tests.doubles.portaudio import FakePortAudioBase, PacedStream


class FakePortAudio(FakePortAudioBase):
    def __init__(self, names: tuple[str, ...] = ("Speakers", "CABLE Input (VB-Audio Virtual Cable)"),
                 rate: int = 48000) -> None:
        super().__init__(rate)
        self.names = names
        self.default = SimpleNamespace(device=[-1, 0])
        self.played: list[np.ndarray] = []

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


class FakeOutputStream(PacedStream):
    def _block(self) -> None:
        out = np.zeros((self.blocksize, 1), dtype=np.float32)
        ti = SimpleNamespace(currentTime=0.0, outputBufferDacTime=0.005)
        self.callback(out, self.blocksize, ti, SimpleNamespace(output_underflow=False))
        self.pa.played.append(out[:, 0].copy())

    def abort(self) -> None:
        self._die()

    def close(self) -> None:
        self._die()
