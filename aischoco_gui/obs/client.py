"""A small obs-websocket v5 client on ``websockets`` (DESIGN.md §4.8; why not simpleobsws: docs/obs.md).

The protocol: OBS sends Hello (op 0, with ``authentication {challenge, salt}`` when a password is set),
the client answers Identify (op 1, ``authentication = base64(sha256(base64(sha256(password + salt)) +
challenge))``), OBS confirms with Identified (op 2) or closes the socket (4009 authentication failed,
4010 unsupported RPC version). Then Requests (op 6, ``requestId``) get RequestResponses (op 7,
``requestStatus {result, code, comment}``) and Events (op 5) arrive unsolicited on the same socket: one
reader task routes replies by ``requestId`` (any number of requests may be in flight) and events by type.

:meth:`ObsClient.run` keeps the connection up with backoff. A wrong or missing password is not retried
(OBS shows a tray alert for every failed attempt, and a password does not fix itself): the client waits
for :meth:`ObsClient.reconnect` (the panel's button) or a rebuild with new settings.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import inspect
import itertools
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection, connect

log = logging.getLogger(__name__)

RPC_VERSION = 1
SUBPROTOCOL = "obswebsocket.json"

# op codes
OP_HELLO, OP_IDENTIFY, OP_IDENTIFIED, OP_REIDENTIFY, OP_EVENT, OP_REQUEST, OP_RESPONSE = 0, 1, 2, 3, 5, 6, 7

# close codes (obs-websocket WebSocketCloseCode)
CLOSE_NOT_IDENTIFIED = 4007
CLOSE_ALREADY_IDENTIFIED = 4008
CLOSE_AUTH_FAILED = 4009
CLOSE_UNSUPPORTED_RPC = 4010
CLOSE_SESSION_INVALIDATED = 4011

# request status codes (obs-websocket RequestStatus)
STATUS_SUCCESS = 100
STATUS_UNKNOWN_REQUEST = 204
STATUS_NOT_READY = 207
STATUS_MISSING_FIELD = 300
STATUS_RESOURCE_NOT_FOUND = 600

# event subscription bits (EventSubscription): General and Scenes are all this app listens to
SUB_GENERAL = 1 << 0
SUB_SCENES = 1 << 2

_CONNECT_HAS_PROXY = "proxy" in inspect.signature(connect.__init__).parameters


def auth_string(password: str, salt: str, challenge: str) -> str:
    """The Identify ``authentication`` value for this password and the Hello's salt and challenge."""
    secret = base64.b64encode(hashlib.sha256((password + salt).encode("utf-8")).digest()).decode("ascii")
    return base64.b64encode(hashlib.sha256((secret + challenge).encode("utf-8")).digest()).decode("ascii")


class ObsError(Exception):
    """Base of the client's errors (``str()`` is meant for the log and the streamer)."""


class NotConnected(ObsError):
    pass


class AuthFailed(ObsError):
    """OBS closed with 4009, or it wants a password and none is configured (``missing``)."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


class RequestFailed(ObsError):
    """A RequestResponse with ``result: false``: ``code`` is obs-websocket's RequestStatus."""

    def __init__(self, request_type: str, code: int, comment: str) -> None:
        super().__init__(f"OBS {request_type} failed ({code}){': ' + comment if comment else ''}")
        self.request_type = request_type
        self.code = code
        self.comment = comment


StateCallback = Callable[[str, str, "str | None"], None]  # (phase, detail, error)


def connect_kwargs() -> dict[str, Any]:
    kw: dict[str, Any] = {"open_timeout": 3.0, "max_size": 16 * 2**20, "ping_interval": 20, "ping_timeout": 20,
                          "compression": None, "subprotocols": [SUBPROTOCOL]}
    if _CONNECT_HAS_PROXY:
        kw["proxy"] = None  # OBS is local or on the LAN: never through a system proxy
    return kw


