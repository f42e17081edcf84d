"""The microphone service end to end on loopback: real Korean speech (espeak-ng) played through
``STT_INPUT_DEVICE=wav:…`` in real time → Silero VAD → the transcription double → ``on_utterance``."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
import soxr

from aischoco_gui.audio.pcm import read_wav_file
from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.stt.factory import build_engine
from aischoco_gui.stt.listener import ListenerConfig, MicListener
from aischoco_gui.stt.vad import VadConfig
from tests.doubles.mic_sounddevice import FakeMicPortAudio
from tests.doubles.stt_server import Script, SttDouble
from tests.stt.speech import PHRASE_A, PHRASE_B, RATE, make_speech, sound_span
from tests.wait import wait_until as until

KEY = "gsk_test_stt"
pytestmark = [pytest.mark.espeak, pytest.mark.slow]


class Rig:
    def __init__(self, double: SttDouble, tmp_path, **cfg) -> None:
        self.bus = EventBus()
        self.calls: list[tuple[str, float, float, dict]] = []
        self.barge: list[int] = []  # len(self.calls) when each barge-in arrived
        self.barge_t: list[float] = []  # time.monotonic() when each barge-in arrived (the utterance clock)
        self.statuses: list = []
        self.bus.subscribe(lambda e: self.statuses.append(e.data["status"]) if e.kind == EventKind.STATUS else None)
        engine = build_engine("remote", self.bus, base_url=double.base_url, api_key=KEY,
                              model="whisper-large-v3-turbo", local_model="small", cache_dir=tmp_path)
        sd = cfg.pop("sd", None)
        self.listener = MicListener(ListenerConfig(**cfg), self.bus, engine,
                                    lambda *a: self.calls.append(a), self._barge_in, sd_module=sd)

    def _barge_in(self) -> None:
        self.barge.append(len(self.calls))
        self.barge_t.append(time.monotonic())

    async def drained(self, sent: int) -> None:
        """The whole file was heard, no utterance is open, and ``sent`` transcriptions came back."""
        lis = self.listener
        await until(lambda: lis._capture is not None and lis._capture.wav_done and not lis.in_speech
                    and lis.counters["sent"] + lis.counters["failed"] >= sent, timeout=30)
        await asyncio.sleep(0)


async def test_cohost_one_korean_utterance_reaches_the_double_and_the_callback(tmp_path):
    sp = make_speech(tmp_path, (PHRASE_A,), lead_s=0.8, tail_s=0.3)
    async with SttDouble(key=KEY, text="안녕하세요 오늘 같이 게임해요") as d:
        d.script(Script(status=429, headers={"retry-after": "0.05"}))
        rig = Rig(d, tmp_path, mode="cohost", input_device=f"wav:{sp.path}")
        await rig.listener.start()
        await rig.drained(1)
        await rig.listener.stop()
    assert len(rig.calls) == 1, rig.calls
    text, started, ended, meta = rig.calls[0]
    assert text == "안녕하세요 오늘 같이 게임해요"
    a, b = sp.spans[0]
    assert ended - started == pytest.approx(b - a, abs=0.3)  # the VAD's speech span ≈ the phrase's sound
    assert meta["director"] is False and meta["mode"] == "cohost" and meta["attempts"] == 2
    assert meta["transcribed_at"] >= meta["sent_at"] >= meta["detected_at"] >= ended
    # the double got a valid 16 kHz mono 16-bit WAV holding the whole phrase (first syllable not cut)
    assert [r.status for r in d.requests] == [429, 200]
    r = d.requests[-1]
    assert (r.rate, r.channels, r.sampwidth) == (16000, 1, 2)
    assert r.fields["language"] == "ko" and r.fields["model"] == "whisper-large-v3-turbo"
    s0, s1 = sound_span(r.audio, RATE)
    assert s1 - s0 == pytest.approx(b - a, abs=0.12)
    assert s0 >= 0.2  # the pre-roll holds silence before the first syllable
    assert r.duration_s == pytest.approx((b - a) + 0.3 + 0.2, abs=0.15)  # pre-roll + speech + tail
    states = [s.state for s in rig.statuses if s.name == "stt"]
    assert ServiceState.READY in states and ServiceState.DEGRADED in states  # 429 shown, then back
    assert states[-1] == ServiceState.OFF


async def test_ptt_only_while_the_key_is_held(tmp_path):
    sp = make_speech(tmp_path, (PHRASE_A, PHRASE_B), lead_s=0.5, gap_s=1.8, tail_s=0.3)
    async with SttDouble(key=KEY) as d:
        rig = Rig(d, tmp_path, mode="ptt", input_device=f"wav:{sp.path}")
        lis = rig.listener
        await lis.start()
        await until(lambda: lis.counters["dropped_gate"] >= 1, timeout=15)  # A spoken without the key
        lis.set_ptt(True)
        await rig.drained(1)
        await lis.stop()
    assert len(rig.calls) == 1 and len(d.requests) == 1
    a, b = sp.spans[1]
    assert rig.calls[0][2] - rig.calls[0][1] == pytest.approx(b - a, abs=0.3)  # it was B


async def test_ptt_release_ends_the_utterance_at_once(tmp_path):
    """With a hang-over longer than any test, only the key release can end the utterance."""
    sp = make_speech(tmp_path, (PHRASE_A,), lead_s=0.3, tail_s=0.3)
    async with SttDouble(key=KEY) as d:
        rig = Rig(d, tmp_path, mode="ptt", input_device=f"wav:{sp.path}",
                  vad=VadConfig(hangover_ms=600_000, max_utterance_s=600))
        lis = rig.listener
        lis.set_ptt(True)
        await lis.start()
        await until(lambda: lis._capture is not None and lis._capture.wav_done, timeout=10)
        assert lis.in_speech and d.requests == []
        lis.set_ptt(False)
        await until(lambda: lis.counters["sent"] >= 1, timeout=10)
        await lis.stop()
    assert len(rig.calls) == 1
    a, b = sp.spans[0]
    assert rig.calls[0][2] - rig.calls[0][1] == pytest.approx(b - a, abs=0.3)


async def test_director_whisper_is_marked_private(tmp_path):
    sp = make_speech(tmp_path, (PHRASE_A, PHRASE_B), lead_s=0.5, gap_s=1.8, tail_s=0.3)
    async with SttDouble(key=KEY) as d:
        rig = Rig(d, tmp_path, mode="cohost", input_device=f"wav:{sp.path}")
        lis = rig.listener
        lis.set_director(True)
        await lis.start()
        await until(lambda: len(rig.calls) >= 1, timeout=15)
        lis.set_director(False)
        await rig.drained(2)
        await lis.stop()
    assert [c[3]["director"] for c in rig.calls] == [True, False]


async def test_echo_gate_drops_what_is_heard_while_the_app_speaks(tmp_path):
    sp = make_speech(tmp_path, (PHRASE_A, PHRASE_B), lead_s=0.5, gap_s=1.8, tail_s=0.3)
    async with SttDouble(key=KEY) as d:
        rig = Rig(d, tmp_path, mode="cohost", input_device=f"wav:{sp.path}")
        lis = rig.listener
        lis.set_app_speaking(True)
        await lis.start()
        await until(lambda: lis.counters["dropped_echo"] >= 1, timeout=15)
        lis.set_app_speaking(False)
        await rig.drained(1)
        await lis.stop()
    assert len(rig.calls) == 1 and len(d.requests) == 1  # A (the "echo") was never sent
    assert rig.barge == []
    a, b = sp.spans[1]
    assert rig.calls[0][2] - rig.calls[0][1] == pytest.approx(b - a, abs=0.3)


async def test_barge_in_calls_back_at_onset_while_the_app_speaks(tmp_path):
    sp = make_speech(tmp_path, (PHRASE_A, PHRASE_B), lead_s=0.5, gap_s=1.8, tail_s=0.3)
    async with SttDouble(key=KEY) as d:
        rig = Rig(d, tmp_path, mode="cohost", input_device=f"wav:{sp.path}", barge_in="duck")
        lis = rig.listener
        lis.set_app_speaking(True)
        await lis.start()
        await until(lambda: rig.barge, timeout=15)
        lis.set_app_speaking(False)  # the app ducked/stopped
        await rig.drained(2)
        await lis.stop()
    # called at the onset: before that utterance's speech ended (same monotonic clock), not after it
    assert rig.barge_t[0] < rig.calls[0][2]
    assert rig.barge == [0]  # once, before any transcript
    assert [c[3]["barge_in"] for c in rig.calls] == [True, False]
    assert lis.counters["dropped_echo"] == 0


async def test_device_input_resampled_unplugged_and_back(tmp_path):
    sp = make_speech(tmp_path, (PHRASE_A,), lead_s=0.5, tail_s=0.3)
    x, rate = read_wav_file(sp.path)
    pa = FakeMicPortAudio(rate=48000)
    pa.signal = soxr.resample(x, rate, 48000).astype(np.float32)
    async with SttDouble(key=KEY) as d:
        rig = Rig(d, tmp_path, mode="cohost", input_device="USB", sd=pa)
        lis = rig.listener
        await lis.start()
        # conditions, not samples: the meter is read while it shows speech (a sample taken right after
        # "in speech" could fall between two words on a loaded machine)
        await until(lambda: lis.in_speech and lis.level_dbfs > -40, timeout=30, what="the meter moves with speech")
        assert lis.device_label == "Microphone (USB Audio)"
        await until(lambda: len(rig.calls) >= 1, timeout=30, what="the utterance transcribed")
        pa.unplug()

        def reconnecting() -> list:
            return [s for s in rig.statuses if s.state == ServiceState.RECONNECTING]

        await until(reconnecting, timeout=30, what="reconnecting after the unplug")
        st = reconnecting()[0]
        assert "unplugged" in st.last_error and "Microphone (USB Audio)" in st.detail
        pa.replug()
        await until(lambda: any(s.state == ServiceState.READY for s in rig.statuses[rig.statuses.index(st):]),
                    timeout=30, what="open again after the replug")
        await lis.stop()
    lost = rig.statuses.index(st)
    assert ServiceState.ERROR not in [s.state for s in rig.statuses[lost:]]  # reconnecting until back
    assert pa.reinits >= 1 and len(pa.streams) == 2
    r = d.requests[0]
    assert r.rate == 16000  # 48 kHz device audio reached the server as 16 kHz
    a, b = sp.spans[0]
    s0, s1 = sound_span(r.audio, RATE)
    assert s1 - s0 == pytest.approx(b - a, abs=0.12)
    assert "48000 Hz" in [s for s in rig.statuses if s.state == ServiceState.READY][0].detail


async def test_missing_device_is_a_clear_error_and_is_retried(tmp_path):
    pa = FakeMicPortAudio()
    async with SttDouble(key=KEY) as d:
        rig = Rig(d, tmp_path, mode="cohost", input_device="Yeti", sd=pa, reconnect_base_s=0.05)
        await rig.listener.start()
        await until(lambda: any(s.attempt >= 2 for s in rig.statuses), timeout=5)
        await rig.listener.stop()
    err = [s for s in rig.statuses if s.state == ServiceState.ERROR][0]
    assert "'Yeti' not found" in err.last_error and "Microphone (USB Audio)" in err.last_error
    assert d.requests == []


async def test_off_opens_nothing_and_sends_nothing(tmp_path):
    async with SttDouble(key=KEY) as d:
        for cfg, state in ((dict(mode="off", input_device="wav:/nonexistent.wav"), ServiceState.OFF),
                           (dict(mode="cohost", input_device="off"), ServiceState.NOT_CONFIGURED)):
            rig = Rig(d, tmp_path, **cfg)
            await rig.listener.start()
            assert rig.listener._thread is None and rig.statuses[-1].state == state
            await rig.listener.stop()
    assert d.requests == []


async def test_an_engine_that_cannot_run_keeps_the_microphone_closed(tmp_path):
    async with SttDouble(key=KEY) as d:
        rig = Rig(d, tmp_path, mode="cohost", input_device="wav:/nonexistent.wav")
        rig.listener.engine.api_key = ""  # no Groq key and no STT_API_KEY
        await rig.listener.start()
        st = rig.statuses[-1]
        assert st.state == ServiceState.NOT_CONFIGURED and "no API key" in st.last_error
        assert rig.listener._thread is None
        await rig.listener.stop()
    assert d.requests == []
