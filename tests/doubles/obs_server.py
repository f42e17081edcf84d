"""A loopback obs-websocket v5 double (DESIGN.md §4.8) on a real ``websockets`` server.

As strict as OBS where a client can tell (rules read from obs-websocket's WebSocketServer_Protocol.cpp):
Hello (op 0) first, with ``authentication {challenge, salt}`` when a password is set (a fresh challenge
per connection); only Identify (op 1) before Identified — anything else closes with 4007 NotIdentified;
Identify without ``authentication`` when one is required, or a wrong one → close 4009; an RPC version
other than 1 → 4010; a second Identify → 4008; a payload without ``d`` object → 4003/4004; an unknown op
→ 4006; a Request without ``requestId`` → 4003. Requests: ``GetVersion``, ``GetSceneList`` (scenes
bottom first with ``sceneIndex``, as OBS sends them), ``GetCurrentProgramScene``, ``SetCurrentProgramScene``
(unknown scene → ``requestStatus {result: false, code: 600, comment}``, no name → 300); any other request
type → 204. A program scene change (by a client or by :meth:`ObsDouble.switch_in_obs`, "the streamer
clicked a scene in OBS") sends ``CurrentProgramSceneChanged`` to every identified session subscribed to
Scenes (bit 2). Batches (op 8) are not implemented (close 4006, so a client that needs them fails loudly).

    async with ObsDouble(password="pw", scenes=["Live", "BRB"]) as obs:   # obs.url -> ws://127.0.0.1:<port>
        ...
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

SUB_SCENES = 1 << 2


@dataclass
class Session:
    id: int
    ws: ServerConnection
    challenge: str = ""
    identified: bool = False
    subscriptions: int = 0
    subprotocol: str | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)


class ObsDouble:
    def __init__(self, *, password: str = "", scenes: list[str] | None = None, current: str | None = None,
                 version: str = "5.5.2", port: int = 0) -> None:
        self.password = password
        self.scenes = list(scenes or ["Live", "BRB", "Starting soon"])
        self.current = current if current is not None else self.scenes[0]
        self.version = version
        self.port = port
        self.salt = secrets.token_urlsafe(24)
        self.sessions: dict[int, Session] = {}
        self.session_log: list[Session] = []
        self.closes: list[tuple[int, str]] = []  # (code, reason) of every close the double made
        self.requests: list[tuple[str, dict[str, Any]]] = []  # (requestType, requestData) identified only
        self.identifies = 0
        self.scene_changes: list[str] = []  # program scenes set, in order (by clients and by switch_in_obs)
        self._ids = 0
        self._server: Any = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def identified_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.identified]

    async def start(self) -> ObsDouble:
        self._server = await serve(self._handle, "127.0.0.1", self.port, subprotocols=["obswebsocket.json"],
                                   compression=None)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> ObsDouble:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def drop_all(self) -> None:
        """OBS quits: every session is closed (1001 going away)."""
        for s in list(self.sessions.values()):
            await s.ws.close(1001, "Server stopping.")

    # -- "the streamer clicks in OBS" ---------------------------------------------------------
    async def switch_in_obs(self, scene: str) -> None:
        assert scene in self.scenes
        await self._set_program(scene)

    async def add_scene(self, scene: str) -> None:
        self.scenes.append(scene)
        await self._broadcast("SceneCreated", {"sceneName": scene, "isGroup": False})
        await self._broadcast("SceneListChanged", {"scenes": self._scene_list()})

    # -- protocol --------------------------------------------------------------------------------
    def _auth_expected(self, challenge: str) -> str:
        secret = base64.b64encode(hashlib.sha256((self.password + self.salt).encode()).digest()).decode()
        return base64.b64encode(hashlib.sha256((secret + challenge).encode()).digest()).decode()

    async def _close(self, s: Session, code: int, reason: str) -> None:
        self.closes.append((code, reason))
        await s.ws.close(code, reason)

    async def _handle(self, ws: ServerConnection) -> None:
        self._ids += 1
        s = Session(self._ids, ws, subprotocol=ws.subprotocol)
        self.sessions[s.id] = s
        self.session_log.append(s)
        hello: dict[str, Any] = {"obsWebSocketVersion": self.version, "rpcVersion": 1}
        if self.password:
            s.challenge = secrets.token_urlsafe(24)
            hello["authentication"] = {"challenge": s.challenge, "salt": self.salt}
        try:
            await ws.send(json.dumps({"op": 0, "d": hello}))
            async for raw in ws:
                if isinstance(raw, bytes):  # a JSON session takes text frames only
                    await self._close(s, 4002, "Binary frames are not allowed on a JSON session.")
                    return
                try:
                    msg = json.loads(raw)
                except ValueError:
                    await self._close(s, 4002, "Unable to decode the incoming message.")
                    return
                if not isinstance(msg, dict) or not isinstance(msg.get("op"), int):
                    await self._close(s, 4003, "Your request is missing an `op`.")
                    return
                await self._message(s, msg["op"], msg.get("d"))
        except ConnectionClosed:
            pass
        finally:
            self.sessions.pop(s.id, None)

    async def _message(self, s: Session, op: int, d: Any) -> None:
        if not isinstance(d, dict):
            if d is None:
                await self._close(s, 4003, "Your payload is missing data (`d`).")
            else:
                await self._close(s, 4004, "Your payload's data (`d`) is not an object.")
            return
        if not s.identified and op != 1:
            await self._close(s, 4007, "You attempted to send a non-Identify message while not identified.")
            return
        if op == 1:
            await self._identify(s, d)
        elif op == 3:
            if "eventSubscriptions" in d:
                s.subscriptions = int(d["eventSubscriptions"])
            await s.ws.send(json.dumps({"op": 2, "d": {"negotiatedRpcVersion": 1}}))
        elif op == 6:
            await self._request(s, d)
        else:
            await self._close(s, 4006, f"Unknown OpCode: {op}")

    async def _identify(self, s: Session, d: dict[str, Any]) -> None:
        self.identifies += 1
        if s.identified:
            await self._close(s, 4008, "You are already Identified with the obs-websocket server.")
            return
        if self.password:
            if "authentication" not in d:
                await self._close(s, 4009, "Your payload's data is missing an `authentication` string, however "
                                           "authentication is required.")
                return
            if d["authentication"] != self._auth_expected(s.challenge):
                await self._close(s, 4009, "Authentication failed.")
                return
        rpc = d.get("rpcVersion")
        if rpc is None:
            await self._close(s, 4003, "Your payload's data is missing an `rpcVersion`.")
            return
        if not isinstance(rpc, int) or isinstance(rpc, bool) or rpc < 0:
            await self._close(s, 4004, "Your `rpcVersion` is not an unsigned number.")
            return
        if rpc != 1:
            await self._close(s, 4010, "Your requested RPC version is not supported by this server.")
            return
        subs = d.get("eventSubscriptions", 2047)
        if not isinstance(subs, int) or isinstance(subs, bool) or subs < 0:
            await self._close(s, 4004, "Your `eventSubscriptions` is not an unsigned number.")
            return
        s.subscriptions = subs
        s.identified = True
        await s.ws.send(json.dumps({"op": 2, "d": {"negotiatedRpcVersion": 1}}))

    def _scene_list(self) -> list[dict[str, Any]]:
        n = len(self.scenes)  # OBS: index 0 is the bottom row of its Scenes dock, listed first
        return [{"sceneIndex": n - 1 - i, "sceneName": name, "sceneUuid": f"uuid-{name}"}
                for i, name in reversed(list(enumerate(self.scenes)))]

    async def _request(self, s: Session, d: dict[str, Any]) -> None:
        if "requestId" not in d:
            await self._close(s, 4003, "Your payload data is missing a `requestId`.")
            return
        rtype, data = d.get("requestType"), d.get("requestData")
        s.requests.append(d)
        if not isinstance(rtype, str):
            await self._respond(s, d, 203, "Your request is missing a `requestType`")
            return
        data = data if isinstance(data, dict) else {}
        self.requests.append((rtype, data))
        if rtype == "GetVersion":
            await self._respond(s, d, 100, response={"obsWebSocketVersion": self.version, "rpcVersion": 1,
                                                     "obsVersion": "31.0.0"})
        elif rtype == "GetSceneList":
            await self._respond(s, d, 100, response={
                "currentProgramSceneName": self.current, "currentProgramSceneUuid": f"uuid-{self.current}",
                "currentPreviewSceneName": None, "currentPreviewSceneUuid": None, "scenes": self._scene_list()})
        elif rtype == "GetCurrentProgramScene":
            await self._respond(s, d, 100, response={
                "sceneName": self.current, "sceneUuid": f"uuid-{self.current}",
                "currentProgramSceneName": self.current, "currentProgramSceneUuid": f"uuid-{self.current}"})
        elif rtype == "SetCurrentProgramScene":
            name = data.get("sceneName")
            if name is None and data.get("sceneUuid") is None:
                await self._respond(s, d, 300, "Your request data is missing or invalid for `sceneName`.")
            elif not isinstance(name, str) or name not in self.scenes:
                await self._respond(s, d, 600, f"No source was found by the name of `{name}`.")
            else:
                await self._respond(s, d, 100)
                await self._set_program(name)
        else:
            await self._respond(s, d, 204, "Your request type is not valid.")

    async def _respond(self, s: Session, d: dict[str, Any], code: int, comment: str = "",
                       response: dict[str, Any] | None = None) -> None:
        out: dict[str, Any] = {"requestType": d.get("requestType"), "requestId": d["requestId"],
                               "requestStatus": {"result": code == 100, "code": code}}
        if comment:
            out["requestStatus"]["comment"] = comment
        if response is not None:
            out["responseData"] = response
        with contextlib.suppress(ConnectionClosed):
            await s.ws.send(json.dumps({"op": 7, "d": out}))

    async def _set_program(self, scene: str) -> None:
        self.current = scene
        self.scene_changes.append(scene)
        await self._broadcast("CurrentProgramSceneChanged", {"sceneName": scene, "sceneUuid": f"uuid-{scene}"})

    async def _broadcast(self, event_type: str, data: dict[str, Any]) -> None:
        msg = json.dumps({"op": 5, "d": {"eventType": event_type, "eventIntent": SUB_SCENES, "eventData": data}})
        for s in list(self.sessions.values()):
            if s.identified and s.subscriptions & SUB_SCENES:
                with contextlib.suppress(ConnectionClosed):
                    await s.ws.send(msg)
        await asyncio.sleep(0)
