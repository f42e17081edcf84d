"""Lockdown and OBS in the window (issue 26), pytest-qt against the OBS and CHZZK API doubles: the hotkey
(Ctrl+Shift+F12, pressed as keys) locks down, the button lifts, the OBS panel shows the program scene,
switches it from its picker, and saves the BRB scene picked from OBS's real scene list; the lockdown log
shows the time and each step."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from aischoco_gui.chat.oauth import ChzzkAuth, MemoryTokenStore, TokenSet
from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus
from aischoco_gui.i18n import tr
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import UI_SETTINGS_FILE, Settings
from tests.doubles.chzzk_api_server import SCOPES, ChzzkApiDouble
from tests.doubles.obs_server import ObsDouble
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator
from tests.qt_async import qloop  # noqa: F401
from tests.wait import wait_until

PASSWORD = "obs-pw"
BEFORE = {"chatAvailableCondition": "NONE", "chatAvailableGroup": "ALL", "minFollowerMinute": 0,
          "allowSubscriberInFollowerMode": False, "chatSlowModeSec": 3, "chatEmojiMode": False}


@pytest.fixture
def doubles(qloop):  # noqa: F811
    obs = qloop.run_until_complete(ObsDouble(password=PASSWORD, scenes=["Live", "Game", "BRB"]).start())
    chzzk = qloop.run_until_complete(ChzzkApiDouble().start())
    chzzk.chat_settings = dict(BEFORE)
    yield obs, chzzk
    qloop.run_until_complete(chzzk.stop())
    qloop.run_until_complete(obs.aclose())


@pytest.fixture
def window(qtbot, qloop, home, doubles):  # noqa: F811
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    obs, chzzk = doubles
    bus = EventBus()
    settings = Settings(overlay_port=0, chat_source="chzzk", chzzk_openapi_base=chzzk.base_url,
                        chzzk_client_id=chzzk.client_id, chzzk_client_secret=chzzk.client_secret,
                        obs_ws_url=obs.url, obs_ws_password=PASSWORD, obs_brb_scene="", lockdown_chat="slow:60")
    s = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus, overrides={
        "chat": None, "speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus),
        "generator": ScriptedGenerator()})
    s.chzzk_auth = ChzzkAuth(base_url=chzzk.base_url, client_id=chzzk.client_id, client_secret=chzzk.client_secret,
                             store=MemoryTokenStore(TokenSet("user-token-1", "refresh-1",
                                                             scope=" ".join(set(SCOPES.values())))))
    bridge = Bridge(bus)
    win = MainWindow(s, bridge)
    win.controller = AppController(s, win, bridge)
    qtbot.addWidget(win)
    win.show()  # shown (Qt spins its own loop here) before any service task runs on the asyncio loop
    qtbot.waitExposed(win)
    yield win, s, obs, chzzk  # the test starts the services inside its coroutine (the loop then keeps running)
    qloop.run_until_complete(stop_services(s))
    bridge.close()


def test_obs_panel_shows_switches_and_picks_the_brb_scene_then_hotkey_and_button(qtbot, qloop, window):  # noqa: F811
    win, s, obs, chzzk = window
    panel = win.panels["obs"]
    win.docks["obs"].raise_()

    async def scenario() -> None:
        await start_services(s)
        await wait_until(lambda: panel.picker.count() == 3, 5, "OBS scene list in the panel")
        assert panel.scene.text() == "Live"
        assert [panel.brb.itemText(i) for i in range(panel.brb.count())] == [tr("obs.panel.brb_none"), "Live",
                                                                            "Game", "BRB"]
        assert s.bus.status["obs"].state.value == "ready"
        assert win.status.indicators["obs"].text() == f"{tr('service.obs')}: {tr('state.ready')}"
        # switch from the picker
        panel.picker.setCurrentText("Game")
        qtbot.mouseClick(panel.switch_btn, Qt.MouseButton.LeftButton)
        await wait_until(lambda: obs.current == "Game" and panel.scene.text() == "Game", 5, "switched")
        assert panel.result.text() == tr("obs.panel.switched", scene="Game")
        # pick the BRB scene from OBS's real list and save it
        panel.brb.setCurrentIndex(panel.brb.findData("BRB"))
        qtbot.mouseClick(panel.brb_btn, Qt.MouseButton.LeftButton)
        assert s.obs.brb_scene == "BRB" and s.settings.obs_brb_scene == "BRB"
        saved = json.loads((s.dirs.config / UI_SETTINGS_FILE).read_text(encoding="utf-8"))
        assert saved["obs_brb_scene"] == "BRB"

        # the hotkey: Ctrl+Shift+F12 pressed on the window
        assert win.lockdown_action.shortcut().toString() == "Ctrl+Shift+F12"
        win.activateWindow()
        qtbot.keyClick(win, Qt.Key.Key_F12, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        await wait_until(lambda: s.lockdown.active and s.lockdown.history, 5, "locked down by the hotkey")
        await wait_until(lambda: obs.current == "BRB" and chzzk.chat_settings["chatSlowModeSec"] == 60, 5, "applied")
        assert win.lockdown_button.text() == tr("lockdown.button.lift")
        assert win.toolbar_label.text().startswith("🔒")
        await wait_until(lambda: panel.log.count() == 6, 3, "lockdown log: the record and its five steps")
        first = panel.log.item(0).text()
        assert tr("lockdown.panel.action.lockdown") in first and ":" in first[:8]  # the time, then the action
        assert tr("lockdown.step.obs") in panel.log.item(3).text() and "'Game' → 'BRB'" in panel.log.item(3).text()
        # pressing the hotkey again does not lift (only the button does)
        qtbot.keyClick(win, Qt.Key.Key_F12, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        await wait_until(lambda: tr("lockdown.notice.already") in win.status.message.text(), 3, "already locked")
        assert s.lockdown.active

        # the button lifts: the scene and the chat settings from the moment of lockdown come back
        qtbot.mouseClick(win.lockdown_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: not s.lockdown.active, 5, "lifted by the button")
        await wait_until(lambda: obs.current == "Game" and chzzk.chat_settings == BEFORE, 5, "restored")
        assert win.lockdown_button.text() == tr("lockdown.button", shortcut="Ctrl+Shift+F12")
        assert not win.toolbar_label.text().startswith("🔒")
        assert tr("lockdown.panel.action.lift") in panel.log.item(0).text()

        # the button locks down again (it toggles)
        qtbot.mouseClick(win.lockdown_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: s.lockdown.active and obs.current == "BRB", 5, "locked down by the button")

    qloop.run_until_complete(scenario())


def test_the_window_comes_up_locked_after_a_restart(qtbot, qloop, home, doubles):  # noqa: F811
    """A lockdown saved by an earlier run: the window says so and its button lifts it."""
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.main_window import MainWindow
    from aischoco_gui.lockdown.feature import STATE_FILE

    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.data.mkdir(parents=True, exist_ok=True)
    (dirs.data / STATE_FILE).write_text(json.dumps({"version": 1, "active": True, "since": 1_700_000_000.0,
                                                    "obs": None, "chat": None, "history": []}), encoding="utf-8")
    bus = EventBus()
    s = build_services(Settings(overlay_port=0), dirs, bus, overrides={"chat": None})
    win = MainWindow(s, Bridge(bus))
    qtbot.addWidget(win)
    assert s.pipeline.held and win.lockdown_button.text() == tr("lockdown.button.lift")
    assert win.toolbar_label.text().startswith("🔒")
    assert win.panels["obs"].lock_state.text().startswith("🔒")
