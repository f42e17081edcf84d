"""python-socketio 4.x (the line that speaks CHZZK's Engine.IO 3) without its SIGINT hooks.

Two hooks exist in socketio 4.6.1 / engineio 3.14.2:
- ``socketio.Client.__init__`` and ``engineio.Client.__init__`` replace the process SIGINT handler
  with one that disconnects their clients (main thread only);
- ``engineio.AsyncClient.connect`` calls ``loop.add_signal_handler(SIGINT, …)`` whose handler
  calls ``loop.stop()``. Under qasync on Linux/macOS the loop is a SelectorEventLoop, so Ctrl+C
  would stop the GUI's loop out from under Qt instead of closing the window cleanly; on Windows
  the proactor loop raises NotImplementedError and engineio logs a warning each time.

:func:`new_async_client` marks the loop hook as already installed (so it never is) and puts back
whatever SIGINT handler the app had. ``tests/chat/test_chat_official.py`` checks both under qasync.
"""

from __future__ import annotations

import signal
import threading
from typing import Any


def new_async_client(**kwargs: Any) -> Any:
    """A ``socketio.AsyncClient`` (4.x) that leaves SIGINT handling to the app."""
    import engineio.asyncio_client as eio_async
    import socketio

    eio_async.async_signal_handler_set = True  # engineio then skips loop.add_signal_handler(SIGINT)
    main = threading.current_thread() is threading.main_thread()
    prev = signal.getsignal(signal.SIGINT) if main else None
    try:
        return socketio.AsyncClient(**kwargs)
    finally:
        if main and prev is not None and signal.getsignal(signal.SIGINT) is not prev:
            signal.signal(signal.SIGINT, prev)
