"""The VTS client and avatar against the loopback VTS API double (real websockets on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import struct
import time
from pathlib import Path

import pytest

from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.paths import resource_path
from aischoco_gui.vts.avatar import AvatarConfig, VTSAvatar
from aischoco_gui.vts.client import APIError, VTSClient, discover, load_icon_b64
from aischoco_gui.vts.poses import PoseMapping
from tests.doubles.vts_server import VTSDouble
from tests.wait import wait_until

MAPPING = {
    "parameter_mapping": {"angle_x": "FaceAngleX", "smile": "MouthSmile", "breath": "AIsChocoBreath",
                          "right_leg": "AIsChocoLegR"},
    "emotions": {
        "neutral": {"angle_x": 0, "smile": 0.2, "breath": 0.5, "right_leg": 0},
        "happy": {"angle_x": 12, "smile": 1.0, "breath": 0.6, "right_leg": 45},
        "sad": {"angle_x": -6, "smile": 0.0, "breath": 0.3, "right_leg": -5},
    },
    "default": "neutral",
    "custom_parameters": {"AIsChocoBreath": {"min": 0, "max": 1, "default": 0.5},
                          "AIsChocoLegR": {"min": -30, "max": 30, "default": 0}},
    "transition": {"seconds": 0.3, "curve": "linear"},
}


until = wait_until  # the suite's one wait helper (tests/wait.py)

# Key tests run with the VTS loop thread (VTS_THREAD, the default) and without it (today's single loop).
both_loops = pytest.mark.parametrize("thread", [True, False], ids=["vts-thread", "one-loop"])


def make_avatar(vts: VTSDouble, tmp_path: Path, mapping: dict | None = None, bus: EventBus | None = None,
                **kw) -> VTSAvatar:
    cfg = AvatarConfig(url=vts.url, token_path=tmp_path / "config" / "vts_token.txt",
                       mapping_path=tmp_path / "config" / "pose_mapping.json",
                       icon_b64=load_icon_b64(resource_path("icons", "vts_plugin_icon.png")),
                       weight_ramp_s=0.15, backoff=(0.05, 0.3), denied_retry_s=0.1, retry_excluded_s=0.3, seed=1,
                       idle_enabled=kw.pop("idle_enabled", False), **kw)
    return VTSAvatar(bus or EventBus(), cfg, PoseMapping.from_dict(mapping or MAPPING))


@pytest.fixture
async def vts():
    async with VTSDouble() as d:
        yield d


def png_size(b64: str) -> tuple[int, int]:
    raw = base64.b64decode(b64)
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", raw[16:24])


@both_loops
async def test_first_auth_requests_token_with_icon_and_stores_it(vts, tmp_path, thread):
    av = make_avatar(vts, tmp_path, thread=thread)
    await av.start()
    try:
        await until(lambda: av.client.ready and len(vts.injections) > 3)
        req = vts.token_requests[0]
        assert req["pluginName"] == "aischoco" and req["pluginDeveloper"] == "aischoco"
        assert png_size(req["pluginIcon"]) == (128, 128)
        token = (tmp_path / "config" / "vts_token.txt").read_text(encoding="utf-8")
        assert token in vts.tokens
    finally:
        await av.stop()
    # A second run uses the stored token: no new prompt for the streamer.
    av2 = make_avatar(vts, tmp_path)
    await av2.start()
    try:
        await until(lambda: av2.client.ready)
        assert len(vts.token_requests) == 1
    finally:
        await av2.stop()


async def test_denied_then_allowed(tmp_path):
    async with VTSDouble(auto_allow=False) as vts:
        bus = EventBus()
        av = make_avatar(vts, tmp_path, bus=bus)
        await av.start()
        try:
            await until(lambda: bus.status["vts"].state is ServiceState.ERROR)
            assert "허용" in bus.status["vts"].detail
            assert not vts.injections
            vts.auto_allow = True
            await until(lambda: av.client.ready and vts.injections)
        finally:
            await av.stop()


@both_loops
async def test_reauth_after_revocation_error_50(vts, tmp_path, thread):
    av = make_avatar(vts, tmp_path, thread=thread)
    await av.start()
    try:
        await until(lambda: len(vts.injections) > 2)
        old = (tmp_path / "config" / "vts_token.txt").read_text(encoding="utf-8")
        vts.revoke_all()
        n = len(vts.injections)
        await until(lambda: len(vts.token_requests) == 2 and len(vts.injections) > n + 3)
        new = (tmp_path / "config" / "vts_token.txt").read_text(encoding="utf-8")
        assert new != old and new in vts.tokens and new not in vts.revoked
        assert any(m == "AuthenticationRequest" for _, m, _ in vts.requests[-40:])
    finally:
        await av.stop()


async def test_reauth_after_error_8(tmp_path):
    async with VTSDouble(revoked_error=8) as vts:
        av = make_avatar(vts, tmp_path)
        await av.start()
        try:
            await until(lambda: len(vts.injections) > 2)
            vts.revoke_all()
            n = len(vts.injections)
            await until(lambda: len(vts.injections) > n + 3)
            assert len(vts.token_requests) == 2
        finally:
            await av.stop()


@both_loops
async def test_concurrent_requests_while_mixer_runs(vts, tmp_path, thread):
    # full rate throughout: counts frames below
    av = make_avatar(vts, tmp_path, idle_enabled=True, idle_hz=30.0, thread=thread)
    vts.reply_delay_s = 0.005
    await av.start()
    try:
        await until(lambda: av.client.ready and len(vts.injections) > 2)
        names = ["FaceAngleX", "MouthSmile", "MouthOpen", "EyeOpenLeft", "AIsChocoBreath"] * 6
        # av.request: from this (main) loop, run on the client's loop (the VTS thread when it runs)
        replies = await asyncio.gather(*(av.request("ParameterValueRequest", {"name": n}) for n in names))
        assert [r["name"] for r in replies] == names  # each reply matched to its own request
        with pytest.raises(APIError) as e:
            await av.request("ParameterValueRequest", {"name": "Nope"})
        assert e.value.error_id == 453
        n = len(vts.injections)
        await until(lambda: len(vts.injections) >= n + 6, what="the mixer still sending")  # it kept sending
    finally:
        await av.stop()


@both_loops
async def test_reconnects_after_vts_restart(vts, tmp_path, thread):
    bus = EventBus()
    states: list[ServiceState] = []
    bus.subscribe(lambda e: states.append(e.data["status"].state) if e.kind is EventKind.STATUS else None)
    av = make_avatar(vts, tmp_path, bus=bus, thread=thread)
    await av.start()
    try:
        await until(lambda: len(vts.injections) > 2)
        first_session = vts.injections[-1].session
        await vts.restart(down_s=0.4)
        await until(lambda: vts.injections and vts.injections[-1].session != first_session, timeout=8)
        assert ServiceState.RECONNECTING in states and states[-1] is ServiceState.READY
        assert len(vts.token_requests) == 1  # stored token reused
        # Control is taken again with a weight ramp, not a jump.
        new = [i for i in vts.injections if i.session != first_session]
        assert new[0].weights["FaceAngleX"] < 1.0
    finally:
        await av.stop()


@both_loops
async def test_starts_fine_with_nothing_listening(tmp_path, thread):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bus = EventBus()
    av = VTSAvatar(bus, AvatarConfig(url=f"ws://127.0.0.1:{port}", token_path=tmp_path / "t.txt",
                                     mapping_path=tmp_path / "p.json", backoff=(0.05, 0.2), thread=thread),
                   PoseMapping.from_dict(MAPPING))
    await av.start()
    try:
        await until(lambda: bus.status["vts"].state is ServiceState.RECONNECTING)
        st = bus.status["vts"]
        assert "API 시작" in st.detail and "VTube Studio" in st.last_error
        av.set_emotion("happy")  # the pipeline can still call us
        av.set_speaking(True)
        # the mixer runs; nothing is sent
        await until(lambda: av.snapshot()["values"]["FaceAngleX"][0] > 0, what="the mixer moving")
    finally:
        await av.stop()


async def test_custom_parameters_created_and_values_clamped(vts, tmp_path):
    av = make_avatar(vts, tmp_path)
    await av.start()
    try:
        await until(lambda: av.client.ready and len(vts.injections) > 2)
        assert vts.custom["AIsChocoBreath"]["min"] == 0 and vts.custom["AIsChocoLegR"]["max"] == 30
        assert vts.custom["AIsChocoLegR"]["addedBy"] == "aischoco"
        av.set_emotion("happy")  # right_leg 45 is beyond the real range (-30..30)
        await until(lambda: max(v for _, v in vts.values_of("AIsChocoLegR")) >= 30.0, what="the leg at its limit")
        legs = [v for _, v in vts.values_of("AIsChocoLegR")]
        assert max(legs) == 30.0
        assert all(-30 <= v <= 30 for v in legs)
    finally:
        await av.stop()


async def test_live2d_param_ids_are_reported_not_sent(vts, tmp_path):
    bus = EventBus()
    mapping = json.loads(json.dumps(MAPPING))
    mapping["parameter_mapping"]["angle_x"] = "ParamAngleX"
    av = make_avatar(vts, tmp_path, mapping, bus=bus)
    await av.start()
    try:
        await until(lambda: len(vts.injections) > 2)
        notices = [e.data["text"] + " " + e.data["detail"] for e in bus.recent if e.kind is EventKind.NOTICE]
        assert any("ParamAngleX" in t and "FaceAngleX" in t for t in notices)
        assert all("ParamAngleX" not in i.values for i in vts.injections)
        assert "MouthSmile" in vts.injections[-1].values  # the rest still works
        assert av.snapshot()["problems"]
    finally:
        await av.stop()


async def test_parameter_held_by_other_plugin_is_reported_and_retried(vts, tmp_path):
    bus = EventBus()
    av = make_avatar(vts, tmp_path, bus=bus)
    vts.hold("MouthSmile")
    await av.start()
    try:
        await until(lambda: len(vts.injections) > 3)
        assert "MouthSmile" not in vts.injections[-1].values and "FaceAngleX" in vts.injections[-1].values
        assert any("다른 플러그인" in e.data["text"] and "MouthSmile" in e.data["text"]
                   for e in bus.recent if e.kind is EventKind.NOTICE)
        vts.release("MouthSmile")
        await until(lambda: "MouthSmile" in vts.injections[-1].values, timeout=3)
    finally:
        await av.stop()


@both_loops
async def test_model_loaded_event_refreshes_hotkeys_and_expressions(vts, tmp_path, thread):
    bus = EventBus()
    mapping = json.loads(json.dumps(MAPPING))
    mapping["expressions"] = {"happy": {"hotkey": "Smile"}, "sad": {"expression_file": "sad.exp3.json", "fade": 0.4}}
    av = make_avatar(vts, tmp_path, mapping, bus=bus, thread=thread)
    await av.start()
    try:
        await until(lambda: av.client.ready and av.hotkeys)
        av.set_emotion("happy")
        await until(lambda: vts.hotkey_fired)
        av.set_emotion("happy")  # within the cooldown: shown, not fatal
        await until(lambda: any("대기 시간" in e.data["text"] for e in bus.recent if e.kind is EventKind.NOTICE))
        av.set_emotion("sad")
        await until(lambda: vts.expressions)
        assert vts.expressions[-1][1:] == ("sad.exp3.json", True, 0.4)
        await vts.load_model("Mint")
        await until(lambda: av.model_name == "Mint" and av.hotkeys[0]["name"] == "MintWave")
        av.set_emotion("happy")  # "Smile" is gone with the old model: 202 shown
        await until(lambda: any("지금 모델에 없어요" in e.data["text"]
                                for e in bus.recent if e.kind is EventKind.NOTICE))
        assert av.client.ready
    finally:
        await av.stop()


@both_loops
async def test_emotion_transition_on_the_wire_is_smooth_and_reacts_within_a_frame(vts, tmp_path, thread):
    av = make_avatar(vts, tmp_path, thread=thread)
    await av.start()
    try:
        await until(lambda: av.client.ready and len(vts.injections) > 10)
        n = len(vts.injections)
        av.set_emotion("happy")
        await until(lambda: vts.values_of("FaceAngleX")[-1][1] == pytest.approx(12.0), what="the pose reached")
        # within a frame, counted in frames (not seconds): at most the one frame already on the socket
        # (the avatar keeps one in flight) arrives unchanged, the next one moves toward the pose
        vals = [i.values["FaceAngleX"] for i in vts.injections[n:] if "FaceAngleX" in i.values]
        first_move = next(k for k, v in enumerate(vals) if v > 0.0)
        assert first_move <= 1 and all(v == 0.0 for v in vals[:first_move])
        assert av.first_frame_after_emotion is not None  # the avatar measured its reaction
        assert vals[-1] == pytest.approx(12.0)
        assert max(b - a for a, b in zip(vals, vals[1:], strict=False)) < 12.0 / 0.3 / 30 * 2.2  # no jump
        assert sum(1 for v in vals if 0.5 < v < 11.5) >= 5  # several in-between frames over 0.3 s
    finally:
        await av.stop()


@both_loops
async def test_mouth_values_follow_a_known_envelope(vts, tmp_path, thread):
    av = make_avatar(vts, tmp_path, thread=thread)
    t0 = time.monotonic() + 0.5

    def level() -> float:  # 0.3 s bursts of sound with 0.3 s gaps
        t = time.monotonic() - t0
        return 0.9 if t >= 0 and int(t / 0.3) % 2 == 0 else 0.0

    av.set_mouth_source(level)
    await av.start()
    try:
        await until(lambda: av.client.ready)
        av.set_speaking(True)
        # time is the subject: the mouth source is a function of the real clock; wait until 1.2 s of it were sent
        await until(lambda: vts.injections and vts.injections[-1].t >= t0 + 1.25, what="1.2 s of bursts sent")
        mouth = [(t - t0, v) for t, v in vts.values_of("MouthOpen") if t >= t0]
        loud = [v for t, v in mouth if 0.1 < (t % 0.6) < 0.3]
        quiet = [v for t, v in mouth if 0.45 < (t % 0.6) < 0.6]
        assert loud and quiet and min(loud) > 0.7 and max(quiet) < 0.3
    finally:
        await av.stop()


async def test_self_test_with_synthetic_envelope(vts, tmp_path):
    av = make_avatar(vts, tmp_path)
    await av.start()
    try:
        await until(lambda: av.client.ready and len(vts.injections) > 3)
        res = await av.self_test(speaker=None, seconds=0.8)
        assert res["ok"] and res["source"] == "synthetic" and res["moved"] > 0.3
        mouth = [v for _, v in vts.values_of("MouthOpen")]
        assert max(mouth) > 0.3
    finally:
        await av.stop()
    res = await av.self_test(seconds=0.2)  # stopped: says so instead of pretending
    assert not res["ok"] and "연결되지 않아" in res["detail"]


@both_loops
async def test_self_test_via_speaker(vts, tmp_path, thread):
    class Speaker:
        def __init__(self):
            self.level = 0.0
            self.spoken = []

        def mouth_level(self):
            return self.level

        async def speak_text(self, text):
            self.spoken.append(text)
            for k in range(12):
                self.level = 0.9 if k % 2 == 0 else 0.0
                await asyncio.sleep(0.05)  # time is the subject: speech paced in real time, as the avatar samples it
            self.level = 0.0

    sp = Speaker()
    av = make_avatar(vts, tmp_path, thread=thread)
    av.set_mouth_source(sp.mouth_level)
    await av.start()
    try:
        await until(lambda: av.client.ready and len(vts.injections) > 3)
        res = await av.self_test(speaker=sp)
        assert sp.spoken and res["source"] == "speaker" and res["ok"], res
    finally:
        await av.stop()


@both_loops
async def test_stop_releases_control_with_a_weight_ramp(vts, tmp_path, thread):
    av = make_avatar(vts, tmp_path, thread=thread)
    await av.start()
    await until(lambda: av.client.ready and len(vts.injections) > 8)
    assert vts.injections[-1].weights["FaceAngleX"] == 1.0
    n = len(vts.injections)
    await av.stop()
    tail = [i.weights["FaceAngleX"] for i in vts.injections[n:]]
    assert len(tail) >= 3 and tail[-1] < 0.3
    assert all(b <= a for a, b in zip(tail, tail[1:], strict=False))


async def test_udp_discovery():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    msg = json.dumps({"apiName": "VTubeStudioPublicAPI", "apiVersion": "1.0", "messageType":
                      "VTubeStudioAPIStateBroadcast", "data": {"active": True, "port": 8123, "instanceID": "abc",
                                                               "windowTitle": "VTube Studio"}}).encode()

    async def broadcast():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for _ in range(5):
                await asyncio.sleep(0.05)  # time is the subject: broadcasts spread over discover()'s 0.4 s window
                tx.sendto(msg, ("127.0.0.1", port))

    found, _ = await asyncio.gather(discover(timeout=0.4, port=port), broadcast())
    assert found == [{"host": "127.0.0.1", "port": 8123, "instanceID": "abc", "windowTitle": "VTube Studio"}]


async def test_client_not_connected_request_fails_clearly(tmp_path):
    c = VTSClient("ws://127.0.0.1:9", tmp_path / "t.txt")
    with pytest.raises(Exception, match="not connected"):
        await c.request("APIStateRequest")


async def test_frames_written_without_a_future_still_report_refusals_timeouts_and_a_close(vts, tmp_path):
    """Issue 27: a frame's reply has no future or timer of its own; VTS's APIError still reaches the
    caller, an unanswered frame times out (seen as later frames go out), and a close fails the rest."""
    av = make_avatar(vts, tmp_path, thread=False)
    await av.start()
    errors: list[BaseException] = []
    try:
        await until(lambda: av.client.ready)
        client = av.client
        assert client.send_frame_now("InjectParameterDataRequest", {"faceFound": True, "mode": "set",
                                     "parameterValues": [{"id": "Nope", "value": 1.0}]}, errors.append)
        await until(lambda: errors, what="the 453 for the frame")
        assert isinstance(errors[0], APIError) and errors[0].error_id == 453 and not client._frames
        n = len(vts.injections)
        assert client.send_frame_now("InjectParameterDataRequest", {"faceFound": True, "mode": "set",
                                     "parameterValues": [{"id": "FaceAngleX", "value": 3.0}]}, errors.append)
        await until(lambda: len(vts.injections) > n and not client._frames, what="the frame answered")
        assert len(errors) == 1  # a successful answer calls nothing
        client.request_timeout_s = 0.2
        vts.reply_delay_s = 1.0  # VTS answers too late
        assert client.send_frame_now("InjectParameterDataRequest", {"faceFound": True, "mode": "set",
                                     "parameterValues": [{"id": "FaceAngleX", "value": 4.0}]}, errors.append)
        await asyncio.sleep(0.3)  # time itself is under test: past the frame's deadline
        client.send_frame_now("InjectParameterDataRequest", {"faceFound": True, "mode": "set",
                              "parameterValues": [{"id": "FaceAngleX", "value": 5.0}]}, errors.append)
        assert isinstance(errors[1], TimeoutError) and len(errors) == 2
    finally:
        await av.stop()
    assert len(errors) >= 3 and type(errors[2]).__name__ == "NotConnected"  # the last frame, failed by the close
