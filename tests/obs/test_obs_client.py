"""The obs-websocket v5 client and service against the strict OBS double (tests/doubles/obs_server.py).

The double itself is checked first with raw frames (wrong auth → 4009, a request before Identify → 4007,
unknown scene → 600), so the client tests below cannot pass against a lenient server."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
import websockets
from websockets.asyncio.client import connect

from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.i18n import tr
from aischoco_gui.obs.client import ObsClient, auth_string
from aischoco_gui.obs.factory import ObsConfig, make_obs
from aischoco_gui.obs.service import ObsService, SceneNotFound
from tests.doubles.obs_server import ObsDouble
from tests.wait import wait_until

PASSWORD = "s3cret-obs"


@pytest.fixture
async def obs():
    async with ObsDouble(password=PASSWORD, scenes=["Live", "BRB", "Starting soon"]) as d:
        yield d


def test_auth_string_matches_the_protocol_documents_example():
    # the worked example in obs-websocket's 5.x protocol document (password, salt, challenge → auth)
    pw, salt, ch = "supersecretpassword", "lM1GncleQOaCu9lT1yeUZhFYnqhsLLP1G5lAGo3ixaI=", \
        "+IxH4CnCiqpX1rM9scsNynZzbOe4KhDeYcTNS3PDaeY="
    assert auth_string(pw, salt, ch) == "1Ct943GAT+6YQUUX47Ia/ncufilbe6+oD6lY+5kaCu4="
    assert auth_string(pw + "x", salt, ch) != "1Ct943GAT+6YQUUX47Ia/ncufilbe6+oD6lY+5kaCu4="


# -- the double is strict ------------------------------------------------------------------------
async def _hello(ws) -> dict:
    msg = json.loads(await ws.recv())
    assert msg["op"] == 0 and msg["d"]["rpcVersion"] == 1
    return msg["d"]


async def test_double_closes_4009_on_a_wrong_password(obs):
    async with connect(obs.url, subprotocols=["obswebsocket.json"]) as ws:
        h = await _hello(ws)
        bad = auth_string("wrong", h["authentication"]["salt"], h["authentication"]["challenge"])
        await ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 1, "authentication": bad}}))
        with pytest.raises(websockets.ConnectionClosed) as e:
            await ws.recv()
        assert e.value.rcvd.code == 4009


async def test_double_closes_4009_without_authentication_and_4007_before_identify(obs):
    async with connect(obs.url, subprotocols=["obswebsocket.json"]) as ws:
        await _hello(ws)
        await ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 1}}))
        with pytest.raises(websockets.ConnectionClosed) as e:
            await ws.recv()
        assert e.value.rcvd.code == 4009
    async with connect(obs.url, subprotocols=["obswebsocket.json"]) as ws:
        await _hello(ws)
        await ws.send(json.dumps({"op": 6, "d": {"requestType": "GetSceneList", "requestId": "1"}}))
        with pytest.raises(websockets.ConnectionClosed) as e:
            await ws.recv()
        assert e.value.rcvd.code == 4007
    assert obs.requests == []  # nothing was served to an unidentified session


async def test_double_answers_600_for_an_unknown_scene_and_4010_for_rpc_2(obs):
    async with connect(obs.url, subprotocols=["obswebsocket.json"]) as ws:
        h = await _hello(ws)
        auth = auth_string(PASSWORD, h["authentication"]["salt"], h["authentication"]["challenge"])
        await ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 1, "authentication": auth}}))
        assert json.loads(await ws.recv())["op"] == 2
        await ws.send(json.dumps({"op": 6, "d": {"requestType": "SetCurrentProgramScene", "requestId": "x",
                                                 "requestData": {"sceneName": "Nope"}}}))
        r = json.loads(await ws.recv())["d"]
        assert r["requestId"] == "x" and r["requestStatus"]["result"] is False and r["requestStatus"]["code"] == 600
    async with connect(obs.url, subprotocols=["obswebsocket.json"]) as ws:
        h = await _hello(ws)
        auth = auth_string(PASSWORD, h["authentication"]["salt"], h["authentication"]["challenge"])
        await ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 2, "authentication": auth}}))
        with pytest.raises(websockets.ConnectionClosed) as e:
            await ws.recv()
        assert e.value.rcvd.code == 4010


# -- the client ----------------------------------------------------------------------------------
async def test_client_identifies_routes_concurrent_requests_and_receives_events(obs):
    events: list[tuple[str, dict]] = []
    ready = asyncio.Event()

    async def on_ready() -> None:
        ready.set()

    c = ObsClient(obs.url, PASSWORD, on_ready=on_ready, on_event=lambda t, d: events.append((t, d)))
    task = asyncio.create_task(c.run())
    try:
        await asyncio.wait_for(ready.wait(), 5)
        assert obs.session_log[-1].subprotocol == "obswebsocket.json"
        # several requests in flight at once come back to the right caller
        a, b, v = await asyncio.gather(c.request("GetSceneList"), c.request("GetCurrentProgramScene"),
                                       c.request("GetVersion"))
        assert a["currentProgramSceneName"] == "Live" and b["sceneName"] == "Live" and v["rpcVersion"] == 1
        await obs.switch_in_obs("BRB")
        await wait_until(lambda: events, 3, "CurrentProgramSceneChanged")
        assert events[-1] == ("CurrentProgramSceneChanged", {"sceneName": "BRB", "sceneUuid": "uuid-BRB"})
        assert "s3cret" not in repr(c)
    finally:
        await c.close()
        await asyncio.wait_for(task, 5)


async def test_wrong_password_says_so_in_korean_and_is_not_retried_until_asked(obs):
    bus = EventBus()
    svc = ObsService(bus, configured=True, url=obs.url, password="wrong", backoff=(0.05, 0.1))
    await svc.start()
    try:
        await wait_until(lambda: svc.auth_failed, 5, "auth failure")
        st = bus.status["obs"]
        assert st.state is ServiceState.ERROR and st.detail == tr("obs.auth_failed")
        assert "비밀번호가 틀렸어요" in st.detail and "4009" in st.detail
        assert obs.closes[-1][0] == 4009
        tries = obs.identifies
        await asyncio.sleep(0.4)  # several backoff periods: no new attempt (OBS would alert each time)
        assert obs.identifies == tries
        obs.password = "wrong"  # the streamer changes OBS's password to match, then clicks Connect
        await svc.reconnect()
        await wait_until(lambda: svc.connected, 5, "connected after reconnect")
        assert bus.status["obs"].state is ServiceState.READY
    finally:
        await svc.stop()


async def test_missing_password_when_obs_wants_one_says_so(obs):
    bus = EventBus()
    svc = ObsService(bus, configured=True, url=obs.url, password="", backoff=(0.05, 0.1))
    await svc.start()
    try:
        await wait_until(lambda: svc.auth_failed, 5, "password missing")
        assert bus.status["obs"].detail == tr("obs.password_missing")
        assert obs.identifies == 0  # nothing was sent that OBS would count as a failed login
    finally:
        await svc.stop()


async def test_service_scenes_switching_events_and_unknown_scene(obs):
    bus = EventBus()
    seen: list[dict] = []
    bus.subscribe(lambda ev: seen.append(ev.data) if ev.kind is EventKind.OBS_SCENES else None)
    svc = make_obs(ObsConfig(configured=True, url=obs.url, password=PASSWORD, brb_scene="BRB"), bus)
    await svc.start()
    try:
        await wait_until(lambda: svc.connected and svc.scenes, 5, "scene list")
        assert svc.scenes == ["Live", "BRB", "Starting soon"]  # as OBS's dock shows them, top first
        assert svc.current_scene == "Live" and seen[-1]["current"] == "Live"
        assert bus.status["obs"].state is ServiceState.READY
        await svc.set_program_scene("Starting soon")
        assert obs.current == "Starting soon"
        await wait_until(lambda: svc.current_scene == "Starting soon", 3, "event applied")
        with pytest.raises(SceneNotFound) as e:
            await svc.set_program_scene("없는 장면")
        assert e.value.code == 600 and "없는 장면" in str(e.value)
        await obs.switch_in_obs("BRB")  # the streamer clicks in OBS: the event updates the app
        await wait_until(lambda: svc.current_scene == "BRB" and seen[-1]["current"] == "BRB", 3, "OBS click")
        assert await svc.program_scene() == "BRB"
        await obs.add_scene("Raid")
        await wait_until(lambda: "Raid" in svc.scenes, 3, "new scene listed")
    finally:
        await svc.stop()


async def test_reconnects_with_backoff_when_obs_restarts():
    bus = EventBus()
    d = ObsDouble(password=PASSWORD)
    await d.start()
    port = d.port
    svc = ObsService(bus, configured=True, url=d.url, password=PASSWORD, backoff=(0.05, 0.2))
    await svc.start()
    try:
        await wait_until(lambda: svc.connected, 5, "connected")
        await d.drop_all()
        await d.aclose()  # OBS quit
        await wait_until(lambda: bus.status["obs"].state is ServiceState.RECONNECTING
                         and bus.status["obs"].last_error, 5, "reconnecting with the reason")
        assert "WebSocket" in bus.status["obs"].detail  # says how to turn OBS's server on
        d2 = ObsDouble(password=PASSWORD, port=port)
        await d2.start()  # OBS is back on the same port
        try:
            await wait_until(lambda: svc.connected and bus.status["obs"].state is ServiceState.READY, 5, "back")
            assert svc.client.connections == 2
        finally:
            await svc.stop()
            await d2.aclose()
    finally:
        await svc.stop()


async def test_not_configured_connects_nothing_and_the_light_is_off(obs):
    bus = EventBus()
    svc = make_obs(ObsConfig(configured=False, url=obs.url, password=PASSWORD), bus)
    await svc.start()
    await asyncio.sleep(0.2)
    assert obs.session_log == [] and not svc.connected
    assert bus.status["obs"].state is ServiceState.OFF and bus.status["obs"].detail == tr("obs.off")
    with pytest.raises(Exception, match=tr("obs.not_configured")):
        await svc.set_program_scene("BRB")
    await svc.stop()


async def test_the_password_never_reaches_the_log(obs, caplog):
    caplog.set_level(logging.DEBUG)
    bus = EventBus()
    svc = ObsService(bus, configured=True, url=obs.url, password=PASSWORD)
    await svc.start()
    await wait_until(lambda: svc.connected, 5, "connected")
    await svc.stop()
    assert PASSWORD not in caplog.text and PASSWORD not in repr(svc) and PASSWORD not in repr(svc.client)
