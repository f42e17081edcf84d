"""파일 → 쇼 다시 보기…: the menu opens a (non-modal) file picker, picking a recording opens the replay dialog,
Start runs the replay off the GUI thread and shows the report, Stop ends a running one with what was done,
"open in browser" opens the saved HTML, Close closes (and the replay thread is joined)."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from aischoco_gui.compose import build_services
from aischoco_gui.events import EventBus
from aischoco_gui.models import ChatMessage
from aischoco_gui.paths import user_dirs
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker
from tests.record.helpers import BANNED, ByKeyword, draft_for, home_dirs, idle, llm_settings, run_show


async def _record(home):
    async def drive(services):
        p = services.pipeline
        p.on_chat(ChatMessage("딸기우유", "초코님 오늘 뭐해요?", user_id="u-1"))
        p.approve((await draft_for(services, "오늘 뭐해요")).id)
        await idle(services)
        p.on_chat(ChatMessage("악플러", f"너 {BANNED}야", user_id="u-2"))
        p.on_chat(ChatMessage("후원자", "생일 축하해요!", user_id="u-3", donation_amount=10000, kind="donation"))
        p.approve((await draft_for(services, "생일 축하해요")).id)
        await idle(services)

    home_dirs(home)
    async with OpenAIDouble() as llm:
        llm.responder = ByKeyword({"오늘 뭐해요": ("happy", "오늘은 게임해요!"),
                                   "생일": ("excited", "생일 축하 고마워요!")})
        return await run_show(home, llm_settings(llm.base_url), drive)


class UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def handle(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def recorded(home):
    return asyncio.run(_record(home))


def _window(qtbot, home, base_url: str):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.main_window import MainWindow

    bus = EventBus()
    settings = dataclasses.replace(llm_settings(base_url), show_record="off")
    services = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                              overrides={"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus),
                                         "overlay": None, "chat": None})
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win, bridge


def _open(qtbot, win, path):
    assert win.replay_action.isEnabled() and win.replay_action.text() in ("쇼 다시 보기…", "Replay a show…")
    win.replay_action.trigger()
    picker = win.replay_file_dialog
    qtbot.waitUntil(picker.isVisible)
    picker.selectFile(str(path))
    picker.accept()
    qtbot.waitUntil(lambda: getattr(win, "replay_dialog", None) is not None and win.replay_dialog.isVisible())
    return win.replay_dialog


def test_replay_from_the_file_menu(qtbot, home, recorded, tmp_path):
    llm = OpenAIDouble.start_in_thread()
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "handle")
    try:
        llm.responder = ByKeyword({"오늘 뭐해요": ("sad", "오늘은 쉬어요…"), "생일": ("happy", "후원 감사합니다!")})
        win, bridge = _window(qtbot, home, llm.base_url)
        dlg = _open(qtbot, win, recorded)
        assert recorded.name in dlg.windowTitle()
        dlg.speed.setValue(0)  # turn by turn
        qtbot.mouseClick(dlg.start_btn, Qt.MouseButton.LeftButton)
        assert not dlg.start_btn.isEnabled() and dlg.stop_btn.isEnabled()
        qtbot.waitUntil(lambda: dlg.job is not None and dlg.job.finished and not dlg.timer.isActive(), timeout=30000)
        text = dlg.browser.toPlainText()
        for s in ("오늘은 게임해요!", "오늘은 쉬어요…", "생일 축하 고마워요!", "후원 감사합니다!", f"너 {BANNED}야"):
            assert s in text, s
        assert dlg.job.html_path is not None and dlg.job.html_path.parent == home / "history" / "replays"
        assert dlg.job.json_path.exists() and dlg.open_btn.isEnabled() and dlg.start_btn.isEnabled()
        qtbot.mouseClick(dlg.open_btn, Qt.MouseButton.LeftButton)
        assert [u.toLocalFile() for u in catcher.urls] == [str(dlg.job.html_path)]
        qtbot.mouseClick(dlg.close_btn, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dlg.isVisible())
        assert not dlg.job.running
        bridge.close()
    finally:
        QDesktopServices.unsetUrlHandler("file")
        llm.stop()


def test_stop_ends_a_running_replay_with_what_was_done(qtbot, home, recorded, english_ui):
    llm = OpenAIDouble.start_in_thread()
    try:
        llm.responder = lambda body: Script(emotion="happy", response="천천히요", delay_s=0.5)
        win, bridge = _window(qtbot, home, llm.base_url)
        dlg = _open(qtbot, win, recorded)
        assert dlg.start_btn.text() == "Start replay"
        dlg.speed.setValue(0)
        qtbot.mouseClick(dlg.start_btn, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(llm.requests) >= 1, timeout=20000)
        qtbot.mouseClick(dlg.stop_btn, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dlg.job.finished and not dlg.timer.isActive(), timeout=20000)
        assert dlg.job.result["interrupted"] is True
        assert "interrupted" in dlg.status.text() and "오늘은 게임해요!" in dlg.browser.toPlainText()
        dlg.close()
        bridge.close()
    finally:
        llm.stop()


def test_closing_while_running_stops_the_replay_thread(qtbot, home, recorded):
    llm = OpenAIDouble.start_in_thread()
    try:
        llm.responder = lambda body: Script(emotion="happy", response="천천히요", delay_s=0.5)
        win, bridge = _window(qtbot, home, llm.base_url)
        dlg = _open(qtbot, win, recorded)
        dlg.speed.setValue(0)
        dlg.start_btn.click()
        qtbot.waitUntil(lambda: len(llm.requests) >= 1, timeout=20000)
        job = dlg.job
        dlg.close()  # does not wait on the GUI thread; the timer joins the thread once it stopped
        qtbot.waitUntil(lambda: job.finished and not job.running, timeout=20000)
        assert job.result is not None and job.result["interrupted"]
        bridge.close()
    finally:
        llm.stop()
