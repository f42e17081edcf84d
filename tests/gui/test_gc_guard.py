"""Garbage is collected on the GUI thread only (a Qt object destroyed from a worker thread crashes Qt)."""

from __future__ import annotations

import gc


def test_guard_turns_automatic_collection_off_and_collects_from_the_gui_timer(qtbot):
    from PySide6.QtCore import QObject

    from aischoco_gui.gui.gc_guard import GcGuard

    was = gc.isenabled()
    parent = QObject()
    try:
        gc.enable()
        guard = GcGuard(parent, interval_ms=10)
        assert not gc.isenabled() and guard.timer.isActive()

        class Cycle:
            pass

        for _ in range(guard.threshold[0] * 3):  # cyclic garbage beyond the first generation's threshold
            a, b = Cycle(), Cycle()
            a.b, b.a = b, a
        assert gc.get_count()[0] > guard.threshold[0]
        qtbot.waitUntil(lambda: gc.get_count()[0] < guard.threshold[0], timeout=2000)
    finally:
        parent.deleteLater()
        if was:
            gc.enable()
        else:
            gc.disable()
