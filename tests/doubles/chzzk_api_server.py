"""The CHZZK double grown with the Open API *action* endpoints (issue 17; DESIGN.md §4.1).

Same origin as the session double (:class:`ChzzkDouble`), so one base URL serves chat and actions.
Like CHZZK: every reply is wrapped ``{"code", "message", "content"}``; a user token (``Bearer``)
that is not valid → 401 INVALID_TOKEN; a valid token without the endpoint's scope → 403 FORBIDDEN
(the granted scopes are :attr:`granted_scopes`); a message over 100 characters (UTF-16 units) or
a malformed body → 400; :attr:`redirect_to` → 307 to that origin; values outside CHZZK's allowed
sets (slow mode seconds, follower minutes, chat group) → 400;
optional per-endpoint rate limits → 429 with ``Retry-After``.

Endpoints: ``POST /open/v1/chats/send`` → ``content{messageId}``; ``POST /open/v1/chats/notice``
``{message | messageId}``; ``GET``/``PUT /open/v1/chats/settings``; ``POST
/open/v1/chats/blind-message {chatChannelId, messageTime, senderChannelId}`` (404 when no such
message was pushed); ``POST``/``DELETE /open/v1/restrict-channels {targetChannelId}``; ``POST
/open/v1/temporary-restrict-channels {targetChannelId, chatChannelId}``; ``POST
/auth/v1/token/revoke {clientId, clientSecret, token, tokenTypeHint}``.
"""

from __future__ import annotations

import math
import time
from typing import Any

from aiohttp import web

from tests.doubles.chzzk_server import EVENT_SCOPES, ChzzkDouble

