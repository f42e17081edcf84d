"""One control room per user and ``AISCHOCO_HOME``: a second launch asks the first to show itself.

An OS file lock (``flock`` / ``msvcrt.locking``) in the data folder decides who is first; the OS
drops it when the process dies, so a crash never leaves a lock that blocks the next start. The
first instance listens on 127.0.0.1 (random port) and writes port + a random token next to the
lock; a second instance connects, sends the token and ``activate``, and exits. Qt-free: the GUI
passes a callback that raises the window. The data folder differs per ``AISCHOCO_HOME``, so
tests and ``--smoke`` runs with their own home never collide with a running app.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from aischoco_gui.paths import atomic_write_text

log = logging.getLogger(__name__)

LOCK_FILE = ".aischoco.lock"
INFO_FILE = ".aischoco.instance"
ACTIVATE = b"activate"
MAX_LINE = 256  # "<32 hex token> activate\n" fits many times over; anything longer is not us


def _try_lock(f: IO[bytes]) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _unlock(f: IO[bytes]) -> None:
    with contextlib.suppress(OSError):
        if sys.platform == "win32":
            import msvcrt

            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


class InstanceGuard:
    """``acquire()`` → True for the first instance; then ``await serve(on_activate)``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.lock_path = self.folder / LOCK_FILE
        self.info_path = self.folder / INFO_FILE
        self._lock: IO[bytes] | None = None
        self._server: asyncio.base_events.Server | None = None
        self._token = secrets.token_hex(16)
        self.activations = 0

    @property
    def owner(self) -> bool:
        return self._lock is not None

    def acquire(self) -> bool:
        self.folder.mkdir(parents=True, exist_ok=True)
        f = open(self.lock_path, "a+b")  # noqa: SIM115 (held open for the life of the app)
        if f.tell() == 0:
            with contextlib.suppress(OSError):
                f.write(b"\0")
                f.flush()
        if not _try_lock(f):
            f.close()
            return False
        self._lock = f
        return True

    async def serve(self, on_activate: Callable[[], None]) -> int:
        """Listen for second launches; returns the port."""
        if not self.owner:
            raise RuntimeError("serve() needs the lock (acquire() returned False)")

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                line = await asyncio.wait_for(reader.readline(), 2.0)
                token, _, cmd = line.strip().partition(b" ")
                if secrets.compare_digest(token, self._token.encode()) and cmd == ACTIVATE:
                    self.activations += 1
                    writer.write(b"ok\n")
                    try:
                        on_activate()
                    except Exception:
                        log.exception("activating the window failed")
                else:
                    writer.write(b"denied\n")
                await writer.drain()
            except (TimeoutError, ConnectionError, ValueError, asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError, OSError) as e:
                # any local process can connect: an over-long line, garbage or a reset is dropped quietly
                log.debug("single-instance listener dropped a bad client: %s", type(e).__name__)
            finally:
                writer.close()

        # the reader's limit bounds what one client can make us buffer (readline raises beyond it)
        self._server = await asyncio.start_server(handle, "127.0.0.1", 0, limit=MAX_LINE)
        port = self._server.sockets[0].getsockname()[1]
        atomic_write_text(self.info_path, json.dumps({"pid": os.getpid(), "port": port, "token": self._token}))
        return port

    def notify_running(self, timeout: float = 3.0) -> bool:
        """Second instance: ask the first to show its window. False if it did not answer in time."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                info = json.loads(self.info_path.read_text(encoding="utf-8"))
                with socket.create_connection(("127.0.0.1", int(info["port"])), timeout=1.0) as s:
                    s.sendall(f"{info['token']} ".encode() + ACTIVATE + b"\n")
                    s.settimeout(max(0.2, deadline - time.monotonic()))
                    if s.makefile("rb").readline().strip() == b"ok":
                        return True
            except (OSError, ValueError, KeyError):
                pass  # the first instance is still starting (no info yet) or its info is stale
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    def release(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                self.info_path.unlink()
            _unlock(self._lock)
            self._lock.close()
            self._lock = None
