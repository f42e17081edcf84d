"""A small client for the CHZZK Open API *actions* (issue 17; DESIGN.md §4.1), Qt-free.

Every call uses the streamer's user token (``Authorization: Bearer``) and needs the scope named in
:data:`ACTION_SCOPES`; CHZZK wraps replies as ``{"code", "message", "content"}``. Each call returns
an :class:`ApiResult` (the API's own code and message) or raises a typed :class:`ChzzkApiError`:
:class:`ApiUnauthorized` (401, token invalid — log in again), :class:`ApiForbidden` (403, the
scope was not granted), :class:`ApiRateLimited` (429, with ``retry_after_s``), or the base class for
any other refusal (4xx/5xx with CHZZK's message, a redirect, a network error). Every action is
logged (never the token). Requests never follow redirects: a 3xx is an error, so the token and the
client secret never go to another origin.

Actions::

    api = ChzzkApi(base_url, auth.access_token, refresh=auth.refresh)
    await api.send_chat("안녕하세요!")                       # ≤ 100 chars per message; longer text is
                                                            # split on sentence/word boundaries or trimmed
    await api.set_notice(message="공지") / set_notice(message_id=...)
    s = await api.get_chat_settings(); await api.update_chat_settings(chat_slow_mode_sec=5)
    await api.blind_message(chat_channel_id, message_time_ms, sender_channel_id)   # or blind(msg)
    await api.restrict(target) / unrestrict(target) / temporary_restrict(target, chat_channel_id)
    await api.revoke_token(token, client_id=..., client_secret=...)

The authorize URL of CHZZK takes no scope parameter: the scopes are the ones ticked for the app in
CHZZK's developer center, and the token reply names what was granted (``TokenSet.scope``);
:func:`missing_scopes` tells which an action still lacks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from typing import Any

import httpx

from aischoco_gui.chat.models import ChatMessage

log = logging.getLogger(__name__)

MAX_CHAT_UNITS = 100  # CHZZK: message ≤ 100 characters (counted here in UTF-16 units, the stricter count)

# Scope names as CHZZK's developer center shows them (the Chat, Session and Restriction API pages).
SCOPE_CHAT_READ = "채팅 메시지 조회"
SCOPE_CHAT_SEND = "채팅 메시지 전송"
SCOPE_NOTICE = "채팅 공지 등록"
SCOPE_SETTINGS_READ = "채팅 설정 조회"
SCOPE_SETTINGS_WRITE = "채팅 설정 변경"
SCOPE_BLIND = "채팅 메시지 숨기기"
SCOPE_RESTRICT = "활동 제한"
SCOPE_DONATION_READ = "후원 조회"
SCOPE_SUBSCRIPTION_READ = "구독 조회"

ACTION_SCOPES: dict[str, str | None] = {
    "send_chat": SCOPE_CHAT_SEND,
    "set_notice": SCOPE_NOTICE,
    "get_chat_settings": SCOPE_SETTINGS_READ,
    "update_chat_settings": SCOPE_SETTINGS_WRITE,
    "blind_message": SCOPE_BLIND,
    "restrict": SCOPE_RESTRICT,
    "unrestrict": SCOPE_RESTRICT,
    "temporary_restrict": SCOPE_RESTRICT,
    "revoke_token": None,  # client credentials, no user scope
}

SLOW_MODE_SECONDS = (0, 3, 5, 10, 30, 60, 120, 300)
FOLLOWER_MINUTES = (0, 5, 10, 30, 60, 1440, 10080, 43200, 86400, 129600, 172800, 216000, 259200)
CHAT_GROUPS = ("ALL", "FOLLOWER", "MANAGER", "SUBSCRIBER")
CHAT_CONDITIONS = ("NONE", "REAL_NAME")


def missing_scopes(granted: str | set[str], *actions: str) -> set[str]:
    """Scopes the given actions need that ``granted`` lacks. ``granted`` is a set of names or the
    token reply's ``scope`` text (CHZZK's scope names contain spaces, so the text is searched)."""
    text = " | ".join(sorted(granted)) if isinstance(granted, set) else (granted or "")
    need = {ACTION_SCOPES[a] for a in actions if ACTION_SCOPES.get(a)}
    return {s for s in need if s not in text}


# -- results and errors ------------------------------------------------------------------------

@dataclass(frozen=True)
class ApiResult:
    """What CHZZK answered to one action."""

    action: str
    code: int
    message: str | None
    content: Any


class ChzzkApiError(Exception):
    """CHZZK refused an action (or it never reached CHZZK); ``str()`` is meant for the streamer."""

    def __init__(self, action: str, status: int, message: str, code: int | None = None) -> None:
        super().__init__(f"{action}: HTTP {status} {message}".strip())
        self.action = action
        self.status = status
        self.code = code
        self.api_message = message


class ApiUnauthorized(ChzzkApiError):
    """401 INVALID_TOKEN: the user token is invalid or expired (and could not be refreshed)."""


class ApiForbidden(ChzzkApiError):
    """403: the action's scope was not granted (``scope`` names it) or the user may not do this."""

    def __init__(self, action: str, status: int, message: str, code: int | None = None) -> None:
        super().__init__(action, status, message, code)
        self.scope = ACTION_SCOPES.get(action)


