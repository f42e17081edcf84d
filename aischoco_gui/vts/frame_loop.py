"""The avatar's 30 Hz frame loop: one ``InjectParameterDataRequest`` per tick, never waiting for VTS.

Part of :class:`aischoco_gui.vts.avatar.VTSAvatar` (a mixin; the facade owns the state): absolute-deadline
scheduling at the full rate while speaking or moving and the idle rate otherwise (an input cuts an idle
wait short), the mouth level (the speaker's envelope, a self-test override or a synthetic one), the
frame from the mixer, and VTS's answers to frames (a parameter another plugin owns is excluded for a
while; one the model lacks is skipped until the model changes). Runs on the VTS loop.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any

from aischoco_gui.events import ServiceState
from aischoco_gui.i18n import tr
from aischoco_gui.tasks import TaskGroup
from aischoco_gui.vts.client import ERR_PARAM_NOT_FOUND, ERR_PARAM_OWNED, APIError, NotConnected, VTSClient
from aischoco_gui.vts.framestats import FrameStats
from aischoco_gui.vts.lipsync import synthetic_envelope
from aischoco_gui.vts.loop_thread import BusPoster
from aischoco_gui.vts.mixer import PoseMixer

log = logging.getLogger("aischoco_gui.vts.avatar")


class FrameLoop:
    """The facade's state this part reads and writes (set in ``VTSAvatar.__init__``)."""

    client: VTSClient
    mixer: PoseMixer
    out: BusPoster
    tasks: TaskGroup
    config: Any  # avatar.AvatarConfig
    stats: FrameStats
    period: float
    idle_period: float
    speaking: bool
    state: ServiceState
    state_detail: str
    missing: set[str]
    injections_failed: int
    first_frame_after_emotion: float | None
    _speak_t0: float
    _emotion_t: float | None
    _mouth_source: Callable[[], float] | None
    _mouth_override: Callable[[float], float] | None
    _sleeper: asyncio.Future | None
    _inflight: asyncio.Task | None
    _sent: dict[str, tuple[float, float, float]]
    _excluded_at: dict[str, float]
    _loop_error: str
    _now: Callable[[], float]
    _error: Callable[..., None]
    _set_missing: Callable[[set[str]], None]
    _refresh_model: Callable[[], Coroutine[Any, Any, None]]
    # -- the 30 Hz loop --------------------------------------------------------------------
    def _mouth_level(self, now: float) -> float:
        if self._mouth_override is not None:
            return self._mouth_override(now)
        if self._mouth_source is not None:
            try:
                return float(self._mouth_source())
            except Exception:
                log.debug("mouth source failed", exc_info=True)
                return 0.0
        return synthetic_envelope(now - self._speak_t0) if self.speaking else 0.0

    def frame_period(self, now: float) -> float:
        """Seconds to the next frame: the full rate while speaking or moving, the idle rate otherwise."""
        if self.speaking or self._mouth_override is not None or self.mixer.busy(now):
            return self.period
        return self.idle_period

    def _idle_wait(self, now: float, period: float) -> float:
        """At the idle rate, the next tick comes when the idle motion will have moved a parameter by a visible
        step (``idle_step`` of its range; the sway is a function of time, so the mixer looks ahead), checked
        at multiples of ``period`` up to ``idle_max_wait_s``: a slow drift costs a few wake-ups a second, a
        look-away is followed at the idle rate (issue 27). An input (emotion, speech, slider) pokes the wait."""
        longest = max(period, self.config.idle_max_wait_s)
        k, wait = 1, period
        while wait < longest - 1e-9:
            if self.mixer.idle_change(now, now + wait) >= self.config.idle_step:
                return wait
            k += 1
            wait = min(longest, k * period)
        return longest

    def _poke(self) -> None:
        """Something changed (emotion, speech, a slider): end an idle-rate wait now."""
        fut = self._sleeper
        if fut is not None and not fut.done():
            fut.set_result(True)

    async def _sleep(self, delay: float, pokeable: bool) -> bool:
        """Wait ``delay`` seconds, or (``pokeable``: an idle-rate wait) until poked; True when poked."""
        if not pokeable:
            await asyncio.sleep(delay)
            return False
        loop = asyncio.get_running_loop()
        fut = self._sleeper = loop.create_future()
        handle = loop.call_later(delay, lambda: fut.done() or fut.set_result(False))
        try:
            return await fut
        finally:
            handle.cancel()
            self._sleeper = None

    async def _mixer_loop(self) -> None:
        """Absolute-deadline scheduling: late ticks don't accumulate drift; never awaits VTS."""
        next_t = self._now()
        while True:
            now = self._now()
            self.stats.tick(now)
            try:
                self._tick(now)
            except Exception as e:  # never die silently: show it, keep ticking
                text = f"{type(e).__name__}: {e}"
                if text != self._loop_error:
                    log.exception("VTS mixer tick failed")
                    self._loop_error = text
                    self.state, self.state_detail = ServiceState.ERROR, tr("vts.status.mixer_error")
                    self.out.set_status("vts", ServiceState.ERROR, self.state_detail, error=text)
            period = self.frame_period(now)
            if period > self.period:
                period = self._idle_wait(now, period)
            next_t += period
            delay = next_t - self._now()
            if delay < -period:  # far behind (suspended machine, blocked loop): resync
                next_t = self._now() + period
                delay = period
            if await self._sleep(max(0.0, delay), pokeable=period > self.period):
                next_t = self._now()  # poked: the change goes out now, the full rate from here

    def _tick(self, now: float) -> None:
        for pid, t in list(self._excluded_at.items()):
            if now - t > self.config.retry_excluded_s:
                del self._excluded_at[pid]
                if pid not in self.missing:
                    self.mixer.excluded.discard(pid)
        frame = self.mixer.frame(now, self._mouth_level(now))
        if not frame or not self.client.ready:
            self._sent.clear()  # a new link (or control taken again) starts with every parameter
            return
        if self._inflight is not None and not self._inflight.done():
            self.stats.frames_dropped += 1  # socket back-pressure: latest frame wins next tick
            return
        frame = self._visible(frame, now, idle=self.frame_period(now) > self.period)
        if not frame:
            self.stats.frames_skipped += 1  # idle, nothing moved by a visible step, nothing due
            return
        if self._emotion_t is not None and self.first_frame_after_emotion is None:
            self.first_frame_after_emotion = now - self._emotion_t
        if not self.client.can_send_now:
            self._inflight = asyncio.get_running_loop().create_task(self._send_frame(frame), name="vts:inject")
            return
        try:  # written now, no task and no future (issue 27); a backed-up socket drops the frame: the latest wins
            sent = self.client.send_frame_now(
                "InjectParameterDataRequest",
                {"faceFound": self.config.face_found, "mode": "set", "parameterValues": frame},
                lambda e: self._inject_failed(e, [p["id"] for p in frame]))
        except NotConnected:
            return
        if not sent:
            self.stats.frames_dropped += 1
            return
        self.stats.frames_sent += 1

    def _visible(self, frame: list[dict[str, Any]], now: float, idle: bool) -> list[dict[str, Any]]:
        """The frame to send. At the full rate: all of it. At the idle rate (issue 27: the idle cost is per
        frame): nothing unless a parameter moved by ``idle_step`` of its range, its weight changed or it was
        last sent ``keepalive_s`` ago (VTS drops control of a parameter not re-sent within a second); then
        what is half-way there rides along, so keepalives and the axes of one motion share frames.
        Remembers what went out."""
        sent = self._sent
        if not idle:
            for p in frame:
                sent[p["id"]] = (p["value"], p["weight"], now)
            return frame
        step, keep = self.config.idle_step, self.config.keepalive_s
        send = False
        riders = []
        for p in frame:
            pid = p["id"]
            last = sent.get(pid)
            if last is None or last[1] != p["weight"]:
                send = True
                riders.append(p)
                continue
            age = now - last[2]
            moved = abs(p["value"] - last[0]) / (step * 2.0 * self.mixer.range_of(pid).half)
            if age >= keep or moved >= 1.0:
                send = True
                riders.append(p)
            elif age >= keep / 2 or moved >= 0.5:
                riders.append(p)
        if not send:
            return []
        for p in riders:
            sent[p["id"]] = (p["value"], p["weight"], now)
        return riders

    async def _send_frame(self, frame: list[dict[str, Any]]) -> None:
        try:
            fut = await self.client.send("InjectParameterDataRequest",
                                         {"faceFound": self.config.face_found, "mode": "set",
                                          "parameterValues": frame})
        except NotConnected:
            return
        self.stats.frames_sent += 1
        fut.add_done_callback(lambda f: self._inject_done(f, [p["id"] for p in frame]))

    def _inject_done(self, fut: asyncio.Future, ids: list[str]) -> None:
        if fut.cancelled():
            return
        e = fut.exception()
        if e is not None:
            self._inject_failed(e, ids)

    def _inject_failed(self, e: BaseException, ids: list[str]) -> None:
        """VTS refused a frame (or never answered it): count it, exclude what it names, tell the streamer."""
        self.injections_failed += 1
        if isinstance(e, APIError) and e.error_id in (ERR_PARAM_OWNED, ERR_PARAM_NOT_FOUND):
            bad = [pid for pid in ids if re.search(rf"\b{re.escape(pid)}\b", e.message)]
            if e.error_id == ERR_PARAM_NOT_FOUND:
                # Missing until the model or the mapping changes: skip it, don't retry on a timer.
                if bad:
                    self._set_missing(self.missing | set(bad))
                elif not any(t.get_name() == "vts:refresh-model" for t in self.tasks.tasks):
                    self._error(str(e), notice=False)  # VTS did not say which: ask for its parameter list
                    self.tasks.spawn(self._refresh_model(), "refresh-model")
                return
            now = self._now()
            for pid in bad:
                if pid not in self.mixer.excluded:
                    key = "vts.notice.param_owned" if e.error_id == ERR_PARAM_OWNED else "vts.notice.param_failed"
                    self._error(f"{pid}: {e}", shown=tr(key, id=pid))
                self.mixer.excluded.add(pid)
                self._excluded_at[pid] = now
            if not bad:
                self._error(str(e), shown=tr("vts.notice.frame_refused"))
        elif isinstance(e, APIError):
            self._error(str(e), notice=False)
