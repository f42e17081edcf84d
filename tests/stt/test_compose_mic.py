"""The microphone in the composition root: typed, started with the others, closed (nothing opened, nothing sent)
while MIC_MODE=off or STT_INPUT_DEVICE=off, and rebuilt live when its settings change."""

from __future__ import annotations

import dataclasses

import pytest

from aischoco_gui.compose import build_services, rebuild, start_services, stop_services
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.paths import user_dirs
from aischoco_gui.protocols import MicInput
from aischoco_gui.settings import Settings
from aischoco_gui.stt.listener import MicListener
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator
from tests.doubles.stt_server import SttDouble
from tests.stt.speech import PHRASE_A, make_speech
from tests.wait import wait_until

KEY = "gsk_test_stt"


def services(home, settings: Settings):
    bus = EventBus()
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    return build_services(settings, dirs, bus, overrides={
        "speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus), "generator": ScriptedGenerator(),
        "chat": None, "overlay": None})


@pytest.mark.parametrize("over", [{}, {"mic_mode": "cohost"}, {"stt_input_device": "wav:x.wav"}])
async def test_mic_closed_while_off_nothing_built_or_sent(home, over):
    async with SttDouble(key=KEY) as d:
        s = services(home, Settings(stt_base_url=d.base_url, stt_api_key=KEY, **over))
        assert isinstance(s.mic, MicInput) and isinstance(s.mic, MicListener)
        assert s.mic.engine is None  # no engine: no client, no child process, no key used
        await start_services(s)
        try:
            want = ServiceState.OFF if s.settings.mic_mode == "off" else ServiceState.NOT_CONFIGURED
            assert s.bus.status["stt"].state is want
            assert s.mic._thread is None and s.mic._capture is None and s.mic.level_dbfs == -120.0
        finally:
            await stop_services(s)
        assert d.requests == []


@pytest.mark.espeak
@pytest.mark.slow
async def test_rebuild_opens_the_new_microphone_live_and_closes_it_again(home, tmp_path):
    sp = make_speech(tmp_path, (PHRASE_A,), lead_s=0.5, tail_s=0.3)
    async with SttDouble(key=KEY, text="안녕하세요 오늘 같이 게임해요") as d:
        settings = Settings(stt_base_url=d.base_url, stt_api_key=KEY)
        s = services(home, settings)
        await start_services(s)
        try:
            old = s.mic
            assert s.bus.status["stt"].state is ServiceState.OFF
            await rebuild(s, "mic", dataclasses.replace(settings, mic_mode="cohost",
                                                        stt_input_device=f"wav:{sp.path}", barge_in="duck"))
            assert s.mic is not old and s.mic_turns.barge_in == "duck"
            await wait_until(lambda: s.bus.status["stt"].state is ServiceState.READY, timeout=15)
            await wait_until(lambda: s.pipeline.queue.pending, timeout=20)  # heard → transcribed → a draft
            d0 = s.pipeline.queue.pending[0]
            assert d0.batch[0].is_voice and d0.batch[0].text == "안녕하세요 오늘 같이 게임해요"
            mic = s.mic
            await rebuild(s, "mic", dataclasses.replace(settings, mic_mode="off"))
            assert mic._thread is None  # the old microphone's worker was joined (capture closed)
            assert s.bus.status["stt"].state is ServiceState.OFF and s.mic.engine is None
        finally:
            await stop_services(s)
        assert len(d.requests) == 1
