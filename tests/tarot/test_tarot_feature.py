"""The tarot feature: chat commands through the pipeline interceptor, the reading from the LLM double,
and the finished reading submitted straight to the pipeline's gate (a draft waiting for approval)."""

from __future__ import annotations

import json

from aischoco_gui.compose import build_services, stop_services
from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.models import ChatMessage
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker
from tests.wait import wait_until


def _services(home, llm_url: str, bus: EventBus):
    settings = Settings(llm_base_url=llm_url, groq_api_key="test-key", tarot_enabled=True, overlay_port=0)
    settings.sources["llm_base_url"] = "test"
    return build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                          overrides={"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus)})


async def test_a_finished_reading_becomes_a_draft_without_a_bus_round_trip(home):
    bus = EventBus()
    async with OpenAIDouble() as llm:
        llm.script(Script(content=json.dumps({"summary": "지금은 준비의 시기예요. 봄에 기회가 와요."},
                                             ensure_ascii=False)))
        s = _services(home, llm.base_url, bus)
        try:
            assert s.tarot is not None and s.overlay.features == (s.tarot,)
            s.pipeline.on_chat(ChatMessage(nickname="별빛", user_id="u1", text="!타로 이직해도 될까요?"))
            assert s.tarot.snapshot()["phase"] == "picking" and not s.pipeline.backlog  # consumed by the feature
            s.pipeline.on_chat(ChatMessage(nickname="별빛", user_id="u1", text="3 17 55"))
            d = await wait_until(lambda: s.pipeline.queue.pending and s.pipeline.queue.pending[-1], 10, "tarot draft")
            assert d.text.startswith("지금은 준비의 시기예요") and d.reply.provider == "tarot"
            assert d.batch[0].nickname == "별빛" and d.batch[0].text == "!타로 이직해도 될까요?"
            assert len(d.sentences) == 2
            assert not any(e.kind is EventKind.OVERLAY for e in bus.recent)  # no bus round trip
        finally:
            await stop_services(s)


async def test_panic_cancels_the_reading(home):
    bus = EventBus()
    s = _services(home, "http://127.0.0.1:9", bus)
    try:
        s.pipeline.on_chat(ChatMessage(nickname="별빛", user_id="u1", text="!타로 오늘의 운세"))
        assert s.tarot.snapshot()["phase"] == "picking"
        bus.emit(EventKind.PANIC)
        assert s.tarot.snapshot()["phase"] == "idle" and "긴급 정지" in s.tarot.snapshot()["notice"]
    finally:
        await stop_services(s)