# The double's own copy of the scope table (not imported from the app, so a wrong name in the app fails).
SCOPES = {
    "send": "채팅 메시지 전송",
    "notice": "채팅 공지 등록",
    "settings_get": "채팅 설정 조회",
    "settings_put": "채팅 설정 변경",
    "blind": "채팅 메시지 숨기기",
    "restrict": "활동 제한",
    "temp_restrict": "활동 제한",
}
SLOW = {0, 3, 5, 10, 30, 60, 120, 300}
FOLLOWER_MIN = {0, 5, 10, 30, 60, 1440, 10080, 43200, 86400, 129600, 172800, 216000, 259200}
GROUPS = {"ALL", "FOLLOWER", "MANAGER", "SUBSCRIBER"}
CONDITIONS = {"NONE", "REAL_NAME"}


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class ChzzkApiDouble(ChzzkDouble):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.granted_scopes = set(EVENT_SCOPES.values()) | set(SCOPES.values())
        self.rate_limits: dict[str, tuple[int, float]] = {}  # endpoint key → (calls, per seconds)
        self._calls: dict[str, list[float]] = {}
        self.sent_chats: list[dict[str, Any]] = []  # {"messageId", "message"}
        self.notices: list[dict[str, Any]] = []
        self.chat_settings: dict[str, Any] = {"chatAvailableCondition": "NONE", "chatAvailableGroup": "ALL",
                                              "minFollowerMinute": 0, "allowSubscriberInFollowerMode": False,
                                              "chatSlowModeSec": 0, "chatEmojiMode": False}
        self.settings_puts: list[dict[str, Any]] = []
        self.known_messages: set[tuple[str, int, str]] = set()  # (chatChannelId, messageTime, sender) pushed
        self.blinded: list[tuple[str, int, str]] = []
        self.restricted: set[str] = set()
        self.temp_restricted: list[tuple[str, str]] = []
        self.revoked: list[dict[str, Any]] = []
        self.action_log: list[tuple[str, int]] = []  # (endpoint key, HTTP status)

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/open/v1/chats/send", self._send)
        r.add_post("/open/v1/chats/notice", self._notice)
        r.add_get("/open/v1/chats/settings", self._settings_get)
        r.add_put("/open/v1/chats/settings", self._settings_put)
        r.add_post("/open/v1/chats/blind-message", self._blind)
        r.add_post("/open/v1/restrict-channels", self._restrict)
        r.add_delete("/open/v1/restrict-channels", self._unrestrict)
        r.add_post("/open/v1/temporary-restrict-channels", self._temp_restrict)
        r.add_post("/auth/v1/token/revoke", self._revoke)

    # -- the chat double remembers what it pushed (blind-message needs a real message) ------------
    def chat_payload(self, content: str, **kw: Any) -> dict[str, Any]:  # type: ignore[override]
        p = ChzzkDouble.chat_payload(content, **kw)
        self.known_messages.add((p["chatChannelId"], int(p["messageTime"]), p["senderChannelId"]))
        return p

    # -- common checks ----------------------------------------------------------------------------
    def _reply(self, key: str, status: int, message: str | None = None, content: Any = None,
               headers: dict[str, str] | None = None) -> web.Response:
        self.action_log.append((key, status))
        return web.json_response({"code": status, "message": message, "content": content}, status=status,
                                 headers=headers)

    async def _gate(self, request: web.Request, key: str) -> tuple[web.Response | None, dict[str, Any]]:
        """Redirect (when asked), token, scope, rate limit and a JSON object body."""
        if (redirect := self._redirect(request)) is not None:
            return redirect, {}
        if not self._bearer_ok(request):
            return self._reply(key, 401, "INVALID_TOKEN"), {}
        if SCOPES[key] not in self.granted_scopes:
            return self._reply(key, 403, "FORBIDDEN"), {}
        if key in self.rate_limits:
            n, per = self.rate_limits[key]
            now = time.monotonic()
            calls = [t for t in self._calls.get(key, []) if now - t < per]
            if len(calls) >= n:
                retry = max(1, math.ceil(per - (now - calls[0])))
                self._calls[key] = calls
                return self._reply(key, 429, "TOO_MANY_REQUESTS", headers={"Retry-After": str(retry)}), {}
            self._calls[key] = calls + [now]
        body: dict[str, Any] = {}
        if request.method in ("POST", "PUT", "DELETE"):
            try:
                body = await request.json()
            except ValueError:
                return self._reply(key, 400, "INVALID_REQUEST: body is not JSON"), {}
            if not isinstance(body, dict):
                return self._reply(key, 400, "INVALID_REQUEST: body is not an object"), {}
        return None, body

    @staticmethod
    def _text(body: dict[str, Any], field: str) -> str | None:
        v = body.get(field)
        return v if isinstance(v, str) and v.strip() else None

    # -- endpoints ---------------------------------------------------------------------------------
    async def _send(self, request: web.Request) -> web.Response:
        err, body = await self._gate(request, "send")
        if err:
            return err
        msg = self._text(body, "message")
        if msg is None:
            return self._reply("send", 400, "INVALID_REQUEST: message")
        if units(msg) > 100:
            return self._reply("send", 400, "INVALID_REQUEST: message is longer than 100 characters")
        mid = f"msg-{len(self.sent_chats) + 1}"
        self.sent_chats.append({"messageId": mid, "message": msg})
        return self._reply("send", 200, None, {"messageId": mid})

    async def _notice(self, request: web.Request) -> web.Response:
        err, body = await self._gate(request, "notice")
        if err:
            return err
        msg, mid = self._text(body, "message"), self._text(body, "messageId")
        if (msg is None) == (mid is None):
            return self._reply("notice", 400, "INVALID_REQUEST: message or messageId")
        if msg is not None and units(msg) > 100:
            return self._reply("notice", 400, "INVALID_REQUEST: message is longer than 100 characters")
        if mid is not None and mid not in {c["messageId"] for c in self.sent_chats}:
            return self._reply("notice", 404, "MESSAGE_NOT_FOUND")
        self.notices.append({"message": msg, "messageId": mid})
        return self._reply("notice", 200)

    async def _settings_get(self, request: web.Request) -> web.Response:
        err, _ = await self._gate(request, "settings_get")
        if err:
            return err
        return self._reply("settings_get", 200, None, dict(self.chat_settings))

    async def _settings_put(self, request: web.Request) -> web.Response:
        err, body = await self._gate(request, "settings_put")
        if err:
            return err
        s = {**self.chat_settings, **body}
        ok = (s.get("chatSlowModeSec") in SLOW and s.get("minFollowerMinute") in FOLLOWER_MIN
              and s.get("chatAvailableGroup") in GROUPS and s.get("chatAvailableCondition") in CONDITIONS
              and isinstance(s.get("chatEmojiMode"), bool) and isinstance(s.get("allowSubscriberInFollowerMode"), bool)
              and set(body) <= set(self.chat_settings))
        if not ok:
            return self._reply("settings_put", 400, "INVALID_REQUEST: chat settings")
        self.settings_puts.append(body)
        self.chat_settings = s
        return self._reply("settings_put", 200)

    async def _blind(self, request: web.Request) -> web.Response:
        err, body = await self._gate(request, "blind")
        if err:
            return err
        cid, sender, t = body.get("chatChannelId"), body.get("senderChannelId"), body.get("messageTime")
        if not (isinstance(cid, str) and cid and isinstance(sender, str) and sender
                and isinstance(t, int) and not isinstance(t, bool)):
            return self._reply("blind", 400, "INVALID_REQUEST: chatChannelId, messageTime, senderChannelId")
        key = (cid, t, sender)
        if key not in self.known_messages:
            return self._reply("blind", 404, "해당 메시지를 찾을 수 없습니다.")
        self.blinded.append(key)
        return self._reply("blind", 200)

    async def _restrict(self, request: web.Request) -> web.Response:
        err, body = await self._gate(request, "restrict")
        if err:
            return err
        target = self._text(body, "targetChannelId")
        if target is None:
            return self._reply("restrict", 400, "INVALID_REQUEST: targetChannelId")
        self.restricted.add(target)
        return self._reply("restrict", 200)

    async def _unrestrict(self, request: web.Request) -> web.Response:
        err, body = await self._gate(request, "restrict")
        if err:
            return err
        target = self._text(body, "targetChannelId")
        if target is None:
            return self._reply("restrict", 400, "INVALID_REQUEST: targetChannelId")
        self.restricted.discard(target)
        return self._reply("restrict", 200)

    async def _temp_restrict(self, request: web.Request) -> web.Response:
        err, body = await self._gate(request, "temp_restrict")
        if err:
            return err
        target, cid = self._text(body, "targetChannelId"), self._text(body, "chatChannelId")
        if target is None or cid is None:
            return self._reply("temp_restrict", 400, "INVALID_REQUEST: targetChannelId, chatChannelId")
        self.temp_restricted.append((target, cid))
        return self._reply("temp_restrict", 200)

    async def _revoke(self, request: web.Request) -> web.Response:
        if (redirect := self._redirect(request)) is not None:
            return redirect
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self._reply("revoke", 400, "INVALID_REQUEST")
        if body.get("clientId") != self.client_id or body.get("clientSecret") != self.client_secret:
            return self._reply("revoke", 401, "INVALID_CLIENT")
        tok, hint = body.get("token"), body.get("tokenTypeHint", "access_token")
        if not isinstance(tok, str) or hint not in ("access_token", "refresh_token"):
            return self._reply("revoke", 400, "INVALID_REQUEST")
        self.revoked.append(body)
        if hint == "access_token":
            self.valid_access.discard(tok)
        else:
            access = self.valid_refresh.pop(tok, None)
            self.valid_access.discard(access or "")
        return self._reply("revoke", 200)
