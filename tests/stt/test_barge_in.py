"""Barge-in measured on the WAV sink (issue 16): while the AI's voice plays, the streamer's espeak-ng speech
(``wav:`` input, real time) is detected by Silero VAD and the output is ducked within one audio block, then
restored when the streamer stops. The AI's output is a steady tone so its level can be read block by block."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from aischoco_gui.audio.output import AudioOutput
from aischoco_gui.audio.pcm import read_wav_file, rms
from aischoco_gui.events import EventBus
from aischoco_gui.pipeline.mic import MicTurns
from aischoco_gui.stt.factory import build_engine
from aischoco_gui.stt.listener import ListenerConfig, MicListener
from tests.doubles.stt_server import SttDouble
from tests.stt.speech import PHRASE_A, make_speech
from tests.wait import wait_until as until

KEY = "gsk_test_stt"
pytestmark = [pytest.mark.espeak, pytest.mark.slow]


async def test_duck_within_one_block_of_the_onset_and_restore_when_the_streamer_stops(tmp_path):
    sp = make_speech(tmp_path, (PHRASE_A,), lead_s=1.0, tail_s=1.0)
    path = tmp_path / "ai.wav"
    bus = EventBus()
    out = AudioOutput(f"wav:{path}", bus, rate=16000, block_s=0.010)
    calls: list[tuple[float, int]] = []  # (gain, output frames written when it was asked)

    def set_gain(g: float) -> None:
        calls.append((g, out.sink.writer.frames))
        out.set_gain(g, ramp_ms=5)

    heard: list[str] = []
    turns = MicTurns(bus, lambda m: heard.append(m.text), lambda m: None, barge_in="duck", duck_gain=0.1,
                     set_gain=set_gain)
    await out.start()
    async with SttDouble(key=KEY, text="잠깐만요") as d:
        engine = build_engine("remote", bus, base_url=d.base_url, api_key=KEY, model="whisper-large-v3-turbo",
                              local_model="small", cache_dir=tmp_path)
        lis = MicListener(ListenerConfig(mode="cohost", input_device=f"wav:{sp.path}", barge_in="duck"), bus,
                          engine, turns.on_utterance, turns.on_barge_in, on_speech_end=turns.on_speech_end)
        try:
            t = np.arange(16000 * 12) / 16000
            out.write((0.5 * np.sin(2 * np.pi * 300 * t)).astype(np.float32))  # the AI talking, 12 s
            out.hold = True
            lis.set_app_speaking(True)
            await lis.start()
            await until(lambda: len(calls) >= 2 and heard, timeout=20)
            restored_at = calls[1][1]
            await until(lambda: out.sink.writer.frames >= restored_at + 6 * out.block, timeout=5)
            await asyncio.sleep(0)
        finally:
            await lis.stop()
            await out.close()
    assert heard == ["잠깐만요"]  # barge-in on: the utterance was not dropped as echo
    assert [g for g, _ in calls] == [0.1, 1.0]
    x, _ = read_wav_file(path)
    b = out.block
    level = [rms(x[i * b:(i + 1) * b]) for i in range(len(x) // b)]
    k_duck, k_up = calls[0][1] // b, calls[1][1] // b
    full = level[k_duck - 2]
    assert full > 0.3
    # the block being rendered at the call may be either; the next one is ducked (≤ one block)
    assert level[k_duck + 1] < 0.15 * full and level[k_duck + 2] < 0.15 * full
    assert all(v < 0.15 * full for v in level[k_duck + 1:k_up])  # ducked while the streamer spoke
    # and back up within one block of the end of speech. As with the duck, the block being rendered when the
    # gain was asked for may already have read the old gain: the 5 ms ramp then lies in block k_up + 1 (RMS of
    # a 0.1 → 1 ramp over half a block, full for the rest = 0.83 × full), and the block after is full.
    assert level[k_up + 1] > 0.75 * full
    assert level[k_up + 2] > 0.9 * full
    # the duck came while the streamer's phrase was playing: about its length, not the whole file
    spoke_s = (sp.spans[0][1] - sp.spans[0][0])
    assert (k_up - k_duck) * 0.010 == pytest.approx(spoke_s + 0.5, abs=0.5)  # + the VAD's hang-over


async def test_barge_in_stop_cuts_the_reply_within_a_block_and_answers_the_streamer(home, tmp_path):
    """``BARGE_IN=stop`` on the real services: the AI's long reply (fake TTS engine → WAV sink) is cut when the
    streamer starts talking, the rest is dropped, and what the streamer said becomes the next turn."""
    import dataclasses

    from aischoco_gui.compose import build_services, rebuild, start_services, stop_services
    from aischoco_gui.events import EventKind, ServiceState
    from aischoco_gui.models import ChatMessage, Reply
    from aischoco_gui.paths import user_dirs
    from aischoco_gui.settings import Settings
    from tests.doubles.recording import RecordingAvatar, ScriptedGenerator

    long_reply = "옛날 옛날에 초코 마을이 있었어요. " * 6  # ≈ 17 s of fake-engine audio
    sp = make_speech(tmp_path, (PHRASE_A,), lead_s=1.0, tail_s=1.0)
    out_path = tmp_path / "ai.wav"
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    bus = EventBus()
    gen = ScriptedGenerator([Reply(text=long_reply, emotion="happy"), Reply(text="네, 말씀하세요!", emotion="happy")])
    async with SttDouble(key=KEY, text="잠깐만요") as d:
        settings = dataclasses.replace(Settings(), tts_engine="fake", tts_fallback="", approval_mode="auto",
                                       tts_output_device=f"wav:{out_path}", stt_base_url=d.base_url, stt_api_key=KEY)
        s = build_services(settings, dirs, bus, overrides={"generator": gen, "avatar": RecordingAvatar(bus),
                                                            "chat": None, "overlay": None})
        stops: list[int] = []
        await start_services(s)
        try:
            await until(lambda: "tts" in bus.status and bus.status["tts"].state is ServiceState.READY, timeout=30)
            s.pipeline.on_chat(ChatMessage(nickname="시청자", text="이야기 해줘"))
            await until(lambda: any(e.kind is EventKind.FIRST_AUDIO for e in bus.recent), timeout=20)
            output = s.speaker.output
            stop = s.speaker.stop

            async def recorded_stop() -> None:
                stops.append(output.sink.writer.frames)
                await stop()

            s.speaker.stop = recorded_stop  # observe the moment of the cut (same speaker, same output)
            await rebuild(s, "mic", dataclasses.replace(settings, mic_mode="cohost", stt_input_device=f"wav:{sp.path}",
                                                        barge_in="stop"))
            await until(lambda: len(gen.batches) >= 2 and any(e.kind is EventKind.PLAYBACK_END for e in bus.recent),
                        timeout=20)
            ends = [e for e in bus.recent if e.kind is EventKind.PLAYBACK_END]
            assert ends[0].data["cancelled"] is True, (stops, s.mic.counters)
            assert len(stops) == 1 and s.mic.counters["barge_ins"] == 1  # one cut, by the barge-in
        finally:
            await stop_services(s)
    assert [m.text for m in gen.batches[1]] == ["잠깐만요"] and gen.batches[1][0].is_voice
    x, rate = read_wav_file(out_path)
    block = output.block
    first_reply = len(long_reply) * 0.09 * rate
    assert len(x) < 0.5 * first_reply  # the rest of the reply was dropped, not played
    tail = x[stops[0] + 2 * block:]
    assert tail.size == 0 or rms(tail) < 1e-3  # silent within one block of the cut (nothing else was approved)
