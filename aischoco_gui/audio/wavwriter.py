"""A WAV file written block by block, flushed as it goes, with a header that is always valid."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from aischoco_gui.audio.pcm import float_to_pcm16


class StreamingWavWriter:
    """Mono 16-bit PCM. After every ``write`` the RIFF/data sizes are correct and the file flushed,
    so another program can read (and time) it while it grows."""

    def __init__(self, path: str | Path, rate: int) -> None:
        self.path = Path(path)
        self.rate = int(rate)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = open(self.path, "wb")  # noqa: SIM115 - lives as long as the writer
        self.frames = 0
        self._f.write(self._header(0))
        self._f.flush()

    def _header(self, data_bytes: int) -> bytes:
        return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
                + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, self.rate, self.rate * 2, 2, 16)
                + b"data" + struct.pack("<I", data_bytes))

    def write(self, x: np.ndarray) -> None:
        if self._f.closed or len(x) == 0:
            return
        self._f.write(float_to_pcm16(x))
        self.frames += len(x)
        end = self._f.tell()
        self._f.seek(4)
        self._f.write(struct.pack("<I", 36 + self.frames * 2))
        self._f.seek(40)
        self._f.write(struct.pack("<I", self.frames * 2))
        self._f.seek(end)
        self._f.flush()

    def close(self) -> None:
        if not self._f.closed:
            self._f.close()
