"""The one bridge from the core event bus to Qt signals."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from aischoco_gui.events import Event, EventBus, EventKind


class Bridge(QObject):
    """Re-emits bus events as Qt signals (queued automatically when emitted from another thread)."""

    event = Signal(object)  # events.Event
    status = Signal(object)  # events.ServiceStatus
    notice = Signal(str, str)  # text, level

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bus = bus
        self._unsubscribe = bus.subscribe(self._forward)

    def _forward(self, ev: Event) -> None:
        self.event.emit(ev)
        if ev.kind is EventKind.STATUS:
            self.status.emit(ev.data["status"])
        elif ev.kind is EventKind.NOTICE:
            self.notice.emit(ev.data.get("text", ""), ev.data.get("level", "info"))

    def close(self) -> None:
        self._unsubscribe()
