"""``pytest --gc-stress``: a thread that runs the cyclic garbage collector every few milliseconds.

CPython's automatic collection runs on whichever thread allocates; the app and the suite turn it off
and collect on the GUI thread (``gui/gc_guard.py``), but that is a guard, not a proof. This stress makes
the worst case happen all the time: anything that leaves a Qt object (a closed loop's timer object, a
panel's timer, a dialog) to the collector gets it destroyed on this thread. With ownership right — Qt
objects deleted by their owner on the GUI thread — it finds nothing: 0 crashes, 0 Qt thread warnings.
"""

from __future__ import annotations

import gc
import threading


class GcStress(threading.Thread):
    def __init__(self, interval_s: float) -> None:
        super().__init__(name="gc-stress", daemon=True)
        self.interval_s = interval_s
        self.collections = 0
        self.errors = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval_s):
            try:
                gc.collect()
            except Exception:  # a finaliser that raises must not end the stress
                self.errors += 1
            self.collections += 1

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5.0)


def start_gc_stress(interval_s: float) -> GcStress:
    t = GcStress(interval_s)
    t.start()
    return t
