"""Issue 18 (window first): the shell shows before the services exist; the panels come with attach()."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from aischoco_gui.compose import build_services
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker

ROOT = Path(__file__).resolve().parents[2]


def test_the_shell_shows_connecting_lights_then_attach_adds_the_panels(qtbot, home):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.main_window import DOCKS, MainWindow

    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    bus = EventBus()
    bridge = Bridge(bus)
    win = MainWindow(None, bridge, dirs=dirs)
    qtbot.addWidget(win)
    assert win.services is None and win.reply_panel is None and not win.docks
    assert win.panic_button.isEnabled()  # the panic button is there from the first paint
    for name in win.status.NAMES:
        bus.set_status(name, ServiceState.CONNECTING, "starting")
    assert all(ind.status.state is ServiceState.CONNECTING for ind in win.status.indicators.values())
    win.close()  # a shell closed during start-up must not overwrite the saved dock layout with an empty one
    assert not (dirs.config / "window.ini").exists()

    win = MainWindow(None, bridge, dirs=dirs)
    qtbot.addWidget(win)
    services = build_services(Settings(), dirs, bus, overrides={"speaker": RecordingSpeaker(bus),
                                                                "avatar": RecordingAvatar(bus)})
    win.attach(services)
    assert win.services is services and win.centralWidget() is win.reply_panel
    assert set(win.docks) == {k for k, _m, _a in DOCKS}
    assert len(win.view_menu.actions()) == len(DOCKS)  # each dock can be shown again from the View menu


def test_what_runs_before_the_window_does_not_import_the_adapters_libraries():
    """aiohttp (~0.14 s), numpy, httpx, websockets and the composition root load after the shell is shown."""
    code = ("import sys, aischoco_gui.app, aischoco_gui.gui.main_window, aischoco_gui.gui.bridge, "
            "aischoco_gui.gui.desktop, aischoco_gui.crash, aischoco_gui.gui.welcome, aischoco_gui.gui.startup_trace\n"
            "print(sorted(m for m in ('aiohttp', 'numpy', 'httpx', 'websockets', 'aischoco_gui.compose', "
            "'pyqtgraph') if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_panel_behind_another_tab_is_hidden_and_its_timer_sleeps(qtbot, home):
    """Issue 18 (idle cost): Qt keeps a dock behind another tab 'visible', so the VTS panel refreshed
    5×/s unseen. Its panel is hidden there now (timer stopped) and shown when its tab is picked."""
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.main_window import MainWindow

    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    bus = EventBus()
    services = build_services(Settings(), dirs, bus, overrides={"speaker": RecordingSpeaker(bus)})  # real avatar
    win = MainWindow(None, Bridge(bus), dirs=dirs)
    qtbot.addWidget(win)
    win.show()
    win.attach(services)
    vts = win.panels["vts"]
    qtbot.waitUntil(lambda: win.panels["history"].isVisible() and not vts.isVisible())  # history's tab is in front
    assert not vts.timer.isActive()
    win.docks["vts"].raise_()
    qtbot.waitUntil(vts.isVisible)
    assert vts.timer.isActive() and not win.panels["history"].timer.isActive()
