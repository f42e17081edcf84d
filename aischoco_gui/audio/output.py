"""One long-lived audio output fed from a ring buffer.

Writers (the speaker, on the asyncio loop) put float32 samples at ``output.rate`` into the ring
and drop *markers* at stream positions. The consumer — the PortAudio callback for a device, or
a paced thread for ``wav:PATH`` / ``null`` — pulls fixed blocks, records when each marker's
sample is heard and computes the mouth envelope. The consumer touches only the ring, a few
deques and numpy; an asyncio poller resolves marker waiters and delivers envelope points.

Cancel (:meth:`clear`) empties the ring, so the next block the device asks for is silence:
speech stops within one block (10 ms by default) plus the device's own buffer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from aischoco_gui.audio.devices import (
    AudioDeviceError,
    OutputSpec,
    load_sounddevice,
    parse_output_spec,
    resolve_device,
    stream_healthy,
)
from aischoco_gui.audio.envelope import EnvelopeMeter, EnvelopePoint
from aischoco_gui.audio.ring import RingBuffer
from aischoco_gui.audio.wavwriter import StreamingWavWriter
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.i18n import register, tr
from aischoco_gui.threads import join_or_report
from aischoco_gui.user_text import explain

log = logging.getLogger(__name__)

register({
    "audio.notice.back": ("오디오 출력이 돌아왔어요: {label}", "audio output back: {label}"),
    "audio.status.unavailable": ("오디오 출력을 쓸 수 없어요. {why}", "The audio output is unavailable. {why}"),
    "audio.status.open_failed": ("오디오 출력 장치를 열지 못했어요 (다른 프로그램이 독점 중일 수 있어요). "
                                 "설정 → 음성 → 출력 장치에서 다른 장치를 고르거나 그 프로그램을 닫으세요",
                                 "The audio output device did not open (another program may hold it). Pick another "
                                 "one in Settings → Voice → Output device, or close that program"),
    "audio.status.closed": ("닫힘", "closed"),
    "audio.status.lost": ("오디오 장치가 사라졌어요: {label}. 다시 연결되기를 기다리는 중",
                          "audio device lost: {label}; waiting for it"),
})
IDLE_NAP_S = 1.0  # the poller's longest wait in silence (write()/expect() wake it at once; the watchdog checks at 1 s)


def _end_nap(nap: asyncio.Future) -> None:
    if not nap.done():
        nap.set_result(None)


EnvelopeListener = Callable[[EnvelopePoint], None]


class _ClockedSink:
    """Consumes the ring at real-time pace in its own thread (``wav:PATH`` and ``null``).

    In silence (ring empty, no marker pending, no utterance in progress) for ``SLEEP_AFTER_BLOCKS``
    blocks the thread sleeps on ``out._wake`` instead of ticking every block; a write or marker
    wakes it and it renders at once (issue 18: the 100 Hz tick was idle CPU). A cancel needs no
    wake-up: there is nothing to silence while it sleeps, and while it runs the next block is silent.
    """

    SLEEP_AFTER_BLOCKS = 10  # 100 ms of silence at 10 ms blocks: lets the mouth envelope fall to 0

    def __init__(self, out: AudioOutput, writer: StreamingWavWriter | None) -> None:
        self.out = out
        self.writer = writer
        self.label = f"wav:{writer.path}" if writer else "null"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_callback = time.monotonic()
        self.blocks = 0  # blocks rendered (the tick count)
        self.wakeups = 0
        self.sleeping = False
        self._started = False

    def open(self) -> None:
        self._started = True
        self._thread = threading.Thread(target=self._run, name=f"audio-{self.label[:3]}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._tick_until_stopped()
        finally:  # the thread owns the writer: it is flushed and closed here, never under a running write
            if self.writer is not None:
                self.writer.close()

    def _tick_until_stopped(self) -> None:
        out = self.out
        n = out.block
        buf = np.zeros(n, dtype=np.float32)
        dt = n / out.rate
        next_t = time.monotonic()
        silent = 0
        while not self._stop.is_set():
            silent = silent + 1 if out._idle() else 0
            if silent >= self.SLEEP_AFTER_BLOCKS:
                out._wake.clear()
                if out._idle():  # checked after clear(): a write in between sets it again, no lost wake-up
                    self.sleeping = True
                    while not out._wake.wait(5.0) and not self._stop.is_set():
                        pass
                    self.sleeping = False
                    if self._stop.is_set():
                        break
                    self.wakeups += 1
                    next_t = time.monotonic()
                silent = 0
            now = time.monotonic()
            if next_t > now:
                if self._stop.wait(next_t - now):
                    break
            elif now - next_t > 0.25:  # fell far behind (suspended?): don't burst to catch up
                next_t = now
            got = out._render(buf, next_t)
            if self.writer is not None and (got or out.hold):
                self.writer.write(buf)
            self.blocks += 1
            self.last_callback = time.monotonic()
            next_t += dt

    def healthy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def close(self) -> None:
        """Stop and join the thread (it closes the WAV writer on its way out); one that does not end in
        time is reported and left to finish its last block (it holds no event loop)."""
        self._stop.set()
        self.out._wake.set()
        t, self._thread = self._thread, None
        if t is None:
            if self.writer is not None and not self._started:  # never started: nobody else closes it
                self.writer.close()
            return
        join_or_report(t, 2.0, f"audio output ({self.label})")


class _DeviceSink:
    """A sounddevice OutputStream whose callback only reads the ring."""

    def __init__(self, out: AudioOutput, sd: Any, device: str) -> None:
        self.out = out
        self.sd = sd
        self.device = device
        self.stream: Any = None
        self.label = device or "default"
        self.finished = False
        self.last_callback = time.monotonic()
        self.device_underflows = 0

    def open(self) -> None:
        idx, name, default_rate = resolve_device(self.sd, self.device)
        self.label = name
        self.finished = False
        try:
            self.stream = self._make(idx, self.out.rate)
        except Exception as e:  # device refuses our rate: use its own (resampling follows output.rate)
            log.info("device %s refused %d Hz (%s); using %d Hz", name, self.out.rate, e, default_rate)
            self.out._set_rate(default_rate)
            self.stream = self._make(idx, default_rate)
        self.last_callback = time.monotonic()
        self.stream.start()

    def _make(self, idx: int | None, rate: int) -> Any:
        return self.sd.OutputStream(device=idx, samplerate=rate, channels=1, dtype="float32",
                                    blocksize=self.out.block, latency="low", callback=self._callback,
                                    finished_callback=self._finished)

    def _callback(self, outdata, frames, time_info, status) -> None:  # PortAudio thread
        if status and getattr(status, "output_underflow", False):
            self.device_underflows += 1
        lead = 0.0
        try:
            lead = float(time_info.outputBufferDacTime - time_info.currentTime)
        except Exception:
            pass
        if not 0.0 <= lead < 1.0:
            lead = 0.0
        self.out._render(outdata[:, 0], time.monotonic() + lead)
        self.last_callback = time.monotonic()

    def _finished(self) -> None:
        self.finished = True

    def healthy(self) -> bool:
        return stream_healthy(self.stream, self.finished, self.last_callback)

    def close(self) -> None:
        s, self.stream = self.stream, None
        if s is not None:
            with contextlib.suppress(Exception):
                s.abort()
            with contextlib.suppress(Exception):
                s.close()


class AudioOutput:
    """The app's one output (device, ``wav:PATH`` or ``null``) with markers and a mouth envelope."""

    def __init__(self, spec: str = "", bus: EventBus | None = None, *, rate: int = 48000,
                 block_s: float = 0.010, capacity_s: float = 60.0, sd_module: Any = None,
                 status_name: str = "audio") -> None:
        self.spec: OutputSpec = parse_output_spec(spec)
        self.bus = bus
        self.status_name = status_name
        self.rate = int(rate)
        self.block_s = block_s
        self.block = max(16, int(round(self.rate * block_s)))
        self.ring = RingBuffer(int(self.rate * capacity_s))
        self.meter = EnvelopeMeter(self.rate)
        self._hold = False
        self.underruns = 0
        self._starved = False
        self._markers: deque[tuple[int, Hashable]] = deque()
        self._mlock = threading.Lock()
        self._wake = threading.Event()  # set by writers: wakes a clocked sink sleeping in silence
        self._fired: deque[tuple[Hashable, float | None]] = deque()
        self._waiters: dict[Hashable, asyncio.Future] = {}
        self._listeners: list[EnvelopeListener] = []
        self._env_sent_t = 0.0
        self._sd = sd_module
        self.sink: _ClockedSink | _DeviceSink | None = None
        self._poller: asyncio.Task | None = None
        self._poller_nap: asyncio.Future | None = None  # the poller's idle wait; write()/expect() end it
        self._closing = False
        self.error = ""
        self.state = ServiceState.OFF
        self._gain = 1.0  # applied by the consumer; set_gain() moves it towards _gain_target
        self._gain_target = 1.0
        self._gain_step = 1.0  # per sample

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        self._closing = False
        await self._open()
        self._poller = asyncio.get_running_loop().create_task(self._poll(), name="audio:poller")

    async def _open(self) -> bool:
        try:
            if self.spec.kind == "device":
                if self._sd is None:
                    self._sd = load_sounddevice()
                sink: Any = _DeviceSink(self, self._sd, self.spec.device)
                await asyncio.to_thread(sink.open)
            else:
                writer = StreamingWavWriter(self.spec.path, self.rate) if self.spec.kind == "wav" else None
                sink = _ClockedSink(self, writer)
                sink.open()
        except (AudioDeviceError, OSError, ValueError) as e:
            self._report(ServiceState.ERROR, tr("audio.status.unavailable", why=explain(e)), error=str(e))
            return False
        except Exception as e:  # PortAudioError and friends
            self._report(ServiceState.ERROR, tr("audio.status.open_failed"), error=f"{type(e).__name__}: {e}")
            return False
        self.sink = sink
        self._report(ServiceState.READY, f"{sink.label} @ {self.rate} Hz")
        return True

    async def close(self) -> None:
        self._closing = True
        self.clear()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._poller
            self._poller = None
        if self.sink is not None:
            await asyncio.to_thread(self.sink.close)
            self.sink = None
        self._resolve_all_dropped()
        self._report(ServiceState.OFF, tr("audio.status.closed"))

    def _report(self, state: ServiceState, detail: str, error: str | None = None) -> None:
        same = (state, detail, error) == getattr(self, "_last_report", None)
        self._last_report = (state, detail, error)
        self.state = state
        if same:  # retries of a missing device: say it once, not every few seconds
            return
        if error:
            self.error = error
            log.warning("audio: %s: %s", detail, error)
        if self.bus is not None:
            self.bus.set_status(self.status_name, state, detail, error=error)

    def _set_rate(self, rate: int) -> None:
        if rate != self.rate:
            self.clear()
            self.rate = int(rate)
            self.block = max(16, int(round(self.rate * self.block_s)))
            self.meter = EnvelopeMeter(self.rate)

    @property
    def ready(self) -> bool:
        return self.sink is not None and self.state == ServiceState.READY

    @property
    def hold(self) -> bool:
        """An utterance is in progress: running dry now is an underrun (and the sink stays awake)."""
        return self._hold

    @hold.setter
    def hold(self, on: bool) -> None:
        self._hold = bool(on)
        if on:
            self._wake.set()

    # -- writer side (asyncio loop) ---------------------------------------------------------
    def expect(self, key: Hashable) -> asyncio.Future:
        """A future for marker ``key``: resolves to the monotonic time its sample is heard, or None
        when it was dropped (clear/close). Call before placing the marker."""
        fut = asyncio.get_running_loop().create_future()
        if self._closing:  # closed (or closing): nothing will be heard; resolved now, never left pending
            fut.set_result(None)
            return fut
        self._waiters[key] = fut
        self._wake_poller()
        return fut

    def forget(self, key: Hashable) -> None:
        """Drop a waiter whose marker was never placed."""
        fut = self._waiters.pop(key, None)
        if fut is not None and not fut.done():
            fut.cancel()

    def write(self, x: np.ndarray, mark: Hashable | None = None) -> int:
        """Write what fits of ``x``; with ``mark``, a marker sits on its first sample (atomically)."""
        if mark is None:
            n = self.ring.write(x)
        else:
            with self._mlock:
                p = self.ring.written
                n = self.ring.write(x)
                if n > 0:
                    self._markers.append((p, mark))
        self._wake.set()
        self._wake_poller()
        return n

    def _wake_poller(self) -> None:
        nap = self._poller_nap
        if nap is not None and not nap.done():
            nap.set_result(None)

    async def write_all(self, x: np.ndarray, mark: Hashable | None = None,
                        cancelled: Callable[[], bool] = lambda: False) -> bool:
        """Write all of ``x``, waiting for room. Returns False if cancelled or the output went away."""
        i = 0
        while i < len(x):
            if cancelled() or self._closing:
                return False
            n = self.write(x[i:], mark)
            if n:
                mark = None
            i += n
            if i < len(x):
                await asyncio.sleep(min(0.05, self.ring.capacity / self.rate / 4))
        return True

    def mark(self, key: Hashable) -> None:
        """Marker at the current end of the stream (e.g. end of an utterance)."""
        with self._mlock:
            self._markers.append((self.ring.written, key))
        self._wake.set()

    def clear(self) -> int:
        """Silence now: drop buffered audio; pending markers resolve as dropped."""
        with self._mlock:
            dropped = self.ring.clear()
            while self._markers:
                _, key = self._markers.popleft()
                self._fired.append((key, None))
            self._starved = False
        self.hold = False
        return dropped

    def set_gain(self, gain: float, ramp_ms: float = 5.0) -> None:
        """Duck (or restore) the output from any thread; the next block rendered starts the ramp,
        and a ramp no longer than one block reaches ``gain`` within that block (barge-in)."""
        g = min(1.0, max(0.0, float(gain)))
        n = max(1.0, float(ramp_ms) / 1000.0 * self.rate)
        self._gain_step = max(abs(g - self._gain) / n, 1e-9)
        self._gain_target = g

    @property
    def gain(self) -> float:
        return self._gain_target

    @property
    def buffered_s(self) -> float:
        return self.ring.available / self.rate

    # -- consumer side (audio thread) -------------------------------------------------------
    def _idle(self) -> bool:
        """Nothing to play, no marker to fire, no utterance in progress (a sink may sleep)."""
        return self.ring.available == 0 and not self._markers and not self._hold

    def _render(self, out: np.ndarray, t_first: float) -> int:
        """Fill ``out`` with the next block; returns samples of real audio in it."""
        with self._mlock:
            pos, n = self.ring.read_into(out)
            end = pos + n
            while self._markers and self._markers[0][0] <= end:
                mpos, key = self._markers.popleft()
                self._fired.append((key, t_first + max(0, mpos - pos) / self.rate))
            if n < len(out) and self.hold:
                if not self._starved:
                    self.underruns += 1
                    self._starved = True
            elif n == len(out):
                self._starved = False
        if self._gain != 1.0 or self._gain_target != 1.0:
            self._apply_gain(out)
        self.meter.feed(out, t_first)
        return n

    def _apply_gain(self, out: np.ndarray) -> None:
        g0, target = self._gain, self._gain_target
        if g0 == target:
            out *= g0
            return
        k = np.arange(1, len(out) + 1, dtype=np.float32) * self._gain_step
        ramp = np.minimum(g0 + k, target) if target > g0 else np.maximum(g0 - k, target)
        out *= ramp
        self._gain = float(ramp[-1])

    # -- envelope ---------------------------------------------------------------------------
    def mouth_level(self, now: float | None = None) -> float:
        return self.meter.level_at(time.monotonic() if now is None else now)

    def add_envelope_listener(self, fn: EnvelopeListener) -> Callable[[], None]:
        self._listeners.append(fn)
        self._env_sent_t = time.monotonic()

        def remove() -> None:
            if fn in self._listeners:
                self._listeners.remove(fn)

        return remove

    # -- poller: markers, envelope delivery, device watchdog --------------------------------
    async def _poll(self) -> None:
        next_check = time.monotonic() + 1.0
        retry_delay = 1.0
        while True:
            self._drain_fired()
            now = time.monotonic()
            if self._listeners:
                self._deliver_envelope(now)
            if now >= next_check:
                next_check = now + 1.0
                if self.sink is None or not self.sink.healthy():
                    if self.sink is not None:
                        label = self.sink.label
                        await asyncio.to_thread(self.sink.close)
                        self.sink = None
                        self.clear()
                        self._report(ServiceState.RECONNECTING, tr("audio.status.lost", label=label),
                                     error="output stream stopped (device unplugged or busy)")
                    await self._rescan()
                    if await self._open():
                        retry_delay = 1.0
                        if self.bus is not None:
                            self.bus.notice(tr("audio.notice.back", label=self.sink.label))
                    else:
                        next_check = now + retry_delay
                        retry_delay = min(10.0, retry_delay * 2)
            busy = bool(self._waiters) or self.ring.available > 0
            live = self._listeners and not getattr(self.sink, "sleeping", False)  # a sleeping sink makes no points
            if busy or live:
                await asyncio.sleep(0.004 if busy else 0.01)
            else:  # silence: nap until audio is written or a marker is expected (or the watchdog's next check)
                loop = asyncio.get_running_loop()
                nap = self._poller_nap = loop.create_future()
                handle = loop.call_later(max(0.05, min(IDLE_NAP_S, next_check - time.monotonic())),
                                         _end_nap, nap)
                try:
                    await nap
                finally:
                    handle.cancel()
                    self._poller_nap = None

    async def _rescan(self) -> None:
        """PortAudio only sees devices present at initialisation: re-initialise to find a replugged one."""
        sd = self._sd
        if sd is None or self.spec.kind != "device":
            return

        def reinit() -> None:
            with contextlib.suppress(Exception):
                sd._terminate()
            with contextlib.suppress(Exception):
                sd._initialize()

        await asyncio.to_thread(reinit)

    def _drain_fired(self) -> None:
        while self._fired:
            key, t = self._fired.popleft()
            fut = self._waiters.pop(key, None)
            if fut is not None and not fut.done():
                fut.set_result(t)

    def _resolve_all_dropped(self) -> None:
        self._drain_fired()
        for fut in self._waiters.values():
            if not fut.done():
                fut.set_result(None)
        self._waiters.clear()

    def _deliver_envelope(self, now: float) -> None:
        for p in list(self.meter.points):
            if self._env_sent_t < p.t <= now:
                self._env_sent_t = p.t
                for fn in list(self._listeners):
                    try:
                        fn(p)
                    except Exception:
                        log.exception("envelope listener failed")
