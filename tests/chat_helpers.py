"""Helpers shared by the chat tests (status waits, collecting sources)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from aischoco_gui.events import EventBus, EventKind, ServiceState
from tests.wait import wait_until


class StatusLog:
    """Records every ``chat`` status the bus sees."""

    def __init__(self, bus: EventBus, name: str = "chat") -> None:
        self.states: list = []
        self.notices: list[str] = []
        self.name = name
        bus.subscribe(self._on)

    def _on(self, ev) -> None:
        if ev.kind == EventKind.STATUS and ev.data["status"].name == self.name:
            self.states.append(ev.data["status"])
        elif ev.kind == EventKind.NOTICE:
            self.notices.append(ev.data["text"])

    @property
    def current(self):
        return self.states[-1] if self.states else None

    def count(self, state: ServiceState) -> int:
        return sum(1 for s in self.states if s.state == state)

    async def wait(self, state: ServiceState, timeout: float = 5.0, after: int = 0) -> None:
        """Wait until ``state`` has been reported more than ``after`` times."""
        await wait_until(lambda: self.count(state) > after, timeout,
                         f"{state} (saw {[s.state.value for s in self.states]})")


wait_for = wait_until  # the suite's one wait helper (tests/wait.py)


@contextlib.asynccontextmanager
async def running_source(make: Callable[[EventBus], Any]) -> AsyncIterator[tuple[EventBus, StatusLog, list, Any]]:
    """A chat source built by ``make(bus)`` on a fresh bus with a :class:`StatusLog`, started with its
    messages collected into a list, and stopped afterwards: yields ``(bus, status_log, messages, source)``."""
    bus = EventBus()
    st = StatusLog(bus)
    got: list = []
    src = make(bus)
    await src.start(got.append)
    try:
        yield bus, st, got, src
    finally:
        await src.stop()
