"""The VTube Studio avatar driver: the public facade (state, lifecycle, the AvatarDriver methods).

Three parts: this facade owns the state, the client and the mixer, starts and stops the driver and
takes the pipeline's calls; :mod:`aischoco_gui.vts.session` sets up a VTS session once connected
(version, custom parameters, model ranges, expressions); :mod:`aischoco_gui.vts.frame_loop` is the
30 Hz loop that sends the frames. Editing the pose mapping (preview, save, revert, ranges for the
sliders) is :mod:`aischoco_gui.vts.pose_editor`.

Implements :class:`aischoco_gui.protocols.AvatarDriver`. All methods the pipeline calls are
synchronous and instant (they only change mixer targets); the one mixer task sends a single
``InjectParameterDataRequest`` per tick and never waits for VTS's reply.

Threading (issue 18, ``VTS_THREAD``, on by default): the client, the mixer and the 30 Hz loop run on
a loop of their own in their own thread (:mod:`aischoco_gui.vts.loop_thread`), so painting on the GUI
loop cannot delay frames. The public methods stay callable from the main loop: the caller's side
records what was asked (``emotion``, ``speaking``) and hands the change to the VTS loop with
``call_soon_threadsafe``; the mixer and the client are touched only there. Status and notices go
through a :class:`BusPoster`, which re-posts them onto the main loop. With the switch off everything
runs on the caller's loop as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.i18n import tr
from aischoco_gui.tasks import TaskGroup
from aischoco_gui.user_text import explain
from aischoco_gui.vts import strings  # noqa: F401  (registers UI text)
from aischoco_gui.vts.client import (
    APIError,
    NotConnected,
    VTSClient,
)
from aischoco_gui.vts.frame_loop import FrameLoop
from aischoco_gui.vts.framestats import FrameStats
from aischoco_gui.vts.idle import IdleMotion
from aischoco_gui.vts.lipsync import LIPSYNC_MODES, synthetic_envelope
from aischoco_gui.vts.loop_thread import BusPoster, LoopThread
from aischoco_gui.vts.mixer import ParamRange, PoseMixer, Transition
from aischoco_gui.vts.poses import PoseMapping
from aischoco_gui.vts.session import SessionSetup

log = logging.getLogger(__name__)


@dataclass
class AvatarConfig:
    url: str = "ws://localhost:8001"
    token_path: Path = Path("vts_token.txt")
    mapping_path: Path = Path("pose_mapping.json")
    icon_b64: str | None = None
    plugin_name: str = "aischoco"
    plugin_developer: str = "aischoco"
    lipsync_mode: str = "envelope"
    idle_enabled: bool = True
    face_found: bool = True  # VTS_FACE_FOUND: with false and no webcam, VTS treats the face as lost
    hz: float = 30.0
    # Frames per second while only the idle motion moves (nothing spoken, no transition running): the idle
    # sway is slow, so half the rate looks the same and halves the idle cost. An idle tick sends a frame only
    # when a parameter moved by a visible step (idle_step of its range) or is due for its keepalive_s re-send
    # (VTS's once-a-second rule, DESIGN §4.3); the frame carries those and what is half-way there. Idle ticks
    # come when the idle motion will have moved by a visible step (idle_hz at most, idle_max_wait_s at least).
    idle_hz: float = 15.0
    idle_step: float = 0.001
    idle_max_wait_s: float = 0.2  # an idle tick at least this often (keepalives stay well inside the second)
    keepalive_s: float = 0.5
    weight_ramp_s: float = 0.5
    retry_excluded_s: float = 5.0
    token_timeout_s: float = 180.0
    backoff: tuple[float, float] = (0.5, 10.0)
    denied_retry_s: float = 5.0
    seed: int | None = None
    # VTS_THREAD: run the client and the 30 Hz mixer loop on a dedicated event loop in its own thread
    thread: bool = True


class VTSAvatar(SessionSetup, FrameLoop):
    name = "vts"

    def __init__(self, bus: EventBus, config: AvatarConfig, mapping: PoseMapping | None = None) -> None:
        self.bus = bus
        self.out = BusPoster(bus)  # what the avatar publishes, from whichever thread it runs on
        self.config = config
        self.tasks = TaskGroup("vts", self.out)  # type: ignore[arg-type]  (notice is all it uses)
        self._vts = LoopThread("aischoco-vts") if config.thread else None
        self.mapping = mapping or PoseMapping()
        # The mapping the VTS side reads: the same object without the thread; with it, a copy handed over on
        # set_mapping / set_emotion, so the pose editor's in-place edits on the main thread never race it.
        self._vts_mapping = self.mapping.copy() if self._vts is not None else self.mapping
        self.client = VTSClient(config.url, config.token_path, plugin_name=config.plugin_name,
                                plugin_developer=config.plugin_developer, icon_b64=config.icon_b64,
                                on_state=self._on_client_state, on_ready=self._on_ready,
                                token_timeout_s=config.token_timeout_s, backoff=config.backoff,
                                denied_retry_s=config.denied_retry_s)
        self.client.on_event("ModelLoadedEvent", self._on_model_loaded)
        mode = config.lipsync_mode if config.lipsync_mode in LIPSYNC_MODES else "envelope"
        self.mixer = PoseMixer(idle=IdleMotion(seed=config.seed, t0=self._now()), lipsync_mode=mode,
                               weight_ramp_s=config.weight_ramp_s, idle_enabled=config.idle_enabled)
        self.period = 1.0 / config.hz
        self.idle_period = 1.0 / min(config.hz, config.idle_hz) if config.idle_hz > 0 else self.period
        self._sleeper: asyncio.Future | None = None  # the mixer loop's current wait (an input cuts it short)
        self.stats = FrameStats(self.period)
        self.emotion = self.mapping.default
        self.speaking = False
        self._speak_t0 = 0.0
        self._mouth_source: Callable[[], float] | None = None
        self._mouth_override: Callable[[float], float] | None = None
        self._inflight: asyncio.Task | None = None
        self._sent: dict[str, tuple[float, float, float]] = {}  # id -> (value, weight, time) last sent on this link
        self._excluded_at: dict[str, float] = {}
        self._active_expression: str | None = None
        self.vts_version = ""
        self.model_name = ""
        self.model_loaded = False
        self.hotkeys: list[dict[str, Any]] = []
        self.custom_created: list[str] = []
        self.missing: set[str] = set()  # mapped ids the loaded model/VTS does not have (453): skipped
        self._loop_error = ""
        self.state = ServiceState.OFF
        self.state_detail = ""
        self.last_error = ""
        self.injections_failed = 0
        self.first_frame_after_emotion: float | None = None  # seconds from set_emotion to the frame sent
        self._emotion_t: float | None = None
        self._running = False
        self._apply_mapping(initial=True)

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _now() -> float:
        return time.monotonic()

    def _error(self, text: str, notice: bool = True, level: str = "warning", *, shown: str = "") -> None:
        """``text`` is the technical detail (log, last error); a notice shows ``shown`` (UI language) or
        what :func:`~aischoco_gui.user_text.explain` makes of the detail, with the detail on hover."""
        self.last_error = text
        log.warning("vts: %s", text)
        if notice:
            self.out.notice(f"VTS: {shown or explain(text)}", level=level, detail=text)

    def _on_client_state(self, state: ServiceState, detail: str, error: str | None, attempt: int) -> None:
        if error:
            self.last_error = error
        if state is not ServiceState.READY:
            # Control lapses when the link drops; take it again gently after reconnecting.
            self.mixer.weight = Transition(0.0, 0.0)
        self.state, self.state_detail = state, detail
        self.out.set_status("vts", state, detail, error=error, attempt=attempt)

    @property
    def threaded(self) -> bool:
        """True while the VTS loop thread runs (``VTS_THREAD`` on and started)."""
        return self._vts is not None and self._vts.running

    def _call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` where the mixer lives: on the VTS loop thread, or inline without it."""
        if self._vts is None:
            fn(*args)
        else:
            self._vts.call(fn, *args)

    async def _run(self, coro: Any) -> Any:
        """Await ``coro`` on the VTS loop (inline without the thread)."""
        if self._vts is None:
            return await coro
        return await self._vts.run(coro)

    def _handover(self, mapping: PoseMapping) -> PoseMapping:
        return mapping.copy() if self._vts is not None else mapping

    def _apply_mapping(self, initial: bool = False) -> None:
        m = self._vts_mapping
        by_id: dict[str, list[str]] = {}
        for logical in m.logical_names():
            by_id.setdefault(m.parameter_id(logical), []).append(logical)
        for p in m.problems():
            by_id.pop(p.parameter_id, None)  # VTS would reject the whole frame
        now = self._now()
        self.mixer.set_channels(by_id, now)
        pose = m.pose_by_id(self.emotion)
        self.mixer.set_pose({k: v for k, v in pose.items() if k in by_id}, now,
                            0.0 if initial else {pid: m.transition_for_id(pid) for pid in pose}, m.curve)
        self._poke()

    def mapping_problems_text(self) -> list[str]:
        return [p.message for p in self.mapping.problems()]

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        if self._running:
            return
        self._running = True
        self.out.bind(asyncio.get_running_loop())
        self.bus.set_status("vts", ServiceState.CONNECTING, tr("vts.status.connecting", url=self.config.url))
        for text in self.mapping_problems_text():
            self._error(text, shown=tr("vts.notice.mapping_problem", path=self.config.mapping_path.name))
        if self._vts is not None:
            self._vts.start()
        await self._run(self._spawn())

    async def _spawn(self) -> None:
        self.tasks.spawn(self.client.run(), "connection")
        self.tasks.spawn(self._mixer_loop(), "mixer")

    async def stop(self) -> None:
        """Ramp our weight to 0 (VTS tracking takes over smoothly), then disconnect."""
        if not self._running:
            return
        await self._run(self._stop())
        if self._vts is not None:
            await self._vts.stop()  # joined, or reported (threads.stragglers) and cut off below
        self.out.close()  # from here nothing the VTS thread still does reaches the main loop
        self.bus.set_status("vts", ServiceState.OFF, tr("vts.status.stopped"))

    async def _stop(self) -> None:
        if self.client.ready:
            self.mixer.release_control(self._now())
            self._poke()  # the ramp goes out at the full rate, not after an idle wait
            deadline = self._now() + self.config.weight_ramp_s + 0.3
            while not self.mixer.released(self._now()) and self._now() < deadline:
                await asyncio.sleep(self.period)
        self._running = False
        await self.client.close()
        await self.tasks.cancel_all()

    async def reconnect(self) -> None:
        await self._run(self.client.reconnect())

    async def request(self, message_type: str, data: dict[str, Any] | None = None,
                      timeout: float | None = None) -> dict[str, Any]:
        """A VTS request from any loop (it runs on the client's loop); raises like ``VTSClient.request``."""
        return await self._run(self.client.request(message_type, data, timeout))

    # -- AvatarDriver ----------------------------------------------------------------------
    # Each public method reads the mapping on the caller's side and hands plain values to the VTS side
    # (``_call``): the mixer and the client are only ever touched on the VTS loop.
    def set_emotion(self, emotion: str) -> None:
        m = self.mapping
        if emotion not in m.emotions:
            emotion = m.default
        self.emotion = emotion
        pose = m.pose_by_id(emotion)
        durations = {pid: m.transition_for_id(pid) for pid in pose}
        expr = m.expressions.get(emotion)
        self._call(self._apply_emotion, emotion, pose, durations, m.curve, dict(expr) if expr else None,
                   self._handover(m))

    def _apply_emotion(self, emotion: str, pose: dict[str, float], durations: dict[str, float], curve: str,
                       expr: dict[str, Any] | None, mapping: PoseMapping) -> None:
        self._vts_mapping = mapping
        now = self._now()
        self.mixer.set_pose(pose, now, durations, curve)
        self._emotion_t = now
        self.first_frame_after_emotion = None
        self._poke()
        if expr and self.client.ready:
            self.tasks.spawn(self._trigger_expression(emotion, expr), "expression")

    def set_speaking(self, speaking: bool) -> None:
        started = speaking and not self.speaking
        self.speaking = speaking
        self._call(self._apply_speaking, speaking, started)

    def _apply_speaking(self, speaking: bool, started: bool) -> None:
        now = self._now()
        if started:
            self._speak_t0 = now
        self.mixer.set_speaking(speaking, now)
        self._poke()

    def reset_neutral(self) -> None:
        self.set_speaking(False)
        self.set_emotion(self.mapping.default)
        self._call(self._expression_off)

    def _expression_off(self) -> None:
        if self._active_expression and self.client.ready:
            self.tasks.spawn(self._set_expression(self._active_expression, False, 0.3), "expression-off")

    def set_mouth_source(self, source: Callable[[], float] | None) -> None:
        """``source()`` returns the current output level 0..1 (e.g. ``speaker.mouth_level``).

        With the VTS thread it is called from that thread: it must be safe there (the speaker's level
        reads a snapshot of the envelope the audio thread appends to, see ``audio/envelope.py``)."""
        self._mouth_source = source

    def set_lipsync_mode(self, mode: str) -> None:
        if mode not in LIPSYNC_MODES:
            raise ValueError(f"lip sync mode must be one of {', '.join(LIPSYNC_MODES)}")
        def apply() -> None:
            self.mixer.set_lipsync_mode(mode, self._now())
            self._poke()

        self._call(apply)

    # -- mapping and ranges (the pose editor, vts/pose_editor.py, drives these) -----------------
    def move_parameters(self, values: dict[str, float], seconds: float = 0.1) -> None:
        """Move parameters (by VTS id) now, linearly over ``seconds`` (live slider tuning)."""
        self._call(self._apply_move, dict(values), seconds)

    def _apply_move(self, values: dict[str, float], seconds: float) -> None:
        self.mixer.set_pose(values, self._now(), seconds, "linear")
        self._poke()

    def set_mapping(self, mapping: PoseMapping) -> None:
        """Drive with this mapping from now on; new custom parameters are created right away."""
        self.mapping = mapping
        self._call(self._apply_new_mapping, self._handover(mapping))

    def _apply_new_mapping(self, mapping: PoseMapping) -> None:
        self._vts_mapping = mapping
        self._apply_mapping()
        if self.client.ready:
            self.tasks.spawn(self._create_custom_parameters(), "create-params")

    def parameter_range(self, pid: str) -> ParamRange:
        if pid in self.mapping.custom_parameters and pid not in self.mixer.ranges:
            c = self.mapping.custom_parameters[pid]
            return ParamRange(c.min, c.max, c.default)
        return self.mixer.range_of(pid)

    def known_parameters(self) -> list[str]:
        """Input parameter ids VTS reported for the loaded model (empty before connecting)."""
        return sorted(list(self.mixer.ranges))

    # -- self-test -------------------------------------------------------------------------
    async def self_test(self, speaker: Any = None, phrase: str = "아, 아. 마이크 테스트 중입니다.",
                        seconds: float = 1.5) -> dict[str, Any]:
        """Play a test phrase (or a synthetic envelope) and report whether MouthOpen moved."""
        mid = self.mixer.mouth_id
        if self.mixer.lipsync_mode != "envelope":
            return {"ok": False, "source": "none", "detail": tr("vts.selftest.vts_mic")}
        seen: list[float] = []
        source = "synthetic"
        t0 = self._now()
        speak = getattr(speaker, "speak_text", None) if speaker is not None else None
        play: asyncio.Task | None = None
        if speak is not None and self._mouth_source is not None:
            source = "speaker"
            play = asyncio.get_running_loop().create_task(speak(phrase), name="vts:selftest-speech")
        else:
            self._mouth_override = lambda now: synthetic_envelope(now - t0)
        self.set_speaking(True)
        try:
            end = t0 + (8.0 if play else seconds)
            while self._now() < end:
                if mid in self.mixer.last_frame:
                    seen.append(self.mixer.last_frame[mid])
                if play is not None and play.done():
                    break
                await asyncio.sleep(self.period)
        finally:
            self._mouth_override = None
            self.set_speaking(False)
            if play is not None and not play.done():
                play.cancel()
                with contextlib.suppress(BaseException):
                    await play
        moved = (max(seen) - min(seen)) if seen else 0.0
        vts_value = None
        if self.client.ready:
            with contextlib.suppress(APIError, TimeoutError, NotConnected):
                vts_value = (await self.request("ParameterValueRequest", {"name": mid})).get("value")
        ok = moved > 0.1 and self.client.ready and self.stats.frames_sent > 0
        src = tr(f"vts.selftest.source.{source}")
        detail = (tr("vts.selftest.moved", id=mid, moved=f"{moved:.2f}", source=src) if moved > 0.1
                  else tr("vts.selftest.still", id=mid, source=src))
        if not self.client.ready:
            detail += " " + tr("vts.selftest.not_connected")
        return {"ok": ok, "source": source, "moved": moved, "samples": len(seen), "vts_value": vts_value,
                "detail": detail}

    # -- for panels ------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """What the VTS panel shows; safe from the main thread while the VTS thread runs (it only reads,
        and copies the mixer's containers first: one C-level copy each, atomic under the GIL)."""
        values = {}
        last = self.mixer.last_frame  # replaced, never mutated, by each frame
        for pid in list(self.mixer.channels):
            r = self.parameter_range(pid)
            v = last.get(pid, math.nan)
            values[pid] = (v, r.min, r.max)
        return {
            "state": self.state.value, "detail": self.state_detail, "url": self.config.url,
            "attempt": self.client.attempt,
            "connected": self.client.connected, "authenticated": self.client.authenticated,
            "waiting_for_allow": self.client.waiting_for_allow,
            "version": self.vts_version, "model": self.model_name, "emotion": self.emotion,
            "speaking": self.speaking, "lipsync_mode": self.mixer.lipsync_mode,
            "last_error": self.last_error, "frames_sent": self.stats.frames_sent,
            "frames_dropped": self.stats.frames_dropped, "values": values,
            "excluded": sorted(list(self.mixer.excluded)), "problems": self.mapping_problems_text(),
            "hotkeys": [h.get("name", "") for h in self.hotkeys], **self.stats.summary(),
        }
