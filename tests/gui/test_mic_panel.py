"""The microphone panel (issue 16): held keys for push-to-talk and director whisper through real key events,
a real listener hearing espeak-ng speech (``wav:``), the device picker over the sounddevice double, the level
meter polled only while the microphone is open and the panel visible, and live device/mode changes."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt

from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.mic_sounddevice import FakeMicPortAudio
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator
from tests.doubles.stt_server import Script, SttDouble
from tests.qt_async import qloop  # noqa: F401
from tests.stt.speech import PHRASE_A, PHRASE_B, make_speech
from tests.wait import wait_until

KEY = "gsk_test_stt"


def make(home, **over):
    bus = EventBus()
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    settings = dataclasses.replace(Settings(), **over)
    gen = ScriptedGenerator()
    return build_services(settings, dirs, bus, overrides={
        "speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus), "generator": gen, "chat": None,
        "overlay": None}), gen


def panel_for(qtbot, services, **kw):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.panels.mic_panel import MicPanel

    bridge = Bridge(services.bus)
    panel = MicPanel(services, bridge, **kw)
    qtbot.addWidget(panel)
    panel.show()
    return panel, bridge


def test_device_picker_lists_the_doubles_input_devices_and_asks_for_a_live_change(qtbot, home):
    services, _ = make(home)
    panel, bridge = panel_for(qtbot, services, sd_module=FakeMicPortAudio(names=("USB 마이크", "Line In")))
    assert panel.device_names() == ["off", "default"]  # PortAudio untouched until the list is opened
    panel.refresh_devices()
    assert panel.device_names() == ["off", "default", "USB 마이크", "Line In"]  # inputs only, not "Speakers"
    with qtbot.waitSignal(panel.settings_changed) as sig:
        panel.device.activated.emit(2)
    assert sig.args == [{"stt_input_device": "USB 마이크"}]
    with qtbot.waitSignal(panel.settings_changed) as sig:
        panel.mode.activated.emit(panel.mode.findData("ptt"))
    assert sig.args == [{"mic_mode": "ptt"}]
    assert not panel.timer.isActive()  # microphone closed: no polling
    bridge.close()


@pytest.mark.espeak
@pytest.mark.slow
def test_ptt_and_director_keys_flag_utterances_and_the_meter_moves(qtbot, qloop, home, tmp_path):  # noqa: F811
    sp = make_speech(tmp_path, (PHRASE_A, PHRASE_B), lead_s=0.6, gap_s=1.8, tail_s=0.5)

    async def scenario():
        async with SttDouble(key=KEY) as d:
            d.script(Script(text="오늘 게임 뭐 할까"), Script(text="시청자한테 인사해"))
            services, gen = make(home, mic_mode="ptt", stt_input_device=f"wav:{sp.path}", stt_base_url=d.base_url,
                                 stt_api_key=KEY)
            panel, bridge = panel_for(qtbot, services)
            heard: list[tuple[str, bool]] = []
            services.bus.subscribe(lambda e: e.kind is EventKind.MIC_TRANSCRIPT
                                   and heard.append((e.data["text"], e.data["director"])))
            await start_services(services)
            try:
                await wait_until(lambda: services.bus.status["stt"].state is ServiceState.READY, 10)
                assert panel.timer.isActive()
                qtbot.keyPress(panel, Qt.Key.Key_F8)  # push-to-talk held (a key event, not a method call)
                assert panel.ptt.isDown()
                await wait_until(lambda: panel.level.value() > -60, 10, "the meter shows the voice")
                await wait_until(lambda: services.mic.counters["utterances"] >= 1, 10)
                qtbot.keyRelease(panel, Qt.Key.Key_F8)
                qtbot.keyPress(panel.director_text, Qt.Key.Key_F9)  # from a focused child widget too
                await wait_until(lambda: services.mic.counters["utterances"] >= 2, 10)
                qtbot.keyRelease(panel.director_text, Qt.Key.Key_F9)
                await wait_until(lambda: len(heard) == 2 and sum(len(b) for b in gen.batches) >= 2, 10)
                assert heard == [("오늘 게임 뭐 할까", False), ("시청자한테 인사해", True)]
                await wait_until(lambda: panel.last_director.isVisible(), 5)
                assert "오늘 게임 뭐 할까" in panel.last.text() and "시청자한테 인사해" in panel.last_director.text()
                sent = [m for b in gen.batches for m in b]
                assert [(m.text, m.is_voice, m.is_director) for m in sent] == [
                    ("오늘 게임 뭐 할까", True, False), ("시청자한테 인사해", False, True)]
                panel.hide()
                assert not panel.timer.isActive()  # hidden: no polling
                panel.show()
                assert panel.timer.isActive()
            finally:
                await stop_services(services)
                bridge.close()
            assert not panel.timer.isActive()  # closed: no polling
            assert [r.status for r in d.requests] == [200, 200]

    qloop.run_until_complete(scenario())


def test_director_text_box_reaches_the_next_turn_and_the_reply_card(qtbot, qloop, home):  # noqa: F811
    from aischoco_gui.gui.panels.reply_panel import create_panel as reply_panel

    services, gen = make(home)
    panel, bridge = panel_for(qtbot, services)
    replies = reply_panel(services, bridge)
    qtbot.addWidget(replies)

    async def scenario():
        await start_services(services)
        try:
            panel.director_text.setText("다음엔 노래 얘기")  # (QTest cannot type Hangul key by key)
            qtbot.keyClick(panel.director_text, Qt.Key.Key_Return)
            assert panel.director_text.text() == ""
            await wait_until(lambda: services.pipeline.queue.pending, 5)
            await wait_until(lambda: replies.list.count() == 1, 5)
            assert "🎬" in replies.list.item(0).text() and "다음엔 노래 얘기" in replies.list.item(0).text()
        finally:
            await stop_services(services)
            bridge.close()

    qloop.run_until_complete(scenario())
    assert gen.batches[0][0].is_director


def test_latency_panel_has_a_mic_row_fed_by_the_bus(qtbot, home):
    from PySide6.QtWidgets import QLabel

    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.panels.latency_panel import create_panel

    services, _ = make(home)
    services.bus.emit(EventKind.MIC_METRICS, turn=1, metrics={  # measured before the panel existed
        "turn": 1, "transcript_s": 0.4, "llm_request_s": 0.41, "first_audio_s": 1.2})
    bridge = Bridge(services.bus)
    panel = create_panel(services, bridge)
    qtbot.addWidget(panel)
    panel.show()
    row = panel.findChild(QLabel, "mic_latency")
    assert row.isVisible() and "400 ms" in row.text() and "1200 ms" in row.text()
    services.bus.emit(EventKind.MIC_METRICS, turn=2, metrics={
        "turn": 2, "transcript_s": 0.6, "llm_request_s": None, "first_audio_s": 1.4})
    assert row.median_s("transcript_s") == pytest.approx(0.5) and row.median_s("llm_request_s") == 0.41
    assert "500 ms" in row.text() and "410 ms" in row.text()
    bridge.close()


def test_mode_change_in_the_panel_is_saved_and_applied_live_by_the_controller(qtbot, qloop, home):  # noqa: F811
    import json

    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    services, _ = make(home)
    bridge = Bridge(services.bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    qtbot.addWidget(win)
    panel = win.panels["mic"]

    async def scenario():
        await start_services(services)
        try:
            old = services.mic
            assert services.bus.status["stt"].state is ServiceState.OFF
            panel.mode.activated.emit(panel.mode.findData("cohost"))
            # no device chosen yet: the new microphone says so instead of opening anything
            await wait_until(lambda: services.mic is not old
                             and services.bus.status["stt"].state is ServiceState.NOT_CONFIGURED, 5)
            assert services.settings.mic_mode == "cohost" and services.mic.engine is None
            saved = json.loads((services.dirs.config / "ui_settings.json").read_text(encoding="utf-8"))
            assert saved["mic_mode"] == "cohost"
            from aischoco_gui.i18n import tr

            assert tr("service.stt") in win.status.indicators["stt"].text()  # the status light
        finally:
            await stop_services(services)
            bridge.close()

    qloop.run_until_complete(scenario())
