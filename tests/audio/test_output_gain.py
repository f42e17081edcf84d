"""Barge-in ducking on the output: ``set_gain`` takes effect within one audio block (wav: sink)."""

from __future__ import annotations

import asyncio

import numpy as np

from aischoco_gui.audio.output import AudioOutput
from aischoco_gui.audio.pcm import read_wav_file, rms
from tests.wait import wait_until as until


async def test_duck_lowers_the_next_block_and_unduck_restores(tmp_path):
    path = tmp_path / "out.wav"
    out = AudioOutput(f"wav:{path}", rate=16000, block_s=0.010)
    await out.start()
    try:
        t = np.arange(16000 * 3) / 16000
        out.write((0.5 * np.sin(2 * np.pi * 300 * t)).astype(np.float32))
        out.hold = True
        await until(lambda: out.sink.writer.frames >= out.block * 10)
        blocks_before = out.sink.writer.frames // out.block
        out.set_gain(0.1, ramp_ms=5)
        await until(lambda: out.sink.writer.frames >= (blocks_before + 4) * out.block)
        blocks_ducked = out.sink.writer.frames // out.block
        out.set_gain(1.0, ramp_ms=5)
        await until(lambda: out.sink.writer.frames >= (blocks_ducked + 4) * out.block)
        await asyncio.sleep(0)
    finally:
        await out.close()
    x, _ = read_wav_file(path)
    b = out.block
    level = [rms(x[i * b:(i + 1) * b]) for i in range(len(x) // b)]
    full = level[blocks_before - 2]
    assert full > 0.3
    # the block being rendered at the call may be either; the one after it is ducked
    assert level[blocks_before + 1] < 0.12 * full
    assert level[blocks_before + 2] < 0.12 * full
    assert level[blocks_ducked + 1] > 0.9 * full  # restored within one block too
    assert out.gain == 1.0


def test_gain_is_clamped_and_ramps_without_a_jump():
    out = AudioOutput("null", rate=16000, block_s=0.010)
    out.ring.write(np.ones(out.block * 3, np.float32))
    out.set_gain(-3.0, ramp_ms=10)  # clamped to 0, ramp = one block
    buf = np.zeros(out.block, np.float32)
    out._render(buf, 0.0)
    assert buf[0] < 1.0 and buf[-1] == 0.0 and np.all(np.diff(buf) <= 0)
    out._render(buf, 0.0)
    assert np.all(buf == 0.0)
    out.set_gain(7.0, ramp_ms=0)  # clamped to 1
    out._render(buf, 0.0)
    assert np.all(buf == 1.0)
