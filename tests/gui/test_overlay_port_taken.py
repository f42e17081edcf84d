"""Overlay port taken at start (issue 23): a clear message (a notice, not only a red light), the OBS URL
shows no port while nothing serves (never the other program's), and the fix button opens exactly the
port it promised — the suggestion stays the same while the server keeps retrying the taken port."""

from __future__ import annotations

import re
import socket

from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker
from tests.qt_async import qloop  # noqa: F401
from tests.wait import wait_until


def _window(qtbot, home, settings: Settings):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    bus = EventBus()
    services = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                              overrides={"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus),
                                         "chat": None})
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    qtbot.addWidget(win)
    return services, win, bridge


def test_port_taken_says_so_shows_no_url_and_opens_the_promised_port(qtbot, qloop, home):  # noqa: F811
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]

    async def scenario() -> None:
        services, win, bridge = _window(qtbot, home, Settings(overlay_port=port, llm_fallbacks=""))
        overlay = services.overlay
        overlay.bind_retry_s = 0.05  # the server keeps trying its port (the other program may quit)
        panel = win.panels["overlay"]
        await start_services(services)
        try:
            await wait_until(lambda: services.bus.status["overlay"].state is ServiceState.ERROR, 5, "bind failed")
            # 1. a clear message, in the status bar too (not only a red dot), in Korean, with what to do
            notices = [e.data for e in services.bus.recent if e.kind is EventKind.NOTICE]
            said = [n for n in notices if str(port) in n["text"]]
            assert len(said) == 1 and said[0]["level"] == "error"
            text = said[0]["text"]
            assert re.search(r"[가-힣]", text) and "in use" not in text and "Port" not in text
            assert str(overlay.suggested_port) in text and "설정" in text
            assert str(port) in win.status.message.text() + win.status.message.toolTip()
            # 2. the OBS URL field does not show the taken port: none, and copying is off
            assert panel.url.text() == "" and panel.url.placeholderText().startswith("없음")
            assert not panel.copy_btn.isEnabled() and str(port) not in panel.url.text()
            # 3. the suggestion holds while the retries fail: the button's port is the port it opens
            promised = overlay.suggested_port
            retries = len([e for e in services.bus.recent if e.kind is EventKind.STATUS
                           and e.data["status"].name == "overlay"])
            await wait_until(lambda: len([e for e in services.bus.recent if e.kind is EventKind.STATUS
                                          and e.data["status"].name == "overlay"]) >= retries + 6, 5, "retries")
            assert overlay.suggested_port == promised and str(promised) in panel.port_btn.text()
            assert len([n for n in (e.data for e in services.bus.recent if e.kind is EventKind.NOTICE)
                        if str(port) in n["text"]]) == 1  # said once, not on every retry
            panel.port_btn.click()
            await wait_until(lambda: overlay.running, 5, "overlay up")
            assert overlay.port == promised
            await wait_until(lambda: f":{promised}/" in panel.url.text(), 5, "the URL in use")
            assert panel.copy_btn.isEnabled()
        finally:
            await stop_services(services)
            bridge.close()

    try:
        qloop.run_until_complete(scenario())
    finally:
        busy.close()
