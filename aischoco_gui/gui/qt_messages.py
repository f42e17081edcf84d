"""Qt's own messages: thread and timer warnings are bugs, and they name their culprit.

A Qt object used or destroyed on the wrong thread prints a one-line warning ("QObject::~QObject:
Timers cannot be stopped from another thread") and, some time later, may crash the process in an
unrelated place. :func:`install_message_handler` routes every Qt message to Python logging; a thread
warning additionally calls ``on_thread_warning(text)``. The app logs it with every thread's Python
stack (:func:`log_with_stacks`); the test suite fails the test that caused it (``tests/conftest.py``).
"""

from __future__ import annotations

import faulthandler
import logging
import sys
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QtMsgType, qInstallMessageHandler

log = logging.getLogger("aischoco.qt")

# Substrings of Qt's warnings about objects used from the wrong thread (QObject, QTimer, QBasicTimer,
# QSocketNotifier, QPixmap, QWidget).
THREAD_WARNINGS = (
    "from another thread",
    "in a different thread",
    "to a different thread",
    "can only be used with threads started with QThread",
    "Possibly trying to stop from a different thread",
    "outside the GUI thread",
    "is not the object's thread",
    "Widgets must be created in the GUI thread",
    "Cannot send events to objects owned by a different thread",
    "Cannot move objects with a parent",
)

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def is_thread_warning(text: str) -> bool:
    return any(s in text for s in THREAD_WARNINGS)


def install_message_handler(on_thread_warning: Callable[[str], None] | None = None,
                            echo: Callable[[str], None] | None = None) -> Callable[[], None]:
    """Route Qt's messages to the ``aischoco.qt`` logger (and ``echo`` when given); returns an uninstaller."""

    def handler(mode: Any, context: Any, message: str) -> None:
        text = str(message)
        if echo is not None:
            echo(text)
        thread = is_thread_warning(text)
        level = logging.ERROR if thread else _LEVELS.get(mode, logging.WARNING)
        if mode == QtMsgType.QtDebugMsg and not thread:
            return  # Qt's debug chatter is not ours
        log.log(level, "Qt: %s (thread %s)", text, threading.current_thread().name)
        if thread and on_thread_warning is not None:
            on_thread_warning(text)

    previous = qInstallMessageHandler(handler)
    return lambda: qInstallMessageHandler(previous)


def log_with_stacks(text: str) -> None:
    """The app's response to a thread warning: the warning and every thread's Python stack, in the log."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as f:
        try:
            faulthandler.dump_traceback(file=f, all_threads=True)
            f.seek(0)
            stacks = f.read()
        except (OSError, ValueError, RuntimeError):
            stacks = "(faulthandler could not dump the stacks)"
    log.error("Qt thread warning in thread %s: %s\nevery thread's stack (most recent call first):\n%s",
              threading.current_thread().name, text, stacks)
    if sys.stderr is not None:
        print(f"aischoco: Qt thread warning: {text} (stacks in the log)", file=sys.stderr, flush=True)
