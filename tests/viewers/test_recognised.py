"""Done-when of issue 24, against the loopback doubles: a viewer who chatted and donated in one run is
recognised in the next run — the LLM double sees their card (the streamer's note, the donation total, a
"returning" greeting) in a user message. Everything is the real app wiring (``compose``), the real CHZZK
official source on the CHZZK double, the real LLM client on the OpenAI double, the real SQLite file."""

from __future__ import annotations

import dataclasses
import json
import re

from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from aischoco_gui.viewers.store import VIEWERS_FILE
from tests.doubles.chzzk_server import ChzzkDouble
from tests.doubles.openai_server import OpenAIDouble
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker
from tests.wait import wait_until

VIEWERS_RE = re.compile(r"<viewers>\n(.*?)\n</viewers>", re.S)


def cards(req) -> list[dict]:
    for m in req.messages:
        found = VIEWERS_RE.search(str(m.get("content", "")))
        if found:
            assert m["role"] == "user"  # viewer data, never a system message
            return json.loads(found.group(1))
    return []


async def one_run(home, chzzk: ChzzkDouble, llm: OpenAIDouble, act) -> None:
    settings = dataclasses.replace(
        Settings(), chat_source="chzzk", chzzk_openapi_base=chzzk.base_url, chzzk_client_id=chzzk.client_id,
        chzzk_client_secret=chzzk.client_secret, chzzk_access_token="user-token-1", chat_reconnect_base_s=0.1,
        llm_base_url=llm.base_url, groq_api_key="test-key", groq_model="openai/gpt-oss-120b", llm_timeout_s=2.0,
        overlay_port=0, max_pending_drafts=10)
    settings.sources["llm_base_url"] = "test"
    bus = EventBus()
    s = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                       overrides={"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus), "overlay": None})
    await start_services(s)
    try:
        await wait_until(lambda: bus.status.get("chat") and bus.status["chat"].state == ServiceState.READY
                         and chzzk.subscribed("CHAT") and chzzk.subscribed("DONATION"), 10, "CHZZK chat subscribed")
        assert await s.viewers.wait_ready()
        await act(s)
    finally:
        await stop_services(s)


async def test_a_viewer_who_chatted_and_donated_is_recognised_in_the_next_run(home):
    chzzk = await ChzzkDouble(ping_interval_ms=2000, ping_timeout_ms=2000).start()
    try:
        async with OpenAIDouble() as llm:
            async def first(s) -> None:
                await chzzk.push_chat("처음 왔어요! 고양이 키워요", sender="fan-42", nickname="딸기우유")
                await chzzk.push_donation("노래 한 곡 불러 주세요", 10000, donator="fan-42", nickname="딸기우유")
                await wait_until(lambda: len(llm.requests) >= 2, 10, "the chat and the thanks asked")
                first_card = next(c for r in llm.requests for c in cards(r))
                assert first_card["greet"] == "first_time"
                s.viewers.set_note("chzzk:fan-42", "첫 방송부터 함께한 분").result(5)

            await one_run(home, chzzk, llm, first)
            llm.clear()

            async def second(s) -> None:
                await chzzk.push_chat("또 왔어요~", sender="fan-42", nickname="딸기라떼")  # a new nickname, same id
                await wait_until(lambda: any(cards(r) for r in llm.requests), 10, "a turn with a card")

            await one_run(home, chzzk, llm, second)
    finally:
        await chzzk.stop()
    card = next(c for r in llm.requests for c in cards(r))
    assert card["nick"] == "딸기라떼" and card["greet"] == "returning"
    assert card["note"] == "첫 방송부터 함께한 분"
    assert card["donated"] == "₩10,000 (1회)" and card["shows"] == 2
    assert (home / "history" / VIEWERS_FILE).exists()
