"""First-run checks against the loopback doubles: a green and a red case per part."""

from __future__ import annotations

import asyncio
import socket

from aischoco_gui.events import EventBus
from aischoco_gui.firstrun import (
    CHECKS,
    FIXES,
    CheckResult,
    check_chat,
    check_llm,
    check_overlay,
    check_tts,
    check_vts,
    run_all,
)
from aischoco_gui.overlay.server import OverlayServer
from aischoco_gui.overlay.state import OverlayState
from aischoco_gui.settings import Settings
from aischoco_gui.tts.client import HttpTtsClient
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.doubles.tts_servers import AischocoTtsServer
from tests.doubles.vts_server import VTSDouble


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_part_has_a_fix():
    assert set(CHECKS) == set(FIXES)


async def test_chat_rehearsal_official_and_unofficial():
    ok, msg, _detail = await check_chat(Settings())
    assert ok and ("리허설" in msg or "Rehearsal" in msg)
    ok, msg, _detail = await check_chat(Settings(chat_source="chzzk"))
    assert not ok and ("ID" in msg)

    class NoLogin:
        has_user_token = False
        can_refresh = False

    assert not (await check_chat(Settings(chat_source="chzzk", chzzk_client_id="cid",
                                          chzzk_client_secret="csecret"), NoLogin())).ok
    NoLogin.has_user_token = True
    assert (await check_chat(Settings(chat_source="chzzk", chzzk_client_id="cid", chzzk_client_secret="csecret"),
                             NoLogin())).ok
    assert not (await check_chat(Settings(chat_source="chzzk-unofficial"))).ok
    assert (await check_chat(Settings(chat_source="chzzk-unofficial", chzzk_channel_id="abc123"))).ok


async def test_llm_green_sends_a_real_request_with_the_key():
    async with OpenAIDouble() as d:
        s = Settings(groq_api_key="gsk_testkey_123456", llm_base_url=d.base_url)
        s.sources["llm_base_url"] = "test"
        res = await check_llm(s)
        assert res.ok, res.message
        assert len(d.requests) == 1
        assert d.requests[0].headers.get("Authorization") == "Bearer gsk_testkey_123456"


async def test_llm_red_without_key_and_on_server_error():
    res = await check_llm(Settings(groq_api_key=""))
    assert not res.ok and ("GROQ_API_KEY" in res.message)
    async with OpenAIDouble() as d:
        d.script(Script(status=401, error={"message": "Invalid API Key"}))
        s = Settings(groq_api_key="gsk_wrong_1234567", llm_base_url=d.base_url)
        s.sources["llm_base_url"] = "test"
        res = await check_llm(s)
        assert not res.ok
        assert "401" in res.detail and "API 키가 거부" in res.message  # what to do in the line, the reason on hover


async def test_tts_green_synthesizes_the_test_phrase_and_red_when_the_server_is_gone():
    srv = await AischocoTtsServer().start()
    client = HttpTtsClient(srv.url)
    try:
        res = await check_tts(Settings(tts_output_device="null"), client, engine="remote")
        assert res.ok, res.message
        assert srv.requests and srv.requests[0][1]["text"]
        bad = await check_tts(Settings(tts_output_device="wav:"), client, engine="remote")
        assert not bad.ok  # device spec problem is reported after a good synthesis
    finally:
        await srv.stop()
    res = await check_tts(Settings(tts_output_device="null"), client, engine="remote", timeout_s=5)
    await client.aclose()
    assert not res.ok and "remote" in res.message
    assert not (await check_tts(Settings(), None)).ok


async def test_vts_green_connects_and_authorizes(tmp_path):
    async with VTSDouble() as vts:
        res = await check_vts(vts.url, tmp_path / "vts_token.txt", timeout_s=5)
        assert res.ok, res.message
        assert (tmp_path / "vts_token.txt").read_text().strip() in vts.tokens


async def test_vts_red_when_not_running_or_denied(tmp_path):
    res = await check_vts(f"ws://127.0.0.1:{unused_port()}", tmp_path / "t.txt", timeout_s=5)
    assert not res.ok
    async with VTSDouble(auto_allow=None) as vts:
        waiting = asyncio.Event()
        res = await check_vts(vts.url, tmp_path / "t2.txt", timeout_s=1.0, on_waiting=waiting.set)
        assert not res.ok and waiting.is_set()


async def test_overlay_green_and_red():
    bus = EventBus()
    srv = OverlayServer(bus, OverlayState(), host="127.0.0.1", port=0)
    await srv.start()
    try:
        res = await check_overlay(srv.url)
        assert res.ok and srv.url in res.message
    finally:
        await srv.stop()
    assert not (await check_overlay(f"http://127.0.0.1:{unused_port()}/")).ok
    assert not (await check_overlay("")).ok


async def test_run_all_turns_exceptions_into_red_lines():
    async def good():
        return CheckResult(True, "fine")

    async def boom():
        raise RuntimeError("kaput")

    out = await run_all({"a": good, "b": boom})
    assert out["a"].ok and not out["b"].ok and "kaput" in out["b"].detail and "kaput" not in out["b"].message


def test_mic_row_speaks_the_ui_language():
    """The listener's status detail is an English log text; the setup check's mic row must not show it
    in Korean mode (it did: "마이크: microphone off (MIC_MODE=off)")."""
    from types import SimpleNamespace

    from aischoco_gui.events import ServiceState
    from aischoco_gui.firstrun import live_mic
    from aischoco_gui.i18n import language, set_language

    bus = EventBus()
    services = SimpleNamespace(bus=bus, mic=object(), settings=Settings())
    before = language()
    try:
        set_language("ko")
        bus.set_status("mic", ServiceState.OFF, "microphone off (MIC_MODE=off)")
        row = live_mic(services)
        assert row.ok is None and row.fix == "settings"
        assert "microphone off" not in row.message and "마이크 패널" in row.message
        bus.set_status("mic", ServiceState.NOT_CONFIGURED, "no microphone chosen (STT_INPUT_DEVICE=off)")
        row = live_mic(services)
        assert row.ok is False and "장치를 고르세요" in row.message
        set_language("en")
        assert "Microphone panel" in live_mic(services).message
    finally:
        set_language(before)
