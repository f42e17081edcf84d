"""Start/stop plumbing the loopback doubles share: serve an aiohttp app on 127.0.0.1 (a free port by
default), and run a double on its own event loop in a daemon thread."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Self

from aiohttp import web


async def serve(app: web.Application, host: str = "127.0.0.1", port: int = 0) -> tuple[web.AppRunner, int]:
    """Serve ``app``; returns the runner (``await runner.cleanup()`` stops it) and the bound port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


def run_in_thread(double: Any, name: str) -> None:
    """Run ``await double.start()`` on a new event loop in a daemon thread until ``stop_thread(double)``,
    then ``await double.aclose()`` there. Sets ``double._loop`` / ``double._thread``; start errors
    (port trouble) are raised here."""
    ready = threading.Event()
    err: list[BaseException] = []

    def run() -> None:
        loop = asyncio.new_event_loop()
        double._loop = loop
        try:
            loop.run_until_complete(double.start())
        except BaseException as e:  # pragma: no cover - port trouble
            err.append(e)
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(double.aclose())
        loop.close()

    double._thread = threading.Thread(target=run, name=name, daemon=True)
    double._thread.start()
    ready.wait(10)
    if err:
        raise err[0]


def stop_thread(double: Any) -> None:
    """End what :func:`run_in_thread` started (closing the double on its own loop first)."""
    if double._loop is not None and double._thread is not None:
        double._loop.call_soon_threadsafe(double._loop.stop)
        double._thread.join(10)
        double._thread = None


class ServedDouble:
    """Lifecycle of a double whose ``start()`` sets ``self._runner`` from :func:`serve`: ``aclose()``,
    ``async with``, and ``stop()`` for one started by :func:`run_in_thread`."""

    _runner: web.AppRunner | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    async def start(self) -> Self:
        raise NotImplementedError

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def stop(self) -> None:
        stop_thread(self)
