"""Windows global hold-to-talk (issue 16): the push-to-talk and director keys polled system-wide with
``GetAsyncKeyState`` while the window is not focused, handed over cleanly to the window's key filter.

No Windows here: a stand-in ``user32`` (below) is put into ``gui.global_keys``; everything else is real — the
mic panel on a real (started) microphone listening to a silent ``wav:`` file, real window activation
(offscreen), real key events for the focused window. The listener's ``set_ptt``/``set_director`` calls are
recorded (and passed on) to count edges."""

from __future__ import annotations

import dataclasses
import wave

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.gui import global_keys
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator
from tests.doubles.stt_server import SttDouble
from tests.qt_async import qloop  # noqa: F401
from tests.wait import wait_until

KEY = "gsk_test_stt"
VK_F8, VK_F9 = 0x77, 0x78


class FakeUser32:
    """``GetAsyncKeyState`` as Windows documents it: a SHORT (ctypes ``c_short``: negative when the most
    significant bit is set) whose most significant bit says the key is down now. ``down`` is the keyboard."""

    def __init__(self) -> None:
        self.down: set[int] = set()
        self.calls = 0

    def GetAsyncKeyState(self, vk: int) -> int:  # noqa: N802 (the Win32 name)
        if not isinstance(vk, int) or not 0 < vk < 256:
            raise ValueError(f"not a virtual-key code: {vk!r}")
        self.calls += 1
        return -32768 if vk in self.down else 0


@pytest.fixture
def user32(monkeypatch):
    fake = FakeUser32()
    monkeypatch.setattr(global_keys, "user32", fake)
    return fake


def silence(path) -> str:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * 3200)  # 0.2 s, then the wav: input keeps giving silence
    return f"wav:{path}"


def make(home, **over):
    bus = EventBus()
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    return build_services(dataclasses.replace(Settings(), **over), dirs, bus, overrides={
        "speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus), "generator": ScriptedGenerator(),
        "chat": None, "overlay": None})


def record(mic) -> list[tuple[str, bool]]:
    """What the listener was told, in order (the calls still reach it)."""
    calls: list[tuple[str, bool]] = []
    for name in ("set_ptt", "set_director"):
        real = getattr(mic, name)

        def rec(held: bool, real=real, which=name[4:]) -> None:
            calls.append((which, held))
            real(held)
        setattr(mic, name, rec)
    return calls


class Rig:
    def __init__(self, qtbot, services):
        from aischoco_gui.gui.bridge import Bridge
        from aischoco_gui.gui.panels.mic_panel import MicPanel

        self.services = services
        self.bridge = Bridge(services.bus)
        self.panel = MicPanel(services, self.bridge)
        qtbot.addWidget(self.panel)
        self.panel.show()
        self.other = QWidget()  # another program's window, as far as focus goes
        qtbot.addWidget(self.other)
        self.other.show()

    async def focus_app(self) -> None:
        self.panel.activateWindow()
        await wait_until(lambda: self.panel.keys.focused, 5, "the window active")

    async def focus_other(self) -> None:
        self.other.activateWindow()
        await wait_until(lambda: not self.panel.keys.focused, 5, "the window inactive")

    async def polls(self, n: int = 5) -> None:
        """Let the poller look ``n`` more times (to show that nothing more happens)."""
        start = self.panel.global_keys.polls
        await wait_until(lambda: self.panel.global_keys.polls >= start + n, 5, f"{n} polls")


def run(qloop, scenario):  # noqa: F811
    qloop.run_until_complete(scenario())


async def opened(services) -> None:
    await start_services(services)
    await wait_until(lambda: services.bus.status["stt"].state is ServiceState.READY, 10, "the mic open")


def test_unfocused_key_edges_reach_the_listener_once_each(qtbot, qloop, home, tmp_path, user32):  # noqa: F811
    async def scenario():
        async with SttDouble(key=KEY) as d:
            s = make(home, mic_mode="ptt", stt_input_device=silence(tmp_path / "s.wav"), stt_base_url=d.base_url,
                     stt_api_key=KEY)
            rig = Rig(qtbot, s)
            user32.down.add(VK_F8)  # held before the mic opens: nothing polls yet
            assert not rig.panel.global_timer.isActive()
            calls = record(s.mic)
            await opened(s)
            try:
                await rig.focus_other()
                assert rig.panel.global_timer.isActive()
                assert rig.panel.global_keys.keys == {"ptt": VK_F8, "director": VK_F9}
                await wait_until(lambda: calls == [("ptt", True)], 5, "F8 press")
                assert s.mic._ptt and rig.panel.ptt.isDown()
                await rig.polls()
                assert calls == [("ptt", True)]  # held: one edge, not one per poll
                user32.down.discard(VK_F8)
                await wait_until(lambda: calls == [("ptt", True), ("ptt", False)], 5, "F8 release")
                assert not s.mic._ptt and not rig.panel.ptt.isDown()
                user32.down.add(VK_F9)
                await wait_until(lambda: calls[2:] == [("director", True)], 5, "F9 press")
                user32.down.discard(VK_F9)
                await wait_until(lambda: calls[3:] == [("director", False)], 5, "F9 release")
                await rig.polls()
                assert len(calls) == 4
            finally:
                await stop_services(s)
                rig.bridge.close()
            assert not rig.panel.global_timer.isActive()
            assert d.requests == []  # silence: nothing sent

    run(qloop, scenario)