class ApiRateLimited(ChzzkApiError):
    """429: too many requests; try again after ``retry_after_s`` seconds."""

    def __init__(self, action: str, status: int, message: str, code: int | None = None,
                 retry_after_s: float = 1.0) -> None:
        super().__init__(action, status, message, code)
        self.retry_after_s = retry_after_s


# -- chat settings -----------------------------------------------------------------------------

@dataclass
class ChatSettings:
    """``GET``/``PUT /open/v1/chats/settings``."""

    chat_available_condition: str = "NONE"  # NONE | REAL_NAME
    chat_available_group: str = "ALL"  # ALL | FOLLOWER | MANAGER | SUBSCRIBER
    min_follower_minute: int = 0  # one of FOLLOWER_MINUTES (FOLLOWER mode)
    allow_subscriber_in_follower_mode: bool = False
    chat_slow_mode_sec: int = 0  # one of SLOW_MODE_SECONDS; 0 = off
    chat_emoji_mode: bool = False

    _API = {"chat_available_condition": "chatAvailableCondition", "chat_available_group": "chatAvailableGroup",
            "min_follower_minute": "minFollowerMinute",
            "allow_subscriber_in_follower_mode": "allowSubscriberInFollowerMode",
            "chat_slow_mode_sec": "chatSlowModeSec", "chat_emoji_mode": "chatEmojiMode"}

    @classmethod
    def from_api(cls, content: dict[str, Any]) -> ChatSettings:
        kw: dict[str, Any] = {}
        for f in fields(cls):
            key = cls._API[f.name]
            if key in content and content[key] is not None:
                v = content[key]
                kw[f.name] = bool(v) if f.type in ("bool", bool) else int(v) if f.type in ("int", int) else str(v)
        return cls(**kw)

    def to_api(self) -> dict[str, Any]:
        return {self._API[f.name]: getattr(self, f.name) for f in fields(self)}

    def validate(self) -> None:
        """Raise ValueError for values CHZZK does not allow (before anything is sent)."""
        if self.chat_slow_mode_sec not in SLOW_MODE_SECONDS:
            raise ValueError(f"slow mode must be one of {SLOW_MODE_SECONDS} seconds, not {self.chat_slow_mode_sec}")
        if self.min_follower_minute not in FOLLOWER_MINUTES:
            raise ValueError(f"follower minimum must be one of {FOLLOWER_MINUTES} minutes, "
                             f"not {self.min_follower_minute}")
        if self.chat_available_group not in CHAT_GROUPS:
            raise ValueError(f"chat group must be one of {CHAT_GROUPS}, not {self.chat_available_group!r}")
        if self.chat_available_condition not in CHAT_CONDITIONS:
            raise ValueError(f"chat condition must be one of {CHAT_CONDITIONS}, not {self.chat_available_condition!r}")


# -- the ≤ 100 character rule --------------------------------------------------------------------

def units(text: str) -> int:
    """Length in UTF-16 code units (an emoji outside the BMP counts 2), the stricter way to count."""
    return len(text.encode("utf-16-le")) // 2


_SENTENCE_END = re.compile(r"(?<=[.!?。！？…~])\s+|\n+")


def _hard_cut(word: str, limit: int) -> list[str]:
    out, cur = [], ""
    for ch in word:
        if units(cur + ch) > limit:
            out.append(cur)
            cur = ""
        cur += ch
    return out + ([cur] if cur else [])


