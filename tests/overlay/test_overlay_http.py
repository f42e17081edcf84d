"""Overlay server over real HTTP on loopback: every endpoint, the push channel, security checks, port handling."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.models import ROLE_STREAMER, ChatMessage, Draft, Reply
from aischoco_gui.overlay.server import CSP, OverlayServer, load_token
from aischoco_gui.overlay.state import OverlayState
from aischoco_gui.tarot.feature import TarotFeature
from tests.overlay_support import TOKEN, SSEReader, served
from tests.wait import wait_until


def chat(text: str, nick: str = "viewer", **kw) -> ChatMessage:
    return ChatMessage(nickname=nick, text=text, user_id=kw.pop("user_id", nick), **kw)


async def get_state(s: aiohttp.ClientSession, srv: OverlayServer) -> dict:
    async with s.get(srv.url + "api/state") as r:
        assert r.status == 200
        return await r.json()


async def test_state_shape_and_bus_wiring():
    async with served() as (srv, bus, _flt), aiohttp.ClientSession() as s:
        m1, m2 = chat("안녕하세요"), chat("두번째", nick="둘")
        bus.emit(EventKind.CHAT_RECEIVED, message=m1)
        bus.emit(EventKind.CHAT_RECEIVED, message=m2)
        st = await get_state(s, srv)
        assert set(st) >= {"viewer_messages", "assistant_messages", "ignore_streamer_chat", "tarot"}
        assert [(v["user"], v["message"], v["processed"]) for v in st["viewer_messages"]] == [
            ("viewer", "안녕하세요", False), ("둘", "두번째", False)]
        assert all(isinstance(v["ts"], float) for v in st["viewer_messages"])
        bus.emit(EventKind.BATCH_READY, turn=1, messages=[m1])
        draft = Draft(reply=Reply(text="반가워요!", emotion="happy"), batch=[m1], turn=1)
        bus.emit(EventKind.SPEECH_STARTED, turn=1, draft=draft)
        st = await get_state(s, srv)
        assert [v["processed"] for v in st["viewer_messages"]] == [True, False]
        assert [(a["message"], a["emotion"]) for a in st["assistant_messages"]] == [("반가워요!", "happy")]
        assert set(st["assistant_messages"][0]) >= {"message", "ts"}
        bus.emit(EventKind.PANIC)  # the reply being spoken leaves the screen
        assert (await get_state(s, srv))["assistant_messages"] == []


async def test_filtered_messages_dimmed_or_removed():
    async with served() as (srv, bus, _flt), aiohttp.ClientSession() as s:
        short, banned = chat("ㅋ"), chat("나쁜말")
        short.filtered_reason = "too_short"
        for m, reason in ((short, "too_short"), (banned, "banned_word")):
            bus.emit(EventKind.CHAT_RECEIVED, message=m)
            bus.emit(EventKind.CHAT_FILTERED, message=m, reason=reason)
        st = await get_state(s, srv)
        assert [(v["message"], v["filtered"]) for v in st["viewer_messages"]] == [("ㅋ", True)]


async def test_security_headers_and_static_whitelist():
    tarot = TarotFeature(EventBus(), interpret=None, submit=None)  # the card art is the tarot feature's route
    async with served([tarot]) as (srv, _bus, _flt), aiohttp.ClientSession() as s:
        for path, ctype in (("", "text/html"), ("overlay.js", "text/javascript"), ("live.js", "text/javascript"),
                            ("overlay.css", "text/css"), ("themes/large.css", "text/css"), ("tarot", "text/html"),
                            ("tarot/cards/0.svg", "image/svg+xml"), ("tarot/cards/77.svg", "image/svg+xml"),
                            ("tarot/cards/back.svg", "image/svg+xml"), ("user.css", "text/css")):
            async with s.get(srv.url + path) as r:
                assert r.status == 200, path
                assert r.content_type == ctype, path
                assert r.headers["Content-Security-Policy"] == CSP
                assert r.headers["X-Content-Type-Options"] == "nosniff"
                assert "Access-Control-Allow-Origin" not in r.headers
        assert "script-src 'self'" in CSP and "'unsafe-inline'" not in CSP and "default-src 'none'" in CSP
        for bad in ("index.html", "themes/", "%2e%2e/%2e%2e/etc/passwd", "resources/overlay",
                    "tarot/cards/78.svg", "tarot/cards/-1.svg", "themes/evil.css", "api/", ".git/config"):
            async with s.get(srv.url + bad) as r:
                assert r.status == 404, bad
                assert r.headers["Content-Security-Policy"] == CSP
        reader = await asyncio.open_connection("127.0.0.1", int(srv.url.rsplit(":", 1)[1].strip("/")))
        rd, wr = reader
        wr.write(b"GET /../../../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        raw = await rd.read()
        wr.close()
        assert raw.startswith(b"HTTP/1.1 404") and b"root:" not in raw
    await tarot.stop()


async def test_host_header_must_name_this_server():
    """A DNS-rebinding page reaches 127.0.0.1 under its own name; it gets nothing."""
    async with served() as (srv, _bus, _flt), aiohttp.ClientSession() as s:
        for host, ok in (("127.0.0.1", True), ("localhost:1234", True), ("[::1]:80", True),
                         ("evil.example:8765", False), ("127.0.0.1.nip.io", False), ("", False)):
            async with s.get(srv.url + "api/state", headers={"Host": host}) as r:
                assert (r.status == 200) == ok, host


async def test_state_changing_endpoints_need_token_or_same_origin():
    async with served() as (srv, bus, flt), aiohttp.ClientSession() as s:
        bus.emit(EventKind.CHAT_RECEIVED, message=chat("지워질 메시지"))
        origin = srv.url.rstrip("/")
        for path in ("api/clear", "api/toggle_streamer_chat"):
            for headers in ({}, {"Origin": "https://evil.example"}, {"Origin": "null"},
                            {"X-Overlay-Token": "wrong-token-xxxxxxxxxxxxxxxx"}):
                async with s.post(srv.url + path, headers=headers) as r:
                    assert r.status == 403, (path, headers)
        assert flt.ignore_streamer is False
        assert len((await get_state(s, srv))["viewer_messages"]) == 1
        async with s.get(srv.url + "api/clear") as r:  # not a GET endpoint
            assert r.status == 405
        async with s.post(srv.url + "api/toggle_streamer_chat", headers={"X-Overlay-Token": TOKEN}) as r:
            assert r.status == 200 and (await r.json())["ignore_streamer_chat"] is True
        assert flt.ignore_streamer is True
        assert (await get_state(s, srv))["ignore_streamer_chat"] is True
        async with s.post(srv.url + "api/toggle_streamer_chat", headers={"Origin": origin}) as r:
            assert (await r.json())["ignore_streamer_chat"] is False
        assert flt.ignore_streamer is False
        async with s.post(srv.url + f"api/clear?token={TOKEN}") as r:
            assert r.status == 200
        assert (await get_state(s, srv))["viewer_messages"] == []


async def test_hiding_streamer_chat_takes_it_off_the_overlay():
    async with served() as (srv, bus, flt), aiohttp.ClientSession() as s:
        bus.emit(EventKind.CHAT_RECEIVED, message=chat("방장이에요", nick="방장", role=ROLE_STREAMER))
        bus.emit(EventKind.CHAT_RECEIVED, message=chat("시청자"))
        assert len((await get_state(s, srv))["viewer_messages"]) == 2
        srv.state.toggle_streamer_chat()
        assert flt.ignore_streamer is True
        st = await get_state(s, srv)
        assert [v["user"] for v in st["viewer_messages"]] == ["viewer"]
        bus.emit(EventKind.CHAT_RECEIVED, message=chat("또 방장", nick="방장", role=ROLE_STREAMER))
        assert [v["user"] for v in (await get_state(s, srv))["viewer_messages"]] == ["viewer"]


async def test_push_channel_delivers_deltas_in_order():
    async with served() as (srv, bus, _flt), aiohttp.ClientSession() as s:
        async with s.get(srv.url + "api/events") as r:
            assert r.status == 200 and r.content_type == "text/event-stream"
            sse = SSEReader(r)
            first = await sse.next()
            assert first["type"] == "state" and first["state"]["viewer_messages"] == []
            await wait_until(lambda: srv.clients == 1)
            m = chat("푸시 테스트")
            bus.emit(EventKind.CHAT_RECEIVED, message=m)
            ev = await sse.next()
            assert ev["type"] == "viewer" and ev["entry"]["message"] == "푸시 테스트"
            bus.emit(EventKind.BATCH_READY, turn=1, messages=[m])
            ev = await sse.next()
            assert ev == {"type": "processed", "ids": [m.id], "rev": ev["rev"]}
            bus.emit(EventKind.SPEECH_STARTED, turn=1,
                     draft=Draft(reply=Reply(text="답장"), batch=[m], turn=1))
            ev = await sse.until(lambda e: e["type"] == "assistant")
            assert ev["entry"]["message"] == "답장"
            # a burst within one loop iteration arrives complete and in order
            for i in range(50):
                bus.emit(EventKind.CHAT_RECEIVED, message=chat(f"burst {i}"))
            got = [(await sse.next())["entry"]["message"] for _ in range(50)]
            assert got == [f"burst {i}" for i in range(50)]
            async with s.post(srv.url + "api/clear", headers={"X-Overlay-Token": TOKEN}):
                pass
            ev = await sse.until(lambda e: e["type"] == "state")
            assert ev["state"]["viewer_messages"] == [] and ev["state"]["assistant_messages"] == []
        await wait_until(lambda: srv.clients == 0)


async def test_pause_freezes_then_resume_sends_everything():
    async with served() as (srv, bus, _flt), aiohttp.ClientSession() as s:
        bus.emit(EventKind.CHAT_RECEIVED, message=chat("before"))
        async with s.get(srv.url + "api/events") as r:
            sse = SSEReader(r)
            await sse.next()
            srv.state.set_paused(True)
            assert (await sse.next())["type"] == "paused"
            bus.emit(EventKind.CHAT_RECEIVED, message=chat("during"))
            st = await get_state(s, srv)
            assert st["paused"] is True and [v["message"] for v in st["viewer_messages"]] == ["before"]
            with pytest.raises(asyncio.TimeoutError):
                await sse.next(timeout=0.3)
            srv.state.set_paused(False)
            ev = await sse.next()
            assert ev["type"] == "state"
            assert [v["message"] for v in ev["state"]["viewer_messages"]] == ["before", "during"]


async def test_view_options_are_pushed():
    async with served() as (srv, _bus, _flt), aiohttp.ClientSession() as s:
        async with s.get(srv.url + "api/events") as r:
            sse = SSEReader(r)
            await sse.next()
            srv.state.set_view(theme="large", show_viewer=False)
            ev = await sse.next()
            assert ev["type"] == "config" and ev["view"] == {"theme": "large", "show_assistant": True,
                                                             "show_viewer": False}
        assert (await get_state(s, srv))["view"]["theme"] == "large"


async def test_user_css_is_served_from_config(tmp_path):
    css = tmp_path / "overlay.css"
    async with served(user_css=css) as (srv, _bus, _flt), aiohttp.ClientSession() as s:
        async with s.get(srv.url + "user.css") as r:
            assert r.status == 200 and await r.text() == ""
        css.write_text(".msg { font-size: 40px; }", encoding="utf-8")
        async with s.get(srv.url + "user.css") as r:
            assert await r.text() == ".msg { font-size: 40px; }"


async def test_port_in_use_reports_error_and_restarts_on_suggested_port():
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    busy = blocker.getsockname()[1]
    bus = EventBus()
    srv = OverlayServer(bus, OverlayState(), host="127.0.0.1", port=busy, token=TOKEN)
    try:
        await srv.start()  # must not raise
        st = bus.status["overlay"]
        assert st.state == ServiceState.ERROR and str(busy) in st.detail and "사용 중" in st.detail
        assert not srv.running and srv.suggested_port and srv.suggested_port != busy
        assert st.extra["suggested_port"] == srv.suggested_port
        alt = srv.suggested_port
        assert await srv.restart(port=alt)
        assert bus.status["overlay"].state == ServiceState.READY
        assert bus.status["overlay"].detail == srv.obs_url and f":{alt}/" in srv.url
        async with aiohttp.ClientSession() as s, s.get(srv.url + "api/state") as r:
            assert r.status == 200
    finally:
        await srv.stop()
        blocker.close()
    assert bus.status["overlay"].state == ServiceState.OFF


def test_token_is_per_install_and_persistent(tmp_path):
    t1 = load_token(tmp_path)
    assert len(t1) >= 24 and load_token(tmp_path) == t1
    assert load_token(tmp_path / "other") != t1
    (tmp_path / "overlay_token.txt").write_text("short", encoding="utf-8")  # corrupt → replaced
    t2 = load_token(tmp_path)
    assert t2 != "short" and len(t2) >= 24


async def test_websocket_push_and_cross_origin_refusal():
    async with served() as (srv, bus, _flt), aiohttp.ClientSession() as s:
        async with s.get(srv.url + "api/ws", headers={"Origin": "https://evil.example", "Connection": "Upgrade",
                                                      "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                                                      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}) as r:
            assert r.status == 403
        ws_url = srv.url.replace("http://", "ws://") + "api/ws"
        async with s.ws_connect(ws_url, headers={"Origin": srv.url.rstrip("/")}) as ws:
            first = await ws.receive_json(timeout=3)
            assert first[0]["type"] == "state"
            await wait_until(lambda: srv.clients == 1)
            for i in range(3):
                bus.emit(EventKind.CHAT_RECEIVED, message=chat(f"ws {i}"))
            batch = await ws.receive_json(timeout=3)  # one loop iteration → one message
            assert [d["entry"]["message"] for d in batch] == ["ws 0", "ws 1", "ws 2"]
        await wait_until(lambda: srv.clients == 0)
