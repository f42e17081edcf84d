"""Named, owned background tasks: failures are logged and reported on the bus, never swallowed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from aischoco_gui.events import EventBus
from aischoco_gui.i18n import register, tr

log = logging.getLogger(__name__)
register({
    "tasks.failed": ("백그라운드 작업 하나가 오류로 멈췄어요 (나머지는 계속돼요). 자세한 내용은 로그에 있어요",
                     "A background task stopped with an error (the rest goes on). Details are in the log"),
})


def call_when_idle(callback: Callable[..., object], *args: Any) -> None:
    """``callback(*args)`` on the running loop after the callbacks that are ready now (issue 27): the app's
    loop (``gui.event_loop.AppEventLoop``) runs it once its ready chain is done — a chat's way to the LLM
    request is not held up by, say, an overlay push; any other loop runs it like ``call_soon``.
    Raises RuntimeError without a running loop."""
    loop = asyncio.get_running_loop()
    later = getattr(loop, "call_when_idle", None)
    if later is not None:
        later(callback, *args)
    else:
        loop.call_soon(callback, *args)


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
                self.bus.notice(tr("tasks.failed"), level="error",
                                detail=f"{task.get_name()}: {type(exc).__name__}: {exc}")

    async def cancel_all(self, timeout: float = 3.0) -> None:
        tasks = [t for t in self.tasks if not t.done()]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        self.tasks.clear()
