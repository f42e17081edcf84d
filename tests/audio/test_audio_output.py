"""Audio output: ring buffer, resampling, WAV sink contents, cancel latency, envelope alignment,
device loss and recovery (with a PortAudio stand-in)."""

from __future__ import annotations

import asyncio
import time
import wave

import numpy as np
import pytest

from aischoco_gui.audio.devices import AudioDeviceError, parse_output_spec, resolve_device
from aischoco_gui.audio.output import AudioOutput
from aischoco_gui.audio.pcm import read_wav_file, rms
from aischoco_gui.audio.resample import StreamResampler, resample
from aischoco_gui.audio.ring import RingBuffer
from aischoco_gui.events import EventBus, EventKind, ServiceState
from tests.doubles.tts_servers import tone
from tests.doubles.tts_sounddevice import FakePortAudio
from tests.wait import wait_until


def test_ring_wraps_and_clears():
    r = RingBuffer(10)
    assert r.write(np.arange(8, dtype=np.float32)) == 8
    out = np.zeros(6, np.float32)
    assert r.read_into(out) == (0, 6)
    assert r.write(np.arange(10, dtype=np.float32)) == 8  # 2 left + 8 free
    out = np.zeros(12, np.float32)
    pos, n = r.read_into(out)
    assert (pos, n) == (6, 10)
    assert list(out[:10]) == [6, 7, 0, 1, 2, 3, 4, 5, 6, 7] and not out[10:].any()
    r.write(np.ones(5, np.float32))
    assert r.clear() == 5 and r.available == 0


def test_streaming_resampler_matches_one_shot_and_keeps_pitch():
    x = tone(0.5, 22050, 300.0)
    whole = resample(x, 22050, 48000)
    rs = StreamResampler(22050, 48000)
    parts = np.concatenate([rs.process(x[i:i + 777]) for i in range(0, len(x), 777)] + [rs.flush()])
    assert abs(len(parts) - len(whole)) <= 1
    n = min(len(parts), len(whole))
    assert np.max(np.abs(parts[:n] - whole[:n])) < 1e-4
    spec = np.abs(np.fft.rfft(whole))
    peak_hz = np.argmax(spec) * 48000 / len(whole)
    assert abs(peak_hz - 300.0) < 5
    assert abs(len(whole) - 0.5 * 48000) <= 2


def test_downsampling_48k_to_16k_filters_a_10k_tone_instead_of_folding_it():
    """Issue 12: 10 kHz is above 16 kHz's Nyquist (8 kHz); a resampler without an anti-alias filter
    folds it to 6 kHz at nearly full level. A 1 kHz tone must pass untouched."""
    hi, lo = tone(1.0, 48000, 10000.0, amp=0.5), tone(1.0, 48000, 1000.0, amp=0.5)
    for make in (lambda x: resample(x, 48000, 16000),
                 lambda x: (lambda rs: np.concatenate([rs.process(x[i:i + 1000]) for i in range(0, len(x), 1000)]
                                                      + [rs.flush()]))(StreamResampler(48000, 16000))):
        y_hi, y_lo = make(hi), make(lo)
        assert abs(len(y_hi) - 16000) <= 2
        core = slice(800, 15200)  # ignore the filter's edges
        assert rms(y_hi[core]) < 0.01 * rms(hi)  # attenuated by more than 40 dB
        spec = np.abs(np.fft.rfft(y_hi[core] * np.hanning(len(y_hi[core]))))
        freqs = np.fft.rfftfreq(len(y_hi[core]), 1 / 16000)
        assert spec[np.abs(freqs - 6000) < 50].max() < 0.01 * spec.sum() + 1e-3  # no alias at 6 kHz
        assert abs(rms(y_lo[core]) - rms(lo)) < 0.01


def test_output_spec_parsing():
    assert parse_output_spec("null").kind == "null"
    assert parse_output_spec("wav:/tmp/x.wav").path == "/tmp/x.wav"
    assert parse_output_spec("CABLE Input").device == "CABLE Input"
    with pytest.raises(ValueError, match="file path"):
        parse_output_spec("wav:")


def test_resolve_device_by_name_index_and_clear_error():
    pa = FakePortAudio()
    assert resolve_device(pa, "cable")[1].startswith("CABLE Input")
    assert resolve_device(pa, "0")[1] == "Speakers"
    with pytest.raises(AudioDeviceError, match="not found; available: 0: Speakers"):
        resolve_device(pa, "Headphones")


