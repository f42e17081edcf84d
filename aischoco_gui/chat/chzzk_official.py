"""CHZZK Open API chat source (``CHAT_SOURCE=chzzk``), DESIGN.md §4.1.

One session = fresh session URL from REST → Socket.IO (Engine.IO 3, websocket) connect → wait for
``SYSTEM connected`` → ``POST subscribe/chat`` (then ``donation`` and ``subscription``) with the
session key → ``SYSTEM subscribed`` = live. A session URL is single-use, so every reconnect starts
over from REST. 401/403 from REST refreshes the user token once per attempt; a second refusal is a
clear error that waits for the streamer to log in again (``restart()``).

Only chat is required: a refused donation or subscription subscription (401/403, the scope was
not granted) shows one notice and the source stays live with chat. A refused Socket.IO connect
(``44`` error packet → ``connect_error``) ends the session at once so the next attempt takes a
fresh session URL after the backoff delay. Event handlers take ``*args``: the real Socket.IO 2
server can emit an event with zero or several arguments; the first is the payload, the rest is
logged and skipped. Credentialed requests never follow redirects (issue 13).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import aiohttp

from aischoco_gui.chat import strings  # noqa: F401 (registers UI text)
from aischoco_gui.chat.backoff import Backoff
from aischoco_gui.chat.models import KIND_SUBSCRIPTION, ChatMessage
from aischoco_gui.chat.oauth import AuthError, ChzzkAuth
from aischoco_gui.chat.parse import (
    parse_official_chat,
    parse_official_donation,
    parse_official_subscription,
    safe_parse,
)
from aischoco_gui.chat.sio_compat import new_async_client
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.i18n import tr
from aischoco_gui.tasks import TaskGroup

log = logging.getLogger(__name__)


SESSION_CLIENT = "/open/v1/sessions/auth/client"
SESSION_USER = "/open/v1/sessions/auth"
SUBSCRIBE = "/open/v1/sessions/events/subscribe/{event}"
_CLOSED = "__closed__"
_REFUSED = "__connect_refused__"
REQUIRED_EVENTS = frozenset({"chat"})
OPTIONAL_NOTICE = {"donation": "chat.notice.donation_refused", "subscription": "chat.notice.subscription_refused"}


class SessionEnded(Exception):
    """The socket closed or CHZZK ended the subscription; reconnect with a fresh session."""


class Revoked(Exception):
    """CHZZK revoked the app's permission; needs a new login."""


class RestError(Exception):
    """Transient REST failure (network, 5xx, unexpected reply)."""


