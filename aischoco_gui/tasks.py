"""Named, owned background tasks: failures are logged and reported on the bus, never swallowed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from aischoco_gui.events import EventBus

log = logging.getLogger(__name__)


class TaskGroup:
    """Owns the tasks a service starts; ``cancel_all`` on stop."""

    def __init__(self, owner: str, bus: EventBus | None = None) -> None:
        self.owner = owner
        self.bus = bus
        self.tasks: set[asyncio.Task] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro, name=f"{self.owner}:{name}")
        self.tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("task %s failed", task.get_name(), exc_info=exc)
            if self.bus is not None:
                self.bus.notice(f"{task.get_name()}: {type(exc).__name__}: {exc}", level="error")

    async def cancel_all(self, timeout: float = 3.0) -> None:
        tasks = [t for t in self.tasks if not t.done()]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        self.tasks.clear()
