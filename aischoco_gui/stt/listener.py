"""The co-host microphone service: capture → VAD → speech-to-text → ``on_utterance``.

Threads and loop:

* the capture producer (PortAudio callback or the ``wav:`` pacing thread) fills a ring buffer;
* one worker thread (``stt-listen``) owns the capture: opens it, reconnects with backoff, reads,
  resamples to 16 kHz and runs the VAD/segmenter; it talks to the loop only through
  ``loop.call_soon_threadsafe``;
* on the asyncio loop, one named task (``stt:transcribe``) sends finished utterances to the engine
  one at a time and calls ``on_utterance``; ``on_barge_in`` is called on the loop too.

Gating (sampled every capture block, ~20 ms):

* ``mode`` ``off``: nothing is opened, nothing is sent. ``cohost``: every utterance.
  ``ptt``: only utterances during which :meth:`set_ptt` was held; releasing the key ends the
  utterance at once.
* :meth:`set_director` held at any moment of an utterance marks it a private director whisper
  (``meta["director"]``); in ``ptt`` mode the director key also opens the microphone.
* Echo safety: while :meth:`set_app_speaking` is on (and ``echo_tail_ms`` after it) utterances
  are dropped, unless barge-in is on or a key (PTT/director) is held.
* Barge-in (``barge_in`` ``duck``/``stop``): a speech onset while the app speaks calls
  ``on_barge_in()`` in the same VAD frame; the utterance is then transcribed as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aischoco_gui import i18n
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.stt import strings as _stt_strings  # noqa: F401  (registers the status text)
from aischoco_gui.stt.capture import SILENCE_DBFS, STT_RATE, MicCapture, parse_input_spec
from aischoco_gui.stt.engines import SpeechToText, SttError, SttUnavailable
from aischoco_gui.stt.strings import mode_text
from aischoco_gui.stt.vad import Discarded, Onset, Segmenter, SileroVad, SpeechProbability, Utterance, VadConfig
from aischoco_gui.tasks import TaskGroup
from aischoco_gui.threads import LoopPost, join_thread
from aischoco_gui.user_text import explain

log = logging.getLogger(__name__)

MIC_MODES = ("off", "cohost", "ptt")
BARGE_IN_MODES = ("off", "duck", "stop")

UtteranceCallback = Callable[[str, float, float, dict[str, Any]], None]


@dataclass
class ListenerConfig:
    mode: str = "off"  # MIC_MODE
    input_device: str = "off"  # STT_INPUT_DEVICE
    language: str = "ko"  # STT_LANGUAGE ("" = let the engine guess)
    barge_in: str = "off"  # BARGE_IN
    vad: VadConfig = field(default_factory=VadConfig)
    echo_tail_ms: int = 300  # the room's echo of the app's last word
    reconnect_base_s: float = 0.5
    reconnect_max_s: float = 10.0
    max_queue: int = 8  # utterances waiting for the engine; older ones are dropped beyond this


@dataclass
class _Pending:
    audio: np.ndarray
    started_at: float
    ended_at: float
    detected_at: float
    meta: dict[str, Any]


class MicListener:
    """A service: :meth:`start` / :meth:`stop`; status on the bus under ``status_name`` ("stt").

    ``on_speech_end()`` (optional) is called on the loop when an utterance that barged in ends (or is
    discarded), so a ducked output can come back up as soon as the streamer stops."""

    name = "stt"

    def __init__(self, cfg: ListenerConfig, bus: EventBus, engine: SpeechToText | None,
                 on_utterance: UtteranceCallback, on_barge_in: Callable[[], None] | None = None, *,
                 sd_module: Any = None, vad_factory: Callable[[], SpeechProbability] = SileroVad,
                 status_name: str = "stt", on_speech_end: Callable[[], None] | None = None) -> None:
        if cfg.mode not in MIC_MODES:
            raise ValueError(f"MIC_MODE must be one of {', '.join(MIC_MODES)} (got {cfg.mode!r})")
        if cfg.barge_in not in BARGE_IN_MODES:
            raise ValueError(f"BARGE_IN must be one of {', '.join(BARGE_IN_MODES)} (got {cfg.barge_in!r})")
        self.cfg = cfg
        self.bus = bus
        self.engine = engine
        self.on_utterance = on_utterance
        self.on_barge_in = on_barge_in
        self.on_speech_end = on_speech_end
        self.status_name = status_name
        self._sd = sd_module
        self._vad_factory = vad_factory
        self.tasks = TaskGroup("stt", bus)
        self._post = LoopPost()  # the worker thread's only way back to the loop; cut on stop
        self._queue: asyncio.Queue[_Pending] | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._capture: MicCapture | None = None
        # flags written by the loop / GUI, read by the worker (plain bools: atomic)
        self._ptt = False
        self._director = False
        self._app_speaking = False
        self._app_quiet_since = 0.0
        self.barge_in = cfg.barge_in
        # read-only for the UI
        self.speech_prob = 0.0
        self.in_speech = False
        self.counters = {"utterances": 0, "sent": 0, "dropped_echo": 0, "dropped_gate": 0, "dropped_short": 0,
                         "dropped_empty": 0, "dropped_queue": 0, "failed": 0, "barge_ins": 0}

    # -- controls (any thread) ---------------------------------------------------------------
    def set_ptt(self, held: bool) -> None:
        """Push-to-talk key state (mode ``ptt``)."""
        self._ptt = bool(held)

    def set_director(self, held: bool) -> None:
        """Director-whisper key state: utterances while held are private instructions."""
        self._director = bool(held)

    def set_app_speaking(self, speaking: bool) -> None:
        """The app's voice is playing (echo gate / barge-in)."""
        if self._app_speaking and not speaking:
            self._app_quiet_since = time.monotonic()
        self._app_speaking = bool(speaking)

    def set_barge_in(self, mode: str) -> None:
        if mode not in BARGE_IN_MODES:
            raise ValueError(f"BARGE_IN must be one of {', '.join(BARGE_IN_MODES)}")
        self.barge_in = mode

    @property
    def level_dbfs(self) -> float:
        """Input level (RMS dBFS of the latest capture block) for a meter; -120 when closed."""
        c = self._capture
        return c.level_dbfs if c is not None else SILENCE_DBFS

    @property
    def device_label(self) -> str:
        c = self._capture
        return c.label if c is not None else ""

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self._post = LoopPost(asyncio.get_running_loop())
        if self.cfg.mode == "off":
            self._status(ServiceState.OFF, i18n.tr("stt.status.off"))
            return
        try:
            spec = parse_input_spec(self.cfg.input_device)
        except ValueError as e:
            self._status(ServiceState.NOT_CONFIGURED, i18n.tr("stt.status.bad_device"), error=str(e))
            return
        if spec.kind == "off":
            self._status(ServiceState.NOT_CONFIGURED, i18n.tr("stt.status.no_device"))
            return
        if self.engine is None:
            self._status(ServiceState.NOT_CONFIGURED, i18n.tr("stt.status.no_engine"))
            return
        why = self.engine.problem()
        if why:  # nothing could be transcribed: do not open the microphone at all
            self._status(ServiceState.NOT_CONFIGURED, i18n.tr("stt.status.unavailable", why=explain(why)), error=why)
            return
        try:
            vad = self._vad_factory()
        except Exception as e:
            self._status(ServiceState.ERROR, i18n.tr("stt.status.no_vad"), error=str(e))
            return
        self._queue = asyncio.Queue()
        self._stop.clear()
        self._status(ServiceState.CONNECTING, i18n.tr("stt.status.opening", device=self.cfg.input_device))
        self.tasks.spawn(self._transcribe_loop(), "transcribe")
        keep_warm = getattr(self.engine, "keep_warm", None)  # a remote engine: connect now, stay connected
        if keep_warm is not None:
            self.tasks.spawn(keep_warm(), "keep-warm")
        self._thread = threading.Thread(target=self._worker, args=(spec, vad), name="stt-listen", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        """Close the microphone and drop everything not yet sent (in-flight requests are cancelled)."""
        self._stop.set()
        self._post.cut()  # from here the worker reaches no loop, whether it ends in time or not
        t, self._thread = self._thread, None
        await join_thread(t, 2.0, "microphone")
        if self._queue is not None:
            while not self._queue.empty():
                self._queue.get_nowait()
        await self.tasks.cancel_all()
        if self.engine is not None:
            with contextlib.suppress(Exception):
                await self.engine.aclose()
        self._status(ServiceState.OFF, i18n.tr("stt.status.stopped"))

    # -- status --------------------------------------------------------------------------------
    def _status(self, state: ServiceState, detail: str, error: str | None = None, attempt: int = 0) -> None:
        self.bus.set_status(self.status_name, state, detail, error=error, attempt=attempt)

    def _status_ts(self, state: ServiceState, detail: str, error: str | None = None, attempt: int = 0) -> None:
        """From the worker thread."""
        self._post(functools.partial(self._status, state, detail, error, attempt))

    # -- worker thread -------------------------------------------------------------------------
    def _worker(self, spec: Any, vad: SpeechProbability) -> None:
        try:
            self._work(spec, vad)
        except Exception as e:  # never die silently
            log.exception("stt worker failed")
            self._status_ts(ServiceState.ERROR, i18n.tr("stt.status.worker_failed"), error=f"{type(e).__name__}: {e}")
        finally:
            c, self._capture = self._capture, None
            if c is not None:
                c.close()

    def _open(self, spec: Any, attempt: int, lost: bool) -> MicCapture | None:
        cap = MicCapture(spec, sd_module=self._sd)
        try:
            cap.open()
        except Exception as e:
            with contextlib.suppress(Exception):
                cap.close()
            err = f"{type(e).__name__}: {e}" if not isinstance(e, (OSError, ValueError, RuntimeError)) else str(e)
            self._status_ts(ServiceState.ERROR if attempt <= 1 and not lost else ServiceState.RECONNECTING,
                            i18n.tr("stt.status.device_unavailable", device=spec.device or spec.path or "default",
                                    why=explain(err)), error=err,
                            attempt=attempt)
            return None
        self._sd = cap._sd
        mode = self.cfg.mode
        self._status_ts(ServiceState.READY, i18n.tr("stt.status.listening", mode=mode_text(mode), device=cap.label,
                                                    rate=cap.rate))
        return cap

    def _rescan(self) -> None:
        """PortAudio sees only devices present at initialisation: re-initialise to find a replugged one."""
        sd = self._sd
        if sd is None:
            return
        with contextlib.suppress(Exception):
            sd._terminate()
        with contextlib.suppress(Exception):
            sd._initialize()

    def _work(self, spec: Any, vad: SpeechProbability) -> None:
        seg = Segmenter(vad, self.cfg.vad)
        fed = 0  # 16 kHz samples fed to the segmenter
        t_fed = time.monotonic()  # monotonic time of sample ``fed``
        attempt = 0
        delay = self.cfg.reconnect_base_s
        next_health = 0.0
        was_open = False
        lost = False  # the device was open once: failures now are "reconnecting", not "error"
        utt: dict[str, bool] = {}

        def t_of(pos: int) -> float:
            return t_fed - (fed - pos) / STT_RATE

        while not self._stop.is_set():
            cap = self._capture
            if cap is None:
                attempt += 1
                if attempt > 1:
                    self._rescan()
                cap = self._open(spec, attempt, lost)
                if cap is None:
                    if self._stop.wait(delay):
                        break
                    delay = min(self.cfg.reconnect_max_s, delay * 2)
                    continue
                self._capture = cap
                attempt, delay = 0, self.cfg.reconnect_base_s
                next_health = time.monotonic() + 0.5
            cap.data_ready.wait(0.1)
            cap.data_ready.clear()
            x = cap.read()
            now = time.monotonic()
            if now >= next_health:
                next_health = now + 0.5
                if not cap.healthy():
                    label = cap.label
                    cap.close()
                    self._capture = None
                    lost = True
                    if seg.in_speech:
                        seg.reset()
                        self.counters["dropped_gate"] += 1
                    self._status_ts(ServiceState.RECONNECTING, i18n.tr("stt.status.lost", label=label),
                                    error="input stream stopped (device unplugged or busy)")
                    continue
            if len(x) == 0:
                continue
            # flags for this block
            keys = self._ptt or self._director
            open_now = self.cfg.mode == "cohost" or keys
            speaking = self._app_speaking or (now - self._app_quiet_since) * 1000 < self.cfg.echo_tail_ms
            echo_gated = speaking and self.barge_in == "off" and not keys
            if was_open and not open_now and seg.in_speech and self.cfg.mode == "ptt":
                for ev in seg.flush():  # key released: the utterance ends now
                    self._on_event(ev, utt, t_of, now)
                if utt.get("barge"):
                    self._call_ts(self.on_speech_end)
                utt.clear()
                seg.reset()
            was_open = open_now
            fed += len(x)
            t_fed = now
            events = seg.feed(x)
            self.speech_prob = seg.last_prob
            for ev in events:
                if isinstance(ev, Onset):
                    utt.clear()
                    utt.update(open=open_now, director=self._director, echo=echo_gated,
                               barge=False)
                    if open_now and self._app_speaking and self.barge_in != "off":
                        utt["barge"] = True
                        self.counters["barge_ins"] += 1
                        self._call_ts(self.on_barge_in)
                else:
                    self._on_event(ev, utt, t_of, now)
                    if utt.get("barge"):
                        self._call_ts(self.on_speech_end)
                    utt.clear()
            if seg.in_speech:
                utt["open"] = utt.get("open", False) or open_now
                utt["director"] = utt.get("director", False) or self._director
                utt["echo"] = utt.get("echo", False) or echo_gated
            self.in_speech = seg.in_speech

    def _call_ts(self, fn: Callable[[], None] | None) -> None:
        if fn is not None:
            self._post(fn)

    def _on_event(self, ev: Any, utt: dict[str, bool], t_of: Callable[[int], float], now: float) -> None:
        if isinstance(ev, Discarded):
            self.counters["dropped_short"] += 1
            return
        if not isinstance(ev, Utterance):
            return
        if not utt.get("open", False):
            self.counters["dropped_gate"] += 1
            return
        if utt.get("echo", False):
            self.counters["dropped_echo"] += 1
            log.debug("stt: utterance dropped (app was speaking)")
            return
        self.counters["utterances"] += 1
        meta = {"director": bool(utt.get("director")), "mode": self.cfg.mode, "barge_in": bool(utt.get("barge")),
                "speech_s": ev.speech_s, "audio_s": len(ev.audio) / STT_RATE, "cut": ev.cut,
                "detected_at": now, "wall_ended": time.time() - (now - t_of(ev.end))}
        p = _Pending(ev.audio, t_of(ev.start), t_of(ev.end), now, meta)
        self._post(self._enqueue, p)

    # -- loop side -----------------------------------------------------------------------------
    def _enqueue(self, p: _Pending) -> None:
        q = self._queue
        if q is None or self._stop.is_set():
            return
        while q.qsize() >= self.cfg.max_queue:
            q.get_nowait()
            self.counters["dropped_queue"] += 1
        q.put_nowait(p)

    async def _transcribe_loop(self) -> None:
        assert self._queue is not None and self.engine is not None
        degraded = False
        while True:
            p = await self._queue.get()
            if self._stop.is_set():
                continue
            p.meta["sent_at"] = time.monotonic()
            try:
                tr = await self.engine.transcribe(p.audio, language=self.cfg.language)
            except SttUnavailable as e:
                self.counters["failed"] += 1
                self._status(ServiceState.NOT_CONFIGURED, i18n.tr("stt.status.unavailable", why=explain(e)),
                             error=str(e))
                degraded = True
                continue
            except SttError as e:
                self.counters["failed"] += 1
                self._status(ServiceState.DEGRADED, i18n.tr("stt.status.failed"), error=str(e))
                self.bus.notice(i18n.tr("stt.notice.failed", why=explain(e)), level="warning", detail=str(e))
                degraded = True
                continue
            self.counters["sent"] += 1
            if degraded and self._capture is not None:
                degraded = False
                self._status(ServiceState.READY,
                             i18n.tr("stt.status.listening", mode=mode_text(self.cfg.mode),
                                     device=self._capture.label, rate=self._capture.rate))
            text = tr.text.strip()
            if not text:
                self.counters["dropped_empty"] += 1
                continue
            p.meta.update(engine=tr.engine, stt_latency_s=tr.latency_s, attempts=tr.attempts,
                          transcribed_at=time.monotonic())
            try:
                self.on_utterance(text, p.started_at, p.ended_at, p.meta)
            except Exception:
                log.exception("on_utterance failed")
