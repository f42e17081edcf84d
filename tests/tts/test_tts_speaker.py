"""Speaker: sentence pipelining, pre-synthesis reuse/invalidation/discard, instant stop, events."""

from __future__ import annotations

import asyncio
import shutil

import numpy as np
import pytest

from aischoco_gui.audio.output import AudioOutput
from aischoco_gui.audio.pcm import read_wav_file, rms
from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.models import Draft, Reply
from aischoco_gui.pipeline.approval import ApprovalQueue
from aischoco_gui.tts.backend import InProcessBackend
from aischoco_gui.tts.engines.fake import FakeEngine
from aischoco_gui.tts.speaker import TtsSpeaker
from tests.wait import wait_until

RATE = 24000


def draft(text: str, sentences: list[str] | None = None) -> Draft:
    return Draft(reply=Reply(text=text, sentences=sentences or []), batch=[], turn=1)


class Rig:
    def __init__(self, tmp_path, engine: FakeEngine) -> None:
        self.bus = EventBus()
        self.events: list = []
        self.bus.subscribe(lambda e: self.events.append(e) if e.kind is not EventKind.STATUS else None)
        self.engine = engine
        self.wav = tmp_path / "speech.wav"
        self.out = AudioOutput(f"wav:{self.wav}", self.bus, rate=RATE)
        self.speaker = TtsSpeaker(self.bus, InProcessBackend(engine), self.out)

    def of(self, kind: EventKind) -> list:
        return [e for e in self.events if e.kind is kind]

    async def __aenter__(self) -> Rig:
        await self.speaker.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.speaker.shutdown()


async def _wait_done(job, timeout=3.0):
    await wait_until(lambda: job.done, timeout, "synthesis done")


async def test_presynthesized_draft_plays_within_50ms_without_new_synthesis(tmp_path):
    async with Rig(tmp_path, FakeEngine(first_chunk_s=0.15)) as r:
        d = draft("안녕하세요. 반가워요!", ["안녕하세요.", "반가워요!"])
        r.speaker.prepare(d)
        await _wait_done(r.speaker.prepared(d))
        assert r.engine.requests == 2
        await r.speaker.speak(d)
        assert r.engine.requests == 2  # reused, not synthesised again
        fa = r.of(EventKind.FIRST_AUDIO)[0].data
        # the first sample came before a fresh synthesis could have produced one (the engine needs 0.15 s);
        # the 50 ms target itself is a performance number: bench/tts_latency.py measures it
        assert fa["presynthesized"] is True and fa["first_sample_s"] < r.engine.first_chunk_s
        m = r.of(EventKind.TTS_METRICS)[0].data
        assert m["presynthesized"] and m["approval_to_first_sample_s"] < r.engine.first_chunk_s
        assert m["underruns"] == 0
        assert [e.data["index"] for e in r.of(EventKind.SENTENCE_SPOKEN)] == [0, 1]
        assert r.of(EventKind.PLAYBACK_END)[0].data["cancelled"] is False
        kinds = [e.kind for e in r.events]
        assert kinds.index(EventKind.SENTENCE_SPOKEN) < kinds.index(EventKind.PLAYBACK_END)


async def test_without_presynthesis_first_sample_waits_for_the_engine(tmp_path):
    async with Rig(tmp_path, FakeEngine(first_chunk_s=0.15)) as r:
        await r.speaker.speak(draft("안녕하세요."))
        fa = r.of(EventKind.FIRST_AUDIO)[0].data
        assert fa["presynthesized"] is False
        assert fa["first_sample_s"] >= 0.15  # time is the subject: a lower bound, the engine's own 0.15 s
        assert 0.14 <= fa["engine_first_chunk_s"] <= fa["first_sample_s"]  # the engine's part comes first
        # our own overhead after the engine is a part of the whole; its size (< 20 ms) is bench/tts_latency.py's
        assert 0.0 <= fa["chunk_to_sample_s"] <= fa["first_sample_s"] - fa["engine_first_chunk_s"] + 1e-3


async def test_edit_resynthesizes_and_skip_discards(tmp_path):
    async with Rig(tmp_path, FakeEngine(first_chunk_s=0.05)) as r:
        q = ApprovalQueue()
        d = q.add(draft("짧은 말."))
        r.speaker.prepare(d)
        old = r.speaker.prepared(d)
        q.edit(d.id, "이건 훨씬 더 긴 문장으로 바뀌었습니다.")
        r.speaker.discard(d)  # what the pipeline does on "edited"
        r.speaker.prepare(d)
        new = r.speaker.prepared(d)
        assert new is not old and new.key == (d.id, 1)
        await wait_until(lambda: old.task.done(), what="the old synthesis cancelled")
        await _wait_done(new)
        await r.speaker.speak(q.approve(d.id))
        assert r.of(EventKind.FIRST_AUDIO)[0].data["presynthesized"] is True
        await wait_until(lambda: r.out.sink.sleeping, what="the last block in the file")
        await r.out.close()
        x, _ = read_wav_file(r.wav)
        expected = len(r.engine.render("이건 훨씬 더 긴 문장으로 바뀌었습니다."))
        assert abs(len(x) - expected) < 0.03 * RATE  # the edited text was spoken, not the old one
        d2 = q.add(draft("건너뛸 답변."))
        r.speaker.prepare(d2)
        job = r.speaker.prepared(d2)
        q.skip(d2.id)
        r.speaker.discard(d2)
        assert r.speaker.prepared(d2) is None
        await wait_until(lambda: job.task.done(), what="the skipped draft's synthesis cancelled")


