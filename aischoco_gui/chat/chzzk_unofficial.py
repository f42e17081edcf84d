"""Unofficial read-only CHZZK chat (``CHAT_SOURCE=chzzk-unofficial``), opt-in only.

CHZZK support reportedly forbids this path; the app shows a warning whenever it is chosen.
Protocol (DESIGN.md §4.1): poll ``{api}/polling/v2/channels/{id}/live-status`` for
``chatChannelId`` (it changes every broadcast), get a token from
``{game}/nng_main/v1/chats/access-token``, open ``wss://kr-ss{N}.chat.naver.com/chat``, send
cmd 100 (CONNECT, auth READ), answer server ping cmd 0 with cmd 10000 (and ping it ourselves),
read cmd 93101 (chat) / 93102 (donation) whose ``profile`` and ``extras`` are JSON strings.
93102 also carries subscriptions and system messages: each item is dispatched on ``msgTypeCode``
(:func:`~aischoco_gui.chat.parse.unofficial_kind`), so a subscription is a subscription message and
a system message is skipped — neither is ever shown or answered as a ₩0 donation.
Every endpoint is configurable so tests point it at a loopback double.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

from aischoco_gui.chat import strings  # noqa: F401 (registers UI text)
from aischoco_gui.chat.backoff import Backoff
from aischoco_gui.chat.models import ChatMessage
from aischoco_gui.chat.parse import parse_unofficial_item, safe_parse, unofficial_kind
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.i18n import tr
from aischoco_gui.tasks import TaskGroup

log = logging.getLogger(__name__)


CMD_PING, CMD_PONG, CMD_CONNECT, CMD_CONNECTED = 0, 10000, 100, 10100
CMD_CHAT, CMD_DONATION = 93101, 93102


class ChannelChanged(Exception):
    pass


def ws_server_index(chat_channel_id: str) -> int:
    """The kr-ss{N} shard CHZZK's web client picks for a chat channel."""
    return sum(ord(c) for c in chat_channel_id) % 9 + 1


