"""Issue 16 end to end on the real services (loopback doubles): the streamer's espeak-ng Korean speech through
``STT_INPUT_DEVICE=wav:…`` → Silero VAD cuts one utterance → the transcription double gets a valid 16 kHz WAV →
the LLM double gets the transcript as the streamer's turn → a draft; then a director whisper is used by the next
request only and never reaches the overlay, the saved history or the summary."""

from __future__ import annotations

import json

import pytest

from aischoco_gui.events import EventKind, ServiceState
from aischoco_gui.llm.generator import SUMMARY_PROMPT
from tests.doubles.stt_server import SttDouble
from tests.e2e.harness import CHAT_BLOCK_RE, show
from tests.stt.speech import PHRASE_A, RATE, make_speech, sound_span

pytestmark = [pytest.mark.slow, pytest.mark.espeak]
KEY = "gsk_test_stt"
HEARD = "오늘 같이 게임해요"
SECRET = "고양이 얘기로 분위기 띄워줘"


def user_turn_with(sh, text: str) -> list[dict]:
    """The chat-reply requests (not summaries) whose last user message contains ``text``."""
    out = []
    for r in sh.llm.requests:
        msgs = (r.body or {}).get("messages") or []
        if msgs and msgs[-1]["role"] == "user" and text in msgs[-1]["content"] and "<chat>" in str(msgs):
            out.append(r.body)
    return out


async def test_streamer_voice_becomes_a_turn_and_a_director_whisper_stays_private(home, tmp_path):
    sp = make_speech(tmp_path, (PHRASE_A,), lead_s=1.0, tail_s=0.5)
    async with SttDouble(key=KEY, text=HEARD) as stt, show(
            home, tts_engine="fake", mic_mode="cohost", stt_input_device=f"wav:{sp.path}",
            stt_base_url=stt.base_url, stt_api_key=KEY, tarot_enabled=False) as sh:
        sh.replies.add(HEARD, "happy", "좋아요, 같이 해요!")
        d1 = await sh.draft_for(HEARD, 30)
        assert sh.state("stt") in (ServiceState.READY, ServiceState.DEGRADED)
        # the transcription double got one valid 16 kHz mono WAV holding the whole phrase
        assert len(stt.requests) == 1
        r = stt.requests[0]
        assert (r.rate, r.channels, r.sampwidth) == (16000, 1, 2) and r.fields["language"] == "ko"
        s0, s1 = sound_span(r.audio, RATE)
        a, b = sp.spans[0]
        assert s1 - s0 == pytest.approx(b - a, abs=0.15)
        # the LLM double got it as the streamer speaking: user role, labelled, in the chat data, never system
        bodies = user_turn_with(sh, HEARD)
        assert len(bodies) == 1
        msgs = bodies[0]["messages"]
        assert all(HEARD not in m["content"] for m in msgs if m["role"] == "system")
        items = json.loads(CHAT_BLOCK_RE.findall(msgs[-1]["content"])[-1].strip())
        assert items == [{"nick": "스트리머", "text": HEARD, "role": "streamer", "voice": True}]
        assert d1.text == "좋아요, 같이 해요!" and d1.batch[0].is_voice
        shown = [e.data["message"] for e in sh.of(EventKind.CHAT_RECEIVED)]
        assert [m.text for m in shown if m.is_voice] == [HEARD]  # in the chat panel's feed, 🎙-marked there
        sh.pipeline.approve(d1.id)
        await sh.spoken(d1.id)
        await sh.wait(lambda: sh.of(EventKind.MIC_METRICS), 10, "mic latency row")
        m = sh.of(EventKind.MIC_METRICS)[0].data["metrics"]
        assert 0 < m["transcript_s"] <= m["llm_request_s"] <= m["first_audio_s"]

        # the director whisper (typed box or director key: both end in director_text)
        sh.services.mic_turns.director_text(SECRET)
        sh.replies.add(SECRET, "excited", "자 여러분 고양이 좋아하세요?")
        d2 = await sh.draft_for(SECRET, 15)
        assert d2.text == "자 여러분 고양이 좋아하세요?"
        with_secret = [r.body for r in sh.llm.requests if SECRET in json.dumps(r.body, ensure_ascii=False)]
        assert len(with_secret) == 1  # in the next request only, once
        last = with_secret[0]["messages"][-1]
        assert last["role"] == "user" and "the streamer asks you privately" in last["content"]
        assert all(SECRET not in m["content"] for m in with_secret[0]["messages"] if m["role"] == "system")
        sh.pipeline.approve(d2.id)
        await sh.spoken(d2.id)
        sh.replies.add("다음 채팅", "happy", "네 다음이요!")
        await sh.chzzk.push_chat("다음 채팅", nickname="시청자", sender="u-9")
        d3 = await sh.draft_for("다음 채팅", 15)
        assert SECRET not in json.dumps(user_turn_with(sh, "다음 채팅"), ensure_ascii=False)
        sh.pipeline.approve(d3.id)
        await sh.spoken(d3.id)
        # never spoken, never on the overlay, never in memory, the summary or any history file
        assert all(SECRET not in e.data["draft"].text for e in sh.of(EventKind.SPEECH_STARTED))
        assert SECRET not in json.dumps(await sh.overlay_state(), ensure_ascii=False)
        assert all(SECRET not in t.content for t in sh.services.generator.memory.turns)
        task = sh.services.generator.maybe_summarize(force=True)
        if task is not None:
            await task
        shows = sh.services.dirs.history / "shows"  # the show recording keeps it, for replay (issue 25)
        for f in sh.services.dirs.history.rglob("*"):
            if f.is_file() and shows not in f.parents:
                assert SECRET not in f.read_text(encoding="utf-8", errors="replace"), f
        recording = sh.services.recorder.path.read_text(encoding="utf-8")
        assert SECRET in recording and '"kind":"director"' in recording
        summaries = [r.body for r in sh.llm.requests if r.body["messages"][0]["content"] == SUMMARY_PROMPT]
        assert summaries  # the forced summary ran, on the conversation without the whisper
        assert all(SECRET not in json.dumps(b, ensure_ascii=False) for b in summaries)
