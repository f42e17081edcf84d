"""The features merged beside issue 21 follow its ownership rules (issue 21 × issues 24, 25, 26).

Each test builds the real window and rebuilds a service the way the settings dialog does
(``AppController.apply_settings`` → ``compose.apply_settings`` → ``compose.rebuild``, which announces
``SERVICE_REPLACED``): the OBS panel shows the OBS service of the moment (a new address: the new OBS's
scenes; switched off: nothing to pick), the viewers panel and the proposed facts follow viewer memory
switched off and on again, and every rebuild of obs / record / viewers is announced on the bridge.
"""

from __future__ import annotations

import dataclasses

from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus
from aischoco_gui.i18n import tr
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.obs_server import ObsDouble
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator
from tests.qt_async import qloop  # noqa: F401
from tests.viewers.helpers import chat
from tests.wait import wait_until

PASSWORD = "obs-pw"


def _window(qtbot, home, settings: Settings):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    bus = EventBus()
    services = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus, overrides={
        "chat": None, "speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus),
        "generator": ScriptedGenerator()})
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    qtbot.addWidget(win)
    return services, win, bridge


def _scenes(panel) -> list[str]:
    return [panel.picker.itemText(i) for i in range(panel.picker.count())]


def test_obs_panel_follows_the_rebuilt_obs_service(qtbot, qloop, home):  # noqa: F811
    async def scenario() -> None:
        a = await ObsDouble(password=PASSWORD, scenes=["Live", "BRB"]).start()
        b = await ObsDouble(password=PASSWORD, scenes=["Desk", "Game", "Away"], current="Game").start()
        settings = Settings(overlay_port=0, obs_ws_url=a.url, obs_ws_password=PASSWORD, obs_brb_scene="BRB")
        services, win, bridge = _window(qtbot, home, settings)
        panel = win.panels["obs"]
        replaced: list[str] = []
        bridge.replaced_of("obs").connect(lambda: replaced.append("obs"))
        await start_services(services)
        try:
            await wait_until(lambda: _scenes(panel) == ["Live", "BRB"], 5, "OBS A's scenes")
            old = services.obs
            # a new address: the panel shows the new OBS (its scenes, its program scene), not the old one
            s2 = dataclasses.replace(settings, obs_ws_url=b.url)
            assert await win.controller.apply_settings(s2, {"obs_ws_url": b.url}) == ["obs"]
            assert services.obs is not old and replaced == ["obs"]
            await wait_until(lambda: _scenes(panel) == ["Desk", "Game", "Away"] and panel.scene.text() == "Game",
                             5, "OBS B's scenes in the panel")
            # the BRB scene of the new service ("BRB" is not one of B's scenes: shown, marked)
            assert panel.brb.currentData() == "BRB" and panel.brb.currentText().endswith("⚠")
            # switched off: the live service is not configured, so nothing can be picked or reconnected
            s3 = dataclasses.replace(s2, obs_enabled="off")
            assert await win.controller.apply_settings(s3, {"obs_enabled": "off"}) == ["obs"]
            await wait_until(lambda: not panel.reconnect_btn.isEnabled(), 5, "reconnect off with OBS off")
            assert not panel.switch_btn.isEnabled() and not panel.picker.isEnabled()
            assert panel.state.text() == services.bus.status["obs"].detail or tr("obs.off")
        finally:
            await stop_services(services)
            bridge.close()
            await a.aclose()
            await b.aclose()

    qloop.run_until_complete(scenario())


def test_viewers_panel_and_proposals_follow_viewer_memory_off_and_on(qtbot, qloop, home):  # noqa: F811
    async def scenario() -> None:
        settings = Settings(overlay_port=0, viewer_memory="on")
        services, win, bridge = _window(qtbot, home, settings)
        win.show()
        win.docks["viewers"].raise_()
        panel, facts = win.panels["viewers"], win.reply_panel.facts
        replaced: list[str] = []
        bridge.service_replaced.connect(replaced.append)
        await start_services(services)
        try:
            vm = services.viewers
            assert await vm.wait_ready()
            vm.observe(chat("안녕하세요", sender="v1", nick="딸기우유"))
            msg = chat("우리 고양이 나비가 오늘 생일이에요", sender="v1", nick="딸기우유")
            vm.propose(msg, "키우는 고양이 이름은 나비")
            await wait_until(lambda: len(facts.proposals) == 1, 5, "a proposal beside the drafts")
            panel.refresh_btn.click()
            await wait_until(lambda: panel.table.rowCount() == 1, 5, "the viewer in the list")

            off = dataclasses.replace(settings, viewer_memory="off")
            assert await win.controller.apply_settings(off, {"viewer_memory": "off"}) == ["viewers"]
            assert services.viewers is None and replaced == ["viewers"]
            await wait_until(lambda: panel.table.rowCount() == 0 and panel.state.text() == tr("viewers.panel.off"),
                             5, "nothing stale with the memory off")
            assert not panel.search.isEnabled() and facts.proposals == []

            assert await win.controller.apply_settings(settings, {"viewer_memory": "on"}) == ["viewers"]
            new = services.viewers
            assert new is not None and new is not vm and replaced == ["viewers", "viewers"]
            assert await new.wait_ready()
            await wait_until(lambda: panel.table.rowCount() == 1 and panel.search.isEnabled(), 5,
                             "the new memory's list (the viewer was written before it went off)")
            new.propose(msg, "고양이 생일은 오늘")
            await wait_until(lambda: [p.text for p in facts.proposals] == ["고양이 생일은 오늘"], 5,
                             "the new memory's proposal")
        finally:
            await stop_services(services)
            bridge.close()

    qloop.run_until_complete(scenario())


def test_record_rebuild_is_announced_like_any_rebuild(qtbot, qloop, home):  # noqa: F811
    async def scenario() -> None:
        settings = Settings(overlay_port=0, show_record="on")
        services, win, bridge = _window(qtbot, home, settings)
        replaced: list[str] = []
        bridge.service_replaced.connect(replaced.append)
        applied: list[tuple] = []
        bridge.settings_applied.connect(lambda changed, rebuilt: applied.append((changed, rebuilt)))
        notices: list[str] = []
        bridge.notice.connect(lambda text, _level, _detail: notices.append(text))
        await start_services(services)
        try:
            first = services.recorder.path
            assert first is not None
            off = dataclasses.replace(settings, show_record="off")
            assert await win.controller.apply_settings(off, {"show_record": "off"}) == ["record"]
            assert services.recorder.path == first and replaced == ["record"]
            assert applied == [({"show_record"}, ["record"])]
            assert await win.controller.apply_settings(settings, {"show_record": "on"}) == ["record"]
            assert services.recorder.path != first and replaced == ["record", "record"]
            # the applied-now notice names the recorder in the UI language (not its raw key)
            assert tr("settings.saved_live", services=tr("service.record")) in notices
            assert not any("service." in n or n.startswith("settings.") for n in notices)  # no raw keys
        finally:
            await stop_services(services)
            bridge.close()

    qloop.run_until_complete(scenario())
