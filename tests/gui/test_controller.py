"""Widgets emit intents; the one app controller runs the async work and hands the result back."""

from __future__ import annotations

import dataclasses

from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker
from tests.qt_async import qloop  # noqa: F401
from tests.wait import wait_until


def test_overlay_port_button_restarts_the_server_through_the_controller(qtbot, qloop, home):  # noqa: F811
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    bus = EventBus()
    services = build_services(dataclasses.replace(Settings(), overlay_port=0), dirs, bus,
                              overrides={"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus)})
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    qtbot.addWidget(win)
    states: list[ServiceState] = []
    bus.subscribe(lambda ev: ev.kind is EventKind.STATUS and ev.data["status"].name == "overlay"
                  and states.append(ev.data["status"].state))
    panel = win.panels["overlay"]

    async def scenario() -> None:
        await start_services(services)
        try:
            await wait_until(lambda: services.overlay.running, 5, "overlay serving")
            states.clear()
            panel.port_btn.click()  # the widget only says what the streamer wants
            assert not panel.port_btn.isEnabled()
            await wait_until(lambda: ServiceState.OFF in states and services.overlay.running
                             and panel.port_btn.isEnabled(), 5, "overlay restarted by the controller")
        finally:
            await stop_services(services)

    qloop.run_until_complete(scenario())
    bridge.close()
