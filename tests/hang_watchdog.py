"""A watchdog for the suite: a test that runs longer than ``AISCHOCO_TEST_HANG_S`` (default 300 s) is a
hang, not a slow test. The watchdog prints every thread's stack and every asyncio task's coroutine stack
(what the test awaits, which a thread dump cannot show) to stderr, then ends the run with exit code 3,
so CI fails with the evidence instead of running until its own limit."""

from __future__ import annotations

import asyncio
import faulthandler
import os
import sys
import threading
import time


class HangWatchdog(threading.Thread):
    def __init__(self, limit_s: float, capture=None) -> None:
        super().__init__(name="hang-watchdog", daemon=True)
        self.limit_s = limit_s
        self.capture = capture  # pytest's capture manager: suspended so the report reaches the terminal
        self.test: str | None = None
        self.started = 0.0
        self._lock = threading.Lock()

    def begin(self, nodeid: str) -> None:
        with self._lock:
            self.test, self.started = nodeid, time.monotonic()

    def end(self) -> None:
        with self._lock:
            self.test = None

    def run(self) -> None:
        while True:
            time.sleep(min(5.0, self.limit_s / 4))
            with self._lock:
                test, started = self.test, self.started
            if test is not None and time.monotonic() - started > self.limit_s:
                if self.capture is not None:
                    try:
                        self.capture.suspend_global_capture(in_=False)
                    except Exception:  # pragma: no cover - report anyway
                        pass
                self._report(test, time.monotonic() - started)
                os._exit(3)

    @staticmethod
    def _report(test: str, elapsed: float) -> None:
        err = sys.stderr
        print(f"\n\n=== HANG: {test} has run {elapsed:.0f} s — thread stacks then asyncio tasks ===", file=err)
        faulthandler.dump_traceback(file=err, all_threads=True)
        try:
            tasks = list(asyncio.tasks._all_tasks)  # read from this thread: diagnostics only
        except Exception as e:  # pragma: no cover - the set changed under us
            print(f"(tasks unavailable: {e!r})", file=err)
            return
        for task in tasks:
            if task.done():
                continue
            print(f"--- task {task.get_name()}", file=err)
            for line in _await_chain(task.get_coro()):
                print("    " + line, file=err)
        err.flush()


def _await_chain(coro) -> list[str]:
    """Where each coroutine in the chain the task awaits stands (outermost first)."""
    lines: list[str] = []
    while coro is not None and len(lines) < 50:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None) or getattr(coro, "ag_frame", None)
        if frame is None:
            lines.append(repr(coro))
            break
        lines.append(f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        coro = (getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
                or getattr(coro, "ag_await", None))
    return lines


def start(limit_s: float, capture=None) -> HangWatchdog:
    w = HangWatchdog(limit_s, capture)
    w.start()
    return w
