"""What the PortAudio stand-ins for the speaker (``tts_sounddevice``) and the microphone
(``mic_sounddevice``) share: devices that can be unplugged and are seen again only after PortAudio
is re-initialised, and streams whose callback runs in a thread at real-time pace."""

from __future__ import annotations

import threading
import time


class FakePortAudioBase:
    """The module-level state of a fake ``sounddevice``: plug state, what PortAudio sees, open streams."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.plugged = True
        self._visible = True  # what PortAudio sees until re-initialised
        self.streams: list = []
        self.reinits = 0

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


class PacedStream:
    """A PortAudio-like stream: after ``start()`` a thread calls ``_block()`` once per
    ``blocksize / samplerate`` seconds (absolute deadlines, so the pace does not drift)."""

    def __init__(self, pa, *, device, samplerate, channels, dtype, blocksize, latency, callback,
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
            self._block()
            nxt += dt
            self._stop.wait(max(0.0, nxt - time.monotonic()))

    def _block(self) -> None:  # one callback of the stream
        raise NotImplementedError

    def _die(self) -> None:
        """Unplugged: PortAudio stops calling back, the stream goes inactive and says it finished."""
        self._stop.set()
        self.active = False
        if self.finished_callback:
            self.finished_callback()
