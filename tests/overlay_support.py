"""Shared set-up for the overlay tests: a served overlay on a free loopback port, and an SSE reader."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from aischoco_gui.chat.filters import ChatFilter
from aischoco_gui.events import EventBus
from aischoco_gui.overlay.server import OverlayServer
from aischoco_gui.overlay.state import OverlayState

TOKEN = "test-token-abcdefghijklmnopqrstuvwxyz"


@asynccontextmanager
async def served(features: Sequence[Any] = (), user_css=None, host: str = "127.0.0.1"):
    """Yield (server, bus, chat_filter) with the overlay serving on a free port (plus any features)."""
    bus = EventBus()
    flt = ChatFilter(ignore_streamer=False)
    state = OverlayState(ignore_streamer_getter=lambda: flt.ignore_streamer,
                         ignore_streamer_setter=lambda v: setattr(flt, "ignore_streamer", v))
    srv = OverlayServer(bus, state, host=host, port=0, token=TOKEN, user_css=user_css, features=features)
    await srv.start()
    assert srv.running, bus.status.get("overlay")
    try:
        yield srv, bus, flt
    finally:
        await srv.stop()


class SSEReader:
    """Reads ``data:`` events from /api/events."""

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self.resp = resp

    async def next(self, timeout: float = 3.0) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            buf = b""
            while True:
                line = await self.resp.content.readline()
                if not line:
                    raise ConnectionError("stream closed")
                if line.startswith(b"data: "):
                    buf += line[6:].rstrip(b"\n")
                elif line == b"\n" and buf:
                    return json.loads(buf)

        return await asyncio.wait_for(read(), timeout)

    async def until(self, pred, timeout: float = 3.0) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            ev = await self.next(max(0.05, end - loop.time()))
            if pred(ev):
                return ev
