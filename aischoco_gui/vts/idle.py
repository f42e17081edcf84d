"""Idle motion between replies: slow randomized drift, breathing, and an occasional look-away-and-back.

Deterministic for a seed and pure in time (``offsets(now)``), so tests can check it with a fake clock.
Offsets are normalized (-1..1 of the parameter's half range); the mixer scales them per parameter.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

ROLE_BY_ID = {
    "FaceAngleX": "look_x", "MousePositionX": "look_x", "EyeLeftX": "eyes_x", "EyeRightX": "eyes_x",
    "FaceAngleY": "look_y", "MousePositionY": "look_y", "EyeLeftY": "eyes_y", "EyeRightY": "eyes_y",
    "FaceAngleZ": "tilt",
}
ROLE_BY_LOGICAL = {
    "angle_x": "look_x", "angle_y": "look_y", "angle_z": "tilt", "body_angle_z": "tilt",
    "body_angle_x": "look_x", "body_angle_y": "look_y", "breath": "breath",
}
# How far each role moves (fraction of the half range).
ROLE_AMPLITUDE = {"look_x": 0.22, "look_y": 0.12, "eyes_x": 0.35, "eyes_y": 0.2, "tilt": 0.05, "breath": 0.35}


def role_for(pid: str, logicals: list[str] | tuple[str, ...] = ()) -> str | None:
    """Which idle motion a parameter takes part in (None = held still)."""
    for lg in logicals:
        if lg in ROLE_BY_LOGICAL:
            return ROLE_BY_LOGICAL[lg]
    if pid in ROLE_BY_ID:
        return ROLE_BY_ID[pid]
    if "breath" in pid.lower():
        return "breath"
    return None


def ease_in_out(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


@dataclass
class LookAway:
    start: float
    move_s: float
    hold_s: float
    back_s: float
    dx: float
    dy: float

    @property
    def end(self) -> float:
        return self.start + self.move_s + self.hold_s + self.back_s

    def amount(self, t: float) -> float:
        """0 → 1 (looked away) → 0 along the event; eased so there is no jump."""
        u = t - self.start
        if u <= 0 or t >= self.end:
            return 0.0
        if u < self.move_s:
            return ease_in_out(u / self.move_s)
        u -= self.move_s
        if u < self.hold_s:
            return 1.0
        return 1.0 - ease_in_out((u - self.hold_s) / self.back_s)


class IdleMotion:
    def __init__(self, seed: int | None = None, breath_period_s: float = 3.6,
                 gap_s: tuple[float, float] = (6.0, 16.0), t0: float = 0.0) -> None:
        self.rng = random.Random(seed)
        self.breath_period_s = breath_period_s
        self.gap_s = gap_s
        # Drift: a few slow sines with random frequencies/phases per axis (smooth, never repeats quickly).
        self._drift = {axis: [(self.rng.uniform(0.03, 0.12), self.rng.uniform(0, 2 * math.pi),
                               self.rng.uniform(0.5, 1.0)) for _ in range(3)]
                       for axis in ("x", "y", "z")}
        self._events: list[LookAway] = []
        self._next_start = t0 + self.rng.uniform(*gap_s) * 0.5

    def _drift_value(self, axis: str, t: float) -> float:
        comps = self._drift[axis]
        total = sum(a for _, _, a in comps)
        return sum(a * math.sin(2 * math.pi * f * t + p) for f, p, a in comps) / total

    def _look(self, t: float) -> tuple[float, float]:
        while self._next_start <= t + 30.0:  # schedule ahead lazily
            ev = LookAway(start=self._next_start, move_s=self.rng.uniform(0.35, 0.6),
                          hold_s=self.rng.uniform(0.8, 2.2), back_s=self.rng.uniform(0.45, 0.8),
                          dx=self.rng.choice((-1.0, 1.0)) * self.rng.uniform(0.6, 1.0),
                          dy=self.rng.uniform(-0.5, 0.5))
            self._events.append(ev)
            self._next_start = ev.end + self.rng.uniform(*self.gap_s)
        self._events = [e for e in self._events if e.end > t - 60.0]
        for ev in self._events:
            a = ev.amount(t)
            if a > 0:
                return ev.dx * a, ev.dy * a
        return 0.0, 0.0

    def offsets(self, t: float) -> dict[str, float]:
        """Normalized offsets per role at time ``t`` (seconds)."""
        lx, ly = self._look(t)
        dx, dy, dz = (self._drift_value(a, t) for a in ("x", "y", "z"))
        breath = math.sin(2 * math.pi * t / self.breath_period_s)
        return {
            "look_x": 0.35 * dx + 0.65 * lx, "look_y": 0.4 * dy + 0.6 * ly,
            "eyes_x": 0.3 * dx + 0.7 * lx, "eyes_y": 0.3 * dy + 0.7 * ly,
            "tilt": dz, "breath": breath,
        }

    def looking_away(self, t: float) -> bool:
        return any(e.amount(t) > 0 for e in self._events)
