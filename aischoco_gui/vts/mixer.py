"""The pose mixer's math: emotion pose transitions + idle motion + lip sync → one frame of values.

Everything here is pure (time is passed in), so curves, clamping and idle pausing are tested with a
fake clock; :mod:`aischoco_gui.vts.avatar` runs it at 30 Hz and sends each frame to VTS.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

from aischoco_gui.vts.idle import ROLE_AMPLITUDE, IdleMotion, role_for
from aischoco_gui.vts.lipsync import EnvelopeFollower, mouth_value
from aischoco_gui.vts.poses import DEFAULT_INPUT_PARAMETERS, MOUTH_INPUT

CURVES = ("linear", "ease")


def curve_value(curve: str, x: float) -> float:
    """Progress 0..1 → eased progress 0..1 (``ease`` = smoothstep ease-in-out)."""
    x = min(1.0, max(0.0, x))
    if curve == "ease":
        return x * x * (3.0 - 2.0 * x)
    return x


def interpolate(start: float, target: float, t0: float, duration: float, now: float, curve: str = "linear") -> float:
    if duration <= 0 or now >= t0 + duration:
        return target
    if now <= t0:
        return start
    return start + (target - start) * curve_value(curve, (now - t0) / duration)


@dataclass
class Transition:
    start: float
    target: float
    t0: float = 0.0
    duration: float = 0.0
    curve: str = "linear"

    def value(self, now: float) -> float:
        return interpolate(self.start, self.target, self.t0, self.duration, now, self.curve)

    def retarget(self, target: float, now: float, duration: float, curve: str | None = None) -> None:
        """Start a new transition from wherever we are now (so there is never a jump)."""
        self.start = self.value(now)
        self.target = target
        self.t0 = now
        self.duration = max(0.0, duration)
        if curve is not None:
            self.curve = curve

    def done(self, now: float) -> bool:
        return now >= self.t0 + self.duration


@dataclass(frozen=True)
class ParamRange:
    min: float
    max: float
    default: float = 0.0

    def clamp(self, v: float) -> float:
        if not math.isfinite(v):
            return self.default
        return min(self.max, max(self.min, v))

    @property
    def half(self) -> float:
        return (self.max - self.min) / 2.0


@functools.lru_cache(maxsize=512)
def default_range(pid: str) -> ParamRange:  # frozen, so one shared instance per id (read every frame)
    lo, hi, d = DEFAULT_INPUT_PARAMETERS.get(pid, (-1.0, 1.0, 0.0))
    return ParamRange(lo, hi, d)


@dataclass
class Channel:
    pid: str
    pose: Transition
    logicals: list[str] = field(default_factory=list)
    role: str | None = None


class PoseMixer:
    """Holds per-parameter state; ``frame(now)`` returns what to inject at ``now``."""

    def __init__(self, *, idle: IdleMotion | None = None, lipsync_mode: str = "envelope",
                 weight_ramp_s: float = 0.5, idle_fade_s: float = 0.4, idle_enabled: bool = True,
                 mouth_id: str = MOUTH_INPUT, follower: EnvelopeFollower | None = None) -> None:
        self.channels: dict[str, Channel] = {}
        self.ranges: dict[str, ParamRange] = {}
        self.idle = idle or IdleMotion()
        self.idle_enabled = idle_enabled
        self.idle_fade_s = idle_fade_s
        self.lipsync_mode = lipsync_mode
        self.mouth_id = mouth_id
        self.follower = follower or EnvelopeFollower()
        self.weight_ramp_s = weight_ramp_s
        self.weight = Transition(0.0, 0.0)
        self.idle_gate = Transition(1.0, 1.0)
        self.speaking = False
        self.excluded: set[str] = set()  # ids VTS refused (another plugin holds them, not found)
        self._last_t: float | None = None
        self.last_frame: dict[str, float] = {}
        self._mouth = 0.0  # the follower's last output (busy while the mouth is still closing)

    # -- configuration -----------------------------------------------------------------------
    def range_of(self, pid: str) -> ParamRange:
        return self.ranges.get(pid) or default_range(pid)

    def set_ranges(self, ranges: dict[str, ParamRange]) -> None:
        self.ranges.update(ranges)

    def set_channels(self, logicals_by_id: dict[str, list[str]], now: float) -> None:
        """Define the controlled parameters. New ones start at their range default; gone ones are dropped."""
        ids = dict(logicals_by_id)
        if self.lipsync_mode == "envelope" and self.mouth_id not in ids:
            ids[self.mouth_id] = []
        for pid in list(self.channels):
            if pid not in ids:
                del self.channels[pid]
        for pid, logicals in ids.items():
            ch = self.channels.get(pid)
            if ch is None:
                d = self.range_of(pid).default
                ch = self.channels[pid] = Channel(pid, Transition(d, d, now, 0.0))
            ch.logicals = list(logicals)
            ch.role = None if pid == self.mouth_id else role_for(pid, ch.logicals)

    def set_lipsync_mode(self, mode: str, now: float) -> None:
        self.lipsync_mode = mode
        self.set_channels({p: c.logicals for p, c in self.channels.items() if c.logicals or p != self.mouth_id}, now)

    # -- inputs --------------------------------------------------------------------------------
    def set_pose(self, targets: dict[str, float], now: float, durations: dict[str, float] | float = 0.3,
                 curve: str = "linear") -> None:
        """Move the given parameters toward ``targets`` (clamped) over their transition time."""
        for pid, target in targets.items():
            ch = self.channels.get(pid)
            if ch is None:
                continue
            dur = durations.get(pid, 0.3) if isinstance(durations, dict) else durations
            ch.pose.retarget(self.range_of(pid).clamp(float(target)), now, dur, curve)

    def pose_target(self, pid: str) -> float | None:
        ch = self.channels.get(pid)
        return ch.pose.target if ch else None

    def set_speaking(self, speaking: bool, now: float) -> None:
        if speaking == self.speaking:
            return
        self.speaking = speaking
        self.idle_gate.retarget(0.0 if speaking else 1.0, now, self.idle_fade_s)

    def take_control(self, now: float) -> None:
        self.weight.retarget(1.0, now, self.weight_ramp_s * (1.0 - self.weight.value(now)))

    def release_control(self, now: float) -> None:
        self.weight.retarget(0.0, now, self.weight_ramp_s * self.weight.value(now))

    def released(self, now: float) -> bool:
        return self.weight.target == 0.0 and self.weight.done(now)

    def busy(self, now: float) -> bool:
        """Anything moving beyond the idle motion: speech, a pose / control / idle-fade transition,
        the mouth still closing. While not busy the avatar may send frames at its lower idle rate."""
        if self.speaking or self._mouth > 1e-3 or not self.weight.done(now) or not self.idle_gate.done(now):
            return True
        return any(not ch.pose.done(now) for ch in self.channels.values())

    def idle_change(self, t0: float, t1: float) -> float:
        """How far the idle motion moves the parameters between ``t0`` and ``t1``: the largest change, as a
        fraction of a parameter's range (the idle sway is a function of time, so this looks ahead)."""
        if not self.idle_enabled:
            return 0.0
        roles = {ch.role for pid, ch in self.channels.items() if ch.role and pid not in self.excluded}
        if not roles:
            return 0.0
        a, b = self.idle.offsets(t0), self.idle.offsets(t1)
        # a role's offset moves a parameter by offset × amplitude × half its range (see frame())
        return max(abs(b.get(r, 0.0) - a.get(r, 0.0)) * ROLE_AMPLITUDE.get(r, 0.0) / 2.0 for r in roles)

    # -- output --------------------------------------------------------------------------------
    def frame(self, now: float, mouth_level: float = 0.0) -> list[dict[str, float | str]]:
        """Parameter values for ``now``: [{"id", "value", "weight"}]; empty once control is released."""
        dt = 0.0 if self._last_t is None else max(0.0, now - self._last_t)
        self._last_t = now
        mouth = self.follower.step(mouth_level, dt)
        self._mouth = mouth
        weight = self.weight.value(now)
        gate = self.idle_gate.value(now) if self.idle_enabled else 0.0
        offsets = self.idle.offsets(now) if gate > 0 else {}
        out: list[dict[str, float | str]] = []
        values: dict[str, float] = {}
        w = round(weight, 4)
        for pid, ch in self.channels.items():
            rng = self.range_of(pid)
            v = ch.pose.value(now)
            if pid == self.mouth_id:
                if self.lipsync_mode != "envelope":
                    continue  # VTS's own microphone lip sync drives the mouth
                v = mouth_value(mouth, v, rng.min, rng.max)
            elif ch.role and gate > 0:
                v += offsets.get(ch.role, 0.0) * ROLE_AMPLITUDE.get(ch.role, 0.0) * rng.half * gate
            v = rng.clamp(v)
            values[pid] = v
            if pid in self.excluded:
                continue
            out.append({"id": pid, "value": round(v, 5), "weight": w})
        self.last_frame = values
        if self.released(now):
            return []
        return out