class ObsClient:
    """One obs-websocket v5 connection, kept up by :meth:`run` until :meth:`close`.

    ``on_state(phase, detail, error)``: phase is ``connecting``, ``reconnecting``, ``ready``, ``auth_failed``
    (wrong password / password needed), ``error``. ``on_ready`` runs after each Identified; ``on_event(type,
    data)`` for every Event."""

    def __init__(self, url: str, password: str = "", *, on_state: StateCallback | None = None,
                 on_ready: Callable[[], Awaitable[None]] | None = None,
                 on_event: Callable[[str, dict[str, Any]], None] | None = None,
                 subscriptions: int = SUB_GENERAL | SUB_SCENES, request_timeout_s: float = 5.0,
                 backoff: tuple[float, float] = (0.5, 15.0)) -> None:
        self.url = url
        self._password = password
        self.on_state = on_state
        self.on_ready = on_ready
        self.on_event = on_event
        self.subscriptions = subscriptions
        self.request_timeout_s = request_timeout_s
        self.backoff = backoff
        self._ws: ClientConnection | None = None
        self._pending: dict[str, tuple[asyncio.Future, str]] = {}
        self._ids = itertools.count(1)
        self._wake = asyncio.Event()
        self._stopping = False
        self.identified = False
        self.attempt = 0
        self.connections = 0
        self.last_error = ""
        self.last_close_code: int | None = None
        self.obs_version = ""
        self.waiting_for_fix = False  # auth failed: no retry until reconnect()
        self.retry_in = 0.0  # seconds until the next attempt (shown with the "reconnecting" state)

    def __repr__(self) -> str:  # the password never reaches a log through repr
        return f"ObsClient(url={self.url!r}, password={'***' if self._password else ''!r})"

    @property
    def ready(self) -> bool:
        return self.identified and self._ws is not None

    def _phase(self, phase: str, detail: str, error: str | None = None) -> None:
        if error:
            self.last_error = error
        if self.on_state is not None:
            try:
                self.on_state(phase, detail, error)
            except Exception:
                log.exception("OBS state callback failed")

    # -- requests ------------------------------------------------------------------------------
    async def request(self, request_type: str, data: dict[str, Any] | None = None,
                      timeout: float | None = None) -> dict[str, Any]:
        """Send one Request and return its ``responseData`` ({} when none); raises :class:`RequestFailed`
        (OBS said no), :class:`NotConnected` or ``TimeoutError``."""
        ws = self._ws
        if ws is None or not self.identified:
            raise NotConnected("not connected to OBS")
        rid = f"ac{next(self._ids)}"
        loop = asyncio.get_running_loop()
        fut: asyncio.Future = loop.create_future()
        self._pending[rid] = (fut, request_type)
        d: dict[str, Any] = {"requestType": request_type, "requestId": rid}
        if data is not None:
            d["requestData"] = data
        t = self.request_timeout_s if timeout is None else timeout
        try:
            await ws.send(json.dumps({"op": OP_REQUEST, "d": d}))
            return await asyncio.wait_for(fut, t)
        except TimeoutError:
            raise TimeoutError(f"OBS did not answer {request_type} within {t:.0f} s") from None
        except websockets.ConnectionClosed as e:
            raise NotConnected(f"OBS closed the connection ({e})") from None
        finally:
            self._pending.pop(rid, None)

    # -- reader --------------------------------------------------------------------------------
    def _dispatch(self, raw: str | bytes) -> None:
        try:
            msg = json.loads(raw)
        except ValueError:
            log.warning("OBS sent a frame that is not JSON (%d bytes)", len(raw))
            return
        if not isinstance(msg, dict) or not isinstance(msg.get("d"), dict):
            return
        op, d = msg.get("op"), msg["d"]
        if op == OP_RESPONSE:
            item = self._pending.pop(str(d.get("requestId", "")), None)
            if item is None or item[0].done():
                return
            fut, req_type = item
            status = d.get("requestStatus") if isinstance(d.get("requestStatus"), dict) else {}
            if status.get("result") is True:
                fut.set_result(d.get("responseData") if isinstance(d.get("responseData"), dict) else {})
            else:
                fut.set_exception(RequestFailed(req_type, int(status.get("code", 0) or 0),
                                                str(status.get("comment", "") or "")))
        elif op == OP_EVENT and self.on_event is not None:
            data = d.get("eventData") if isinstance(d.get("eventData"), dict) else {}
            try:
                self.on_event(str(d.get("eventType", "")), data)
            except Exception:
                log.exception("OBS event handler failed on %s", d.get("eventType"))

    def _fail_pending(self, reason: str) -> None:
        pending, self._pending = self._pending, {}
        for fut, _ in pending.values():
            if not fut.done():
                fut.set_exception(NotConnected(reason))

    # -- handshake -----------------------------------------------------------------------------
    async def _identify(self, ws: ClientConnection) -> None:
        """Hello → Identify → Identified (raises AuthFailed / ObsError; a close during it is read here)."""
        try:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 5.0))
        except websockets.ConnectionClosed as e:
            raise ObsError(f"OBS closed the connection before Hello ({e})") from None
        if not isinstance(hello, dict) or hello.get("op") != OP_HELLO or not isinstance(hello.get("d"), dict):
            raise ObsError("the server did not send an obs-websocket v5 Hello (is this OBS 28 or newer?)")
        h = hello["d"]
        self.obs_version = str(h.get("obsWebSocketVersion", ""))
        ident: dict[str, Any] = {"rpcVersion": RPC_VERSION, "eventSubscriptions": self.subscriptions}
        auth = h.get("authentication")
        if isinstance(auth, dict):
            if not self._password:
                raise AuthFailed("OBS asks for a password and none is set", missing=True)
            ident["authentication"] = auth_string(self._password, str(auth.get("salt", "")),
                                                  str(auth.get("challenge", "")))
        await ws.send(json.dumps({"op": OP_IDENTIFY, "d": ident}))
        try:
            reply = json.loads(await asyncio.wait_for(ws.recv(), 5.0))
        except websockets.ConnectionClosed as e:
            code = e.rcvd.code if e.rcvd is not None else None
            self.last_close_code = code
            if code == CLOSE_AUTH_FAILED:
                raise AuthFailed(f"OBS refused the password (close {code})") from None
            if code == CLOSE_UNSUPPORTED_RPC:
                raise ObsError(f"OBS does not speak RPC version {RPC_VERSION} (close {code})") from None
            reason = e.rcvd.reason if e.rcvd is not None else ""
            raise ObsError(f"OBS closed the connection during Identify ({code} {reason})".strip()) from None
        if not isinstance(reply, dict) or reply.get("op") != OP_IDENTIFIED:
            raise ObsError(f"expected Identified, got op {reply.get('op') if isinstance(reply, dict) else '?'}")

    # -- connection loop -----------------------------------------------------------------------
    async def run(self) -> None:
        """Stay connected until :meth:`close`; never raises for OBS being absent."""
        delay = self.backoff[0]
        while not self._stopping:
            self.attempt += 1
            self._phase("connecting" if self.connections == 0 and self.attempt == 1 else "reconnecting",
                        f"connecting to {self.url}")
            started = time.monotonic()
            try:
                reason = await self._session()
            except AuthFailed as e:
                self.waiting_for_fix = True
                self._phase("auth_failed", str(e), str(e))
                self._wake.clear()
                await self._wake.wait()  # reconnect() or close()
                self.waiting_for_fix = False
                delay = self.backoff[0]
                continue
            except Exception as e:  # a bug or an incompatible server must show, and we retry
                log.exception("OBS client failed")
                reason = f"{type(e).__name__}: {e}"
                self._phase("error", reason, reason)
            if self._stopping:
                break
            if time.monotonic() - started > 10.0:
                delay = self.backoff[0]  # the session was healthy for a while: retry quickly
            self.retry_in = delay
            self._phase("reconnecting", f"{reason}; retrying in {delay:.1f} s", reason)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay * random.uniform(0.85, 1.15))
            delay = min(self.backoff[1], delay * 2)

    async def _session(self) -> str:
        """One connection's life; returns why it ended (AuthFailed propagates)."""
        try:
            ws = await connect(self.url, **connect_kwargs())
        except (OSError, TimeoutError, websockets.InvalidURI, websockets.InvalidHandshake) as e:
            return f"OBS is not running or its WebSocket server is off ({type(e).__name__}: {e})"
        self._ws = ws
        reader: asyncio.Task | None = None
        try:
            await self._identify(ws)
            self.identified = True
            self.connections += 1
            self.attempt = 0
            self.last_close_code = None
            reader = asyncio.get_running_loop().create_task(self._read(ws), name="obs:reader")
            self._phase("ready", f"connected to {self.url}")
            if self.on_ready is not None:
                await self.on_ready()
            await reader
            code = ws.close_code
            self.last_close_code = code
            return f"OBS closed the connection ({code})" if code not in (None, 1000, 1001) else "OBS closed"
        except (websockets.ConnectionClosed, NotConnected):
            return "OBS closed the connection"
        except (TimeoutError, RequestFailed) as e:
            return str(e) or "OBS did not answer in time"
        finally:
            self.identified = False
            self._ws = None
            self._fail_pending("OBS connection closed")
            if reader is not None:
                reader.cancel()
                with contextlib.suppress(BaseException):
                    await reader
            with contextlib.suppress(BaseException):
                await ws.close()

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                self._dispatch(raw)
        except websockets.ConnectionClosed:
            pass

    async def reconnect(self) -> None:
        """Drop the connection (the run loop connects again at once); also retries after a wrong password."""
        self._wake.set()
        ws = self._ws
        if ws is not None:
            await ws.close()

    async def close(self) -> None:
        self._stopping = True
        self._wake.set()
        ws = self._ws
        if ws is not None:
            await ws.close()
