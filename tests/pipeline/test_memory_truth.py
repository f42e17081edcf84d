"""Conversation memory tells the truth (issue 23).

* A reply cut by panic after part of it was heard is stored as what was heard, marked as cut.
* A draft is stored with the emotion it was shown and approved with (a thanks shown as 기쁨 was
  stored as neutral: the memory looked the emotion up by the chat reply generator's own turns only).
* A thanks made without an LLM is labelled as a template, not as the LLM in 0.00 s.

Real reply generator against the loopback OpenAI double, the real speaker (the test-tone engine,
played at device pace into the null output), the real show tools."""

from __future__ import annotations

import json

from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.llm import prompt
from aischoco_gui.models import ChatMessage
from aischoco_gui.paths import user_dirs
from aischoco_gui.pipeline.approval import DraftState
from aischoco_gui.settings import Settings
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.doubles.recording import RecordingAvatar
from tests.wait import wait_until

SHORT = "짧게 먼저요."
LONG = "그리고 이 두 번째 문장은 아주 길어서 다 말하려면 몇 초나 걸리는데 긴급 정지로 중간에 끊길 거예요."


def _services(home, base_url: str = "", **kw):
    s = Settings(overlay_port=0, llm_fallbacks="", tts_engine="fake", tts_fallback="", tts_output_device="null", **kw)
    if base_url:
        s.llm_base_url, s.groq_api_key = base_url, "gsk_test_key_0123456789"
        s.sources["llm_base_url"] = "test"
    bus = EventBus()
    return build_services(s, user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                          overrides={"avatar": RecordingAvatar(bus), "overlay": None, "chat": None})


def _assistant(services):
    turns = [t for t in services.generator.memory.turns if t.role == "assistant"]
    assert turns, "no assistant turn in memory"
    return turns[-1], json.loads(turns[-1].content)


async def _voice_ready(services) -> None:
    await wait_until(lambda: services.bus.status.get("tts") and services.bus.status["tts"].state.value == "ready",
                     30, "the test-tone voice is ready")


async def test_reply_cut_by_panic_is_stored_as_heard_and_marked(home):
    async with OpenAIDouble() as llm:
        llm.script(Script(emotion="happy", response=f"{SHORT} {LONG}"))
        services = _services(home, llm.base_url)
        await start_services(services)
        await _voice_ready(services)
        p = services.pipeline
        try:
            p.on_chat(ChatMessage(nickname="시청자", text="안녕하세요?", user_id="v1"))
            await wait_until(lambda: p.queue.pending, 10, "draft")
            d = p.queue.pending[0]
            p.approve(d.id)
            await wait_until(lambda: any(e.kind is EventKind.SENTENCE_SPOKEN and e.data.get("draft") is d
                                         for e in services.bus.recent), 10, "the first sentence was heard")
            turn, content = _assistant(services)  # while it plays, memory already has the reply (next turns see it)
            assert content["response"] == f"{SHORT} {LONG}" and not turn.cut
            await p.panic()
            await wait_until(lambda: d.state is DraftState.DONE and p.speaking is None, 5, "speech ended")
            turn, content = _assistant(services)
            assert turn.cut
            assert content["response"] == f"{SHORT} {prompt.CUT_MARK}"
            assert "두 번째 문장" not in turn.content and content["emotion"] == "happy"
        finally:
            await stop_services(services)


async def test_reply_that_played_to_the_end_is_stored_whole(home):
    async with OpenAIDouble() as llm:
        llm.script(Script(emotion="sad", response=SHORT))
        services = _services(home, llm.base_url)
        await start_services(services)
        await _voice_ready(services)
        p = services.pipeline
        try:
            p.on_chat(ChatMessage(nickname="시청자", text="안녕?", user_id="v1"))
            await wait_until(lambda: p.queue.pending, 10, "draft")
            d = p.queue.pending[0]
            p.approve(d.id)
            await wait_until(lambda: d.state is DraftState.DONE, 10, "spoken")
            turn, content = _assistant(services)
            assert not turn.cut and content == {"emotion": "sad", "response": SHORT}
        finally:
            await stop_services(services)


async def test_thanks_is_stored_with_the_emotion_it_was_shown_with(home):
    async with OpenAIDouble() as llm:
        llm.script(Script(emotion="happy", response="후원 정말 고마워요!"))
        services = _services(home, llm.base_url)
        await start_services(services)
        p = services.pipeline
        try:
            p.on_chat(ChatMessage(nickname="후원자", text="응원해요", user_id="v2", donation_amount=5000))
            await wait_until(lambda: p.queue.pending, 10, "thanks draft")
            d = p.queue.pending[0]
            assert d.kind == "thanks" and d.emotion == "happy"
            p.approve(d.id)
            await wait_until(lambda: d.state is DraftState.DONE, 10, "spoken")
            _turn, content = _assistant(services)
            assert content == {"emotion": "happy", "response": "후원 정말 고마워요!"}
        finally:
            await stop_services(services)


async def test_thanks_without_an_llm_is_a_template_not_the_llm_in_no_time(home):
    services = _services(home)  # no key: the thanks lane falls back to its fixed sentence
    await start_services(services)
    p = services.pipeline
    try:
        p.on_chat(ChatMessage(nickname="후원자", text="응원해요", user_id="v2", donation_amount=1000))
        await wait_until(lambda: p.queue.pending, 10, "thanks draft")
        r = p.queue.pending[0].reply
        assert r.provider == "template" and not r.model and not r.latency_s
    finally:
        await stop_services(services)
