"""Loopback test double of the CHZZK Open API session server (DESIGN.md §4.1).

REST (aiohttp):
- ``GET /open/v1/sessions/auth/client`` (headers ``Client-Id``/``Client-Secret``) and
  ``GET /open/v1/sessions/auth`` (``Authorization: Bearer``) → ``{"code":200,"message":null,
  "content":{"url": ...}}``. Each URL is single-use and expires after ``session_ttl_s``.
- ``POST /open/v1/sessions/events/subscribe/{chat,donation,subscription}?sessionKey=…`` (Bearer)
  → 200 and ``SYSTEM subscribed`` on that session's socket; 401 INVALID_TOKEN for an unknown token,
  403 FORBIDDEN when the event's scope (:data:`EVENT_SCOPES`) is not in :attr:`granted_scopes`.
- ``POST /auth/v1/token`` (authorization_code / refresh_token grants).
- :attr:`redirect_to` (an origin): the session and token endpoints answer 307 there instead, the way
  a hijacked DNS / proxy would; :class:`RecordingOrigin` records what such an origin receives.
- The action endpoints of the Open API live in ``tests/doubles/chzzk_api_server.py``.

Socket: Socket.IO 2.x = **Engine.IO 3** over **websocket only** (``/socket.io/?auth=…&EIO=3&
transport=websocket``): open packet ``0{"sid",…}``, ``40``, client-driven pings ``2`` → ``3``,
clients that stop pinging are dropped, events ``42["SYSTEM","<json string>"]``,
``42["CHAT","<json string>"]``, ``42["DONATION","<json string>"]``. Long-polling is answered with
HTTP 400: CHZZK serves websocket and our client connects with ``transports=['websocket']``, so a
polling fallback would only add code that production never runs.

Like the real Socket.IO 2 server (engine.io 3.6.2 / socket.io 2.5.1, checked with node — see
``tests/chat/test_socketio2_reference.py``): the ``EIO`` query value is not checked, an EIO=4 (or
version-less) client gets the same EIO=3 handshake and is dropped when it does not ping; a refused
connect is ``44"<message>"`` instead of ``40`` (the engine connection stays open); a server-side
disconnect sends ``41`` before closing; events may carry zero or several arguments
(:meth:`push_args`); arbitrary frames, binary ones too (:meth:`push_frame`).

Controls for tests and the flood bench: :meth:`push_chat`, :meth:`push_donation`, :meth:`drop_all`,
:meth:`expire_sessions`, :attr:`fail_next_rest`, :meth:`send_system`, :attr:`answer_pings`.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.doubles.serving import serve

EVENT_SCOPES = {"CHAT": "채팅 메시지 조회", "DONATION": "후원 조회", "SUBSCRIPTION": "구독 조회"}


@dataclass
class SessionUrl:
    token: str
    created: float
    used: bool = False
    expired: bool = False
    kind: str = "client"  # client | user


@dataclass
class Session:
    sid: str
    session_key: str
    ws: web.WebSocketResponse
    subscriptions: set[str] = field(default_factory=set)
    last_ping: float = field(default_factory=time.monotonic)
    sent_events: int = 0
    closed: bool = False  # no more events (refused or closing)
    ended: bool = False  # the websocket handler returned


class ChzzkDouble:
    def __init__(self, *, client_id: str = "cid", client_secret: str = "csecret", channel_id: str = "chan-1",
                 ping_interval_ms: int = 25000, ping_timeout_ms: int = 5000, session_ttl_s: float = 50.0) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.channel_id = channel_id
        self.ping_interval_ms = ping_interval_ms
        self.ping_timeout_ms = ping_timeout_ms
        self.session_ttl_s = session_ttl_s
        self.answer_pings = True
        self.issue_expired = 0  # the next N session URLs are already expired when the client uses them
        self.fail_next_rest: list[int] = []  # HTTP statuses for the next REST calls (sessions/subscribe)
        self.valid_access: set[str] = {"user-token-1"}
        self.valid_refresh: dict[str, str] = {"refresh-1": "user-token-1"}
        self.valid_codes: set[str] = set()
        self.refresh_works = True
        self.granted_scopes: set[str] = set(EVENT_SCOPES.values())  # what the user token may do
        self.refuse_connects = 0  # the next N socket connects get ``44"..."`` instead of ``40``
        self.redirect_to = ""  # an origin: session/token endpoints answer 307 there
        self.urls: dict[str, SessionUrl] = {}
        self.sessions: dict[str, Session] = {}
        self.log: list[tuple[str, Any]] = []  # (what, detail) for assertions
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task] = set()
        self._token_seq = 1
        self.flood_sent = 0
        self.flood_done = True

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> ChzzkDouble:
        app = web.Application()
        app.router.add_get("/open/v1/sessions/auth/client", self._session_client)
        app.router.add_get("/open/v1/sessions/auth", self._session_user)
        app.router.add_post("/open/v1/sessions/events/subscribe/{event}", self._subscribe)
        app.router.add_post("/auth/v1/token", self._token)
        self.add_routes(app)
        app.router.add_get("/socket.io/", self._socket)
        app.router.add_post("/_control/flood", self._control_flood)
        app.router.add_get("/_control/stats", self._control_stats)
        self._runner, self.port = await serve(app)
        return self

    def add_routes(self, app: web.Application) -> None:
        """Hook for subclasses that serve more of the Open API on the same origin."""

    async def stop(self) -> None:
        await self.drop_all()
        for t in list(self._tasks):
            t.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _wrap(content: Any, code: int = 200, message: str | None = None, status: int = 200) -> web.Response:
        return web.json_response({"code": code, "message": message, "content": content}, status=status)

    def _redirect(self, request: web.Request) -> web.Response | None:
        if self.redirect_to:
            self.log.append(("redirected", request.path))
            return web.Response(status=307, headers={"Location": self.redirect_to.rstrip("/") + request.path_qs})
        return None

    def _failing(self) -> web.Response | None:
        if self.fail_next_rest:
            st = self.fail_next_rest.pop(0)
            self.log.append(("rest_fail", st))
            return self._wrap(None, code=st, message="INJECTED_FAILURE", status=st)
        return None

    def _bearer_ok(self, request: web.Request) -> bool:
        h = request.headers.get("Authorization", "")
        return h.startswith("Bearer ") and h[7:] in self.valid_access

    def _new_url(self, kind: str) -> str:
        tok = secrets.token_urlsafe(12)
        self.urls[tok] = SessionUrl(tok, time.monotonic(), kind=kind, expired=self.issue_expired > 0)
        self.issue_expired = max(0, self.issue_expired - 1)
        self.log.append(("session_url", tok))
        return f"{self.base_url}?auth={tok}"

    # -- REST -------------------------------------------------------------------------------
    async def _session_client(self, request: web.Request) -> web.Response:
        if (r := self._redirect(request) or self._failing()) is not None:
            return r
        h = request.headers
        if h.get("Client-Id") != self.client_id or h.get("Client-Secret") != self.client_secret:
            return self._wrap(None, 401, "INVALID_CLIENT", 401)
        return self._wrap({"url": self._new_url("client")})

    async def _session_user(self, request: web.Request) -> web.Response:
        if (r := self._redirect(request) or self._failing()) is not None:
            return r
        if not self._bearer_ok(request):
            return self._wrap(None, 401, "INVALID_TOKEN", 401)
        return self._wrap({"url": self._new_url("user")})

    async def _subscribe(self, request: web.Request) -> web.Response:
        event = request.match_info["event"].upper()
        self.log.append(("subscribe", event))
        if (r := self._failing()) is not None:
            return r
        if not self._bearer_ok(request):
            self.log.append(("subscribe_401", event))
            return self._wrap(None, 401, "INVALID_TOKEN", 401)
        if event not in EVENT_SCOPES:
            return self._wrap(None, 404, "NOT_FOUND", 404)
        if EVENT_SCOPES[event] not in self.granted_scopes:
            self.log.append(("subscribe_403", event))
            return self._wrap(None, 403, "FORBIDDEN", 403)
        key = request.query.get("sessionKey", "")
        sess = next((s for s in self.sessions.values() if s.session_key == key and not s.closed), None)
        if sess is None:
            return self._wrap(None, 400, "INVALID_SESSION_KEY", 400)
        sess.subscriptions.add(event)
        await self._emit(sess, "SYSTEM", {"type": "subscribed",
                                          "data": {"eventType": event, "channelId": self.channel_id}})
        return self._wrap(None)

    async def _token(self, request: web.Request) -> web.Response:
        if (r := self._redirect(request)) is not None:
            return r
        body = await request.json()
        self.log.append(("token", body.get("grantType")))
        if body.get("clientId") != self.client_id or body.get("clientSecret") != self.client_secret:
            return self._wrap(None, 401, "INVALID_CLIENT", 401)
        if body.get("grantType") == "authorization_code":
            if body.get("code") not in self.valid_codes:
                return self._wrap(None, 400, "INVALID_CODE", 400)
            self.valid_codes.discard(body["code"])
        elif body.get("grantType") == "refresh_token":
            if not self.refresh_works or body.get("refreshToken") not in self.valid_refresh:
                return self._wrap(None, 401, "INVALID_REFRESH_TOKEN", 401)
            old = self.valid_refresh.pop(body["refreshToken"])
            self.valid_access.discard(old)
        else:
            return self._wrap(None, 400, "UNSUPPORTED_GRANT", 400)
        self._token_seq += 1
        access, refresh = f"user-token-{self._token_seq}", f"refresh-{self._token_seq}"
        self.valid_access.add(access)
        self.valid_refresh[refresh] = access
        return self._wrap({"accessToken": access, "refreshToken": refresh, "tokenType": "Bearer",
                           "expiresIn": "86400", "scope": " ".join(sorted(self.granted_scopes))})

    # -- socket (Engine.IO 3 over websocket) -------------------------------------------------
    async def _socket(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        # engine.io 3 does not check EIO: an EIO=4 client gets the EIO=3 handshake below
        self.log.append(("eio", q.get("EIO", "")))
        if q.get("transport") != "websocket":
            return web.Response(status=400, text="this double serves the websocket transport only")
        su = self.urls.get(q.get("auth", ""))
        if su is None or su.used or su.expired or time.monotonic() - su.created > self.session_ttl_s:
            self.log.append(("socket_rejected", q.get("auth", "")))
            return web.Response(status=401, text="session url invalid, used or expired")
        su.used = True
        ws = web.WebSocketResponse(autoping=False, max_msg_size=0)
        await ws.prepare(request)
        sess = Session(sid=secrets.token_hex(10), session_key=secrets.token_urlsafe(16), ws=ws)
        self.sessions[sess.sid] = sess
        self.log.append(("connected", sess.sid))
        await ws.send_str("0" + json.dumps({"sid": sess.sid, "upgrades": [], "pingInterval": self.ping_interval_ms,
                                            "pingTimeout": self.ping_timeout_ms}))
        if self.refuse_connects > 0:  # socket.io 2: middleware error → 44 instead of 40, engine stays open
            self.refuse_connects -= 1
            sess.closed = True  # no events for this one
            self.log.append(("connect_refused", sess.sid))
            await ws.send_str('44"Not authorized"')
        else:
            await ws.send_str("40")
            await self._emit(sess, "SYSTEM", {"type": "connected", "data": {"sessionKey": sess.session_key}})
        watchdog = asyncio.get_running_loop().create_task(self._watchdog(sess, ws))
        self._tasks.add(watchdog)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    break
                data = msg.data
                if data.startswith("2"):  # ping
                    sess.last_ping = time.monotonic()
                    if self.answer_pings:
                        await ws.send_str("3" + data[1:])
                elif data in ("1", "41"):  # close / namespace disconnect
                    break
        finally:
            sess.closed = True
            sess.ended = True
            watchdog.cancel()
            self._tasks.discard(watchdog)
            self.sessions.pop(sess.sid, None)
            self.log.append(("closed", sess.sid))
            if not ws.closed:
                await ws.close()
        return ws

    async def _watchdog(self, sess: Session, ws: web.WebSocketResponse) -> None:
        limit = (self.ping_interval_ms + self.ping_timeout_ms) / 1000.0
        while not ws.closed and not sess.ended:
            await asyncio.sleep(limit / 4)
            if time.monotonic() - sess.last_ping > limit:
                self.log.append(("ping_timeout", sess.sid))
                await ws.close()
                return

    async def _emit(self, sess: Session, event: str, payload: dict[str, Any]) -> bool:
        if sess.closed or sess.ws.closed:
            return False
        frame = "42" + json.dumps([event, json.dumps(payload, ensure_ascii=False)], ensure_ascii=False)
        try:
            await sess.ws.send_str(frame)
        except (ConnectionError, RuntimeError):
            return False
        sess.sent_events += 1
        return True

    # -- controls ---------------------------------------------------------------------------
    def subscribed(self, event: str = "CHAT") -> list[Session]:
        return [s for s in self.sessions.values() if event in s.subscriptions and not s.closed]

    @staticmethod
    def chat_payload(content: str, *, nickname: str = "시청자", sender: str = "user-1", role: str = "common_user",
                     channel_id: str = "chan-1", emojis: dict[str, str] | None = None,
                     message_time: int | None = None) -> dict[str, Any]:
        return {
            "channelId": channel_id, "senderChannelId": sender, "chatChannelId": "chat-" + channel_id,
            "profile": {"nickname": nickname, "badges": [{"imageUrl": "https://ssl.pstatic.net/badge.png"}],
                        "verifiedMark": False, "userRoleCode": role},
            "content": content, "emojis": emojis or {},
            "messageTime": message_time if message_time is not None else int(time.time() * 1000),
            "eventSentAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }

    async def push_chat(self, content: str, **kw: Any) -> int:
        """Send a CHAT event to every subscribed session; returns how many got it."""
        payload = self.chat_payload(content, channel_id=self.channel_id, **kw)
        return await self.push_raw("CHAT", payload)

    async def push_donation(self, text: str, amount: int | str = 1000, *, nickname: str = "후원자",
                            donator: str = "user-9", donation_type: str = "CHAT") -> int:
        payload = {"donationType": donation_type, "channelId": self.channel_id, "donatorChannelId": donator,
                   "donatorNickname": nickname, "payAmount": str(amount), "donationText": text, "emojis": {}}
        return await self.push_raw("DONATION", payload)

    async def push_subscription(self, nickname: str = "구독자", *, subscriber: str = "user-7", tier_no: int = 1,
                                tier_name: str = "티어 1", month: int = 1) -> int:
        payload = {"channelId": self.channel_id, "subscriberChannelId": subscriber, "subscriberNickname": nickname,
                   "tierNo": tier_no, "tierName": tier_name, "month": month}
        return await self.push_raw("SUBSCRIPTION", payload)

    async def push_args(self, event: str, *args: Any) -> int:
        """Emit ``event`` with any number of arguments (the real server can send 0 or 2)."""
        frame = "42" + json.dumps([event, *args], ensure_ascii=False)
        return await self.push_frame(frame, event)

    async def push_frame(self, frame: str | bytes, event: str = "CHAT") -> int:
        """Send one raw websocket frame (text or binary) to every session subscribed to ``event``."""
        n = 0
        targets = [s for s in self.sessions.values() if not s.closed] if event == "SYSTEM" else self.subscribed(event)
        for s in targets:
            if isinstance(frame, bytes):
                await s.ws.send_bytes(frame)
            else:
                await s.ws.send_str(frame)
            n += 1
        return n

    async def push_raw(self, event: str, payload: Any) -> int:
        n = 0
        for s in self.subscribed(event):
            if isinstance(payload, str):  # already-encoded or deliberately malformed
                frame = "42" + json.dumps([event, payload], ensure_ascii=False)
                await s.ws.send_str(frame)
                n += 1
            elif await self._emit(s, event, payload):
                n += 1
        return n

    async def send_system(self, type_: str, data: dict[str, Any] | None = None) -> int:
        n = 0
        for s in list(self.sessions.values()):
            if await self._emit(s, "SYSTEM", {"type": type_, "data": data or {}}):
                n += 1
        return n

    async def drop_all(self, graceful: bool = False) -> int:
        """Close every socket from the server side: a network drop / server restart, or with
        ``graceful`` a Socket.IO ``socket.disconnect(true)``, which sends ``41`` first."""
        n = 0
        for s in list(self.sessions.values()):
            s.closed = True
            if not s.ws.closed:
                if graceful:
                    await s.ws.send_str("41")
                    self.log.append(("sent_41", s.sid))
                await s.ws.close()
            n += 1
        return n

    def expire_sessions(self) -> int:
        """Expire every issued session URL that has not been used yet."""
        n = 0
        for u in self.urls.values():
            if not u.used and not u.expired:
                u.expired = True
                n += 1
        return n

    def count(self, what: str) -> int:
        return sum(1 for w, _ in self.log if w == what)

    # -- flood (bench) -----------------------------------------------------------------------
    async def flood(self, rate: float, seconds: float, tick_s: float = 0.01, users: int = 5000) -> int:
        """Send ``rate`` chats/s for ``seconds`` to subscribed sessions, paced per tick (catches up if late).

        Content is ``flood <seq> <send wall time>``; senders rotate over ``users`` ids.
        """
        self.flood_sent, self.flood_done = 0, False
        loop = asyncio.get_running_loop()
        start = loop.time()
        total = int(rate * seconds)
        try:
            while self.flood_sent < total:
                due = min(total, int((loop.time() - start) * rate) + 1)
                while self.flood_sent < due:
                    seq = self.flood_sent
                    await self.push_chat(f"flood {seq} {time.time():.6f}", sender=f"user-{seq % users}",
                                         nickname=f"시청자{seq % users}")
                    self.flood_sent += 1
                await asyncio.sleep(tick_s)
        finally:
            self.flood_done = True
        return self.flood_sent

    async def _control_flood(self, request: web.Request) -> web.Response:
        q = request.query
        t = asyncio.get_running_loop().create_task(self.flood(float(q.get("rate", 1000)), float(q.get("seconds", 5))))
        self._tasks.add(t)
        return web.json_response({"started": True})

    async def _control_stats(self, request: web.Request) -> web.Response:
        return web.json_response({"sent": self.flood_sent, "done": self.flood_done,
                                  "sessions": len(self.sessions), "subscribed": len(self.subscribed("CHAT"))})


class RecordingOrigin:
    """Another loopback origin that records every request it receives (headers and body) and
    answers like a token endpoint would, so a test can see whether a secret followed a redirect."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> RecordingOrigin:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._any)
        self._runner, self.port = await serve(app)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _any(self, request: web.Request) -> web.Response:
        body = await request.text()
        self.requests.append({"method": request.method, "path": request.path, "headers": dict(request.headers),
                              "body": body})
        return web.json_response({"code": 200, "message": None,
                                  "content": {"url": "http://127.0.0.1:1/?auth=stolen", "accessToken": "evil",
                                              "refreshToken": "evil-r", "expiresIn": 86400}})

    def saw(self, secret: str) -> bool:
        return any(secret in r["body"] or any(secret in v for v in r["headers"].values()) for r in self.requests)


async def _serve() -> None:
    d = await ChzzkDouble().start()
    print(d.port, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await d.stop()


def _exit_when_parent_goes() -> None:
    """Benchmarks hold our stdin open; when they exit (or crash) it closes and so do we."""
    import os
    import sys
    import threading

    def watch() -> None:
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":  # a stand-alone double for benchmarks: prints its port, serves until stdin closes
    _exit_when_parent_goes()
    asyncio.run(_serve())
