"""Issue 18: the avatar sends frames at a lower rate while only the idle motion moves, 30 Hz while speaking
or moving. Issue 27: an idle frame carries only what moved by a visible step, but every controlled parameter
is re-sent within the keepalive (VTS's once-a-second rule, DESIGN §4.3); a full-rate frame carries them all.

The mixer loop runs on a controlled clock: its wait is replaced by one that advances the clock, so the
chosen frame periods are exact and nothing depends on the machine's speed."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from aischoco_gui.vts.avatar import VTSAvatar
from tests.doubles.vts_server import VTSDouble
from tests.vts.test_vts_client import make_avatar
from tests.wait import wait_until


class Clock:
    """A fake monotonic clock for the avatar and a wait that advances it (and yields to the loop)."""

    def __init__(self, av: VTSAvatar) -> None:
        self.t = time.monotonic()  # from the avatar's own clock on (it built its channels with it)
        self.ticks: list[float] = []  # clock time of each mixer tick
        self.limit = float("inf")  # the clock does not pass this (free-running until the first run_for)
        self.held = False  # the mixer loop waits for the clock to be moved on
        self.av = av
        self.lock = threading.Lock()  # the mixer loop may run on the VTS thread: held/limit change together
        av._now = lambda: self.t
        real_tick = av._tick

        def tick(now: float) -> None:
            self.ticks.append(now)
            real_tick(now)

        av._tick = tick

        async def sleep(delay: float, pokeable: bool) -> bool:
            inflight = av._inflight
            while inflight is not None and not inflight.done():  # the frame is on the socket before time moves
                await asyncio.sleep(0)
            await asyncio.sleep(0)
            while True:  # time stands still until the test moves it on
                with self.lock:
                    if self.t + delay <= self.limit + 1e-9:
                        self.held = False
                        self.t += delay
                        return False
                    self.held = True
                await asyncio.sleep(0.001)  # the clock may run on the VTS thread: a lock, not an asyncio.Event

        av._sleep = sleep

    async def run_for(self, seconds: float) -> list[float]:
        """Advance the mixer loop by ``seconds`` of clock time; the tick times in that span."""
        start = len(self.ticks)
        with self.lock:
            self.held, self.limit = False, self.t + seconds
        await wait_until(lambda: self.held, timeout=20)
        return self.ticks[start:]


def rate(ticks: list[float]) -> float:
    return (len(ticks) - 1) / (ticks[-1] - ticks[0])


def idle_ticks(ticks: list[float], av: VTSAvatar) -> bool:
    """Idle-rate ticks: each gap a whole number of idle periods (15 Hz), none longer than idle_max_wait_s, and
    the sway followed at the idle rate somewhere (the shortest gap is one idle period)."""
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    p = av.idle_period
    return (len(gaps) >= 5 and all(abs(g / p - round(g / p)) < 1e-6 and g <= av.config.idle_max_wait_s + 1e-6
                                   for g in gaps) and abs(min(gaps) - p) < 1e-6 and rate(ticks) <= 15.01)


@pytest.mark.parametrize("thread", [True, False], ids=["vts-thread", "one-loop"])
async def test_idle_drops_the_frame_rate_and_speech_restores_it(tmp_path, thread):
    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path, idle_enabled=True, hz=30.0, idle_hz=15.0, thread=thread)
        clock = Clock(av)
        sent: list[tuple[float, bool, set[str]]] = []  # (clock time, idle?, ids) of each frame that went out
        real_visible = av._visible

        def visible(frame, now, idle):
            out = real_visible(frame, now, idle)
            if out:
                sent.append((now, idle, {p["id"] for p in out}))
            return out

        av._visible = visible
        await av.start()
        try:
            await wait_until(lambda: av.client.ready and len(vts.injections) > 3)
            await clock.run_for(1.0)  # control ramp and the neutral pose's transition end
            n0 = len(sent)
            idle = await clock.run_for(3.0)
            assert idle_ticks(idle, av)
            idle_frames = sent[n0:]
            assert idle_frames and all(i for _, i, _ in idle_frames)
            av.set_speaking(True)
            n1 = len(sent)
            speaking = await clock.run_for(2.0)
            assert round(rate(speaking)) == 30
            full = [ids for _, i, ids in sent[n1 + 1:] if not i]
            assert len(full) >= 55 and all(ids == full[0] for ids in full)  # every full-rate frame: everything
            av.set_speaking(False)
            fading = await clock.run_for(0.3)  # the idle motion fades back in: still the full rate
            assert round(rate(fading)) == 30
            await clock.run_for(1.0)
            assert idle_ticks(await clock.run_for(2.0), av)
            av.set_emotion("happy")  # a pose transition (0.3 s) runs at the full rate
            # (with the VTS thread the new pose reaches the mixer a moment later; the clock is held meanwhile)
            await wait_until(lambda: av.frame_period(clock.t) == av.period)
            await clock.run_for(0.5)
            assert av.frame_period(clock.t) == av.idle_period
            controlled = full[0]
            assert {"FaceAngleX", "MouthSmile", "AIsChocoBreath", "AIsChocoLegR", "MouthOpen"} <= controlled
            # idle frames are smaller: what held still (the smile, the mouth) waits for its keepalive
            assert sum(len(ids) for _, _, ids in idle_frames) < 0.7 * len(idle_frames) * len(controlled)
            assert any("MouthSmile" not in ids for _, _, ids in idle_frames)
            # none lapses: each parameter went out at least every keepalive + one idle tick, far under 1 s
            assert all(set(i.values) <= controlled for i in vts.injections[3:])
            for pid in controlled:
                times = [t for t, _, ids in sent if pid in ids]
                gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
                assert max(gaps) <= av.config.keepalive_s + av.idle_period + 1e-6, (pid, max(gaps))
        finally:
            clock.limit = float("inf")  # stop() ramps control down on the avatar's clock
            await av.stop()


@pytest.mark.parametrize("thread", [True, False], ids=["vts-thread", "one-loop"])
async def test_an_emotion_cuts_an_idle_wait_short(tmp_path, thread):
    """A reaction is not held back by the idle rate: a poke ends the current idle-length wait."""
    async with VTSDouble() as vts:
        # a 1 s idle wait: a reaction must not sit behind it
        av = make_avatar(vts, tmp_path, idle_hz=1.0, thread=thread)
        await av.start()
        try:
            await wait_until(lambda: av.client.ready and len(vts.injections) > 1)
            await wait_until(lambda: av._sleeper is not None)  # in an idle-rate (pokeable) wait now
            n = len(vts.injections)
            av.set_emotion("happy")
            if not thread:  # on one loop the poke is synchronous; with the VTS thread it lands there next
                assert av._sleeper is None or av._sleeper.done()
            await wait_until(lambda: len(vts.injections) > n and vts.injections[-1].values["MouthSmile"] > 0.2,
                             timeout=0.9)  # inside what the 1 s idle wait would have held it
        finally:
            await av.stop()


async def test_idle_frames_keep_every_parameter_under_vts_control(tmp_path):
    """Real time (VTS's 1 s rule is about time): idle frames carry less, and no parameter lapses."""
    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path, idle_enabled=True, hz=30.0, idle_hz=15.0)
        await av.start()
        try:
            await wait_until(lambda: av.client.ready and len(vts.injections) > 3)
            await wait_until(lambda: av.frame_period(av._now()) == av.idle_period, timeout=5)
            n0 = len(vts.injections)
            await asyncio.sleep(2.5)  # time itself is under test
            frames = vts.injections[n0:]
            controlled = set().union(*(f.values for f in frames))
            assert {"FaceAngleX", "MouthSmile", "MouthOpen"} <= controlled
            assert any(len(f.values) < len(controlled) for f in frames)
            assert vts.lapses == []
        finally:
            await av.stop()