def test_poller_runs_only_while_the_mic_is_open_and_ptt_only_in_ptt_mode(qtbot, qloop, home, tmp_path,  # noqa: F811
                                                                         user32):
    async def scenario():
        async with SttDouble(key=KEY) as d:
            s = make(home, mic_mode="cohost", stt_input_device=silence(tmp_path / "s.wav"),
                     stt_base_url=d.base_url, stt_api_key=KEY)
            rig = Rig(qtbot, s)
            calls = record(s.mic)
            await rig.focus_other()
            user32.down.add(VK_F8)
            assert not rig.panel.global_timer.isActive() and user32.calls == 0  # mic closed: costs nothing
            await opened(s)
            try:
                assert rig.panel.global_keys.keys == {"director": VK_F9}  # cohost: the PTT key is not watched
                await rig.polls()
                assert calls == [] and VK_F8 not in {vk for vk in rig.panel.global_keys.keys.values()}
                user32.down.add(VK_F9)
                await wait_until(lambda: calls == [("director", True)], 5, "F9 press")
            finally:
                await stop_services(s)
                rig.bridge.close()
            # closed while F9 was held and the window not focused: released, and polling stops
            assert calls == [("director", True), ("director", False)]
            assert not rig.panel.global_timer.isActive() and not rig.panel.global_keys.active
            n = user32.calls
            await rig.focus_app()
            await rig.focus_other()
            assert user32.calls == n and len(calls) == 2

    run(qloop, scenario)


def test_focus_hand_over_is_clean_both_ways(qtbot, qloop, home, tmp_path, user32):  # noqa: F811
    async def scenario():
        async with SttDouble(key=KEY) as d:
            s = make(home, mic_mode="ptt", stt_input_device=silence(tmp_path / "s.wav"), stt_base_url=d.base_url,
                     stt_api_key=KEY)
            rig = Rig(qtbot, s)
            calls = record(s.mic)
            await opened(s)
            try:
                p = rig.panel
                # 1. held in the window, then Alt-Tab while still holding: the utterance is not cut
                await rig.focus_app()
                user32.down.add(VK_F8)
                qtbot.keyPress(p, Qt.Key.Key_F8)
                assert calls == [("ptt", True)]
                await rig.polls()
                assert calls == [("ptt", True)]  # focused: the poller does not press again
                await rig.focus_other()
                await rig.polls()
                assert calls == [("ptt", True)] and s.mic._ptt  # no False/True glitch on the focus change
                user32.down.discard(VK_F8)  # released in the other program
                await wait_until(lambda: calls == [("ptt", True), ("ptt", False)], 5, "F8 release elsewhere")
                # 2. held in another program, then back to the window, released there
                calls.clear()
                user32.down.add(VK_F9)
                await wait_until(lambda: calls == [("director", True)], 5, "F9 press elsewhere")
                await rig.focus_app()
                await rig.polls()
                assert calls == [("director", True)] and s.mic._director  # still held
                user32.down.discard(VK_F9)
                qtbot.keyRelease(p, Qt.Key.Key_F9)  # the window gets the release
                await rig.polls()
                assert calls == [("director", True), ("director", False)]  # once, not by both
                # 3. a release the window never saw (it went to another window): the poller releases
                calls.clear()
                user32.down.add(VK_F8)
                qtbot.keyPress(p, Qt.Key.Key_F8)
                user32.down.discard(VK_F8)
                await wait_until(lambda: calls == [("ptt", True), ("ptt", False)], 5, "missed release")
                await rig.polls()
                qtbot.keyRelease(p, Qt.Key.Key_F8)  # a late release event changes nothing
                assert calls == [("ptt", True), ("ptt", False)] and not p.ptt.isDown()
            finally:
                await stop_services(s)
                rig.bridge.close()

    run(qloop, scenario)


def test_elsewhere_nothing_polls_and_focus_loss_releases(qtbot, qloop, home, tmp_path, monkeypatch):  # noqa: F811
    """Not Windows and nothing injected: the keys are window keys, released when the window loses focus."""
    monkeypatch.setattr(global_keys, "user32", None)
    assert global_keys.load_user32() is None  # this is not Windows

    async def scenario():
        async with SttDouble(key=KEY) as d:
            s = make(home, mic_mode="ptt", stt_input_device=silence(tmp_path / "s.wav"), stt_base_url=d.base_url,
                     stt_api_key=KEY)
            rig = Rig(qtbot, s)
            calls = record(s.mic)
            await opened(s)
            try:
                assert not rig.panel.global_keys.available and not rig.panel.global_timer.isActive()
                await rig.focus_app()
                qtbot.keyPress(rig.panel, Qt.Key.Key_F8)
                await rig.focus_other()
                assert calls == [("ptt", True), ("ptt", False)]  # never stuck held
            finally:
                await stop_services(s)
                rig.bridge.close()

    run(qloop, scenario)


def test_nothing_watched_nothing_polled(qtbot, qloop, home, tmp_path, user32):  # noqa: F811
    """cohost without a director key: the mic is open, but no key is watched, so the timer never runs."""
    async def scenario():
        async with SttDouble(key=KEY) as d:
            s = make(home, mic_mode="cohost", mic_director_key="", stt_input_device=silence(tmp_path / "s.wav"),
                     stt_base_url=d.base_url, stt_api_key=KEY)
            rig = Rig(qtbot, s)
            await rig.focus_other()
            user32.down.update({VK_F8, VK_F9})
            await opened(s)
            try:
                assert rig.panel.global_keys.available and not rig.panel.global_keys.active
                assert not rig.panel.global_timer.isActive() and user32.calls == 0
                assert not s.mic._ptt and not s.mic._director
            finally:
                await stop_services(s)
                rig.bridge.close()

    run(qloop, scenario)
