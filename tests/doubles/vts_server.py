"""A loopback VTube Studio public API double (DESIGN.md §4.3) on a real ``websockets`` server.

Behaves like VTS where our client can tell: the message envelope with echoed ``requestID``,
responses named ``...Response``, ``APIError`` with ``errorID``; the token flow (a "prompt" that is
auto-allowed, denied, or held until the test answers); revocation (after which requests get the
configured error, 50 by default, and old tokens are refused with ``authenticated: false``);
per-parameter ownership (454 while another plugin holds a parameter, whole request rejected);
453 for unknown parameters; custom parameter creation with VTS's name/range rules; input
parameter ranges; hotkeys with cooldown (203) and not found (202); expression activation;
``ModelLoadedEvent`` pushed unsolicited on the same socket; every injection recorded with a
timestamp. Usable from tests and benches::

    async with VTSDouble() as vts:        # vts.url -> ws://127.0.0.1:<port>
        ...
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

from aischoco_gui.vts.poses import DEFAULT_INPUT_PARAMETERS


@dataclass
class Injection:
    t: float  # time.monotonic() when received
    session: int
    plugin: str
    mode: str
    values: dict[str, float]
    weights: dict[str, float]
    face_found: bool = False


@dataclass
class Session:
    id: int
    ws: ServerConnection
    authenticated: bool = False
    plugin: str = ""
    developer: str = ""
    extensions: str = ""  # Sec-WebSocket-Extensions the client offered (permessage-deflate or not)
    subscriptions: set[str] = field(default_factory=set)
    controlled: dict[str, float] = field(default_factory=dict)  # param id -> last injection (weight > 0)


class VTSDouble:
    def __init__(self, *, auto_allow: bool = True, version: str = "1.28.15", model: str = "Choco",
                 revoked_error: int = 50, reply_delay_s: float = 0.0, port: int = 0) -> None:
        self.auto_allow = auto_allow  # True: allow, False: deny (error 50), None: wait for answer_prompt()
        self.version = version
        self.model = model
        self.revoked_error = revoked_error
        self.reply_delay_s = reply_delay_s
        self.port = port
        # token -> (pluginName, pluginDeveloper): like VTS, a token only authenticates the identity it was
        # issued to (so AIsChoco's token works only as plugin "AIsChoco" by "AIsChoco").
        self.tokens: dict[str, tuple[str, str]] = {}
        self.auth_requests: list[dict[str, Any]] = []
        self.session_log: list[Session] = []  # every session ever opened (for its negotiated extensions)
        self.revoked: set[str] = set()
        self.sessions: dict[int, Session] = {}
        self.injections: list[Injection] = []
        # DESIGN §4.3: a controlled parameter not re-sent within a second lapses (VTS takes it back: tracking
        # value). Each lapse is recorded (time, param id) when the session's next injection shows it.
        self.lapse_s = 1.0
        self.lapses: list[tuple[float, str]] = []
        self.requests: list[tuple[float, str, dict[str, Any]]] = []
        self.token_requests: list[dict[str, Any]] = []
        self.params: dict[str, dict[str, Any]] = {
            k: {"min": lo, "max": hi, "defaultValue": d, "value": d, "addedBy": ""}
            for k, (lo, hi, d) in DEFAULT_INPUT_PARAMETERS.items()}
        self.custom: dict[str, dict[str, Any]] = {}
        self.held_by: dict[str, str] = {}  # param id -> other plugin name
        self.hotkeys = [{"name": "Smile", "type": "ToggleExpression", "description": "", "file": "smile.exp3.json",
                         "hotkeyID": "hk-smile-1", "keyCombination": [], "onScreenButtonID": -1}]
        self.hotkey_cooldown_s = 0.5
        self.hotkey_fired: list[tuple[float, str]] = []
        self.expressions: list[tuple[float, str, bool, float]] = []
        self._last_hotkey: dict[str, float] = {}
        self._prompt: asyncio.Future | None = None
        self._server = None
        self._ids = 0

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> VTSDouble:
        self._server = await serve(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]  # keep the port across restarts
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for s in list(self.sessions.values()):
                await s.ws.close()
            await self._server.wait_closed()
            self._server = None

    async def restart(self, down_s: float = 0.3) -> None:
        """Simulate VTS closing and coming back on the same port (session state is lost, tokens kept)."""
        await self.stop()
        await asyncio.sleep(down_s)
        await self.start()

    async def __aenter__(self) -> VTSDouble:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    # -- test controls ---------------------------------------------------------------------
    def revoke_all(self) -> None:
        """The streamer revoked the plugin in VTS settings."""
        self.revoked.update(self.tokens)
        for s in self.sessions.values():
            s.authenticated = False

    def hold(self, param: str, plugin: str = "OtherPlugin") -> None:
        self.held_by[param] = plugin

    def release(self, param: str) -> None:
        self.held_by.pop(param, None)

    def issue_token(self, plugin: str, developer: str) -> str:
        """A token the streamer allowed earlier for that identity (e.g. AIsChoco's vts_token.txt)."""
        tok = uuid.uuid4().hex
        self.tokens[tok] = (plugin, developer)
        return tok

    def answer_prompt(self, allow: bool) -> None:
        if self._prompt is not None and not self._prompt.done():
            self._prompt.set_result(allow)

    async def load_model(self, name: str) -> None:
        """Load another model: pushes ModelLoadedEvent to subscribed sessions."""
        self.model = name
        self.hotkeys = [{"name": f"{name}Wave", "type": "TriggerAnimation", "description": "",
                         "file": "wave.motion3.json", "hotkeyID": f"hk-{name.lower()}-wave",
                         "keyCombination": [], "onScreenButtonID": -1}]
        for s in list(self.sessions.values()):
            if "ModelLoadedEvent" in s.subscriptions:
                await self._send(s, "ModelLoadedEvent", {"modelLoaded": True, "modelName": name,
                                                          "modelID": uuid.uuid4().hex}, request_id=uuid.uuid4().hex)

    def values_of(self, param: str) -> list[tuple[float, float]]:
        return [(i.t, i.values[param]) for i in self.injections if param in i.values]

    def value(self, param: str) -> float:
        p = self.params.get(param) or self.custom.get(param)
        return p["value"] if p else 0.0

    # -- protocol --------------------------------------------------------------------------
    async def _send(self, s: Session, mtype: str, data: dict[str, Any], request_id: str) -> None:
        await s.ws.send(json.dumps({"apiName": "VTubeStudioPublicAPI", "apiVersion": "1.0",
                                    "timestamp": int(time.time() * 1000), "requestID": request_id,
                                    "messageType": mtype, "data": data, "unknownFutureField": 1}))

    async def _error(self, s: Session, rid: str, error_id: int, message: str) -> None:
        await self._send(s, "APIError", {"errorID": error_id, "message": message}, rid)

    async def _handle(self, ws: ServerConnection) -> None:
        self._ids += 1
        s = Session(self._ids, ws)
        req = getattr(ws, "request", None)
        s.extensions = str(req.headers.get("Sec-WebSocket-Extensions", "") or "") if req is not None else ""
        self.sessions[s.id] = s
        self.session_log.append(s)
        try:
            async for raw in ws:
                try:
                    msg = json.loads(raw)
                except ValueError:
                    continue
                # Requests are answered concurrently (the token prompt must not block injections).
                asyncio.get_running_loop().create_task(self._answer(s, msg))
        finally:
            self.sessions.pop(s.id, None)

    async def _answer(self, s: Session, msg: dict[str, Any]) -> None:
        rid = str(msg.get("requestID", ""))
        mtype = str(msg.get("messageType", ""))
        data = msg.get("data") or {}
        self.requests.append((time.monotonic(), mtype, data))
        if self.reply_delay_s:
            await asyncio.sleep(self.reply_delay_s)
        if msg.get("apiName") != "VTubeStudioPublicAPI":
            return await self._error(s, rid, 1, "API name invalid")
        reply = mtype.replace("Request", "Response")
        try:
            if mtype == "APIStateRequest":
                return await self._send(s, reply, {"active": True, "vTubeStudioVersion": self.version,
                                                   "currentSessionAuthenticated": s.authenticated}, rid)
            if mtype == "AuthenticationTokenRequest":
                return await self._token(s, rid, data)
            if mtype == "AuthenticationRequest":
                tok = str(data.get("authenticationToken", ""))
                ident = (str(data.get("pluginName", "")), str(data.get("pluginDeveloper", "")))
                self.auth_requests.append(dict(data))
                ok = self.tokens.get(tok) == ident and tok not in self.revoked
                s.authenticated = ok
                s.plugin, s.developer = ident if ok else ("", "")
                return await self._send(s, reply, {"authenticated": ok, "reason": "Token valid. The plugin is "
                                                   "authenticated for the duration of this session." if ok else
                                                   "Token invalid or revoked."}, rid)
            if not s.authenticated:
                if any(t in self.revoked for t in self.tokens):
                    return await self._error(s, rid, self.revoked_error, "Plugin permission revoked by the user.")
                return await self._error(s, rid, 8, "This request requires authentication.")
            handler = getattr(self, "_r_" + mtype, None)
            if handler is None:
                return await self._error(s, rid, 5, f"Unknown request type {mtype}")
            await handler(s, rid, reply, data)
        except ConnectionError:
            pass
        except Exception as e:  # a bug in the double must be loud
            await self._error(s, rid, 0, f"double internal error: {e!r}")
            raise

    async def _token(self, s: Session, rid: str, data: dict[str, Any]) -> None:
        name, dev = str(data.get("pluginName", "")), str(data.get("pluginDeveloper", ""))
        self.token_requests.append(dict(data))
        if not 3 <= len(name) <= 32:
            return await self._error(s, rid, 52, "plugin name must be 3-32 characters")
        if not 3 <= len(dev) <= 32:
            return await self._error(s, rid, 53, "plugin developer must be 3-32 characters")
        if self.auto_allow is None:
            self._prompt = asyncio.get_running_loop().create_future()
            allow = await self._prompt
        else:
            allow = self.auto_allow
        if not allow:
            return await self._error(s, rid, 50, "User has denied API access for your plugin.")
        tok = self.issue_token(name, dev)
        await self._send(s, "AuthenticationTokenResponse", {"authenticationToken": tok}, rid)

    async def _r_CurrentModelRequest(self, s: Session, rid: str, reply: str, data: dict[str, Any]) -> None:
        await self._send(s, reply, {"modelLoaded": bool(self.model), "modelName": self.model,
                                    "modelID": "m-" + self.model}, rid)

    async def _r_InputParameterListRequest(self, s: Session, rid: str, reply: str, data: dict[str, Any]) -> None:
        def row(k: str, p: dict[str, Any]) -> dict[str, Any]:
            return {"name": k, "addedBy": p["addedBy"], "value": p["value"], "min": p["min"], "max": p["max"],
                    "defaultValue": p["defaultValue"]}
        await self._send(s, reply, {"modelLoaded": bool(self.model), "modelName": self.model,
                                    "customParameters": [row(k, p) for k, p in self.custom.items()],
                                    "defaultParameters": [row(k, p) for k, p in self.params.items()]}, rid)

    async def _r_ParameterValueRequest(self, s: Session, rid: str, reply: str, data: dict[str, Any]) -> None:
        name = str(data.get("name", ""))
        p = self.params.get(name) or self.custom.get(name)
        if p is None:
            return await self._error(s, rid, 453, f"Parameter {name} not found.")
        await self._send(s, reply, {"name": name, **p}, rid)

    async def _r_ParameterCreationRequest(self, s: Session, rid: str, reply: str, data: dict[str, Any]) -> None:
        name = str(data.get("parameterName", ""))
        lo, hi, d = float(data.get("min", 0)), float(data.get("max", 0)), float(data.get("defaultValue", 0))
        if not re.fullmatch(r"[A-Za-z0-9]{4,32}", name):
            return await self._error(s, rid, 352, f"Parameter name {name!r} invalid (4-32 alphanumeric).")
        if name in self.params:
            return await self._error(s, rid, 353, f"{name} is a default parameter.")
        if name in self.custom and self.custom[name]["addedBy"] != s.plugin:
            return await self._error(s, rid, 354, f"{name} was created by another plugin.")
        if not (-1e6 <= lo < hi <= 1e6) or not lo <= d <= hi:
            return await self._error(s, rid, 355, "min/max/default invalid.")
        self.custom[name] = {"min": lo, "max": hi, "defaultValue": d, "value": d, "addedBy": s.plugin,
                             "explanation": data.get("explanation", "")}
        await self._send(s, reply, {"parameterName": name}, rid)

    async def _r_InjectParameterDataRequest(self, s: Session, rid: str, reply: str, data: dict[str, Any]) -> None:
        vals = data.get("parameterValues") or []
        for v in vals:
            pid = str(v.get("id", ""))
            if pid not in self.params and pid not in self.custom:
                return await self._error(s, rid, 453, f"Parameter {pid} not found.")
            owner = self.held_by.get(pid)
            if owner and owner != s.plugin:
                return await self._error(s, rid, 454, f"Parameter {pid} is currently controlled by {owner}.")
        inj = Injection(time.monotonic(), s.id, s.plugin, str(data.get("mode", "set")),
                        {str(v["id"]): float(v["value"]) for v in vals},
                        {str(v["id"]): float(v.get("weight", 1.0)) for v in vals},
                        face_found=bool(data.get("faceFound", False)))
        self.injections.append(inj)
        for pid, last in list(s.controlled.items()):
            if inj.t - last > self.lapse_s:
                self.lapses.append((inj.t, pid))
                del s.controlled[pid]
                p = self.params.get(pid) or self.custom.get(pid)
                if p is not None:
                    p["value"] = p["defaultValue"]
        for pid, w in inj.weights.items():
            if w > 0:
                s.controlled[pid] = inj.t
            else:
                s.controlled.pop(pid, None)
        for pid, val in inj.values.items():
            p = self.params.get(pid) or self.custom[pid]
            w = inj.weights[pid]
            p["value"] = p["defaultValue"] * (1 - w) + val * w  # blended with "tracking" at rest
        await self._send(s, reply, {}, rid)

    async def _r_HotkeysInCurrentModelRequest(self, s: Session, rid: str, reply: str, data: dict[str, Any]) -> None:
        await self._send(s, reply, {"modelLoaded": bool(self.model), "modelName": self.model,
                                    "modelID": "m-" + self.model, "availableHotkeys": list(self.hotkeys)}, rid)

    async def _r_HotkeyTriggerRequest(self, s: Session, rid: str, reply: str, data: dict[str, Any]) -> None:
        hid = str(data.get("hotkeyID", ""))
        hk = next((h for h in self.hotkeys if hid in (h["hotkeyID"], h["name"])), None)
        if hk is None:
            return await self._error(s, rid, 202, f"Hotkey {hid} not found in the current model.")
        now = time.monotonic()
        if now - self._last_hotkey.get(hk["hotkeyID"], -1e9) < self.hotkey_cooldown_s:
            return await self._error(s, rid, 203, "Hotkey is on cooldown.")
        self._last_hotkey[hk["hotkeyID"]] = now
        self.hotkey_fired.append((now, hk["hotkeyID"]))
        await self._send(s, reply, {"hotkeyID": hk["hotkeyID"]}, rid)

    async def _r_ExpressionActivationRequest(self, s: Session, rid: str, reply: str, data: dict[str, Any]) -> None:
        f = str(data.get("expressionFile", ""))
        if not f.endswith(".exp3.json"):
            return await self._error(s, rid, 452, "Expression file not found.")
        self.expressions.append((time.monotonic(), f, bool(data.get("active")), float(data.get("fadeTime", 0.25))))
        await self._send(s, reply, {}, rid)

    async def _r_EventSubscriptionRequest(self, s: Session, rid: str, reply: str, data: dict[str, Any]) -> None:
        name = str(data.get("eventName", ""))
        if data.get("subscribe"):
            s.subscriptions.add(name)
        else:
            s.subscriptions.discard(name)
        await self._send(s, reply, {"subscribedEventCount": len(s.subscriptions),
                                    "subscribedEvents": sorted(s.subscriptions)}, rid)
