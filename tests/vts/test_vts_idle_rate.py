"""Issue 18: the avatar sends frames at a lower rate while only the idle motion moves, 30 Hz while speaking
or moving, and every frame still carries every controlled parameter (VTS's once-a-second rule, DESIGN §4.3).

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


@pytest.mark.parametrize("thread", [True, False], ids=["vts-thread", "one-loop"])
async def test_idle_drops_the_frame_rate_and_speech_restores_it(tmp_path, thread):
    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path, idle_enabled=True, hz=30.0, idle_hz=15.0, thread=thread)
        clock = Clock(av)
        await av.start()
        try:
            await wait_until(lambda: av.client.ready and len(vts.injections) > 3)
            await clock.run_for(1.0)  # control ramp and the neutral pose's transition end
            idle = await clock.run_for(3.0)
            assert round(rate(idle)) == 15
            av.set_speaking(True)
            speaking = await clock.run_for(2.0)
            assert round(rate(speaking)) == 30
            av.set_speaking(False)
            fading = await clock.run_for(0.3)  # the idle motion fades back in: still the full rate
            assert round(rate(fading)) == 30
            await clock.run_for(1.0)
            assert round(rate(await clock.run_for(2.0))) == 15
            av.set_emotion("happy")  # a pose transition (0.3 s) runs at the full rate
            # (with the VTS thread the new pose reaches the mixer a moment later; the clock is held meanwhile)
            await wait_until(lambda: av.frame_period(clock.t) == av.period)
            await clock.run_for(0.5)
            assert av.frame_period(clock.t) == av.idle_period
            # every frame the double got carried every controlled parameter: none lapses (1 s rule)
            controlled = set(vts.injections[-1].values)
            assert {"FaceAngleX", "MouthSmile", "AIsChocoBreath", "AIsChocoLegR", "MouthOpen"} <= controlled
            assert all(set(i.values) == controlled for i in vts.injections[3:])
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
