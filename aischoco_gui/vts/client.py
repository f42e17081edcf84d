"""A thin VTube Studio public API client on ``websockets`` (why not pyvts: docs/vts.md).

One reader task per connection routes replies by ``requestID`` and events by ``messageType``, so
any number of tasks may have requests in flight. :meth:`VTSClient.run` keeps the connection up:
connect → authenticate (token from file, or ask VTS for one) → ``on_ready`` → read until closed →
back off → again. Token revocation (APIError 50 / 8 or ``authenticated: false``) triggers a fresh
token request on the same connection.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import itertools
import json
import logging
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.protocol import State

from aischoco_gui.events import ServiceState
from aischoco_gui.i18n import register, tr
from aischoco_gui.paths import atomic_write_text

log = logging.getLogger(__name__)

register({
    "vts.status.allow": ("VTube Studio 화면에 뜬 요청에서 '허용'을 누르면 aischoco가 아바타를 움직여요",
                         "Click 'Allow' in VTube Studio to let aischoco move the avatar"),
    "vts.status.connecting": ("{url}에 연결하는 중", "connecting to {url}"),
    "vts.status.client_error": ("VTS 연결 코드에 오류가 났어요 (자세한 내용은 로그). {delay}초 뒤 다시 연결해요",
                                "The VTS link hit an error (details in the log); reconnecting in {delay} s"),
    "vts.status.unreachable": ("VTube Studio({url})가 꺼져 있거나 API가 꺼져 있어요. VTS 설정에서 'API 시작'을 "
                               "켜세요. {delay}초 뒤 다시 연결해요",
                               "VTube Studio ({url}) is not running or its API is off. Turn on 'Start API' in VTS "
                               "settings; reconnecting in {delay} s"),
    "vts.status.lost": ("VTube Studio와 연결이 끊겼어요. {delay}초 뒤 다시 연결해요",
                        "The connection to VTube Studio dropped; reconnecting in {delay} s"),
    "vts.status.denied": ("VTube Studio에서 허용하지 않았어요. 다음 요청에서 '허용'을 누르세요",
                          "VTube Studio did not allow it. Click 'Allow' on the next request"),
    "vts.status.ready": ("연결·인증됨", "connected and authorized"),
    "vts.status.reauth": ("VTube Studio가 다시 인증을 요청해서 인증하는 중", "VTube Studio asked to authorize again"),
})

API_NAME = "VTubeStudioPublicAPI"
API_VERSION = "1.0"
DISCOVERY_PORT = 47779

ERR_REQUIRES_AUTH = 8
ERR_TOKEN_DENIED = 50
ERR_NO_MODEL = 201
ERR_HOTKEY_NOT_FOUND = 202
ERR_HOTKEY_COOLDOWN = 203
ERR_PARAM_NOT_FOUND = 453
ERR_PARAM_OWNED = 454
ERROR_TEXT = {
    ERR_REQUIRES_AUTH: "VTS says this request needs authentication (token missing or revoked) - asking again",
    ERR_TOKEN_DENIED: "the plugin was denied or revoked in VTube Studio - click 'Allow' in VTS "
                      "(Settings > Plugins lets you re-allow it)",
    ERR_NO_MODEL: "no model is loaded in VTube Studio",
    ERR_HOTKEY_NOT_FOUND: "hotkey not found in the current model",
    ERR_HOTKEY_COOLDOWN: "hotkey is on cooldown (triggered too quickly)",
    ERR_PARAM_NOT_FOUND: "parameter not found in VTube Studio (create it or fix the mapping)",
    ERR_PARAM_OWNED: "another plugin is controlling this parameter",
}
AUTH_ERRORS = (ERR_REQUIRES_AUTH, ERR_TOKEN_DENIED)

# The command-line AIsChoco registers with pyvts as plugin "AIsChoco", developer "AIsChoco"
# (src/vtuber/vts_client.py there). VTS ties a token to pluginName + pluginDeveloper, so a
# vts_token.txt copied from AIsChoco is only accepted under that identity.
AISCHOCO_IDENTITY = ("AIsChoco", "AIsChoco")

# websockets >= 15 looks for a system/env proxy unless told proxy=None; 13 and 14 have no such
# keyword and pass unknown ones to loop.create_connection (TypeError). Ask the signature.
_CONNECT_HAS_PROXY = "proxy" in inspect.signature(connect.__init__).parameters


def connect_kwargs() -> dict[str, Any]:
    """Options for ``websockets.asyncio.client.connect`` valid on every supported websockets (>= 13).

    ``compression=None``: VTS frames are ~1 KB of JSON at 30 Hz; permessage-deflate costs CPU on
    both ends for nothing on loopback or a LAN (issue 18, idle cost).
    """
    kw: dict[str, Any] = {"open_timeout": 3.0, "max_size": 16 * 2**20, "ping_interval": 20, "ping_timeout": 20,
                          "compression": None}
    if _CONNECT_HAS_PROXY:
        kw["proxy"] = None  # VTS is local or on the LAN: never route it through a system proxy
    return kw


class VTSError(Exception):
    """Base for client errors."""


class APIError(VTSError):
    def __init__(self, error_id: int, message: str, request_type: str = "") -> None:
        self.error_id = error_id
        self.message = message
        self.request_type = request_type
        hint = ERROR_TEXT.get(error_id)
        super().__init__(f"VTS error {error_id} on {request_type or 'request'}: {message}"
                         + (f" ({hint})" if hint else ""))


class NotConnected(VTSError):
    pass


# Compact JSON (no spaces after separators): the same message, ~10 % fewer bytes per 15–30 Hz frame.
_encode = json.JSONEncoder(separators=(",", ":")).encode


def _call(on_error: Callable[[BaseException], None], e: BaseException) -> None:
    try:
        on_error(e)
    except Exception:
        log.exception("VTS frame error handler failed")


def envelope(message_type: str, data: dict[str, Any] | None = None, request_id: str | None = None) -> dict[str, Any]:
    msg: dict[str, Any] = {"apiName": API_NAME, "apiVersion": API_VERSION,
                           "requestID": request_id or uuid.uuid4().hex[:16], "messageType": message_type}
    if data is not None:
        msg["data"] = data
    return msg


def load_icon_b64(path: Path) -> str | None:
    try:
        return base64.b64encode(Path(path).read_bytes()).decode("ascii")
    except OSError:
        log.warning("plugin icon %s not readable; requesting the token without an icon", path)
        return None


StateCallback = Callable[[ServiceState, str, "str | None", int], None]


class VTSClient:
    def __init__(self, url: str, token_path: Path, *, plugin_name: str = "aischoco",
                 plugin_developer: str = "aischoco", icon_b64: str | None = None,
                 on_state: StateCallback | None = None,
                 on_ready: Callable[[], Awaitable[None]] | None = None,
                 token_timeout_s: float = 180.0, request_timeout_s: float = 5.0,
                 backoff: tuple[float, float] = (0.5, 10.0), denied_retry_s: float = 5.0,
                 legacy_identities: tuple[tuple[str, str], ...] = (AISCHOCO_IDENTITY,)) -> None:
        self.url = url
        self.legacy_identities = tuple(i for i in legacy_identities if i != (plugin_name, plugin_developer))
        self.identity_used = (plugin_name, plugin_developer)
        self.denied_retry_s = denied_retry_s
        self.token_path = Path(token_path)
        self.plugin_name = plugin_name
        self.plugin_developer = plugin_developer
        self.icon_b64 = icon_b64
        self.on_state = on_state
        self.on_ready = on_ready
        self.token_timeout_s = token_timeout_s
        self.request_timeout_s = request_timeout_s
        self.backoff = backoff
        self._ws: ClientConnection | None = None
        self._pending: dict[str, tuple[asyncio.Future, str]] = {}
        # frames written by send_frame_now: request id -> (on_error, request type, deadline); in send order
        self._frames: dict[str, tuple[Callable[[BaseException], None], str, float]] = {}
        self._handlers: dict[str, list[Callable[[dict[str, Any]], Any]]] = {}
        self._ids = itertools.count(1)
        # Request ids are "ac<n>-<salt>": unique per client without a uuid4 (an os.urandom call) per frame.
        self._id_salt = uuid.uuid4().hex[:8]
        self._reauth = asyncio.Event()
        self.connected = False
        self.authenticated = False
        self.waiting_for_allow = False
        self.attempt = 0
        self.last_error = ""
        self.connections = 0  # successful connections so far (reconnects = connections - 1)
        self.crashes = 0  # sessions that ended in an unexpected exception (shown as ERROR, then retried)
        self._stopping = False

    # -- state -----------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self.connected and self.authenticated

    def _state(self, state: ServiceState, detail: str, error: str | None = None) -> None:
        if error:
            self.last_error = error
        if self.on_state:
            try:
                self.on_state(state, detail, error, self.attempt)
            except Exception:
                log.exception("VTS state callback failed")

    # -- events ----------------------------------------------------------------------------
    def on_event(self, message_type: str, handler: Callable[[dict[str, Any]], Any]) -> None:
        """Call ``handler(data)`` for each unsolicited message of that type (coroutines are scheduled)."""
        self._handlers.setdefault(message_type, []).append(handler)

    # -- requests --------------------------------------------------------------------------
    def _new_id(self) -> str:
        return f"ac{next(self._ids)}-{self._id_salt}"

    async def send(self, message_type: str, data: dict[str, Any] | None = None,
                   timeout: float | None = None) -> asyncio.Future:
        """Write a request; returns a future for its reply ``data`` (raises APIError / TimeoutError)."""
        ws = self._ws
        if ws is None or not self.connected:
            raise NotConnected("not connected to VTube Studio")
        rid = self._new_id()
        loop = asyncio.get_running_loop()
        fut: asyncio.Future = loop.create_future()
        self._pending[rid] = (fut, message_type)
        t = self.request_timeout_s if timeout is None else timeout
        handle = loop.call_later(t, self._expire, rid, message_type, t)
        fut.add_done_callback(lambda _f: handle.cancel())
        try:
            await ws.send(_encode(envelope(message_type, data, rid)))
        except Exception as e:
            self._pending.pop(rid, None)
            if not fut.done():
                fut.set_exception(NotConnected(f"send failed: {e}"))
            raise NotConnected(f"send failed: {e}") from e
        return fut

    @property
    def can_send_now(self) -> bool:
        """The connection allows :meth:`send_now` (websockets' asyncio connection, 13 and later)."""
        ws = self._ws
        return ws is not None and all(hasattr(ws, a) for a in ("protocol", "send_data", "paused"))

    def _open_ws(self) -> ClientConnection:
        """The connection :meth:`send_now` / :meth:`send_frame_now` write on; NotConnected unless it is open."""
        ws = self._ws
        if ws is None or not self.connected:
            raise NotConnected("not connected to VTube Studio")
        if ws.protocol.state is not State.OPEN:
            raise NotConnected("the VTube Studio connection is closing")
        return ws

    @staticmethod
    def _write_now(ws: ClientConnection, message_type: str, data: dict[str, Any] | None, rid: str) -> None:
        """One text message, exactly what ``ws.send`` writes, written at once through websockets' protocol."""
        ws.protocol.send_text(_encode(envelope(message_type, data, rid)).encode())
        ws.send_data()

    def send_now(self, message_type: str, data: dict[str, Any] | None = None) -> asyncio.Future | None:
        """Write a request now, on the loop, without awaiting; returns the future for its reply, or None when
        the socket is backed up (websockets paused writing: nothing is written, the caller drops it).

        The frame loop's path (issue 27): :meth:`send` costs a task per frame plus websockets' async send
        context, together ~15 % of an idle frame's CPU; the frame is one text message written at once,
        exactly what ``ws.send`` writes (same envelope, same reply handling and timeout)."""
        ws = self._open_ws()
        if ws.paused:
            return None
        rid = self._new_id()
        loop = asyncio.get_running_loop()
        fut: asyncio.Future = loop.create_future()
        self._pending[rid] = (fut, message_type)
        t = self.request_timeout_s
        handle = loop.call_later(t, self._expire, rid, message_type, t)
        fut.add_done_callback(lambda _f: handle.cancel())
        try:
            self._write_now(ws, message_type, data, rid)
        except Exception as e:
            self._pending.pop(rid, None)
            if not fut.done():
                fut.set_exception(NotConnected(f"send failed: {e}"))
                fut.exception()  # retrieved: the caller gets the NotConnected below
            raise NotConnected(f"send failed: {e}") from e
        return fut

    def send_frame_now(self, message_type: str, data: dict[str, Any] | None,
                       on_error: Callable[[BaseException], None]) -> bool:
        """:meth:`send_now` for a request whose successful reply nobody reads (a 15 Hz frame): no future and
        no timer per request (issue 27). ``on_error`` gets the APIError VTS answers, a TimeoutError when no
        answer came within ``request_timeout_s`` (checked as later frames go out), or NotConnected when the
        connection closes first. Returns False when the socket is backed up (nothing written)."""
        ws = self._open_ws()
        if ws.paused:
            return False
        frames = self._frames
        now = time.monotonic()
        while frames:  # the oldest first (same timeout for all): expire what VTS never answered
            rid = next(iter(frames))
            cb, req_type, deadline = frames[rid]
            if deadline > now:
                break
            del frames[rid]
            _call(cb, TimeoutError(f"VTS did not answer {req_type} within {self.request_timeout_s:.0f} s"))
        rid = self._new_id()
        try:
            self._write_now(ws, message_type, data, rid)
        except Exception as e:
            raise NotConnected(f"send failed: {e}") from e
        frames[rid] = (on_error, message_type, now + self.request_timeout_s)
        return True

    def _expire(self, rid: str, message_type: str, t: float) -> None:
        item = self._pending.pop(rid, None)
        if item and not item[0].done():
            item[0].set_exception(TimeoutError(f"VTS did not answer {message_type} within {t:.0f} s"))

    async def request(self, message_type: str, data: dict[str, Any] | None = None,
                      timeout: float | None = None) -> dict[str, Any]:
        fut = await self.send(message_type, data, timeout)
        return await fut

    # -- reader ----------------------------------------------------------------------------
    def _dispatch(self, raw: str | bytes) -> None:
        try:
            msg = json.loads(raw)
        except ValueError:
            log.warning("VTS sent a frame that is not JSON (%d bytes)", len(raw))
            return
        if not isinstance(msg, dict):
            return
        mtype = str(msg.get("messageType", ""))
        data = msg.get("data") if isinstance(msg.get("data"), dict) else {}
        rid = msg.get("requestID")
        item = self._pending.pop(rid, None) if isinstance(rid, str) else None
        if item is None and rid in self._frames:
            on_error, req_type, _deadline = self._frames.pop(rid)
            if mtype == "APIError":
                err = self._api_error(data, req_type)
                _call(on_error, err)
            return
        if item is not None:
            fut, req_type = item
            if fut.done():
                return
            if mtype == "APIError":
                fut.set_exception(self._api_error(data, req_type))
            else:
                fut.set_result(data)
            return
        for handler in self._handlers.get(mtype, []):
            try:
                res = handler(data)
                if asyncio.iscoroutine(res):
                    asyncio.get_running_loop().create_task(res, name=f"vts:event:{mtype}")
            except Exception:
                log.exception("VTS event handler for %s failed", mtype)
        if mtype not in self._handlers and mtype != "APIError":
            log.debug("VTS message without a waiting request: %s", mtype)

    def _api_error(self, data: dict[str, Any], req_type: str) -> APIError:
        """VTS's error answer to a request; an auth error (token revoked) asks for authentication again."""
        err = APIError(int(data.get("errorID", -1)), str(data.get("message", "")), req_type)
        if err.error_id in AUTH_ERRORS and req_type not in ("AuthenticationTokenRequest", "AuthenticationRequest"):
            self.authenticated = False
            self._reauth.set()
        return err

    async def _reader(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                self._dispatch(raw)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.connected = False
            self.authenticated = False
            self._fail_pending("VTube Studio closed the connection")

    def _fail_pending(self, reason: str) -> None:
        pending, self._pending = self._pending, {}
        frames, self._frames = self._frames, {}
        for fut, _ in pending.values():
            if not fut.done():
                fut.set_exception(NotConnected(reason))
        for on_error, _type, _deadline in frames.values():
            _call(on_error, NotConnected(reason))

    # -- authentication --------------------------------------------------------------------
    def read_token(self) -> str:
        try:
            return self.token_path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def _save_token(self, token: str) -> None:
        atomic_write_text(self.token_path, token)

    async def authenticate(self) -> None:
        """Use the stored token; if VTS refuses it, ask for a new one (the streamer clicks Allow)."""
        self.authenticated = False
        token = self.read_token()
        if token:
            # Our own identity first, then the one an imported AIsChoco token was issued to.
            tried = [self.identity_used] + [i for i in ((self.plugin_name, self.plugin_developer),
                                                         *self.legacy_identities) if i != self.identity_used]
            data: dict[str, Any] = {}
            for name, dev in tried:
                data = await self.request("AuthenticationRequest", {
                    "pluginName": name, "pluginDeveloper": dev, "authenticationToken": token})
                if data.get("authenticated"):
                    if (name, dev) != (self.plugin_name, self.plugin_developer):
                        log.info("VTS accepted the stored token as plugin %r by %r (imported from AIsChoco)",
                                 name, dev)
                    self.identity_used = (name, dev)
                    self.authenticated = True
                    return
            log.info("VTS did not accept the stored token (%s); requesting a new one", data.get("reason", ""))
        self.identity_used = (self.plugin_name, self.plugin_developer)
        self.waiting_for_allow = True
        self._state(ServiceState.CONNECTING, tr("vts.status.allow"))
        try:
            req: dict[str, Any] = {"pluginName": self.plugin_name, "pluginDeveloper": self.plugin_developer}
            if self.icon_b64:
                req["pluginIcon"] = self.icon_b64
            data = await self.request("AuthenticationTokenRequest", req, timeout=self.token_timeout_s)
        finally:
            self.waiting_for_allow = False
        token = str(data.get("authenticationToken", ""))
        if not token:
            raise VTSError("VTS returned no authentication token")
        self._save_token(token)
        data = await self.request("AuthenticationRequest", {
            "pluginName": self.plugin_name, "pluginDeveloper": self.plugin_developer, "authenticationToken": token})
        if not data.get("authenticated"):
            raise VTSError(f"VTS refused the new token: {data.get('reason', 'no reason given')}")
        self.authenticated = True

    # -- connection loop -------------------------------------------------------------------
    async def run(self) -> None:
        """Stay connected until :meth:`close`. Never raises for VTS being absent."""
        delay = self.backoff[0]
        while not self._stopping:
            self.attempt += 1
            self._state(ServiceState.CONNECTING if self.connections == 0 and self.attempt == 1
                        else ServiceState.RECONNECTING, tr("vts.status.connecting", url=self.url))
            started = time.monotonic()
            try:
                error = await self._session()
                failed = False
            except Exception as e:  # a bug or an incompatible library must show, and we retry
                log.exception("VTS client failed")
                error, failed = f"{type(e).__name__}: {e}", True
                self.crashes += 1
            if self._stopping:
                break
            if time.monotonic() - started > 10.0:
                delay = self.backoff[0]  # the session was healthy for a while: retry quickly
            if failed:
                self._state(ServiceState.ERROR, tr("vts.status.client_error", delay=f"{delay:.1f}"), error)
            else:
                self._state(ServiceState.RECONNECTING, tr("vts.status.unreachable", url=self.url, delay=f"{delay:.1f}")
                            if not self.connections else tr("vts.status.lost", delay=f"{delay:.1f}"), error)
            await asyncio.sleep(delay * random.uniform(0.85, 1.15))
            delay = min(self.backoff[1], delay * 2)

    async def _session(self) -> str:
        """One connection's life; returns the reason it ended."""
        try:
            ws = await connect(self.url, **connect_kwargs())
        except (OSError, TimeoutError, websockets.InvalidURI, websockets.InvalidHandshake) as e:
            return f"VTube Studio is not running or the API is off ({type(e).__name__}: {e}); " \
                   "enable 'Start API' in VTS settings"
        self._ws = ws
        self.connected = True
        self._reauth.clear()
        reader = asyncio.get_running_loop().create_task(self._reader(ws), name="vts:reader")
        reason = "connection closed"
        try:  # anything not handled here propagates to run(), which shows it as ERROR and retries
            while not reader.done():
                try:
                    await self.authenticate()
                except APIError as e:
                    if e.error_id == ERR_TOKEN_DENIED:
                        self._state(ServiceState.ERROR, tr("vts.status.denied"), str(e))
                        await asyncio.sleep(self.denied_retry_s)  # don't spam the streamer with prompts
                        continue
                    raise
                self.connections += 1
                self.attempt = 0
                self._state(ServiceState.READY, tr("vts.status.ready"))
                if self.on_ready:
                    await self.on_ready()
                waiter = asyncio.get_running_loop().create_task(self._reauth.wait(), name="vts:reauth-wait")
                try:
                    await asyncio.wait({reader, waiter}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    waiter.cancel()
                if self._reauth.is_set() and not reader.done():
                    self._reauth.clear()
                    self._state(ServiceState.CONNECTING, tr("vts.status.reauth"))
                    continue
            reason = "VTube Studio closed the connection"
        except (NotConnected, websockets.ConnectionClosed):
            reason = "VTube Studio closed the connection"
        except (APIError, VTSError, TimeoutError) as e:
            reason = str(e)
        finally:
            self.connected = False
            self.authenticated = False
            self._ws = None
            self._fail_pending(reason)
            reader.cancel()
            with contextlib.suppress(BaseException):
                await ws.close()
            with contextlib.suppress(BaseException):
                await reader
        return reason

    async def reconnect(self) -> None:
        """Drop the current connection (the run loop reconnects)."""
        ws = self._ws
        if ws is not None:
            await ws.close()

    async def close(self) -> None:
        self._stopping = True
        await self.reconnect()


async def discover(timeout: float = 3.0, port: int = DISCOVERY_PORT) -> list[dict[str, Any]]:
    """Listen for VTS's UDP broadcast; returns [{"host", "port", "instanceID", "windowTitle"}]."""
    found: dict[str, dict[str, Any]] = {}

    class Proto(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            try:
                msg = json.loads(data)
                d = msg.get("data") or {}
                if msg.get("apiName") == API_NAME and d.get("active"):
                    key = f"{addr[0]}:{d.get('port')}"
                    found[key] = {"host": addr[0], "port": int(d.get("port", 8001)),
                                  "instanceID": d.get("instanceID", ""), "windowTitle": d.get("windowTitle", "")}
            except (ValueError, TypeError, AttributeError):
                pass

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind(("", port))
    except OSError as e:
        sock.close()
        raise VTSError(f"cannot listen on UDP {port} for VTS discovery: {e}") from e
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(Proto, sock=sock)
    try:
        await asyncio.sleep(timeout)
    finally:
        transport.close()
    return list(found.values())
