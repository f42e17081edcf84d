"""Helpers shared by the chat tests (status waits, collecting sources)."""

from __future__ import annotations

import asyncio
import time

from aischoco_gui.events import EventBus, EventKind, ServiceState


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
        deadline = time.monotonic() + timeout
        while self.count(state) <= after:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {state} within {timeout}s; saw {[s.state.value for s in self.states]}")
            await asyncio.sleep(0.01)


async def wait_for(cond, timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