async def test_wav_sink_content_duration_rate_and_pace(tmp_path):
    path = tmp_path / "out.wav"
    out = AudioOutput(f"wav:{path}", EventBus(), rate=24000)
    await out.start()
    assert out.state == ServiceState.READY
    x = tone(0.6, 24000, 220.0, 0.4)
    start, end = out.expect("start"), out.expect("end")
    t0 = time.monotonic()
    out.write(x, mark="start")
    out.mark("end")

    def header_frames() -> int:
        with wave.open(str(path)) as w:
            assert w.getframerate() == 24000
            return w.getnframes()

    # the file grows at the pace of playback and its header is valid while it grows
    mid_frames = await wait_until(header_frames, what="the first block in the file")
    # time is the subject (real-time pacing): never ahead of the real time since the write, in samples
    assert mid_frames <= (time.monotonic() - t0) * 24000 + out.block
    # the playback clock stamps the two markers exactly the tone's length apart (in the sink's own time)
    t_start, t_end = await asyncio.wait_for(start, 3), await asyncio.wait_for(end, 3)
    assert t_end - t_start == pytest.approx(0.6, abs=1e-6)
    await out.close()
    y, rate = read_wav_file(path)
    assert rate == 24000
    assert abs(len(y) / rate - 0.6) < 0.03  # idle silence is not written
    assert abs(rms(y) - 0.4 / np.sqrt(2)) < 0.02


async def test_clear_silences_within_one_block(tmp_path):
    path = tmp_path / "cut.wav"
    out = AudioOutput(f"wav:{path}", None, rate=24000, block_s=0.01)
    await out.start()
    sink = out.sink
    out.write(tone(2.0, 24000))
    await wait_until(lambda: out.ring.read >= 0.1 * 24000, what="0.1 s played")
    out.clear()
    frames_at_clear = out.ring.read
    with wave.open(str(path)) as w:  # what had been played (written to the file) when the cancel landed
        played_at_clear = w.getnframes()
    # the sink goes back to sleep only after SLEEP_AFTER_BLOCKS silent blocks: enough blocks have
    # been rendered since the clear that a cancel slower than one block would show in the file
    await wait_until(lambda: sink.sleeping, what="the sink asleep after the cancel")
    await out.close()
    y, _ = read_wav_file(path)
    # nothing was read after the clear, and at most the one block (240 samples) in flight when we
    # cleared reached the file afterwards: measured in samples written, not in seconds
    assert out.ring.read - frames_at_clear == 0
    assert played_at_clear >= 0.1 * 24000 - out.block
    assert len(y) - played_at_clear <= out.block == 240
    loud = np.nonzero(np.abs(y) > 0.01)[0]
    assert loud[-1] < played_at_clear + out.block


async def test_envelope_is_time_aligned_with_playback():
    rate = 24000
    out = AudioOutput("null", None, rate=rate)
    await out.start()
    sig = np.concatenate([np.zeros(int(0.2 * rate)), tone(0.3, rate, 200.0, 0.5), np.zeros(int(0.2 * rate))])
    first = out.expect("first")
    end = out.expect("end")
    points = []
    remove = out.add_envelope_listener(points.append)
    out.write(sig.astype(np.float32), mark="first")
    out.mark("end")
    t_first = await asyncio.wait_for(first, 2)
    t_end = await asyncio.wait_for(end, 3)
    await wait_until(lambda: points and points[-1].t >= t_end, what="the envelope delivered past the end")
    remove()
    await out.close()
    loud = [p for p in points if p.level > 0.5]
    assert loud, "no loud windows reported"
    onset = loud[0].t - t_first
    offset = loud[-1].t + 0.02 - t_first
    assert abs(onset - 0.2) <= 0.021 and abs(offset - 0.5) <= 0.021
    quiet_inside = [p for p in points if t_first + 0.22 < p.t < t_first + 0.48 and p.level < 0.5]
    assert not quiet_inside
    assert all(abs(p.rms - 0.5 / np.sqrt(2)) < 0.02 for p in loud[1:-1])
    # mouth_level follows time: silent before and after, open during the tone
    assert out.meter.level_at(t_first + 0.1) == 0.0
    assert out.meter.level_at(t_first + 0.35) > 0.9
    assert out.meter.level_at(t_first + 0.65) == 0.0


