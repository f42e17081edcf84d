"""The spine end to end: rehearsal chat → loopback OpenAI-compatible server → draft in the reply
panel → approved by a click → recording speaker/avatar; plus skip, panic and --smoke."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt

from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker
from tests.wait import wait_until

pytestmark = pytest.mark.usefixtures("qloop")


@pytest.fixture
def llm():
    d = OpenAIDouble.start_in_thread()
    yield d
    d.stop()


def make_window(qtbot, home, llm, **overrides):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    settings = dataclasses.replace(Settings(), llm_base_url=llm.base_url if llm else "https://api.groq.com/openai/v1",
                                   groq_api_key="test-key" if llm else "", groq_model="llama-3.3-70b-versatile",
                                   **overrides)
    bus = EventBus()
    spk, av = RecordingSpeaker(bus), RecordingAvatar(bus)
    services = build_services(settings, dirs, bus, overrides={"speaker": spk, "avatar": av, "overlay": None})
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    qtbot.addWidget(win)
    win.show()
    return services, win, spk, av


def test_typed_chat_becomes_draft_and_click_approves(qtbot, qloop, home, llm):
    llm.script(Script(content=json.dumps({"emotion": "happy", "response": "반가워요 초코칩! 오늘도 와줘서 고마워요."})))
    services, win, spk, av = make_window(qtbot, home, llm)

    async def scenario():
        await start_services(services)
        chat = win.panels["chat"]
        chat.nick.setText("초코우유")
        chat.input.setText("안녕하세요 초코님")  # QTest.keyClicks is ASCII-only
        qtbot.keyClick(chat.input, Qt.Key.Key_Return)
        assert chat.input.text() == ""
        await wait_until(lambda: win.reply_panel.list.count() == 1)
        item_text = win.reply_panel.list.item(0).text()
        assert "반가워요 초코칩" in item_text and "[기쁨]" in item_text  # emotion shown by its Korean name
        assert "초코우유: 안녕하세요 초코님" in item_text
        qtbot.mouseClick(win.reply_panel.approve_btn, Qt.MouseButton.LeftButton)
        await wait_until(lambda: spk.spoken)
        await wait_until(lambda: services.pipeline.speaking is None)
        await stop_services(services)

    qloop.run_until_complete(scenario())
    assert spk.spoken[0][1:] == ("반가워요 초코칩! 오늘도 와줘서 고마워요.", "happy")
    assert ("emotion", "happy") in av.calls
    # the LLM saw the persona and the viewer's message as delimited data
    req = llm.requests[-1]
    body = json.dumps(req.body, ensure_ascii=False)
    assert "초코" in body and "안녕하세요 초코님" in body and req.headers.get("Authorization") == "Bearer test-key"
    assert win.reply_panel.list.count() == 0
    assert win.panels["chat"].model.rowCount() == 1


def test_edit_then_skip_and_panic(qtbot, qloop, home, llm):
    llm.script(Script(content=json.dumps({"emotion": "sad", "response": "첫 번째 답변"})),
               Script(content=json.dumps({"emotion": "angry", "response": "두 번째 답변"})))
    services, win, spk, av = make_window(qtbot, home, llm)
    rp = win.reply_panel

    async def scenario():
        await start_services(services)
        services.chat.send("a", "첫 번째 질문이에요")
        await wait_until(lambda: rp.list.count() == 1)
        services.chat.send("b", "두 번째 질문이에요")
        await wait_until(lambda: rp.list.count() == 2)
        rp.list.setCurrentRow(0)
        qtbot.mouseClick(rp.skip_btn, Qt.MouseButton.LeftButton)
        await wait_until(lambda: rp.list.count() == 1)
        rp.editor.setPlainText("스트리머가 고친 답변")
        qtbot.mouseClick(rp.approve_btn, Qt.MouseButton.LeftButton)
        await wait_until(lambda: spk.spoken)
        spk.seconds = 5
        services.chat.send("c", "세 번째 질문이에요")
        await wait_until(lambda: rp.list.count() == 1)
        qtbot.mouseClick(win.panic_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: rp.list.count() == 0 and av.calls[-1][0] == "neutral")
        await stop_services(services)

    qloop.run_until_complete(scenario())
    assert [s[1] for s in spk.spoken] == ["스트리머가 고친 답변"]
    assert spk.spoken[0][2] == "angry"


def test_no_key_shows_banner_linking_settings(qtbot, qloop, home):
    services, win, spk, av = make_window(qtbot, home, None)

    async def scenario():
        await start_services(services)
        await wait_until(lambda: "llm" in services.bus.status)
        assert win.reply_panel.banner.isVisible()
        with qtbot.waitSignal(win.settings_field_requested, timeout=1000):
            qtbot.mouseClick(win.reply_panel.banner_btn, Qt.MouseButton.LeftButton)
        dlg = win.controller.settings_dialog
        assert dlg.isVisible() and "groq_api_key" in dlg.editors
        # the link opens the key's own tab (AI, not the first tab) with the cursor in the key field
        assert dlg.tabs.currentWidget() is dlg.tab_pages["ai"] and dlg.focusWidget() is dlg.editors["groq_api_key"]
        dlg.reject()
        await stop_services(services)

    qloop.run_until_complete(scenario())


def test_settings_dialog_validates(qtbot, home):
    from aischoco_gui.gui.settings_dialog import SettingsDialog

    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    dlg = SettingsDialog(Settings(), dirs, use_keyring=False)
    qtbot.addWidget(dlg)
    dlg.editors["vts_url"].setText("localhost:8001")
    assert dlg.try_save() is False
    assert dlg.errors["vts_url"].text().startswith("ws:// 또는 wss://")  # shown in the UI language (ko)
    dlg.editors["vts_url"].setText("ws://192.0.2.1:8001")
    dlg.editors["groq_model"].setText("llama-3.3-70b-versatile")
    assert dlg.try_save() is True
    saved = json.loads((dirs.config / "ui_settings.json").read_text())
    assert saved == {"vts_url": "ws://192.0.2.1:8001", "groq_model": "llama-3.3-70b-versatile"}


def test_window_layout_is_remembered(qtbot, qloop, home):
    services, win, *_ = make_window(qtbot, home, None)
    win.docks["history"].setFloating(True)
    win.save_layout()
    services2, win2, *_ = make_window(qtbot, home, None)
    assert win2.docks["history"].isFloating()


def test_smoke_exits_zero(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ", "CHZZK", "TTS_", "VTS_"))}
    env.update(AISCHOCO_HOME=str(tmp_path / "h"), QT_QPA_PLATFORM="offscreen", OVERLAY_PORT="0",
               TTS_OUTPUT_DEVICE="null", VTS_URL="ws://127.0.0.1:9")
    r = subprocess.run([sys.executable, "-m", "aischoco_gui", "--smoke", "--smoke-timeout", "40"],
                       capture_output=True, text=True, env=env, timeout=90)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1] == "aischoco ready"
    assert (tmp_path / "h" / "logs" / "aischoco.log").exists()
    assert (tmp_path / "h" / "config" / "character.txt").exists()


def test_smoke_with_a_bad_setting_keeps_the_others(tmp_path):
    """APPROVAL_MODE=sometimes no longer resets every setting: the app starts with the others kept
    (LOG_CONSOLE_LEVEL=INFO shows the INFO start-up line on the console) and logs the problem."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ", "CHZZK", "TTS_", "VTS_"))}
    env.update(AISCHOCO_HOME=str(tmp_path / "h"), QT_QPA_PLATFORM="offscreen", OVERLAY_PORT="0",
               TTS_OUTPUT_DEVICE="null", VTS_URL="ws://127.0.0.1:9", APPROVAL_MODE="sometimes",
               LOG_CONSOLE_LEVEL="INFO")
    r = subprocess.run([sys.executable, "-m", "aischoco_gui", "--smoke", "--smoke-timeout", "40"],
                       capture_output=True, text=True, env=env, timeout=90)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1] == "aischoco ready"
    log = (tmp_path / "h" / "logs" / "aischoco.log").read_text(encoding="utf-8")
    assert "APPROVAL_MODE" in log and "sometimes" in log
    assert "ready in" in r.stderr  # LOG_CONSOLE_LEVEL=INFO kept (it used to fall back to WARNING with the rest)


def test_live_fields_apply_on_save_without_restart_tag(qtbot, qloop, home):
    """Fields marked restart=False (approval mode, auto-approve) carry no "재시작 필요" tag and do
    apply as soon as the dialog is saved; the others keep the tag."""
    from PySide6.QtWidgets import QDialogButtonBox

    services, win, spk, av = make_window(qtbot, home, None)

    async def scenario():
        await start_services(services)
        win.settings_requested.emit()
        dlg = win.controller.settings_dialog
        assert "approval_mode" not in dlg.restart_tags and "auto_approve_seconds" not in dlg.restart_tags
        assert "ui_language" in dlg.restart_tags and "vts_url" not in dlg.restart_tags
        cb = dlg.editors["approval_mode"]
        cb.setCurrentIndex(cb.findData("auto"))
        dlg.editors["auto_approve_seconds"].setValue(4.0)
        qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
        await wait_until(lambda: services.pipeline.queue.mode == "auto")
        assert services.pipeline.queue.auto_after_s == 4.0
        await stop_services(services)

    qloop.run_until_complete(scenario())