async def test_the_vts_double_takes_back_a_parameter_not_resent_within_a_second(tmp_path):
    """The check above can fail: with a keepalive past VTS's second, held-still parameters lapse."""
    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path, idle_enabled=True, hz=30.0, idle_hz=15.0, keepalive_s=3.0)
        await av.start()
        try:
            await wait_until(lambda: av.client.ready and len(vts.injections) > 3)
            await wait_until(lambda: any(pid == "MouthSmile" for _, pid in vts.lapses), timeout=10)
        finally:
            await av.stop()


@pytest.mark.parametrize("idle_motion", [True, False], ids=["sway", "still"])
async def test_idle_ticks_follow_the_motion(tmp_path, idle_motion):
    """Issue 27: an idle tick comes when the sway will have moved by a visible step: held still, every
    idle_max_wait_s and a frame only per keepalive; swaying, at most the idle rate."""
    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path, idle_enabled=idle_motion, hz=30.0, idle_hz=15.0, thread=False)
        clock = Clock(av)
        await av.start()
        try:
            await wait_until(lambda: av.client.ready and len(vts.injections) > 3)
            await clock.run_for(1.0)
            n = len(vts.injections)
            ticks = await clock.run_for(4.0)
            gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
            frames = len(vts.injections) - n
            if idle_motion:
                assert idle_ticks(ticks, av) and frames >= 8
            else:
                assert all(abs(g - av.config.idle_max_wait_s) < 1e-6 for g in gaps)
                assert 6 <= frames <= 10  # one per keepalive (0.5 s) over 4 s, give or take a tick
        finally:
            clock.limit = float("inf")
            await av.stop()
