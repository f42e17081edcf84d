"""Issue 12 (VTube Studio) and issue 18 (VTS idle cost) against the loopback VTS double."""

from __future__ import annotations

import asyncio
import json

from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.vts.client import AISCHOCO_IDENTITY, VTSClient, connect_kwargs
from tests.doubles.vts_server import VTSDouble
from tests.vts.test_vts_client import MAPPING, make_avatar, until


def notices(bus: EventBus) -> list[str]:
    return [e.data["text"] for e in bus.recent if e.kind is EventKind.NOTICE]


async def test_an_exception_inside_the_client_shows_as_error_and_it_reconnects(tmp_path):
    """Failure injected through the on_ready hook: the task must not end; ERROR with the text, then READY."""
    states: list[tuple[ServiceState, str, str | None]] = []
    calls = 0

    async def on_ready() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("injected failure in on_ready")

    async with VTSDouble() as vts:
        client = VTSClient(vts.url, tmp_path / "t.txt", on_ready=on_ready, backoff=(0.05, 0.2),
                           on_state=lambda st, d, e, a: states.append((st, d, e)))
        task = asyncio.get_running_loop().create_task(client.run())
        try:
            await until(lambda: calls >= 2 and client.ready)
            errors = [(d, e) for st, d, e in states if st is ServiceState.ERROR]
            assert errors and "injected failure in on_ready" in (errors[0][1] or "")
            assert "RuntimeError" in (errors[0][1] or "") and "오류" in errors[0][0]  # the detail / the words
            assert not task.done() and client.crashes == 1 and client.connections == 2
        finally:
            await client.close()
            await task


async def test_avatar_shows_client_failure_on_the_bus_status(tmp_path):
    bus = EventBus()
    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path, bus=bus)
        real = av.client.on_ready
        fired = []

        async def flaky() -> None:
            if not fired:
                fired.append(1)
                raise ValueError("boom from the test")
            await real()

        av.client.on_ready = flaky
        seen: list[tuple[ServiceState, str]] = []
        bus.subscribe(lambda ev: seen.append((ev.data["status"].state, ev.data["status"].last_error))
                      if ev.kind is EventKind.STATUS and ev.data["status"].name == "vts" else None)
        await av.start()
        try:
            await until(lambda: len(vts.injections) > 2)
            assert any(st is ServiceState.ERROR and "boom from the test" in err for st, err in seen)
            assert bus.status["vts"].state is ServiceState.READY
        finally:
            await av.stop()


async def test_frames_are_sent_without_permessage_deflate(tmp_path):
    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path)
        await av.start()
        try:
            await until(lambda: len(vts.injections) > 2)
            assert vts.session_log and all("permessage-deflate" not in s.extensions for s in vts.session_log)
        finally:
            await av.stop()
    assert connect_kwargs()["compression"] is None


async def test_face_found_true_by_default_and_off_by_setting(tmp_path):
    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path)
        await av.start()
        try:
            await until(lambda: len(vts.injections) > 2)
            assert all(i.face_found for i in vts.injections)
        finally:
            await av.stop()
    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path / "b", face_found=False)
        await av.start()
        try:
            await until(lambda: len(vts.injections) > 2)
            assert not any(i.face_found for i in vts.injections)
        finally:
            await av.stop()


def test_face_found_setting_from_environment(tmp_path):
    from aischoco_gui.paths import user_dirs
    from aischoco_gui.settings import load_settings
    home = {"AISCHOCO_HOME": str(tmp_path)}
    assert load_settings(user_dirs(home), env=home, cwd=tmp_path, use_keyring=False).vts_face_found is True
    env = {**home, "VTS_FACE_FOUND": "false"}
    assert load_settings(user_dirs(env), env=env, cwd=tmp_path, use_keyring=False).vts_face_found is False


