"""The app's qasync event loop, which leaves no Qt timers or QObjects behind when it is closed.

qasync turns every ``call_soon``/``call_later`` into a Qt timer on the loop's own timer QObject and
never kills the timer of a cancelled handle (a finished ``wait_for``'s timeout, a cancelled sleep);
``close()`` only sets a flag. The pending handles keep loop → timer object → callbacks → handle → loop
in a reference cycle, so a closed loop lives until the cyclic garbage collector finds it — and a
collection that runs on a worker thread destroys the QObject there, leaving its timers registered on
the GUI thread: the next one fires into freed memory (``QTimerInfoList::activateTimers``), in whatever
runs next. :class:`AppEventLoop` kills the closed loop's remaining timers and deletes its QObjects (the
timer object, the thread-safe call signaller, the default executor's QThreads) on the GUI thread right
after ``close()``. Every qasync loop of the app, the tests and the benchmarks is made with
:func:`new_event_loop`.
"""

from __future__ import annotations

import logging
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread
from qasync import QEventLoop

log = logging.getLogger(__name__)


def _valid(obj: Any) -> bool:
    return isinstance(obj, QObject) and shiboken6.isValid(obj)


def release_qt_objects(loop: Any) -> int:
    """Kill a closed qasync loop's Qt timers and delete its QObjects (GUI thread only). Returns the
    number of timers that were still registered."""
    app = QCoreApplication.instance()
    if app is not None and QThread.currentThread() is not app.thread():
        raise RuntimeError("a qasync loop's Qt objects can only be released on the GUI thread")
    killed = 0
    timer = getattr(loop, "_timer", None)
    if _valid(timer):
        callbacks: dict[int, Any] = getattr(timer, "_SimpleTimer__callbacks", {})
        for timer_id in list(callbacks):
            timer.killTimer(timer_id)
            killed += 1
        callbacks.clear()  # the handles (and through them the loop) are no longer referenced
        shiboken6.delete(timer)
    signaller = getattr(loop, "_QEventLoop__call_soon_signaller", None)
    if _valid(signaller):
        shiboken6.delete(signaller)
    executor = getattr(loop, "_QEventLoop__default_executor", None)
    for worker in getattr(executor, "_QThreadExecutor__workers", []) or []:
        if _valid(worker):
            worker.wait()  # already told to stop by close(); a finished QThread is deleted here, not by a GC
            shiboken6.delete(worker)
    for notifiers in (getattr(loop, "_read_notifiers", None), getattr(loop, "_write_notifiers", None)):
        for notifier in list((notifiers or {}).values()):
            if _valid(notifier):
                shiboken6.delete(notifier)
    return killed


class AppEventLoop(QEventLoop):
    """``qasync.QEventLoop`` whose ``close()`` also releases its Qt objects (see the module docstring)."""

    def close(self) -> None:
        notifiers = [*(getattr(self, "_read_notifiers", None) or {}).values(),
                     *(getattr(self, "_write_notifiers", None) or {}).values()]
        already = self.is_closed()
        super().close()
        if already:
            return
        killed = release_qt_objects(self)
        for n in notifiers:  # close() drops its dicts: delete the notifiers it disabled, here, on this thread
            if _valid(n):
                shiboken6.delete(n)
        if killed:
            log.debug("closed qasync loop: %d leftover Qt timers killed", killed)

    def _add_callback(self, handle: Any, delay: float = 0) -> Any:
        """Like asyncio: a closed loop schedules nothing (qasync would start a timer on a dead timer object)."""
        if self.is_closed():
            raise RuntimeError("Event loop is closed")
        return super()._add_callback(handle, delay)

    def call_soon_threadsafe(self, callback: Any, *args: Any, context: Any = None) -> Any:
        """Like asyncio: a closed loop refuses (RuntimeError) instead of emitting on a deleted signaller."""
        if self.is_closed():
            raise RuntimeError("Event loop is closed")
        return super().call_soon_threadsafe(callback, *args, context=context)


def new_event_loop(app: Any = None) -> AppEventLoop:
    """The app's loop type (``asyncio.Runner(loop_factory=lambda: new_event_loop(app))``)."""
    return AppEventLoop(app)
