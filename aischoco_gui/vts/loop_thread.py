"""A dedicated asyncio event loop in its own thread, and a bus poster back to the main loop.

Issue 18 (VTS frame jitter): the 30 Hz VTS frames used to be timed and sent on the GUI's qasync loop,
so every long paint (chat list, latency graph) delayed a frame. :class:`LoopThread` gives the avatar
driver a loop of its own; painting holds the GIL only briefly, so frames keep their time.

:class:`BusPoster` publishes status and notices on the synchronous :class:`~aischoco_gui.events.EventBus`
from any thread: calls from another thread are re-posted onto the main loop, because bus subscribers
(the GUI bridge, the overlay) run on the main thread.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.threads import LoopPost, join_thread

log = logging.getLogger(__name__)

T = TypeVar("T")


class LoopThread:
    """Owns one event loop running in a daemon thread (``start`` … ``stop``; can be started again)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.loop is not None and self._thread is not None and self._thread.is_alive()

    def in_thread(self) -> bool:
        """True when called on the loop's own thread."""
        return self._thread is not None and threading.get_ident() == self._thread.ident

    def start(self) -> None:
        if self.running:
            return
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(_log_exception)
        started = threading.Event()

        def main() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(started.set)
            try:
                loop.run_forever()
            finally:
                try:
                    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                    for t in pending:
                        t.cancel()
                    if pending:
                        loop.run_until_complete(asyncio.wait(pending, timeout=2.0))
                    loop.run_until_complete(loop.shutdown_asyncgens())
                finally:
                    loop.close()

        self.loop = loop
        self._thread = threading.Thread(target=main, name=self.name, daemon=True)
        self._thread.start()
        started.wait(5.0)

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the loop thread (now, when already on it or when the loop is not running)."""
        loop = self.loop
        if loop is None or not self.running or self.in_thread():
            fn(*args)
            return
        try:
            loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop closed in between (stopping): nothing runs there any more
            fn(*args)

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on the loop thread from any loop (directly when not running or already there)."""
        loop = self.loop
        if loop is None or not self.running or self.in_thread():
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

    async def stop(self, timeout: float = 5.0) -> bool:
        """Stop the loop (its remaining tasks are cancelled) and join the thread without blocking the
        caller's loop; a thread that does not end in time is reported (``threads.stragglers``). False then."""
        loop, thread = self.loop, self._thread
        if loop is None or thread is None:
            return True
        if thread.is_alive():
            try:
                loop.call_soon_threadsafe(loop.stop)
            except RuntimeError:
                pass
        self.loop, self._thread = None, None
        return await join_thread(thread, timeout, f"VTS loop ({self.name})")


def _log_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    exc = context.get("exception")
    log.error("VTS loop: %s", context.get("message", "error"), exc_info=exc)


class BusPoster:
    """The publishing side of an :class:`EventBus`, safe from any thread.

    Bound to the main loop (``bind``, from the main thread), a call from another thread is re-posted
    onto that loop with ``call_soon_threadsafe``; on the main thread (or unbound) it runs inline.
    """

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self._post = LoopPost()
        self._thread_id: int | None = None
        self._closed = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._post, self._thread_id, self._closed = LoopPost(loop), threading.get_ident(), False

    def close(self) -> None:
        """The owner stopped: posts from other threads are dropped from now on (a VTS thread that did not
        end in time keeps no way to the main loop)."""
        self._closed = True
        self._post.cut()

    def _call(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> None:
        if threading.get_ident() == self._thread_id or (self._thread_id is None and not self._closed):
            fn(*args, **kw)  # the main thread (or never bound: plain tests)
            return
        if not self._post(functools.partial(fn, *args, **kw)):  # closed, or the main loop is gone
            log.debug("bus post dropped (owner stopped or loop closed): %s", args[:2])

    def set_status(self, name: str, state: ServiceState, detail: str = "", *, error: str | None = None,
                   attempt: int = 0, **extra: Any) -> None:
        self._call(self.bus.set_status, name, state, detail, error=error, attempt=attempt, **extra)

    def notice(self, text: str, level: str = "info", detail: str = "") -> None:
        self._call(self.bus.notice, text, level=level, detail=detail)
