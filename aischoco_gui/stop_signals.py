"""A clean end on any stop: Ctrl+C, SIGTERM, and Windows' console close / log-off / shut-down.

Each of them asks the app to stop the way 파일 → 끝내기 (File → Quit) does — services stopped, files
flushed, exit code 0 — instead of a ``KeyboardInterrupt`` traceback (and a crash report) or being killed
without cleanup. Qt-free: ``request_stop(reason)`` is called on the event loop's thread; the app's
``request_stop`` closes the window without the on-air question.

- POSIX: ``loop.add_signal_handler`` for SIGINT and SIGTERM. The loop's wake-up fd makes the handler run
  at once, even while Qt's event loop (in C++) is idle — a plain ``signal.signal`` handler would only run
  the next time some Python code happens to run.
- Windows: ``SetConsoleCtrlHandler`` (CTRL_C, CTRL_BREAK, CTRL_CLOSE, CTRL_LOGOFF, CTRL_SHUTDOWN). Windows
  calls the handler on a thread of its own and ends the process when it returns from a close, log-off
  or shut-down event, so the handler posts the stop to the loop and waits (up to ``grace_s``) until
  :meth:`StopSignals.done` says the shutdown finished. Log-off and shut-down of a windowed app also reach
  Qt's session manager (``commitDataRequest``, wired in ``gui/desktop.py``).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

CTRL_C_EVENT, CTRL_BREAK_EVENT, CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT = 0, 1, 2, 5, 6
CTRL_NAMES = {CTRL_C_EVENT: "Ctrl+C", CTRL_BREAK_EVENT: "Ctrl+Break", CTRL_CLOSE_EVENT: "console closed",
              CTRL_LOGOFF_EVENT: "log-off", CTRL_SHUTDOWN_EVENT: "shut-down"}
WAIT_FOR = (CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT)  # Windows ends us when the handler returns


class StopSignals:
    """Installs the handlers for one run of the app (``install`` … ``uninstall``)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, request_stop: Callable[[str], None], *,
                 grace_s: float = 4.5, kernel32: Any = None) -> None:
        self.loop = loop
        self.request_stop = request_stop
        self.grace_s = grace_s  # Windows gives a console 5 s after a close event
        self._kernel32 = kernel32
        self._done = threading.Event()
        self._posix: list[int] = []
        self._ctrl_handler: Any = None  # the ctypes callback (kept alive while registered)
        self.received: list[str] = []

    # -- the stop itself -------------------------------------------------------------------
    def _stop(self, reason: str) -> None:
        """On the loop's thread."""
        self.received.append(reason)
        if len(self.received) > 1:
            log.warning("%s while already stopping: still shutting down cleanly", reason)
            return
        log.info("%s: shutting down cleanly", reason)
        self.request_stop(reason)

    def done(self) -> None:
        """The shutdown has finished (a Windows close/log-off handler may return now)."""
        self._done.set()

    # -- install ---------------------------------------------------------------------------
    def install(self) -> StopSignals:
        if sys.platform == "win32" or self._kernel32 is not None:
            self._install_windows()
        else:
            for sig, name in ((signal.SIGINT, "SIGINT"), (signal.SIGTERM, "SIGTERM")):
                try:
                    self.loop.add_signal_handler(sig, self._stop, name)
                    self._posix.append(sig)
                except (NotImplementedError, RuntimeError, ValueError) as e:  # not the main thread
                    log.warning("cannot handle %s: %s", name, e)
        return self

    def _install_windows(self) -> None:
        import ctypes

        kernel32 = self._kernel32 if self._kernel32 is not None else ctypes.windll.kernel32  # type: ignore[attr-defined]
        handler_type = ctypes.WINFUNCTYPE(ctypes.c_int, ctypes.c_uint) if hasattr(ctypes, "WINFUNCTYPE") \
            else ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint)

        def on_ctrl(event: int) -> int:  # on a thread Windows made for this call
            reason = CTRL_NAMES.get(int(event), f"console event {event}")
            try:
                self.loop.call_soon_threadsafe(self._stop, reason)
            except RuntimeError:  # the loop is closed: the app is already past its shutdown
                return 1
            if int(event) in WAIT_FOR:
                self._done.wait(self.grace_s)
            return 1  # handled: no KeyboardInterrupt, no default "terminate now"

        self._ctrl_handler = handler_type(on_ctrl)
        if not kernel32.SetConsoleCtrlHandler(self._ctrl_handler, True):
            log.warning("SetConsoleCtrlHandler failed: console close / log-off will not shut down cleanly")
            self._ctrl_handler = None

    def uninstall(self) -> None:
        for sig in self._posix:
            try:
                self.loop.remove_signal_handler(sig)
            except (RuntimeError, ValueError):
                pass
        self._posix.clear()
        if self._ctrl_handler is not None:
            import ctypes

            kernel32 = self._kernel32 if self._kernel32 is not None else ctypes.windll.kernel32  # type: ignore[attr-defined]
            kernel32.SetConsoleCtrlHandler(self._ctrl_handler, False)
            # keep the callback object: Windows may still be inside it on another thread


def quiet_until_loop() -> Callable[[], None]:
    """Before the event loop runs there is nothing to clean up: SIGTERM ends the process with exit code 0
    (``SystemExit``), and ``__main__`` treats a KeyboardInterrupt the same way. Returns a restorer."""
    if sys.platform == "win32":
        return lambda: None

    def term(_sig: int, _frame: Any) -> None:
        raise SystemExit(0)

    before = signal.signal(signal.SIGTERM, term)
    return lambda: signal.signal(signal.SIGTERM, before)
