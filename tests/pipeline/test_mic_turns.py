"""The co-host microphone in the pipeline (issue 16): voice turns ahead of chat, private director whispers,
barge-in reactions, echo safety and the mic latency row — with the recording doubles (no audio here)."""

from __future__ import annotations

import pytest

from aischoco_gui.chat.filters import ChatFilter, FilterRules
from aischoco_gui.chat.rehearsal import RehearsalChatSource
from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.models import KIND_DIRECTOR, KIND_VOICE, ROLE_STREAMER
from aischoco_gui.pipeline.approval import ApprovalQueue, DraftState
from aischoco_gui.pipeline.mic import MicTurns
from aischoco_gui.pipeline.pipeline import Pipeline
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator
from tests.pipeline.test_pipeline import settle
from tests.wait import wait_until


class Output:
    """What the barge-in reactions did to the AI's voice."""

    def __init__(self) -> None:
        self.gains: list[float] = []
        self.stops = 0
        self.app_speaking: list[bool] = []

    def set_gain(self, g: float) -> None:
        self.gains.append(g)

    async def stop(self) -> None:
        self.stops += 1


@pytest.fixture
async def rig():
    bus = EventBus()
    gen = ScriptedGenerator()
    spk = RecordingSpeaker(bus)
    chat = RehearsalChatSource(bus)
    # the streamer's own chat would be ignored by this filter: the voice path must not go through it
    flt = ChatFilter(rules=FilterRules(min_length_enabled=False, spam_enabled=False))
    flt.ignore_streamer = True
    p = Pipeline(bus, ApprovalQueue(), flt, gen, spk, RecordingAvatar(bus), chat, max_pending=3)
    out = Output()
    turns = MicTurns(bus, p.add_streamer_speech, p.add_director_note, barge_in="duck", duck_gain=0.2,
                     set_gain=out.set_gain, stop_speech=out.stop, set_app_speaking=out.app_speaking.append)
    await p.start()
    yield p, bus, gen, chat, turns, out
    turns.close()
    await p.stop()


def meta(**kw) -> dict:
    return {"director": False, "mode": "cohost", "transcribed_at": 10.4, "stt_latency_s": 0.3, **kw}


async def test_voice_turn_goes_ahead_of_queued_chat_and_is_shown(rig):
    p, bus, gen, chat, turns, _ = rig
    p.paused = True
    chat.send("초코우유", "첫 채팅")
    chat.send("딸기", "둘째 채팅")
    await settle()
    turns.on_utterance("오늘 게임 뭐 할까", 9.0, 10.0, meta())
    shown = [e.data["message"] for e in bus.recent if e.kind is EventKind.CHAT_RECEIVED]
    voice = shown[-1]
    assert (voice.kind, voice.role, voice.priority) == (KIND_VOICE, ROLE_STREAMER, True)
    assert voice.text == "오늘 게임 뭐 할까"
    assert voice.filtered_reason is None  # the streamer-ignoring chat filter was not applied to the voice
    p.paused = False
    p._wake.set()
    await wait_until(lambda: p.queue.pending)
    assert [m.text for m in gen.batches[0]] == ["오늘 게임 뭐 할까", "첫 채팅", "둘째 채팅"]
    assert p.queue.pending[0].batch[0] is voice  # it went through the gate to the approval queue


async def test_director_whisper_rides_the_next_turn_only_and_is_never_shown(rig):
    p, bus, gen, chat, turns, _ = rig
    note = turns.director_text("  다음엔 노래 얘기를 해줘  ")
    assert note is not None and note.kind == KIND_DIRECTOR and note.text == "다음엔 노래 얘기를 해줘"
    await wait_until(lambda: len(gen.batches) == 1)  # a whisper alone starts a turn
    assert [m.kind for m in gen.batches[0]] == [KIND_DIRECTOR]
    chat.send("초코우유", "안녕")
    await wait_until(lambda: len(gen.batches) == 2)
    assert [m.text for m in gen.batches[1]] == ["안녕"]  # once: not in the following turn
    shown = [e.data["message"] for e in bus.recent if e.kind is EventKind.CHAT_RECEIVED]
    assert all(not m.is_director for m in shown)  # never in the chat list (nor the overlay, which reads this)
    assert turns.director_text("   ") is None


async def test_director_key_utterance_becomes_a_note_not_a_turn_of_its_own(rig):
    p, bus, gen, chat, turns, _ = rig
    turns.on_utterance("시청자한테 인사해", 1.0, 2.0, meta(director=True))
    await wait_until(lambda: len(gen.batches) == 1)
    assert gen.batches[0][0].is_director and turns.last_director == "시청자한테 인사해"
    assert not any(e.kind is EventKind.CHAT_RECEIVED for e in bus.recent)


async def test_barge_in_duck_restores_when_the_streamer_stops_or_playback_ends(rig):
    _, _, _, _, turns, out = rig
    turns.on_barge_in()
    assert out.gains == [0.2] and turns.ducked
    turns.on_speech_end()
    assert out.gains == [0.2, 1.0] and not turns.ducked
    turns.on_speech_end()  # nothing ducked: nothing to do
    assert out.gains == [0.2, 1.0]
    turns.on_barge_in()
    turns.on_utterance("잠깐만", 1.0, 2.0, meta())  # transcript arriving also means the streamer stopped
    assert out.gains == [0.2, 1.0, 0.2, 1.0]


async def test_barge_in_stop_cuts_the_speaker(rig):
    _, _, _, _, turns, out = rig
    turns.barge_in = "stop"
    turns.on_barge_in()
    await wait_until(lambda: out.stops == 1)
    assert out.gains == []
    turns.barge_in = "off"
    turns.on_barge_in()
    await settle()
    assert out.stops == 1 and out.gains == []


async def test_app_speaking_follows_speech_and_mic_metrics_are_reported(rig):
    p, bus, gen, chat, turns, out = rig
    turns.on_utterance("안녕 초코", 9.0, 10.0, meta())
    await wait_until(lambda: p.queue.pending)
    d = p.queue.pending[0]
    p.approve(d.id)
    await wait_until(lambda: d.state is DraftState.DONE)
    assert out.app_speaking == [True, False]  # echo safety: SPEECH_STARTED → PLAYBACK_END
    await p.panic()
    assert out.app_speaking == [True, False, False]  # and panic always reopens the ears
    mm = [e for e in bus.recent if e.kind is EventKind.MIC_METRICS]
    assert len(mm) == 1 and mm[0].turn == d.turn
    m = mm[0].data["metrics"]
    assert m["transcript_s"] == pytest.approx(0.4) and m["stt_s"] == 0.3 and m["mode"] == "cohost"
    req = next(e.t for e in bus.recent if e.kind is EventKind.BATCH_READY)
    assert m["first_audio_s"] >= m["transcript_s"]
    assert m["llm_request_s"] is None  # the scripted generator sends no request; the LLM's real one does
    assert req - 10.0 <= m["first_audio_s"]