def _pack(pieces: list[str], limit: int, sep: str) -> list[str]:
    out: list[str] = []
    cur = ""
    for p in pieces:
        cand = f"{cur}{sep}{p}" if cur else p
        if units(cand) <= limit:
            cur = cand
        else:
            if cur:
                out.append(cur)
            cur = p
    if cur:
        out.append(cur)
    return out


def fit_message(text: str, limit: int = MAX_CHAT_UNITS, mode: str = "split") -> list[str]:
    """Chat messages of at most ``limit`` units for ``text``.

    ``split``: whole sentences packed together; a sentence too long alone is split between words;
    only a single word longer than the limit is cut inside (nothing else can fit it).
    ``trim``: one message, cut at the last word boundary that fits, ending with "…".
    """
    text = " ".join(text.split())
    if not text:
        return []
    if units(text) <= limit:
        return [text]
    if mode == "trim":
        room = limit - 1
        cut = ""
        for w in text.split(" "):
            cand = f"{cut} {w}" if cut else w
            if units(cand) > room:
                break
            cut = cand
        if not cut:  # the first word alone is too long
            cut = _hard_cut(text, room)[0]
        return [cut.rstrip(" .,!?") + "…"]
    if mode != "split":
        raise ValueError("mode must be 'split' or 'trim'")
    out: list[str] = []
    for sentence in _pack([s for s in _SENTENCE_END.split(text) if s.strip()], limit, " "):
        if units(sentence) <= limit:
            out.append(sentence)
            continue
        words: list[str] = []
        for w in sentence.split(" "):
            words += _hard_cut(w, limit) if units(w) > limit else [w]
        out += _pack(words, limit, " ")
    return out


# -- the client --------------------------------------------------------------------------------

TokenFn = Callable[[], Awaitable[str]]


