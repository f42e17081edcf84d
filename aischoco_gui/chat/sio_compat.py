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

It also contains hostile or broken frames (issue 13). python-socketio 4.x decodes every Engine.IO
message in a background task: a garbage frame, ``42{}``, JSON nested past the recursion limit or a
stray binary frame raised there, and the exception reached the loop's handler (error notice and a
crash-report dialog mid-stream). Worse, a binary-event header (``451-[…{"_placeholder":true}]``)
puts the client into "waiting for attachments" mode, so the *next text frame* — a good chat — was
swallowed as the attachment. CHZZK never sends binary events, so the client here drops binary
packets and stray binary frames without ever waiting for attachments, validates event packets,
and logs each dropped frame (raw, truncated, rate limited) instead of raising.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

log = logging.getLogger(__name__)

MAX_LOGGED_FRAME = 300
LOG_EVERY_S = 10.0  # at most one log line per this many seconds for dropped frames (plus a count)


class FrameGuard:
    """Counts dropped frames and logs them rate-limited (first one at once, then one per window)."""

    def __init__(self, every_s: float = LOG_EVERY_S) -> None:
        self.every_s = every_s
        self.dropped = 0
        self._last_log = -1e18
        self._suppressed = 0

    def drop(self, why: str, frame: Any) -> None:
        self.dropped += 1
        now = time.monotonic()
        if now - self._last_log < self.every_s:
            self._suppressed += 1
            return
        raw = "4" + frame if isinstance(frame, str) else repr(frame)  # as on the wire (Engine.IO message "4")
        more = f" (+{self._suppressed} more dropped since the last line)" if self._suppressed else ""
        log.warning("dropped a Socket.IO frame (%s)%s: %.*s", why, more, MAX_LOGGED_FRAME, raw)
        self._last_log, self._suppressed = now, 0


_safe_class: Any = None


@contextlib.contextmanager
def _without_requests() -> Iterator[None]:
    """engineio 3.x's sync client imports ``requests`` (with urllib3 and charset_normalizer, ~6 MB resident)
    if it is installed; the app only uses the asyncio client (aiohttp). While socketio loads, ``requests``
    reads as not installed (engineio then leaves it None; its sync client would say so if ever used)."""
    if "requests" in sys.modules:
        yield
        return
    sys.modules["requests"] = None  # type: ignore[assignment]  (the import system's "not importable")
    try:
        yield
    finally:
        if sys.modules.get("requests", 0) is None:
            del sys.modules["requests"]


def _safe_client_class() -> Any:
    """``socketio.AsyncClient`` with a guarded message handler (built once, socketio imported lazily)."""
    global _safe_class
    if _safe_class is not None:
        return _safe_class
    with _without_requests():
        import socketio
        from socketio import packet

    class SafeAsyncClient(socketio.AsyncClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.frame_guard = FrameGuard()

        async def _handle_eio_message(self, data: Any) -> None:
            guard = self.frame_guard
            self._binary_packet = None  # never wait for attachments: CHZZK sends no binary events
            if not isinstance(data, str):
                guard.drop("empty message" if data is None else "binary frame", data)
                return
            try:
                pkt = packet.Packet(encoded_packet=data)
            except (ValueError, TypeError, IndexError, KeyError, RecursionError) as e:
                guard.drop(f"undecodable: {type(e).__name__}", data)
                return
            if pkt.packet_type in (packet.BINARY_EVENT, packet.BINARY_ACK):
                guard.drop("binary event", data)
                return
            if pkt.packet_type == packet.EVENT and not (
                    isinstance(pkt.data, list) and pkt.data and isinstance(pkt.data[0], str)):
                guard.drop("event without a name", data)
                return
            try:  # the dispatch of socketio 4.6.1's _handle_eio_message, on the packet decoded once
                t = pkt.packet_type
                if t == packet.CONNECT:
                    await self._handle_connect(pkt.namespace)
                elif t == packet.DISCONNECT:
                    await self._handle_disconnect(pkt.namespace)
                elif t == packet.EVENT:
                    await self._handle_event(pkt.namespace, pkt.id, pkt.data)
                elif t == packet.ACK:
                    await self._handle_ack(pkt.namespace, pkt.id, pkt.data)
                elif t == packet.ERROR:
                    await self._handle_error(pkt.namespace, pkt.data)
                else:
                    guard.drop("unknown packet type", data)
            except Exception as e:  # a frame must never become a crash report; the connection stays
                guard.drop(f"{type(e).__name__}: {e}", data)

    _safe_class = SafeAsyncClient
    return _safe_class


def new_async_client(**kwargs: Any) -> Any:
    """A ``socketio.AsyncClient`` (4.x) that leaves SIGINT handling to the app and drops bad frames."""
    with _without_requests():
        import engineio.asyncio_client as eio_async

    eio_async.async_signal_handler_set = True  # engineio then skips loop.add_signal_handler(SIGINT)
    main = threading.current_thread() is threading.main_thread()
    prev = signal.getsignal(signal.SIGINT) if main else None
    try:
        return _safe_client_class()(**kwargs)
    finally:
        if main and prev is not None and signal.getsignal(signal.SIGINT) is not prev:
            signal.signal(signal.SIGINT, prev)