class Deduper:
    """CHZZK sends no message id: drop an event seen twice (overlapping sessions while reconnecting)."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._seen: OrderedDict[tuple, None] = OrderedDict()
        self.dropped = 0

    def seen(self, msg: ChatMessage) -> bool:
        if msg.kind == KIND_SUBSCRIPTION:  # no time field; a subscriber's (tier, month) happens once
            if not msg.user_id or msg.subscription_months is None:
                return False
            key: tuple = (KIND_SUBSCRIPTION, msg.user_id, msg.subscription_tier, msg.subscription_months)
        elif msg.message_time is None:
            return False
        else:
            key = (msg.user_id, msg.message_time, msg.text, msg.donation_amount)
        if key in self._seen:
            self.dropped += 1
            return True
        self._seen[key] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return False


class ChzzkOfficialChatSource:
    name = "chzzk"

    def __init__(self, bus: EventBus, auth: ChzzkAuth, *, base_url: str, client_id: str = "",
                 client_secret: str = "", backoff: Backoff | None = None, step_timeout_s: float = 10.0,
                 events: tuple[str, ...] = ("chat", "donation", "subscription")) -> None:
        self.bus = bus
        self.auth = auth
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.backoff = backoff or Backoff()
        self.step_timeout_s = step_timeout_s
        self.events = events
        self.tasks = TaskGroup("chat", bus)
        self.dedup = Deduper()
        self.sessions_opened = 0
        self.received = 0
        self._on_message: Callable[[ChatMessage], None] | None = None
        self._http: aiohttp.ClientSession | None = None
        self._sio: Any = None
        self._run_task: asyncio.Task | None = None
        self._warned_types: set[str] = set()
        self._refused_noticed: set[str] = set()
        self.refused_events: set[str] = set()  # optional subscriptions CHZZK refused in the last session
        self.skipped_args = 0  # extra/missing event arguments seen (logged, skipped)
        self._live = False

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self, on_message: Callable[[ChatMessage], None]) -> None:
        self._on_message = on_message
        if not ((self.client_id and self.client_secret) or self.auth.has_user_token):
            self.bus.set_status("chat", ServiceState.NOT_CONFIGURED, tr("chat.not_configured"))
            return
        if not self.auth.has_user_token:
            self.bus.set_status("chat", ServiceState.NOT_CONFIGURED, tr("chat.status.login"))
            return  # restart() after "Log in with CHZZK"
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.step_timeout_s))
        self.bus.set_status("chat", ServiceState.CONNECTING, tr("chat.status.connecting"))
        self._run_task = self.tasks.spawn(self._run(), "chzzk-session")
        self.tasks.spawn(self.auth.refresh_loop(), "chzzk-token-refresh")

    async def restart(self) -> None:
        """Start over (after a new login)."""
        if self._on_message is None:
            return
        if self._http is None:
            await self.start(self._on_message)
            return
        if self._run_task is not None and not self._run_task.done():
            self._run_task.cancel()
            await asyncio.wait([self._run_task], timeout=3)
        await self._close_socket()
        self.backoff.reset()
        self._run_task = self.tasks.spawn(self._run(), "chzzk-session")

    async def stop(self) -> None:
        await self.tasks.cancel_all()
        await self._close_socket()
        if self._http is not None:
            await self._http.close()
            self._http = None
        self.bus.set_status("chat", ServiceState.OFF, "")

    # -- the reconnect loop -----------------------------------------------------------------
    async def _run(self) -> None:
        self.backoff.reset()
        while True:
            self._live = False
            try:
                await self._session()
                reason = "session ended"
            except AuthError as e:
                log.warning("CHZZK auth: %s", e)
                self.bus.set_status("chat", ServiceState.ERROR, tr("chat.status.login"), error=str(e))
                return  # wait for restart() after a new login
            except Revoked as e:
                self.bus.set_status("chat", ServiceState.ERROR, tr("chat.status.revoked"), error=str(e))
                return
            except SessionEnded as e:
                reason = str(e) or "session ended"
            except (TimeoutError, RestError, aiohttp.ClientError, OSError, ValueError) as e:
                reason = f"{type(e).__name__}: {e}"
            except Exception as e:  # socketio's ConnectionError and anything else: retry, never die silently
                reason = f"{type(e).__name__}: {e}"
                log.exception("CHZZK session failed")
            finally:
                await self._close_socket()
            if self._live:
                self.backoff.reset()
            delay = self.backoff.next_delay()
            log.info("CHZZK chat disconnected (%s); reconnecting in %.2fs", reason, delay)
            self.bus.set_status("chat", ServiceState.RECONNECTING, tr("chat.status.reconnecting", delay=delay),
                                error=reason, attempt=self.backoff.attempt)
            await asyncio.sleep(delay)

    async def _session(self) -> None:
        """One session from REST to close; always ends with an exception (SessionEnded when it was live)."""
        url = await self._session_url()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        sio = new_async_client(reconnection=False, logger=False, engineio_logger=False)
        self._sio = sio

        def on_system(*args: Any) -> None:
            data = self._payload("SYSTEM", args)
            if data is None:
                return
            try:
                d = json.loads(data) if isinstance(data, str) else data
                if not isinstance(d, dict):
                    raise ValueError("not an object")
            except ValueError:
                log.warning("skipping malformed SYSTEM event: %.500r", data)
                return
            queue.put_nowait((str(d.get("type", "")), d.get("data") or {}))

        sio.on("SYSTEM", on_system)
        sio.on("CHAT", lambda *a: self._deliver(parse_official_chat, "CHAT", a))
        sio.on("DONATION", lambda *a: self._deliver(parse_official_donation, "DONATION", a))
        sio.on("SUBSCRIPTION", lambda *a: self._deliver(parse_official_subscription, "SUBSCRIPTION", a))
        sio.on("disconnect", lambda *a: queue.put_nowait((_CLOSED, {})))
        sio.on("connect_error", lambda *a: queue.put_nowait((_REFUSED, {"reason": repr(a)[:300]})))

        await asyncio.wait_for(sio.connect(url, transports=["websocket"]), self.step_timeout_s)
        self.sessions_opened += 1
        data = await self._wait_system(queue, "connected")
        key = data.get("sessionKey")
        if not key:
            raise SessionEnded("SYSTEM connected without a sessionKey")
        pending = {e.upper() for e in self.events}
        self.refused_events = set()
        for event in self.events:
            await self._subscribe(event, str(key))
        while "CHAT" in pending:
            d = await self._wait_system(queue, "subscribed")
            pending.discard(str(d.get("eventType", "")).upper())
        self._live = True
        self.bus.set_status("chat", ServiceState.READY, tr("chat.status.live"), error="")
        log.info("CHZZK chat live")
        while True:
            type_, d = await queue.get()
            self._handle_system(type_, d)

    async def _wait_system(self, queue: asyncio.Queue, want: str) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.step_timeout_s
        while True:
            type_, d = await asyncio.wait_for(queue.get(), max(0.01, deadline - loop.time()))
            if type_ == want:
                return d
            self._handle_system(type_, d)

    def _handle_system(self, type_: str, d: dict[str, Any]) -> None:
        if type_ == _CLOSED:
            raise SessionEnded("socket closed")
        if type_ == _REFUSED:
            raise SessionEnded(f"Socket.IO connect refused: {d.get('reason', '')}")
        if type_ == "revoked":
            raise Revoked(f"revoked: {json.dumps(d, ensure_ascii=False)[:200]}")
        if type_ == "unsubscribed":
            if str(d.get("eventType", "")).upper() == "CHAT":
                raise SessionEnded("CHZZK unsubscribed chat")
            log.warning("CHZZK unsubscribed %s", d)
            return
        if type_ in ("connected", "subscribed"):
            return  # late duplicates (e.g. donation subscribed after chat) are fine
        log.warning("unexpected CHZZK SYSTEM type %r: %.500s", type_, d)
        if type_ not in self._warned_types:
            self._warned_types.add(type_)
            self.bus.notice(tr("chat.notice.unknown_system", type=type_), "warning")

    def _payload(self, event: str, args: tuple[Any, ...]) -> Any:
        """The first argument of an event; zero arguments → None, extra ones are logged and skipped."""
        if len(args) != 1:
            self.skipped_args += 1
            log.info("CHZZK %s event with %d arguments; using the first, skipping the rest: %.300r",
                     event, len(args), args)
        return args[0] if args else None

    def _deliver(self, parser: Callable[..., ChatMessage], event: str, args: tuple[Any, ...]) -> None:
        data = self._payload(event, args)
        if data is None:
            return
        msg = safe_parse(parser, data, self.name)
        if msg is None or self.dedup.seen(msg):
            return
        self.received += 1
        if self._on_message is not None:
            self._on_message(msg)

    async def _close_socket(self) -> None:
        sio, self._sio = self._sio, None
        if sio is None:
            return
        try:
            await asyncio.wait_for(sio.disconnect(), 2.0)
        except Exception as e:  # already gone
            log.debug("socket close: %s", e)

    # -- REST -------------------------------------------------------------------------------
    async def _request(self, method: str, path: str, headers: dict[str, str],
                       params: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        assert self._http is not None
        try:  # never follow a redirect: these requests carry Client-Secret or the user token
            async with self._http.request(method, self.base_url + path, headers=headers, params=params,
                                          allow_redirects=False) as r:
                text = await r.text()
                status = r.status
                location = r.headers.get("Location", "")
        except (TimeoutError, aiohttp.ClientError) as e:
            raise RestError(f"{method} {path}: {type(e).__name__}") from None
        if 300 <= status < 400:
            log.warning("CHZZK answered %s %s with HTTP %s to %.200s; not following it with credentials",
                        method, path, status, location)
            raise RestError(f"{method} {path}: CHZZK answered a redirect (HTTP {status}) to {location[:200]!r}; "
                            "credentials are never sent after a redirect — check CHZZK_OPENAPI_BASE")
        try:
            body = json.loads(text) if text.strip() else {}
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        code = body.get("code")
        if status < 300 and isinstance(code, int) and code >= 300:
            status = code  # CHZZK wraps errors in the body too
        return status, body

    async def _with_user_token(self, method: str, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """Call with the user token; on 401/403 refresh once and retry, then give a clear error."""
        for attempt in (1, 2):
            token = await self.auth.access_token()
            status, body = await self._request(method, path, {"Authorization": f"Bearer {token}"}, params)
            if status in (401, 403):
                if attempt == 1 and self.auth.can_refresh:
                    log.info("CHZZK answered %s on %s; refreshing the token once", status, path)
                    await self.auth.refresh()
                    continue
                if status == 403 and path == SUBSCRIBE.format(event="chat"):
                    raise AuthError("CHZZK refused the chat subscription (HTTP 403): the app or the login lacks "
                                    "the 채팅 메시지 조회 (chat read) scope — grant it and log in with CHZZK again")
                raise AuthError(f"CHZZK refused the access token (HTTP {status} on {path}): log in with CHZZK again")
            if status >= 300:
                raise RestError(f"{method} {path}: HTTP {status} {body.get('message') or ''}".strip())
            return body
        raise AssertionError("unreachable")

    async def _session_url(self) -> str:
        if self.client_id and self.client_secret:
            status, body = await self._request("GET", SESSION_CLIENT, {"Client-Id": self.client_id,
                                                                       "Client-Secret": self.client_secret})
            if status in (401, 403):
                raise AuthError(f"CHZZK rejected CHZZK_CLIENT_ID/CHZZK_CLIENT_SECRET (HTTP {status})")
            if status >= 300:
                raise RestError(f"session URL: HTTP {status}")
        else:
            body = await self._with_user_token("GET", SESSION_USER)
        url = (body.get("content") or {}).get("url") if isinstance(body.get("content"), dict) else None
        if not url:
            raise RestError("session URL reply had no content.url")
        return str(url)

    async def _subscribe(self, event: str, session_key: str) -> None:
        path = SUBSCRIBE.format(event=event)
        if event in REQUIRED_EVENTS:
            await self._with_user_token("POST", path, {"sessionKey": session_key})
            return
        # optional: a refusal means the scope was not granted (the token just worked for chat), so
        # no refresh — one notice, and chat stays live
        token = await self.auth.access_token()
        status, body = await self._request("POST", path, {"Authorization": f"Bearer {token}"},
                                           {"sessionKey": session_key})
        if status in (401, 403):
            self.refused_events.add(event)
            log.warning("CHZZK refused subscribe/%s (HTTP %s %s); continuing with chat only",
                        event, status, body.get("message") or "")
            if event not in self._refused_noticed:
                self._refused_noticed.add(event)
                self.bus.notice(tr(OPTIONAL_NOTICE.get(event, "chat.notice.event_refused"), event=event), "warning")
            return
        if status >= 300:
            raise RestError(f"POST {path}: HTTP {status} {body.get('message') or ''}".strip())
