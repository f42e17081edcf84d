"""Issue 18 (VTS frame jitter under chat load): the VTS client and its 30 Hz frames on a loop thread of their own.

The GUI loop paints the chat list and the latency graph; with the frames on that loop every long paint delayed
a frame. These tests block the main loop outright and check that frames still go out, that what the avatar
publishes reaches bus subscribers on the main thread, and that the switch (``VTS_THREAD``) works."""

from __future__ import annotations

import threading
import time

import pytest

from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.paths import user_dirs
from aischoco_gui.service_config import vts_config
from aischoco_gui.settings import Settings, load_settings
from aischoco_gui.vts.factory import make_avatar as build_avatar
from aischoco_gui.vts.loop_thread import LoopThread
from tests.doubles.vts_server import VTSDouble
from tests.vts.test_vts_client import make_avatar
from tests.wait import wait_until


def block_main_loop_until(cond, limit_s: float = 10.0) -> bool:
    """Hold the main thread (and so its event loop) like a long paint would, until ``cond()`` or ``limit_s``.

    Blocking the loop is the very thing under test, hence the sleep; it ends on the condition, not the clock."""
    deadline = time.monotonic() + limit_s
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


async def test_frames_go_out_while_the_main_loop_is_blocked(tmp_path):
    """Fails with ``thread=False``: on one loop not a single frame leaves while that loop is held."""
    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path, idle_enabled=True, idle_hz=30.0)
        await av.start()
        try:
            await wait_until(lambda: av.client.ready and len(vts.injections) > 3)
            assert av.threaded
            n = av.stats.frames_sent
            assert block_main_loop_until(lambda: av.stats.frames_sent >= n + 5), \
                "no frames were sent while the main loop was blocked"
            m = len(vts.injections)
            await wait_until(lambda: len(vts.injections) >= m + 5)  # and they reach VTS once it reads again
        finally:
            await av.stop()
        assert not av.threaded  # stop ends the loop thread (a live settings rebuild builds a new driver)
        assert "aischoco-vts" not in {t.name for t in threading.enumerate()}


async def test_status_and_notices_reach_bus_subscribers_on_the_main_thread(tmp_path):
    """Fails when the avatar publishes straight from the VTS thread: the GUI bridge would be called off-thread."""
    bus = EventBus()
    main = threading.get_ident()
    seen: list[tuple[EventKind, int, str]] = []
    bus.subscribe(lambda ev: seen.append((ev.kind, threading.get_ident(), str(ev.data.get("text", ""))))
                  if ev.kind in (EventKind.STATUS, EventKind.NOTICE) else None)
    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path, bus=bus)
        await av.start()
        try:
            await wait_until(lambda: len(vts.injections) > 3)
            del vts.params["MouthSmile"]  # VTS answers 453: the VTS side names it in a notice
            await wait_until(lambda: any("MouthSmile" in t for k, _, t in seen if k is EventKind.NOTICE))
            assert av.threaded and av._vts is not None and av._vts._thread is not None
            assert av._vts._thread.ident != main
        finally:
            await av.stop()
    kinds = {k for k, _, _ in seen}
    assert {EventKind.STATUS, EventKind.NOTICE} <= kinds
    assert all(tid == main for _, tid, _ in seen)
    assert bus.status["vts"].state.value == "off"  # "stopped" comes last, after everything posted before it


@pytest.mark.parametrize("value,expected", [(None, True), ("false", False), ("true", True)])
def test_vts_thread_setting_from_the_environment_reaches_the_driver(tmp_path, value, expected):
    env = {"AISCHOCO_HOME": str(tmp_path)} | ({"VTS_THREAD": value} if value is not None else {})
    s = load_settings(user_dirs(env), env=env, cwd=tmp_path, use_keyring=False)
    assert s.vts_thread is expected
    av = build_avatar(vts_config(s), EventBus(), tmp_path / "config")
    assert av.config.thread is expected and (av._vts is not None) is expected
    assert Settings().vts_thread is True


async def test_loop_thread_runs_calls_and_coroutines_on_its_own_thread():
    lt = LoopThread("test-loop")
    main = threading.get_ident()
    lt.start()
    try:
        got: list[int] = []
        lt.call(lambda: got.append(threading.get_ident()))
        await wait_until(lambda: got)

        async def where() -> int:
            return threading.get_ident()

        assert got[0] != main and await lt.run(where()) == got[0]
    finally:
        await lt.stop()
    assert not lt.running
    ran: list[int] = []
    lt.call(lambda: ran.append(threading.get_ident()))  # not running: inline, on the caller's thread
    assert ran == [main]
