"""Exponential reconnect backoff with full jitter (configurable so tests run fast)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base_s: float = 1.0
    max_s: float = 30.0
    factor: float = 2.0
    jitter: float = 0.5  # ± fraction of the delay
    attempt: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def next_delay(self) -> float:
        """Delay before the next attempt; increments :attr:`attempt`."""
        self.attempt += 1
        d = min(self.max_s, self.base_s * self.factor ** (self.attempt - 1))
        if self.jitter:
            d *= 1.0 + self._rng.uniform(-self.jitter, self.jitter)
        return max(0.0, min(d, self.max_s))

    def reset(self) -> None:
        self.attempt = 0
