"""Worker threads that end with their owner: a cut-able way back to the loop, and a join that reports.

Rules (DESIGN §2, "a rebuilt service leaves nothing behind"): a service that starts a thread joins it
on ``stop()``; a thread that does not end in time is *reported* (logged, and listed by
:func:`stragglers` — the soak and the tests check the list is empty) and, because its owner cut its
:class:`LoopPost` first, holds no way back to an event loop (and so none to a Qt object): whatever it
still tries to post is dropped.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_stragglers: list[tuple[str, float]] = []  # (thread name, when it was given up on)
_lock = threading.Lock()


class LoopPost:
    """The one way a worker thread hands work to an event loop (``post(fn, *args)``), until :meth:`cut`.

    After ``cut()`` (its owner is stopping) the thread no longer references the loop: posts are dropped
    and ``post`` returns False. A post to a loop that closed meanwhile is dropped the same way."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop

    @property
    def open(self) -> bool:
        loop = self._loop
        return loop is not None and not loop.is_closed()

    def __call__(self, fn: Callable[..., Any], *args: Any) -> bool:
        loop = self._loop
        if loop is None:
            return False
        try:
            loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop closed in between
            return False
        return True

    def cut(self) -> None:
        self._loop = None


def _report(thread: threading.Thread, timeout: float, owner: str) -> None:
    with _lock:
        _stragglers.append((thread.name, time.monotonic()))
    log.error("%s: thread %r did not stop within %.1fs; it was cut off from the event loop and is left to "
              "end on its own (daemon)", owner, thread.name, timeout)


def join_or_report(thread: threading.Thread | None, timeout: float, owner: str) -> bool:
    """Join ``thread`` (blocking, for code already off the loop); False and reported when it is still alive."""
    if thread is None or thread is threading.current_thread():
        return True
    thread.join(timeout)
    if thread.is_alive():
        _report(thread, timeout, owner)
        return False
    return True


async def join_thread(thread: threading.Thread | None, timeout: float, owner: str) -> bool:
    """Join ``thread`` without blocking the event loop (polls; no executor thread is tied up); False and
    reported when it is still alive after ``timeout``."""
    if thread is None or thread is threading.current_thread():
        return True
    deadline = time.monotonic() + timeout
    delay = 0.001
    while thread.is_alive() and time.monotonic() < deadline:
        await asyncio.sleep(delay)
        delay = min(0.02, delay * 2)
    if thread.is_alive():
        _report(thread, timeout, owner)
        return False
    return True


def stragglers() -> list[str]:
    """Names of threads given up on by their owners and still alive."""
    with _lock:
        alive = {t.name for t in threading.enumerate()}
        _stragglers[:] = [(n, t) for n, t in _stragglers if n in alive]
        return [n for n, _ in _stragglers]