async def test_stop_silences_within_one_block_and_cancels(tmp_path):
    async with Rig(tmp_path, FakeEngine()) as r:
        d = draft("가" * 40 + ". " + "나" * 40 + ".")
        task = asyncio.get_running_loop().create_task(r.speaker.speak(d))
        await wait_until(lambda: r.of(EventKind.FIRST_AUDIO), what="first audio")
        sink = r.out.sink
        writer = sink.writer
        await wait_until(lambda: writer.frames >= 0.2 * RATE, what="0.2 s of speech played")
        await r.speaker.stop()
        frames_at_stop = writer.frames
        await asyncio.wait_for(task, 1.0)  # a guard: the speech task ends once its markers resolve as dropped
        # silence within one block, in samples: the sink renders silent blocks until it sleeps (after
        # SLEEP_AFTER_BLOCKS of them), so a slower cancel would have reached the file by then
        await wait_until(lambda: sink.sleeping, what="the sink asleep after the stop")
        assert writer.frames - frames_at_stop <= r.out.block  # at most the block already in flight
        assert r.of(EventKind.PLAYBACK_END)[0].data["cancelled"] is True
        assert r.of(EventKind.TTS_METRICS)[0].data["cancelled"] is True
        x, _ = read_wav_file(r.wav)
        assert len(x) / RATE < 0.5  # 7 s of speech were cut after ~0.2 s


async def test_sentences_are_pipelined_without_gaps(tmp_path):
    # engine: 0.1 s to first chunk, then 0.3 s of work per second of audio; sentence N+1 must be
    # ready before N finishes playing
    async with Rig(tmp_path, FakeEngine(first_chunk_s=0.1, rtf=0.3)) as r:
        sents = ["첫 번째 문장입니다.", "두 번째 문장이에요.", "세 번째도 있어요."]
        await r.speaker.speak(draft(" ".join(sents), sents))
        m = r.of(EventKind.TTS_METRICS)[0].data
        assert m["underruns"] == 0
        assert abs(m["played_s"] - m["audio_s"]) < 0.03
        assert 0.25 < m["rtf"] < 0.8
        ends = [e.data["t_end"] for e in r.of(EventKind.SENTENCE_SPOKEN)]
        assert ends == sorted(ends) and len(ends) == 3
        x, _ = read_wav_file(r.wav)
        assert abs(len(x) / RATE - m["audio_s"]) < 0.03


async def test_mouth_envelope_listener_follows_speech(tmp_path):
    async with Rig(tmp_path, FakeEngine()) as r:
        points = []
        remove = r.speaker.add_envelope_listener(points.append)
        speech = asyncio.get_running_loop().create_task(r.speaker.speak(draft("안녕하세요 여러분")))
        await wait_until(lambda: r.speaker.mouth_level() > 0.3, what="the mouth open while speaking")
        await speech
        remove()
        assert len(points) > 20 and max(p.level for p in points) > 0.5
        await wait_until(lambda: r.speaker.mouth_level() == 0.0, what="the mouth closed after the speech")


@pytest.mark.espeak
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
async def test_korean_speech_end_to_end_into_wav(tmp_path):
    from aischoco_gui.tts.engines.system import create_system_engine  # noqa: PLC0415

    bus = EventBus()
    wav = tmp_path / "ko.wav"
    sp = TtsSpeaker(bus, InProcessBackend(create_system_engine("ko")), AudioOutput(f"wav:{wav}", bus, rate=48000))
    await sp.start()
    sents = ["안녕하세요.", "반가워요."]
    await sp.speak(draft(" ".join(sents), sents))
    await sp.shutdown()
    x, rate = read_wav_file(wav)
    assert rate == 48000 and 0.8 < len(x) / rate < 5 and rms(x) > 0.02
    assert np.max(np.abs(x)) < 1.0


async def test_no_audio_device_does_not_hang_the_queue():
    from tests.doubles.tts_sounddevice import FakePortAudio  # noqa: PLC0415

    pa = FakePortAudio()
    pa.plugged = False
    bus = EventBus()
    ends = []
    bus.subscribe(lambda e: ends.append(e) if e.kind is EventKind.PLAYBACK_END else None)
    sp = TtsSpeaker(bus, InProcessBackend(FakeEngine()), AudioOutput("Speakers", bus, sd_module=pa))
    await sp.start()
    try:
        assert bus.status["audio"].state.value == "error"
        await asyncio.wait_for(sp.speak(draft("안녕하세요.")), 1.0)
        assert ends and ends[0].data["cancelled"] is True
    finally:
        await sp.shutdown()


async def test_first_audio_is_reported_when_the_first_chunks_stay_in_the_resampler(tmp_path):
    """A 24 kHz voice on a 48 kHz output: tiny first chunks come out of the resampler's filter as nothing yet.
    The first-sample marker must ride on the first real audio (it was lost with an empty chunk: no FIRST_AUDIO,
    no first-sample time in the metrics and a false underrun — issue 27's bench found it)."""
    bus = EventBus()
    events: list = []
    bus.subscribe(events.append)
    out = AudioOutput(f"wav:{tmp_path / 'speech.wav'}", bus, rate=48000)
    speaker = TtsSpeaker(bus, InProcessBackend(FakeEngine(sample_rate=24000, chunk_s=0.002)), out)
    await speaker.start()
    try:
        for n in range(3):
            d = draft(f"안녕하세요 {n}.")
            speaker.prepare(d)
            await _wait_done(speaker.prepared(d))
            await speaker.speak(d)
        firsts = [e for e in events if e.kind is EventKind.FIRST_AUDIO]
        metrics = [e.data for e in events if e.kind is EventKind.TTS_METRICS]
        assert len(firsts) == 3 and all(e.data["t_first_sample"] > 0 for e in firsts)
        assert all(m["approval_to_first_sample_s"] is not None and m["underruns"] == 0 for m in metrics)
    finally:
        await speaker.shutdown()