class ChzzkApi:
    """CHZZK Open API actions with the streamer's token. ``token`` gives a current access token
    (e.g. ``ChzzkAuth.access_token``); ``refresh`` (e.g. ``ChzzkAuth.refresh``) is tried once on 401."""

    def __init__(self, base_url: str, token: TokenFn, *, refresh: TokenFn | None = None,
                 timeout_s: float = 10.0, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._refresh = refresh
        self._client = httpx.AsyncClient(base_url=self.base_url, timeout=timeout_s, follow_redirects=False,
                                         transport=transport)

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- plumbing ----------------------------------------------------------------------------
    async def _call(self, action: str, method: str, path: str, body: dict[str, Any] | None = None,
                    *, user_token: bool = True) -> ApiResult:
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {await self._token()}"} if user_token else {}
            try:
                r = await self._client.request(method, path, json=body, headers=headers)
            except httpx.HTTPError as e:
                log.warning("CHZZK %s: %s", action, type(e).__name__)
                raise ChzzkApiError(action, 0, f"network error: {type(e).__name__}") from None
            try:
                data = r.json()
            except ValueError:
                data = None
            data = data if isinstance(data, dict) else {}
            code = data.get("code") if isinstance(data.get("code"), int) else r.status_code
            message = data.get("message")
            status = r.status_code if r.status_code >= 300 else (code if code >= 300 else r.status_code)
            log.info("CHZZK %s %s %s → HTTP %s code %s %s", action, method, path, r.status_code, code, message or "")
            if status < 300:
                return ApiResult(action, code, message, data.get("content"))
            text = str(message or r.reason_phrase or "")
            if 300 <= status < 400:
                where = r.headers.get("location", "")[:200]
                raise ChzzkApiError(action, status, f"redirect to {where!r} not followed (credentials stay here)")
            if status == 401:
                if attempt == 1 and user_token and self._refresh is not None:
                    try:
                        await self._refresh()
                        continue
                    except Exception as e:  # refresh failed: report the 401 below
                        log.warning("CHZZK token refresh failed after 401 on %s: %s", action, e)
                raise ApiUnauthorized(action, status, text or "INVALID_TOKEN", code)
            if status == 403:
                raise ApiForbidden(action, status, text or "FORBIDDEN", code)
            if status == 429:
                raise ApiRateLimited(action, status, text or "TOO_MANY_REQUESTS", code,
                                     retry_after_s=_retry_after(r.headers.get("retry-after")))
            raise ChzzkApiError(action, status, text, code)
        raise AssertionError("unreachable")

    # -- chat --------------------------------------------------------------------------------
    async def send_chat(self, text: str, *, overflow: str = "split") -> list[ApiResult]:
        """Post ``text`` to chat; longer than 100 characters → several messages (``split``) or one
        trimmed message (``trim``). Returns one result per message sent (``content.messageId``).
        A refusal midway raises; ``error.sent`` lists what was already posted."""
        results: list[ApiResult] = []
        for part in fit_message(text, MAX_CHAT_UNITS, overflow):
            try:
                results.append(await self._call("send_chat", "POST", "/open/v1/chats/send", {"message": part}))
            except ChzzkApiError as e:
                e.sent = list(results)  # type: ignore[attr-defined]
                raise
        return results

    async def set_notice(self, message: str | None = None, *, message_id: str | None = None) -> ApiResult:
        """Pin a new message (≤ 100 characters, trimmed if longer) or an already sent one as the notice."""
        if (message is None) == (message_id is None):
            raise ValueError("give exactly one of message or message_id")
        body = {"messageId": message_id} if message_id is not None else {
            "message": fit_message(message or "", MAX_CHAT_UNITS, "trim")[0] if message else ""}
        return await self._call("set_notice", "POST", "/open/v1/chats/notice", body)

    async def get_chat_settings(self) -> ChatSettings:
        r = await self._call("get_chat_settings", "GET", "/open/v1/chats/settings")
        return ChatSettings.from_api(r.content if isinstance(r.content, dict) else {})

    async def update_chat_settings(self, settings: ChatSettings | None = None, **changes: Any) -> ApiResult:
        """PUT the whole settings object: ``settings`` as given, or the current ones (GET) with
        ``changes`` applied (e.g. ``chat_slow_mode_sec=5``, ``chat_available_group="FOLLOWER"``)."""
        if settings is None:
            settings = await self.get_chat_settings()
        for k, v in changes.items():
            if k not in ChatSettings._API:
                raise ValueError(f"unknown chat setting {k!r}")
            setattr(settings, k, v)
        settings.validate()
        return await self._call("update_chat_settings", "PUT", "/open/v1/chats/settings", settings.to_api())

    # -- moderation --------------------------------------------------------------------------
    async def blind_message(self, chat_channel_id: str, message_time_ms: int, sender_channel_id: str) -> ApiResult:
        """Hide one message; CHZZK identifies it by (chatChannelId, messageTime, senderChannelId)."""
        return await self._call("blind_message", "POST", "/open/v1/chats/blind-message",
                                {"chatChannelId": chat_channel_id, "messageTime": int(message_time_ms),
                                 "senderChannelId": sender_channel_id})

    async def blind(self, msg: ChatMessage) -> ApiResult:
        """:meth:`blind_message` for a received message (needs its chatChannelId and messageTime)."""
        if not (msg.chat_channel_id and msg.message_time_ms is not None and msg.user_id):
            raise ValueError("this message has no chatChannelId/messageTime/sender (not from the official API)")
        return await self.blind_message(msg.chat_channel_id, msg.message_time_ms, msg.user_id)

    async def restrict(self, target_channel_id: str) -> ApiResult:
        """Restrict (ban) a user from the channel's chat."""
        return await self._call("restrict", "POST", "/open/v1/restrict-channels",
                                {"targetChannelId": target_channel_id})

    async def unrestrict(self, target_channel_id: str) -> ApiResult:
        return await self._call("unrestrict", "DELETE", "/open/v1/restrict-channels",
                                {"targetChannelId": target_channel_id})

    async def temporary_restrict(self, target_channel_id: str, chat_channel_id: str) -> ApiResult:
        return await self._call("temporary_restrict", "POST", "/open/v1/temporary-restrict-channels",
                                {"targetChannelId": target_channel_id, "chatChannelId": chat_channel_id})

    # -- log out -----------------------------------------------------------------------------
    async def revoke_token(self, token: str, *, client_id: str, client_secret: str,
                           token_type_hint: str = "access_token") -> ApiResult:
        """``POST /auth/v1/token/revoke`` (client credentials in the body; no redirect is followed)."""
        return await self._call("revoke_token", "POST", "/auth/v1/token/revoke",
                                {"clientId": client_id, "clientSecret": client_secret, "token": token,
                                 "tokenTypeHint": token_type_hint}, user_token=False)


def _retry_after(value: str | None) -> float:
    """Seconds from a ``Retry-After`` header (a date or nothing → 1 s)."""
    try:
        return max(0.0, float(value)) if value is not None else 1.0
    except ValueError:
        return 1.0
