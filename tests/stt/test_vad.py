"""Silero VAD and the utterance segmenter: real speech for detection, scripted probabilities for the rules."""

from __future__ import annotations

import numpy as np
import pytest

from aischoco_gui.stt.vad import FRAME, Discarded, Onset, Segmenter, SileroVad, Utterance, VadConfig, VadUnavailable
from tests.stt.speech import PHRASE_A, RATE, at_16k, make_speech


class Scripted:
    """A stand-in for the model: the probability of each successive frame from a list (then 0)."""

    def __init__(self, probs: list[float]) -> None:
        self.probs = list(probs)
        self.i = 0

    def __call__(self, frame: np.ndarray) -> float:
        p = self.probs[self.i] if self.i < len(self.probs) else 0.0
        self.i += 1
        return p

    def reset(self) -> None:
        pass


def feed_all(seg: Segmenter, x: np.ndarray, chunk: int = 320) -> list:
    out = []
    for i in range(0, len(x), chunk):
        out += seg.feed(x[i:i + chunk])
    return out


def backend(name: str) -> SileroVad:
    try:
        return SileroVad(name)
    except VadUnavailable as e:
        pytest.skip(str(e))


@pytest.mark.espeak
@pytest.mark.parametrize("name", ["lite", "pysilero"])
def test_silero_cuts_one_korean_utterance_at_the_speech(tmp_path, name):
    sp = make_speech(tmp_path, (PHRASE_A,), lead_s=1.0, tail_s=2.0)
    from aischoco_gui.audio.pcm import read_wav_file

    x, rate = read_wav_file(sp.path)
    events = feed_all(Segmenter(backend(name)), at_16k(x, rate))
    utts = [e for e in events if isinstance(e, Utterance)]
    assert len(utts) == 1, events
    (u,) = utts
    a, b = sp.spans[0]
    assert u.start / RATE == pytest.approx(a, abs=0.15)
    assert u.end / RATE == pytest.approx(b, abs=0.25)
    assert u.audio_start / RATE == pytest.approx(u.start / RATE - 0.3, abs=FRAME / RATE)  # pre-roll
    assert [type(e) for e in events] == [Onset, Utterance]


@pytest.mark.parametrize("name", ["lite", "pysilero"])
def test_silence_and_noise_are_not_speech(name):
    rng = np.random.default_rng(1)
    quiet = np.zeros(RATE * 3, dtype=np.float32)
    hiss = (0.01 * rng.standard_normal(RATE * 3)).astype(np.float32)
    seg = Segmenter(backend(name))
    assert feed_all(seg, quiet) == [] and feed_all(seg, hiss) == []


def test_hangover_bridges_short_pauses_and_ends_after_it():
    cfg = VadConfig(hangover_ms=320, preroll_ms=0, tail_ms=0)  # 10 frames
    probs = [0.0] * 5 + [0.9] * 10 + [0.1] * 8 + [0.9] * 10 + [0.1] * 20
    events = feed_all(Segmenter(Scripted(probs), cfg), np.zeros(FRAME * len(probs), np.float32))
    utts = [e for e in events if isinstance(e, Utterance)]
    assert len(utts) == 1
    assert (utts[0].start, utts[0].end) == (5 * FRAME, 33 * FRAME)


def test_hysteresis_keeps_speech_above_release():
    cfg = VadConfig(threshold=0.5, release=0.3, hangover_ms=96, preroll_ms=0)  # 3 frames
    probs = [0.6] + [0.4] * 10 + [0.0] * 5
    (u,) = [e for e in feed_all(Segmenter(Scripted(probs), cfg), np.zeros(FRAME * 16, np.float32))
            if isinstance(e, Utterance)]
    assert u.end == 11 * FRAME


def test_short_bursts_are_discarded():
    cfg = VadConfig(min_speech_ms=250, hangover_ms=96)
    probs = [0.0] * 3 + [0.9] * 4 + [0.0] * 10  # 128 ms of "speech"
    events = feed_all(Segmenter(Scripted(probs), cfg), np.zeros(FRAME * len(probs), np.float32))
    assert [type(e) for e in events] == [Onset, Discarded]


def test_preroll_keeps_the_audio_before_the_onset():
    cfg = VadConfig(preroll_ms=160, hangover_ms=96, tail_ms=0)  # 5 frames
    probs = [0.0] * 10 + [0.9] * 10 + [0.0] * 5
    x = np.arange(FRAME * len(probs), dtype=np.float32)  # sample value = its position
    (u,) = [e for e in feed_all(Segmenter(Scripted(probs), cfg), x) if isinstance(e, Utterance)]
    assert u.audio_start == 5 * FRAME and u.audio[0] == 5 * FRAME
    assert len(u.audio) == 15 * FRAME


def test_max_length_cuts_and_goes_on():
    cfg = VadConfig(max_utterance_s=FRAME * 10 / RATE, preroll_ms=0, hangover_ms=96, min_speech_ms=0)
    probs = [0.9] * 25 + [0.0] * 5
    utts = [e for e in feed_all(Segmenter(Scripted(probs), cfg), np.zeros(FRAME * 30, np.float32))
            if isinstance(e, Utterance)]
    assert [u.cut for u in utts] == [True, True, False]
    assert utts[1].start == utts[0].end == 10 * FRAME


def test_flush_ends_the_utterance_now():
    cfg = VadConfig(preroll_ms=0, tail_ms=0)
    seg = Segmenter(Scripted([0.9] * 20), cfg)
    assert [type(e) for e in feed_all(seg, np.zeros(FRAME * 20, np.float32))] == [Onset]
    (u,) = seg.flush()
    assert isinstance(u, Utterance) and u.end == 20 * FRAME


def test_reset_keeps_stream_positions_in_step():
    seg = Segmenter(Scripted([0.0] * 10 + [0.9] * 10), VadConfig(preroll_ms=0))
    seg.feed(np.zeros(FRAME * 3 + 100, np.float32))
    seg.reset()  # the 100 pending samples are dropped but were heard
    (on,) = [e for e in seg.feed(np.zeros(FRAME * 10, np.float32)) if isinstance(e, Onset)]
    assert seg.pos == FRAME * 13 + 100 and on.pos == FRAME * 10 + 100