async def test_underrun_counted_when_an_utterance_runs_dry():
    out = AudioOutput("null", None, rate=24000)
    await out.start()
    sink = out.sink
    out.hold = True
    out.write(tone(0.05, 24000))
    await wait_until(lambda: out.underruns == 1, what="starved while more audio was expected")
    starved_at = sink.blocks
    await wait_until(lambda: sink.blocks >= starved_at + 5, what="five more dry blocks")
    assert out.underruns == 1  # one per starvation, not one per dry block
    heard, done = out.expect("more"), out.expect("done")
    out.write(tone(0.05, 24000), mark="more")
    out.hold = False
    out.mark("done")
    assert await asyncio.wait_for(heard, 2) is not None and await asyncio.wait_for(done, 2) is not None
    await wait_until(lambda: sink.sleeping, what="dry without an utterance in progress")
    await out.close()
    assert out.underruns == 1


async def test_device_sink_plays_then_recovers_after_unplug():
    pa = FakePortAudio()
    bus = EventBus()
    states = []
    bus.subscribe(lambda e: states.append(e.data["status"].state) if e.kind is EventKind.STATUS else None)
    out = AudioOutput("CABLE", bus, rate=48000, sd_module=pa)
    await out.start()
    assert out.state == ServiceState.READY and out.sink.label.startswith("CABLE")
    fut = out.expect("m")
    out.write(tone(0.1, 48000), mark="m")
    assert await asyncio.wait_for(fut, 2) is not None
    await wait_until(lambda: max((np.max(np.abs(b)) for b in list(pa.played)), default=0.0) > 0.4,
                     what="the tone handed to the device")
    pa.unplug()
    await wait_until(lambda: out.state in (ServiceState.RECONNECTING, ServiceState.ERROR), timeout=4,
                     what="the unplug noticed")
    assert "사라졌어요" in bus.status["audio"].detail or "쓸 수 없어요" in bus.status["audio"].detail
    pa.replug()
    await wait_until(lambda: out.state == ServiceState.READY, timeout=6, what="the device back")
    assert pa.reinits >= 1
    fut = out.expect("again")
    out.write(tone(0.05, 48000), mark="again")
    assert await asyncio.wait_for(fut, 2) is not None
    await out.close()
    assert ServiceState.RECONNECTING in states


async def test_clocked_sink_sleeps_in_silence_and_wakes_for_audio(tmp_path):
    """Issue 18: no 100 Hz tick while silent; a write wakes it and plays; cancel still works."""
    out = AudioOutput(f"wav:{tmp_path / 'o.wav'}", None, rate=24000)
    await out.start()
    try:
        sink = out.sink
        await wait_until(lambda: sink.sleeping)
        ticks = sink.blocks
        await asyncio.sleep(0.3)  # time is the subject: nothing ticks in 0.3 s of silence (30 blocks before)
        assert sink.blocks == ticks and sink.sleeping
        fut = out.expect("a")
        out.write(tone(0.05, 24000), mark="a")
        assert await asyncio.wait_for(fut, 2.0) is not None  # woke and played it
        assert sink.wakeups == 1
        await wait_until(lambda: sink.sleeping)
        # cancel while playing: the rest is dropped, the end marker resolves as dropped
        first, end = out.expect("b"), out.expect("b-end")
        out.write(tone(2.0, 24000), mark="b")
        out.mark("b-end")
        await asyncio.wait_for(first, 2.0)
        out.clear()
        assert await asyncio.wait_for(end, 2.0) is None
        await wait_until(lambda: sink.sleeping)
    finally:
        await out.close()
    frames = wave.open(str(tmp_path / "o.wav")).getnframes()
    assert frames < 24000  # of 2.05 s written, well under 1 s was played before the cancel


async def test_the_poller_naps_in_silence_and_audio_wakes_it(tmp_path):
    """Issue 18 (idle cost): in silence the poller waits up to IDLE_NAP_S instead of waking 20×/s;
    expecting a marker or writing audio ends the nap at once, so the marker still resolves on time."""
    out = AudioOutput(f"wav:{tmp_path / 'nap.wav'}", None, rate=24000, block_s=0.01)
    await out.start()
    try:
        await wait_until(lambda: out._poller_nap is not None)  # asleep in silence
        nap = out._poller_nap
        heard = out.expect("first")
        assert nap.done()  # woken by the waiter, before any timer
        out.write(tone(0.05, 24000), mark="first")
        t = await asyncio.wait_for(heard, 5)
        assert t is not None  # the marker's sample was heard and reported
        await wait_until(lambda: out._poller_nap is not None)  # silence again: back to napping
    finally:
        await out.close()
