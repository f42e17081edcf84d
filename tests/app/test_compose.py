"""The composition root: typed services from Settings, a broken adapter reported with a stand-in,
and ``rebuild`` replacing ONE service while the others keep running."""

from __future__ import annotations

import dataclasses

import pytest

from aischoco_gui.compose import NoGenerator, Services, build_services, rebuild, start_services, stop_services
from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.models import ChatMessage
from aischoco_gui.paths import user_dirs
from aischoco_gui.protocols import AvatarDriver, ChatSource, ReplyGenerator, Speaker
from aischoco_gui.settings import Settings
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator
from tests.wait import wait_until

BUILD = object()  # "build the real one" in ``_services``


def _services(home, settings: Settings, bus: EventBus, **overrides) -> Services:
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    stages = {"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus), **overrides}
    return build_services(settings, dirs, bus, overrides={k: v for k, v in stages.items() if v is not BUILD})


async def test_services_are_typed_by_the_protocols(home):
    bus = EventBus()
    s = _services(home, Settings(overlay_port=0, vts_url="ws://127.0.0.1:9", tts_output_device="null"), bus,
                  speaker=BUILD, avatar=BUILD)
    assert isinstance(s.generator, ReplyGenerator) and isinstance(s.chat, ChatSource)
    assert isinstance(s.avatar, AvatarDriver) and isinstance(s.speaker, Speaker)
    assert s.avatar._mouth_source == s.speaker.mouth_level  # lip sync wired once, at construction
    assert s.pipeline.chat_source is s.chat and s.pipeline.generator is s.generator
    assert s.tarot is None  # TAROT_ENABLED is off by default
    assert s.pipeline.interceptors == [s.show.intercept]  # the thanks lane: donations/subscriptions first


async def test_a_broken_adapter_is_reported_and_replaced_by_a_stand_in(home):
    bus = EventBus()
    settings = Settings(overlay_port=0, llm_fallbacks="")
    settings.history_keep_tokens = "not a number"  # the LLM builder compares it: TypeError
    s = _services(home, settings, bus)
    assert isinstance(s.generator, NoGenerator)
    assert bus.status["llm"].state is ServiceState.ERROR and "TypeError" in bus.status["llm"].last_error
    assert isinstance(s.speaker, Speaker) and s.overlay is not None  # the other stages were built


async def test_rebuild_replaces_one_service_while_the_others_run(home):
    bus = EventBus()
    settings = Settings(overlay_port=0)
    s = _services(home, settings, bus, generator=ScriptedGenerator())
    await start_services(s)
    try:
        chat, speaker, avatar, old_overlay = s.chat, s.speaker, s.avatar, s.overlay
        assert old_overlay.running
        async with OpenAIDouble() as llm:
            llm.script(Script(emotion="happy", response="새 모델이 대답해요."))
            new = dataclasses.replace(settings, llm_base_url=llm.base_url, groq_api_key="test-key")
            new.sources["llm_base_url"] = "test"
            await rebuild(s, "llm", new)
            assert s.settings is new and s.pipeline.generator is s.generator
            assert not isinstance(s.generator, ScriptedGenerator)
            s.pipeline.on_chat(ChatMessage(nickname="시청자", text="새 모델 안녕하세요?", user_id="v1"))
            draft = await wait_until(lambda: s.pipeline.queue.pending and s.pipeline.queue.pending[-1], 10,
                                     "a draft from the rebuilt LLM")
            assert draft.text == "새 모델이 대답해요." and llm.requests

            await rebuild(s, "overlay", new)
            assert s.overlay is not old_overlay and s.overlay.running and not old_overlay.running
            await rebuild(s, "chat", new)  # a fresh chat source, started by the running pipeline
            assert s.chat is not chat and s.pipeline.chat_source is s.chat
            await wait_until(lambda: bus.status["chat"].state is ServiceState.READY, 5, "new chat source ready")
            sent = s.chat.send("시청자", "새 채팅 소스에서 안녕!")
            await wait_until(lambda: any(e.kind is EventKind.CHAT_RECEIVED and e.data["message"] is sent
                                         for e in bus.recent), 5, "chat from the new source reached the pipeline")
        assert (s.speaker, s.avatar) == (speaker, avatar)  # the others kept running
    finally:
        await stop_services(s)


async def test_rebuilt_voice_drives_the_avatar_mouth(home):
    bus = EventBus()
    s = _services(home, Settings(overlay_port=0, tts_engine="fake", tts_fallback="", tts_output_device="null",
                                 vts_url="ws://127.0.0.1:9"), bus, avatar=BUILD, overlay=None)
    old = s.speaker
    await rebuild(s, "tts", s.settings)
    assert s.speaker is not old and s.pipeline.speaker is s.speaker
    assert s.avatar._mouth_source == s.speaker.mouth_level  # lip sync follows the new voice
    await rebuild(s, "vts", s.settings)
    assert s.pipeline.avatar is s.avatar and s.avatar._mouth_source == s.speaker.mouth_level
    await stop_services(s)


async def test_rebuild_rejects_an_unknown_name(home):
    s = _services(home, Settings(overlay_port=0), EventBus(), overlay=None)
    with pytest.raises(ValueError, match="unknown service"):
        await rebuild(s, "nope", s.settings)


async def test_apply_settings_rebuilds_only_what_changed(home):
    from aischoco_gui.compose import apply_settings

    bus = EventBus()
    settings = Settings(overlay_port=0, chat_source="rehearsal")
    s = _services(home, settings, bus, generator=ScriptedGenerator(), overlay=None)
    before = (s.chat, s.generator, s.speaker, s.avatar)
    s.auth()  # a CHZZK login object exists
    new = dataclasses.replace(settings, max_pending_drafts=9, chzzk_client_id="new-client")
    rebuilt = await apply_settings(s, new, {"max_pending_drafts", "chzzk_client_id"})
    assert rebuilt == ["chat"] and s.chat is not before[0]
    assert (s.generator, s.speaker, s.avatar) == before[1:]
    assert s.pipeline.max_pending == 9 and s.settings is new
    assert s.chzzk_auth is None  # the next login uses the new client id
    assert await apply_settings(s, new, {"ui_language"}) == []  # a restart field rebuilds nothing
    await stop_services(s)
