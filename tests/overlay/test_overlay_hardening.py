"""Issue 13: overlay server — unfinished requests are closed, SSE refuses foreign origins, /api/state is cached."""

from __future__ import annotations

import asyncio

import aiohttp

from aischoco_gui.chat.models import ChatMessage
from aischoco_gui.events import EventKind
from tests.overlay_support import served


async def _read_until_closed(reader: asyncio.StreamReader, limit_s: float = 10.0) -> bytes:
    """Everything the server sends until it closes the connection (fails if it never does)."""
    return await asyncio.wait_for(reader.read(), limit_s)


async def test_unfinished_request_headers_are_closed():
    async with served() as (srv, bus, _):
        srv.header_timeout_s = 0.3
        reader, writer = await asyncio.open_connection("127.0.0.1", srv._bound_port)
        try:
            writer.write(b"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # never finished
            await writer.drain()
            assert await _read_until_closed(reader) == b""
        finally:
            writer.close()


async def test_idle_keepalive_connection_is_closed_after_a_response():
    async with served() as (srv, bus, _):
        srv.header_timeout_s = 0.3
        reader, writer = await asyncio.open_connection("127.0.0.1", srv._bound_port)
        try:
            writer.write(b"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            writer.write(b"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the second one never ends
            await writer.drain()
            data = await _read_until_closed(reader)
            assert data.startswith(b"HTTP/1.1 200") and data.count(b"HTTP/1.1 ") == 1
        finally:
            writer.close()


async def test_unfinished_request_body_is_closed():
    async with served() as (srv, bus, _):
        srv.body_timeout_s = 0.3
        reader, writer = await asyncio.open_connection("127.0.0.1", srv._bound_port)
        try:
            writer.write(b"POST /api/clear HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{\"a\":")
            await writer.drain()
            data = await _read_until_closed(reader)
            assert data == b"" or data.startswith(b"HTTP/1.1 408")
        finally:
            writer.close()


async def test_push_connections_are_not_cut_by_the_header_timeout():
    async with served() as (srv, bus, _), aiohttp.ClientSession() as s:
        srv.header_timeout_s = 0.2
        async with s.ws_connect(srv.url + "api/ws") as ws:
            await ws.receive_json(timeout=3)  # hello
            await asyncio.sleep(0.5)  # time is the subject: longer than the 0.2 s header timeout
            bus.emit(EventKind.CHAT_RECEIVED, message=ChatMessage("v", "아직 연결돼 있어요"))
            msg = await ws.receive_json(timeout=3)
            assert any(d.get("type") == "viewer" or "message" in str(d) for d in msg)


async def test_event_stream_refuses_a_foreign_origin():
    async with served() as (srv, bus, _), aiohttp.ClientSession() as s:
        async with s.get(srv.url + "api/events", headers={"Origin": "https://evil.example"}) as r:
            assert r.status == 403
        own = srv.url.rstrip("/")
        async with s.get(srv.url + "api/events", headers={"Origin": own}) as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith("text/event-stream")


async def test_state_snapshot_is_built_once_per_change():
    async with served() as (srv, bus, _), aiohttp.ClientSession() as s:
        for i in range(200):
            bus.emit(EventKind.CHAT_RECEIVED, message=ChatMessage(f"v{i}", f"메시지 {i}", user_id=f"u{i}"))
        builds = srv.state.snapshot_builds
        bodies = []
        for _ in range(20):
            async with s.get(srv.url + "api/state") as r:
                bodies.append(await r.json())
        assert srv.state.snapshot_builds == builds + 1  # 20 requests, one build
        assert bodies[0]["viewer_messages"][-1]["message"] == "메시지 199"
        assert all(b["viewer_messages"] == bodies[0]["viewer_messages"] for b in bodies)
        bus.emit(EventKind.CHAT_RECEIVED, message=ChatMessage("late", "새 메시지", user_id="late"))
        async with s.get(srv.url + "api/state") as r:
            st = await r.json()
        assert st["viewer_messages"][-1]["message"] == "새 메시지" and srv.state.snapshot_builds == builds + 2
        assert isinstance(st["server_time"], float)
