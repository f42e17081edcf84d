"""Python's garbage collector runs only on the GUI thread.

The app has worker threads (VTS loop, microphone, audio sink, TTS supervisor). CPython's automatic
collection runs in whichever thread happens to allocate, so a reference cycle holding a Qt object
(a closed dialog, a panel's timer) could be destroyed from a worker thread, which Qt does not allow
(its timers and events belong to the GUI thread). With automatic collection off, this guard collects
from a GUI-thread timer, with the same generation thresholds CPython uses.

This is a guard, not the fix: ownership is. Every Qt object the app frees is deleted by its owner on the
GUI thread (panels by their dock, a closed qasync loop's timers and QObjects by
``gui/event_loop.AppEventLoop.close``), so nothing Qt-owned waits for the collector. The suite checks that
with ``pytest --gc-stress`` (a thread collecting every few ms): 0 crashes, 0 Qt thread warnings. The old
``QTimerInfoList::activateTimers`` segfault of the test suite was a closed qasync loop's timer object
collected on a worker thread (issue 21).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_MS = 1000  # cheap: one gc.get_count() call when nothing is due; each check wakes the GUI thread


class GcGuard(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = CHECK_MS) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> None:
        c0, c1, c2 = gc.get_count()
        t0, t1, t2 = self.threshold
        if c2 > t2 and t2:
            gc.collect(2)
        elif c1 > t1:
            gc.collect(1)
        elif c0 > t0:
            gc.collect(0)


def install_gc_guard(app: QObject) -> GcGuard:
    """Turn automatic collection off and collect on the GUI thread instead (call once, on that thread)."""
    return GcGuard(app)
