"""Ctrl+Q / closing the window while on air asks first (non-modal), and both answers do what they say."""

from __future__ import annotations

import pytest

from aischoco_gui.compose import build_services
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.models import Reply
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker


def _window(qtbot, home, settings: Settings):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.main_window import MainWindow

    bus = EventBus()
    services = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                              overrides={"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus),
                                         "overlay": None, "chat": None})
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return services, win, bridge


def _on_air_speaking(services) -> None:
    d = services.pipeline.add_reply(Reply(text="지금 말하는 중이에요.", emotion="happy"), [])
    services.pipeline._speaking = d  # the speak loop holds it while the voice plays


def _on_air_chat(services) -> None:
    services.bus.set_status("chat", ServiceState.READY, "live")


@pytest.mark.parametrize("on_air, settings", [(_on_air_speaking, Settings(overlay_port=0)),
                                              (_on_air_chat, Settings(overlay_port=0, chat_source="chzzk"))])
def test_quit_on_air_asks_and_no_keeps_the_window(qtbot, home, on_air, settings):
    services, win, bridge = _window(qtbot, home, settings)
    on_air(services)
    closed = []
    win.closing.connect(lambda: closed.append(True))
    win.quit_action.trigger()  # Ctrl+Q
    qtbot.waitUntil(lambda: getattr(win, "quit_box", None) is not None and win.quit_box.isVisible())
    assert win.isVisible() and not closed
    box = win.quit_box
    destroyed = []
    box.destroyed.connect(lambda: destroyed.append(True))
    win.quit_no.click()
    # the answered question is gone: the window drops it and Qt deletes it (no later signal can reach it)
    qtbot.waitUntil(lambda: getattr(win, "quit_box", None) is None and bool(destroyed))
    assert win.isVisible() and not closed
    services.bus.set_status("llm", ServiceState.READY, "after the question")  # reaches no deleted box
    # closing the window (title bar) asks again, with a new question; "Quit" closes
    win.close()
    qtbot.waitUntil(lambda: getattr(win, "quit_box", None) is not None and win.quit_box.isVisible())
    with qtbot.waitSignal(win.closing, timeout=3000):
        win.quit_yes.click()
    assert not win.isVisible()
    bridge.close()


def test_quit_off_air_does_not_ask(qtbot, home):
    services, win, bridge = _window(qtbot, home, Settings(overlay_port=0))  # rehearsal, nothing speaking
    _on_air_chat(services)  # rehearsal chat being "ready" is not on air
    with qtbot.waitSignal(win.closing, timeout=3000):
        win.quit_action.trigger()
    assert getattr(win, "quit_box", None) is None
    bridge.close()


def test_quit_question_shows_at_once_and_follows_the_present(qtbot, qloop, home):  # noqa: F811
    """Issue 23: Ctrl+Q while the AI speaks asks at once (not when the speech ends) and, if the speech ends
    while the question is open, it no longer says the AI is speaking: nothing is on air, Quit is the default."""
    from aischoco_gui.compose import start_services, stop_services
    from aischoco_gui.events import EventKind
    from aischoco_gui.gui.main_window import MainWindow  # noqa: F401  (the window under test)
    from tests.wait import wait_until

    async def scenario() -> None:
        services, win, bridge = _window(qtbot, home, Settings(overlay_port=0))
        spk = services.speaker
        spk.seconds = 30.0  # a long reply
        await start_services(services)
        try:
            p = services.pipeline
            d = p.add_reply(Reply(text="아주 긴 답변을 말하는 중이에요.", emotion="happy"), [])
            p.approve(d.id)
            await wait_until(lambda: p.speaking is d, 5, "speaking")
            win.quit_action.trigger()  # Ctrl+Q
            box = win.quit_box
            assert box.isVisible()  # at once: no waiting for the speech to end
            assert "말하는 중" in box.text() and box.defaultButton() is win.quit_no
            await spk.stop()  # the speech ends while the question is open
            await wait_until(lambda: p.speaking is None, 5, "speech over")
            await wait_until(lambda: "말하는 중" not in box.text(), 2, "the question follows the present")
            assert box.isVisible() and box.defaultButton() is win.quit_yes
            assert any(e.kind is EventKind.PLAYBACK_END for e in services.bus.recent)
            # a new reply starts speaking: on air again
            d2 = p.add_reply(Reply(text="또 말해요.", emotion="happy"), [])
            p.approve(d2.id)
            await wait_until(lambda: "말하는 중" in box.text(), 5, "on air again")
            assert box.defaultButton() is win.quit_no
            win.quit_no.click()
            await spk.stop()
        finally:
            await stop_services(services)
            bridge.close()

    qloop.run_until_complete(scenario())
