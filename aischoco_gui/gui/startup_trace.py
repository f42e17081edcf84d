"""``AISCHOCO_TRACE_STARTUP=1``: print ``window shown <s>`` once the main window has been shown (and
``services started <s>`` / ``services stopped <s>`` at those points: tests and benches wait on them).

``<s>`` is seconds since the process started (read from ``/proc`` on Linux, else since this
module's import), printed to stdout from the first Qt event-loop turn after ``show()``, so it
includes the first paint's queueing. ``bench/startup.py`` reads it.
"""

from __future__ import annotations

import os
import sys
import time

_T_IMPORT = time.perf_counter()


def process_age_s() -> float:
    """Seconds since this process started (Linux: exact to a clock tick; elsewhere: since import)."""
    try:
        with open(f"/proc/{os.getpid()}/stat", encoding="ascii") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError, IndexError):
        return time.perf_counter() - _T_IMPORT


def enabled() -> bool:
    return os.environ.get("AISCHOCO_TRACE_STARTUP", "") not in ("", "0")


def trace_window_shown(window: object) -> None:
    """When tracing, print the marker on the next event-loop turn (after the show has been queued)."""
    if not enabled():
        return
    from PySide6.QtCore import QTimer

    def shown() -> None:
        visible = bool(getattr(window, "isVisible", lambda: False)())
        print(f"window shown {process_age_s():.3f}" + ("" if visible else " (not visible)"), file=sys.stdout,
              flush=True)

    QTimer.singleShot(0, shown)


def trace_point(label: str) -> None:
    """When tracing, print ``<label> <seconds since process start>`` now."""
    if enabled():
        print(f"{label} {process_age_s():.3f}", file=sys.stdout, flush=True)
