"""Loopback double of CHZZK's unofficial chat path (DESIGN.md §4.1, read-only).

- ``GET /polling/v2/channels/{channelId}/live-status`` → ``content{status, chatChannelId, liveTitle}``
- ``GET /nng_main/v1/chats/access-token?channelId=…&chatType=STREAMING`` → ``content{accessToken, extraToken}``
- websocket ``/chat``: cmd 100 CONNECT (``bdy.auth == "READ"``, ``bdy.accTkn`` must be the issued
  token for that ``cid``) → cmd 10100; server ping cmd 0 ↔ client pong cmd 10000 (and the other
  way round); chat cmd 93101 / donation cmd 93102 whose ``profile``/``extras`` are JSON strings.

One server stands in for the REST hosts and the chat shard; point ``CHZZK_CHAT_WS_URL`` at
``ws://127.0.0.1:{port}/chat``.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from aiohttp import WSMsgType, web

from tests.doubles.serving import serve


class ChzzkUnofficialDouble:
    def __init__(self, channel_id: str = "chan-u", chat_channel_id: str = "N1abcd") -> None:
        self.channel_id = channel_id
        self.chat_channel_id = chat_channel_id
        self.live = True
        self.tokens: dict[str, str] = {}  # token → chat channel id
        self.clients: list[tuple[str, web.WebSocketResponse]] = []  # (cid, ws) after CONNECT
        self.log: list[tuple[str, Any]] = []
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/chat"

    async def start(self) -> ChzzkUnofficialDouble:
        app = web.Application()
        app.router.add_get("/polling/v2/channels/{channel}/live-status", self._live_status)
        app.router.add_get("/nng_main/v1/chats/access-token", self._access_token)
        app.router.add_get("/chat", self._chat)
        self._runner, self.port = await serve(app)
        return self

    async def stop(self) -> None:
        await self.drop_all()
        if self._runner is not None:
            await self._runner.cleanup()

    def count(self, what: str) -> int:
        return sum(1 for w, _ in self.log if w == what)

    # -- REST -------------------------------------------------------------------------------
    async def _live_status(self, request: web.Request) -> web.Response:
        self.log.append(("live_status", request.match_info["channel"]))
        if request.match_info["channel"] != self.channel_id:
            return web.json_response({"code": 404, "message": "channel not found", "content": None}, status=404)
        content = {"liveTitle": "테스트 방송", "status": "OPEN" if self.live else "CLOSE",
                   "chatChannelId": self.chat_channel_id if self.live else None, "concurrentUserCount": 3}
        return web.json_response({"code": 200, "message": None, "content": content})

    async def _access_token(self, request: web.Request) -> web.Response:
        cid = request.query.get("channelId", "")
        self.log.append(("access_token", cid))
        if request.query.get("chatType") != "STREAMING" or not cid:
            return web.json_response({"code": 400, "message": "bad request", "content": None}, status=400)
        tok = secrets.token_urlsafe(12)
        self.tokens[tok] = cid
        return web.json_response({"code": 200, "message": None,
                                  "content": {"accessToken": tok, "temporaryRestrict": {}, "extraToken": "x"}})

    # -- socket -----------------------------------------------------------------------------
    async def _chat(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        cid = ""
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    break
                d = json.loads(msg.data)
                cmd = d.get("cmd")
                if cmd == 100:
                    bdy = d.get("bdy") or {}
                    ok = bdy.get("auth") == "READ" and self.tokens.get(bdy.get("accTkn")) == d.get("cid")
                    self.log.append(("connect", ok))
                    if not ok:
                        await ws.send_str(json.dumps({"cmd": 10100, "retCode": 1, "retMsg": "INVALID_TOKEN"}))
                        break
                    cid = d["cid"]
                    self.clients.append((cid, ws))
                    await ws.send_str(json.dumps({"svcid": "game", "ver": "2", "cmd": 10100, "retCode": 0,
                                                  "retMsg": "", "tid": "1", "cid": cid,
                                                  "bdy": {"sid": secrets.token_hex(8), "uuid": None}}))
                elif cmd == 0:
                    self.log.append(("client_ping", None))
                    await ws.send_str(json.dumps({"ver": "2", "cmd": 10000}))
                elif cmd == 10000:
                    self.log.append(("pong", None))
        finally:
            self.clients = [(c, w) for c, w in self.clients if w is not ws]
            if not ws.closed:
                await ws.close()
        return ws

    # -- controls ---------------------------------------------------------------------------
    async def _broadcast(self, frame: dict[str, Any]) -> int:
        n = 0
        for cid, ws in list(self.clients):
            if cid == self.chat_channel_id and not ws.closed:
                await ws.send_str(json.dumps(frame, ensure_ascii=False))
                n += 1
        return n

    async def push_chat(self, text: str, *, nickname: str = "시청자", uid: str = "u-1",
                        role: str = "common_user", emojis: dict[str, str] | None = None) -> int:
        item = {"svcid": "game", "cid": self.chat_channel_id, "mbrCnt": 3, "uid": uid,
                "profile": json.dumps({"userIdHash": uid, "nickname": nickname, "userRoleCode": role,
                                       "badge": None, "activityBadges": []}, ensure_ascii=False),
                "msg": text, "msgTypeCode": 1, "msgStatusType": "NORMAL",
                "extras": json.dumps({"chatType": "STREAMING", "osType": "PC", "emojis": emojis or {},
                                      "streamingChannelId": self.channel_id}, ensure_ascii=False),
                "ctime": int(time.time() * 1000), "utime": int(time.time() * 1000),
                "msgTime": int(time.time() * 1000)}
        return await self._broadcast({"svcid": "game", "ver": "1", "cmd": 93101, "tid": None,
                                      "cid": self.chat_channel_id, "bdy": [item]})

    async def push_donation(self, text: str, amount: int = 1000, *, nickname: str = "후원자",
                            uid: str = "u-9") -> int:
        item = {"svcid": "game", "cid": self.chat_channel_id, "uid": uid,
                "profile": json.dumps({"nickname": nickname, "userRoleCode": "common_user"}, ensure_ascii=False),
                "msg": text, "msgTypeCode": 10,
                "extras": json.dumps({"payAmount": amount, "donationType": "CHAT", "isAnonymous": False,
                                      "streamingChannelId": self.channel_id, "emojis": {}}, ensure_ascii=False),
                "msgTime": int(time.time() * 1000)}
        return await self._broadcast({"svcid": "game", "ver": "1", "cmd": 93102, "tid": None,
                                      "cid": self.chat_channel_id, "bdy": [item]})

    async def push_paid(self, msg_type_code: int, extras: dict[str, Any], *, text: str = "", nickname: str = "구독자",
                        uid: str = "u-5") -> int:
        """A 93102 item with any ``msgTypeCode``: 10 donation, 11 subscription, 30 system message —
        CHZZK sends all of them on the same cmd."""
        item = {"svcid": "game", "cid": self.chat_channel_id, "uid": uid,
                "profile": json.dumps({"nickname": nickname, "userRoleCode": "common_user"}, ensure_ascii=False),
                "msg": text, "msgTypeCode": msg_type_code, "msgStatusType": "NORMAL",
                "extras": json.dumps({"streamingChannelId": self.channel_id, **extras}, ensure_ascii=False),
                "msgTime": int(time.time() * 1000)}
        return await self._broadcast({"svcid": "game", "ver": "1", "cmd": 93102, "tid": None,
                                      "cid": self.chat_channel_id, "bdy": [item]})

    async def push_subscription(self, nickname: str = "구독자", *, month: int = 3, tier_no: int = 1,
                                tier_name: str = "티어 1", text: str = "") -> int:
        return await self.push_paid(11, {"month": month, "tierNo": tier_no, "tierName": tier_name,
                                         "nickname": nickname}, text=text, nickname=nickname)

    async def push_system(self, text: str = "방송 알림") -> int:
        return await self.push_paid(30, {"description": text, "styleType": 1, "params": {}}, text=text,
                                    nickname="")

    async def push_frame(self, frame: Any) -> int:
        n = 0
        for _cid, ws in list(self.clients):
            await ws.send_str(frame if isinstance(frame, str) else json.dumps(frame))
            n += 1
        return n

    async def server_ping(self) -> int:
        return await self.push_frame({"ver": "2", "cmd": 0})

    async def drop_all(self) -> int:
        n = 0
        for _cid, ws in list(self.clients):
            await ws.close()
            n += 1
        self.clients = []
        return n

    def new_broadcast(self, chat_channel_id: str) -> None:
        """The streamer went live again: a new chatChannelId."""
        self.chat_channel_id = chat_channel_id
        self.live = True
