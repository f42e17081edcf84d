"""A lock-protected float32 ring buffer between asyncio writers and the audio thread.

Positions are absolute sample counters (``written``/``read``) so markers can name a sample
in the stream. The lock is a plain ``threading.Lock`` held for a memcpy; the audio callback
never waits on anything else.
"""

from __future__ import annotations

import threading

import numpy as np


class RingBuffer:
    def __init__(self, capacity: int) -> None:
        self.capacity = int(capacity)
        self._buf = np.zeros(self.capacity, dtype=np.float32)
        self._lock = threading.Lock()
        self.written = 0  # absolute count of samples ever written
        self.read = 0  # absolute count of samples consumed (played or dropped)

    @property
    def available(self) -> int:
        return self.written - self.read

    @property
    def free(self) -> int:
        return self.capacity - self.available

    def write(self, x: np.ndarray) -> int:
        """Write as much of ``x`` as fits; returns the number of samples written."""
        with self._lock:
            n = min(len(x), self.capacity - (self.written - self.read))
            if n <= 0:
                return 0
            start = self.written % self.capacity
            first = min(n, self.capacity - start)
            self._buf[start:start + first] = x[:first]
            if n > first:
                self._buf[: n - first] = x[first:n]
            self.written += n
            return n

    def read_into(self, out: np.ndarray) -> tuple[int, int]:
        """Fill ``out`` from the buffer (rest zero). Returns (start position, samples read)."""
        with self._lock:
            pos = self.read
            n = min(len(out), self.written - self.read)
            start = pos % self.capacity
            first = min(n, self.capacity - start)
            out[:first] = self._buf[start:start + first]
            if n > first:
                out[first:n] = self._buf[: n - first]
            self.read += n
        out[n:] = 0.0
        return pos, n

    def clear(self) -> int:
        """Drop everything not yet played; returns how many samples were dropped."""
        with self._lock:
            n = self.written - self.read
            self.read = self.written
            return n
