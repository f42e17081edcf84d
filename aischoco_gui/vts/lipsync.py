"""Mouth-open from an audio envelope: attack/release smoothing, and a synthetic talking envelope.

Pure and clock-free: callers pass ``dt`` / ``t`` so tests drive it with a fake clock.
"""

from __future__ import annotations

import math

LIPSYNC_MODES = ("envelope", "vts-mic")


class EnvelopeFollower:
    """One-pole smoother with separate attack and release time constants (seconds)."""

    def __init__(self, attack_s: float = 0.03, release_s: float = 0.12, gain: float = 1.6,
                 floor: float = 0.04) -> None:
        self.attack_s = max(1e-3, attack_s)
        self.release_s = max(1e-3, release_s)
        self.gain = gain
        self.floor = floor  # levels below this count as silence (room noise, dither)
        self.value = 0.0

    def step(self, level: float, dt: float) -> float:
        """Advance by ``dt`` seconds toward ``level`` (0..1); returns the smoothed mouth-open 0..1."""
        level = 0.0 if not math.isfinite(level) else level
        target = min(1.0, max(0.0, (level - self.floor) * self.gain)) if level > self.floor else 0.0
        tau = self.attack_s if target > self.value else self.release_s
        self.value += (target - self.value) * (1.0 - math.exp(-max(0.0, dt) / tau))
        return self.value

    def reset(self) -> None:
        self.value = 0.0


def synthetic_envelope(t: float) -> float:
    """A speech-like level (0..1) at ``t`` seconds: ~5 syllables/s with word pauses.

    Used for the self-test when no TTS voice is available and while speaking without a mouth source.
    """
    if t < 0:
        return 0.0
    syllable = 0.5 - 0.5 * math.cos(2 * math.pi * 5.0 * t)  # 0..1, 5 Hz
    words = 1.0 if (t % 1.2) < 0.95 else 0.0  # short pause after each "word"
    accent = 0.75 + 0.25 * math.sin(2 * math.pi * 0.7 * t)
    return syllable * words * accent


def mouth_value(level: float, pose_value: float, lo: float, hi: float) -> float:
    """Map a smoothed level onto the mouth parameter: the pose's mouth is the resting point."""
    base = min(hi, max(lo, pose_value))
    return base + (hi - base) * min(1.0, max(0.0, level))
