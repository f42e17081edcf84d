"""A stand-in for ``sounddevice`` with input devices: a PortAudio-like capture stream whose callback
runs in a thread at real-time pace, delivers a scripted signal (then silence), and can be
unplugged and plugged back in (PortAudio sees a replugged device only after re-initialising)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from tests.doubles.portaudio import FakePortAudioBase, PacedStream


class FakeMicPortAudio(FakePortAudioBase):
    def __init__(self, names: tuple[str, ...] = ("Microphone (USB Audio)", "Line In"), rate: int = 48000,
                 refuse_16k: bool = True) -> None:
        super().__init__(rate)
        self.names = names
        self.refuse_16k = refuse_16k  # like most Windows WASAPI devices: only the device rate
        self.default = SimpleNamespace(device=[0, -1])
        self.signal = np.zeros(0, dtype=np.float32)  # delivered once, at the device rate

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


class FakeInputStream(PacedStream):
    def __init__(self, pa: FakeMicPortAudio, **kw) -> None:
        assert kw["channels"] == 1 and kw["dtype"] == "float32"
        super().__init__(pa, **kw)
        self._pos = 0

    def start(self) -> None:
        self._pos = 0
        super().start()

    def _block(self) -> None:
        block = np.zeros((self.blocksize, 1), dtype=np.float32)
        chunk = self.pa.signal[self._pos:self._pos + self.blocksize]
        block[:len(chunk), 0] = chunk
        self._pos += self.blocksize
        self.callback(block, self.blocksize, SimpleNamespace(inputBufferAdcTime=0.0, currentTime=0.0),
                      SimpleNamespace(input_overflow=False))

    def abort(self) -> None:
        self._stop.set()
        self.active = False

    def close(self) -> None:
        self._stop.set()
        if self._t is not None:
            self._t.join(1.0)