class ChzzkUnofficialChatSource:
    name = "chzzk-unofficial"

    def __init__(self, bus: EventBus, *, channel_id: str, api_base: str = "https://api.chzzk.naver.com",
                 game_api_base: str = "https://comm-api.game.naver.com",
                 ws_url: str = "wss://kr-ss{server}.chat.naver.com/chat", poll_s: float = 30.0,
                 ping_s: float = 20.0, backoff: Backoff | None = None, step_timeout_s: float = 10.0) -> None:
        self.bus = bus
        self.channel_id = channel_id
        self.api_base = api_base.rstrip("/")
        self.game_api_base = game_api_base.rstrip("/")
        self.ws_url = ws_url
        self.poll_s = poll_s
        self.ping_s = ping_s
        self.backoff = backoff or Backoff()
        self.step_timeout_s = step_timeout_s
        self.tasks = TaskGroup("chat", bus)
        self.chat_channel_id = ""
        self.received = 0
        self.skipped = 0  # system messages and unknown msgTypeCodes
        self._on_message: Callable[[ChatMessage], None] | None = None
        self._http: aiohttp.ClientSession | None = None

    async def start(self, on_message: Callable[[ChatMessage], None]) -> None:
        self._on_message = on_message
        if not self.channel_id:
            self.bus.set_status("chat", ServiceState.NOT_CONFIGURED, tr("chat.unofficial_no_channel"))
            return
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.step_timeout_s),
                                           headers={"User-Agent": "Mozilla/5.0 aischoco"})
        self.bus.set_status("chat", ServiceState.CONNECTING, tr("chat.status.connecting"))
        self.tasks.spawn(self._run(), "chzzk-unofficial")

    async def stop(self) -> None:
        await self.tasks.cancel_all()
        if self._http is not None:
            await self._http.close()
            self._http = None
        self.bus.set_status("chat", ServiceState.OFF, "")

    # -- REST -------------------------------------------------------------------------------
    async def _get_content(self, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        assert self._http is not None
        async with self._http.get(url, params=params) as r:
            if r.status >= 300:
                raise ConnectionError(f"GET {url}: HTTP {r.status}")
            body = await r.json(content_type=None)
        content = body.get("content") if isinstance(body, dict) else None
        if not isinstance(content, dict):
            raise ValueError(f"GET {url}: no content object")
        return content

    async def live_chat_channel(self) -> str:
        """The current ``chatChannelId``, or "" when the channel is not live."""
        c = await self._get_content(f"{self.api_base}/polling/v2/channels/{self.channel_id}/live-status")
        if str(c.get("status", "")).upper() != "OPEN":
            return ""
        return str(c.get("chatChannelId") or "")

    async def access_token(self, chat_channel_id: str) -> str:
        c = await self._get_content(f"{self.game_api_base}/nng_main/v1/chats/access-token",
                                    {"channelId": chat_channel_id, "chatType": "STREAMING"})
        tok = c.get("accessToken")
        if not tok:
            raise ValueError("access-token reply had no accessToken")
        return str(tok)

    # -- loop -------------------------------------------------------------------------------
    async def _run(self) -> None:
        self.backoff.reset()
        while True:
            live = False
            try:
                cid = await self.live_chat_channel()
                if not cid:
                    self.backoff.reset()
                    self.bus.set_status("chat", ServiceState.DEGRADED, tr("chat.status.offline"))
                    await asyncio.sleep(self.poll_s)
                    continue
                self.chat_channel_id = cid
                token = await self.access_token(cid)
                live = await self._session(cid, token)
                reason = "socket closed"
            except ChannelChanged:
                reason = "chat channel changed (new broadcast)"
                live = True
            except (aiohttp.ClientError, TimeoutError, ConnectionError, OSError, ValueError) as e:
                reason = f"{type(e).__name__}: {e}"
            if live:
                self.backoff.reset()
            delay = self.backoff.next_delay()
            log.info("unofficial chat disconnected (%s); reconnecting in %.2fs", reason, delay)
            self.bus.set_status("chat", ServiceState.RECONNECTING, tr("chat.status.reconnecting", delay=delay),
                                error=reason, attempt=self.backoff.attempt)
            await asyncio.sleep(delay)

    async def _session(self, cid: str, token: str) -> bool:
        assert self._http is not None
        url = self.ws_url.format(server=ws_server_index(cid)) if "{server}" in self.ws_url else self.ws_url
        async with self._http.ws_connect(url, heartbeat=None, max_msg_size=0) as ws:
            await ws.send_str(json.dumps({"ver": "2", "cmd": CMD_CONNECT, "svcid": "game", "cid": cid, "tid": 1,
                                          "bdy": {"uid": None, "devType": 2001, "accTkn": token, "auth": "READ"}}))
            first = await asyncio.wait_for(ws.receive(), self.step_timeout_s)
            reply = self._decode(first)
            if not reply or reply.get("cmd") != CMD_CONNECTED or reply.get("retCode", 0) != 0:
                raise ConnectionError(f"chat server refused CONNECT: {str(first.data)[:200]}")
            self.bus.set_status("chat", ServiceState.READY, tr("chat.status.live_unofficial"), error="")
            watch = self.tasks.spawn(self._watch_channel(cid, ws), "chzzk-unofficial-live-poll")
            pinger = self.tasks.spawn(self._ping(ws), "chzzk-unofficial-ping")
            try:
                await self._read(ws)
            finally:
                watch.cancel()
                pinger.cancel()
            if self._changed:
                raise ChannelChanged()
            return True

    async def _ping(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while not ws.closed:
            await asyncio.sleep(self.ping_s)
            await ws.send_str(json.dumps({"ver": "2", "cmd": CMD_PING}))

    _changed = False

    async def _watch_channel(self, cid: str, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._changed = False
        while not ws.closed:
            await asyncio.sleep(self.poll_s)
            try:
                now = await self.live_chat_channel()
            except (aiohttp.ClientError, TimeoutError, ConnectionError, ValueError) as e:
                log.info("live-status poll failed: %s", e)
                continue
            if now != cid:
                log.info("chat channel changed %s → %s", cid, now or "(offline)")
                self._changed = True
                await ws.close()
                return

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        idle_limit = self.ping_s * 2 + 5
        while True:
            msg = await asyncio.wait_for(ws.receive(), idle_limit)
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING,
                            aiohttp.WSMsgType.ERROR):
                return
            d = self._decode(msg)
            if d is None:
                continue
            cmd = d.get("cmd")
            if cmd == CMD_PING:
                await ws.send_str(json.dumps({"ver": "2", "cmd": CMD_PONG}))
            elif cmd in (CMD_CHAT, CMD_DONATION):
                items = d.get("bdy")
                if not isinstance(items, list):
                    log.warning("skipping malformed cmd %s: %.500s", cmd, msg.data)
                    continue
                for item in items:
                    kind = unofficial_kind(item, cmd == CMD_DONATION)
                    if kind is None:
                        self.skipped += 1
                        log.info("skipping cmd %s item (msgTypeCode %r)", cmd,
                                 item.get("msgTypeCode", item.get("messageTypeCode")))
                        continue
                    m = safe_parse(parse_unofficial_item, item, kind, self.name)
                    if m is not None and self._on_message is not None:
                        self.received += 1
                        self._on_message(m)

    @staticmethod
    def _decode(msg: aiohttp.WSMessage) -> dict[str, Any] | None:
        if msg.type != aiohttp.WSMsgType.TEXT:
            return None
        try:
            d = json.loads(msg.data)
        except ValueError:
            log.warning("skipping non-JSON chat frame: %.500s", msg.data)
            return None
        return d if isinstance(d, dict) else None