async def test_token_imported_from_aischoco_is_reused_without_a_prompt(tmp_path):
    async with VTSDouble() as vts:
        tok = vts.issue_token(*AISCHOCO_IDENTITY)
        path = tmp_path / "config" / "vts_token.txt"
        path.parent.mkdir(parents=True)
        path.write_text(tok)
        av = make_avatar(vts, tmp_path)
        await av.start()
        try:
            await until(lambda: len(vts.injections) > 2)
            assert vts.token_requests == []  # the streamer is not asked again
            assert av.client.identity_used == AISCHOCO_IDENTITY
            assert path.read_text().strip() == tok
            await vts.restart()  # reconnect goes straight to the identity that worked
            n = len(vts.auth_requests)
            await until(lambda: len(vts.auth_requests) > n and av.client.ready)
            assert vts.auth_requests[-1]["pluginName"] == "AIsChoco" and vts.token_requests == []
        finally:
            await av.stop()


async def test_double_ties_tokens_to_plugin_name_and_developer(tmp_path):
    async with VTSDouble() as vts:
        tok = vts.issue_token("AIsChoco", "SomeoneElse")  # same name, other developer: not ours
        (tmp_path / "t.txt").write_text(tok)
        client = VTSClient(vts.url, tmp_path / "t.txt", backoff=(0.05, 0.2))
        task = asyncio.get_running_loop().create_task(client.run())
        try:
            await until(lambda: client.ready)
            assert len(vts.token_requests) == 1 and vts.token_requests[0]["pluginName"] == "aischoco"
            assert (tmp_path / "t.txt").read_text().strip() != tok
        finally:
            await client.close()
            await task


async def test_parameter_missing_in_vts_is_named_skipped_and_the_rest_keeps_flowing(tmp_path):
    bus = EventBus()
    mapping = json.loads(json.dumps(MAPPING))
    mapping["parameter_mapping"]["brow"] = "BrowLeftY"
    mapping["emotions"]["neutral"]["brow"] = 0.3
    async with VTSDouble() as vts:
        del vts.params["BrowLeftY"]  # this VTS/model does not have it: 453 for any frame naming it
        av = make_avatar(vts, tmp_path, mapping, bus=bus)
        await av.start()
        try:
            await until(lambda: len(vts.injections) > 5)  # held still: a frame per keepalive (issue 27)
            assert all("BrowLeftY" not in i.values for i in vts.injections)
            assert "MouthSmile" in vts.injections[-1].values and "FaceAngleX" in vts.injections[-1].values
            named = [t for t in notices(bus) if "BrowLeftY" in t]
            assert len(named) == 1 and "brow" in named[0]  # once, with the logical name; not every retry
            st = bus.status["vts"]
            assert st.state is ServiceState.READY and "BrowLeftY" in st.detail
            assert "BrowLeftY" in av.snapshot()["excluded"]
        finally:
            await av.stop()


async def test_parameter_disappearing_mid_session_453_is_skipped(tmp_path):
    """VTS answers 453 for a frame (the model changed under us): that id is dropped, others continue."""
    bus = EventBus()
    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path, bus=bus)
        await av.start()
        try:
            await until(lambda: len(vts.injections) > 3)
            del vts.params["MouthSmile"]
            n = len(vts.injections)
            await until(lambda: len(vts.injections) > n + 10)
            assert "MouthSmile" not in vts.injections[-1].values and "FaceAngleX" in vts.injections[-1].values
            assert any("MouthSmile" in t for t in notices(bus))
            assert "MouthSmile" in bus.status["vts"].detail
        finally:
            await av.stop()


def test_websockets_lower_bound_is_the_version_ci_runs_the_vts_tests_on():
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    bound = re.search(r'"websockets>=([\d.]+)"', (root / "pyproject.toml").read_text()).group(1)
    ci = (root / ".ci" / "run").read_text()
    assert f'"websockets=={bound}.0"' in ci or f'"websockets=={bound}"' in ci
    assert "tests/vts" in ci
