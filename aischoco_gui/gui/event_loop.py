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

**Ready callbacks run in batches (issue 27).** Plain qasync gives every ``call_soon`` — each task wake-up,
each future's done callback — a Qt timer of its own, so a chain of them (chat frame → pipeline → LLM
request; LLM answer → draft → TTS request: 8–12 hops) gives Qt a turn after every link, and the layout
and paint work the bus's GUI updates queued runs *inside* the reply's path, 1–2 ms at a time.
:class:`AppEventLoop` keeps zero-delay callbacks in its own FIFO and runs them, and whatever they
schedule in turn, in one Qt timer event — like one iteration of asyncio's own loop — up to
``DRAIN_BUDGET_S``; then Qt gets its turn (paint, input, sockets) and the rest follows in the next
one. Order among ready callbacks is kept; timers with a delay are Qt timers as before, and the
callbacks their handle schedules join the same batch. A ready socket's callback runs in the Qt
socket event itself (qasync gives it a zero timer first), followed by the FIFO. ``call_when_idle``
queues work that may wait until the FIFO is empty (the overlay's push after a chat), so a reply's
chain of wake-ups reaches the wire first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
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
    """``qasync.QEventLoop`` whose ready callbacks run in batches and whose ``close()`` also releases its
    Qt objects (see the module docstring)."""

    DRAIN_BUDGET_S = 0.005  # at most this long of ready callbacks before Qt gets a turn (a frame is 16 ms)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._soon: deque[asyncio.Handle] = deque()  # not asyncio's own _ready (qasync never runs it)
        self._idle: deque[asyncio.Handle] = deque()  # call_when_idle: after the ready callbacks
        self._drain_pending = False  # a Qt timer will run the FIFO
        self.batches = 0  # Qt timer events that ran ready callbacks (benchmarks count hops with it)
        super().__init__(*args, **kwargs)

    def close(self) -> None:
        notifiers = [*(getattr(self, "_read_notifiers", None) or {}).values(),
                     *(getattr(self, "_write_notifiers", None) or {}).values()]
        already = self.is_closed()
        super().close()
        self._soon.clear()  # like asyncio: callbacks still waiting when the loop closes never run
        self._idle.clear()
        if already:
            return
        killed = release_qt_objects(self)
        for n in notifiers:  # close() drops its dicts: delete the notifiers it disabled, here, on this thread
            if _valid(n):
                shiboken6.delete(n)
        if killed:
            log.debug("closed qasync loop: %d leftover Qt timers killed", killed)

    def _add_callback(self, handle: Any, delay: float = 0) -> Any:
        """Like asyncio: a closed loop schedules nothing (qasync would start a timer on a dead timer object).

        A ready callback (``call_soon``, ``call_later(0)``) joins the FIFO; a delayed one gets its Qt timer,
        which runs it and then the FIFO."""
        if self.is_closed():
            raise RuntimeError("Event loop is closed")
        if delay <= 0:
            self._soon.append(handle)
            if not self._drain_pending:  # also while a batch runs: a modal dialog's nested Qt loop must drain too
                self._schedule_drain()
            return handle
        super()._add_callback(asyncio.Handle(self._timer_due, (handle,), self), delay)
        return handle

    def _QEventLoop__on_notifier_ready(self, notifiers: dict, notifier: Any, fd: int, callback: Any,  # noqa: N802
                                       args: tuple) -> None:
        """A socket is ready: its callback runs now, in this Qt event, then the ready callbacks (qasync would
        first give it a zero timer of its own: one more Qt turn on every read and write)."""
        if fd not in notifiers:  # as qasync: a notifier that should be off
            log.debug("socket notifier for fd %s ready while not registered; disabled", fd)
            notifier.setEnabled(False)
            notifier.activated["int"].disconnect()
            return
        notifier.setEnabled(False)
        self._run_ready(asyncio.Handle(self._QEventLoop__notifier_cb_wrapper, (notifiers, notifier, fd, callback, args),
                                       self))

    def call_when_idle(self, callback: Any, *args: Any) -> asyncio.Handle:
        """``callback(*args)`` once the ready callbacks are done (a chain of wake-ups such as a chat's way to the
        LLM request), at the latest at the start of the next batch: for work that must not delay a reply but
        must not wait long either (the overlay's push). ``tasks.call_when_idle`` is the loop-neutral way in."""
        if self.is_closed():
            raise RuntimeError("Event loop is closed")
        h = asyncio.Handle(callback, args, self)
        self._idle.append(h)
        if not self._drain_pending:
            self._schedule_drain()
        return h

    def _schedule_drain(self) -> None:
        self._drain_pending = True
        super()._add_callback(asyncio.Handle(self._drain, (), self), 0)

    def _timer_due(self, handle: asyncio.Handle) -> None:
        if not handle.cancelled():
            self._run_ready(handle)

    def _drain(self) -> None:
        self._drain_pending = False
        self._run_ready(None)

    def _run_ready(self, first: asyncio.Handle | None) -> None:
        """Run ``first`` (a due timer's handle), then ready callbacks — including the ones they add — until
        none is left, the budget is spent or the loop was stopped; what is left gets the next Qt turn.
        Re-entrant: a callback that runs a nested Qt loop (a modal dialog) has the loop's timers drain inside it."""
        self.batches += 1
        deadline = time.monotonic() + self.DRAIN_BUDGET_S
        ready, idle = self._soon, self._idle
        if idle:  # left over from a batch that ran out of budget: they have waited a whole Qt turn
            ready.extendleft(reversed(idle))
            idle.clear()
        try:
            if first is not None:
                first._run()
            while self.is_running():
                if not ready:
                    if not idle:
                        break
                    ready.extend(idle)  # the ready callbacks are done: now the idle ones (and what they add)
                    idle.clear()
                h = ready.popleft()
                if not h.cancelled():
                    h._run()
                if time.monotonic() >= deadline:
                    break
        finally:
            if (ready or idle) and not self._drain_pending and not self.is_closed():
                self._schedule_drain()

    def call_soon_threadsafe(self, callback: Any, *args: Any, context: Any = None) -> Any:
        """Like asyncio: a closed loop refuses (RuntimeError) instead of emitting on a deleted signaller."""
        if self.is_closed():
            raise RuntimeError("Event loop is closed")
        return super().call_soon_threadsafe(callback, *args, context=context)


def new_event_loop(app: Any = None) -> AppEventLoop:
    """The app's loop type (``asyncio.Runner(loop_factory=lambda: new_event_loop(app))``)."""
    return AppEventLoop(app)
