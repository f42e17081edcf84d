"""Coalesced GUI updates: many calls within a short window become one run of the update.

A chat flood or an auto-approved reply fires several bus events in one loop turn (draft created,
approved, speech started…); a panel that rebuilds on each of them blocks the loop the VTS frames
share. ``Coalescer(fn)`` runs ``fn`` once, ``delay_ms`` after the first call of a burst, so N events
cost one update, and the update runs after the work the events started (e.g. the TTS request).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class Coalescer(QObject):
    """Calls ``fn()`` once per burst of calls, ``delay_ms`` after the burst's first call (trailing)."""

    def __init__(self, fn: Callable[[], object], delay_ms: int = 40, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self.runs = 0  # how many times ``fn`` ran (for tests and benches)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._fire)

    def __call__(self, *_args: object) -> None:
        """Ask for an update; extra arguments (a signal's payload) are ignored."""
        if not self._timer.isActive():
            self._timer.start()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def flush(self) -> None:
        """Run a pending update now (e.g. before reading the view)."""
        if self._timer.isActive():
            self._timer.stop()
            self._fire()

    def _fire(self) -> None:
        self.runs += 1
        self._fn()
