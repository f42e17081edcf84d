"""Show tools in the window (issue 17): subscription rows, kind badges on reply cards, the run sheet and
idle topic editors (non-modal; save, then reload from disk), and a saved run sheet reaching the show."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt

from aischoco_gui.compose import build_services
from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.i18n import tr
from aischoco_gui.models import ChatMessage, Reply
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from aischoco_gui.show.idle_talk import load_topics
from aischoco_gui.show.run_sheet import Cue, load_run_sheet, save_run_sheet
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker


def make_window(qtbot, home, **settings):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.main_window import MainWindow

    bus = EventBus()
    s = build_services(dataclasses.replace(Settings(), **settings), user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                       overrides={"chat": None, "overlay": None, "speaker": RecordingSpeaker(bus),
                                  "avatar": RecordingAvatar(bus)})
    win = MainWindow(s, Bridge(bus))
    qtbot.addWidget(win)
    return win, s


def test_subscription_row_and_kind_badges(qtbot, home):
    win, s = make_window(qtbot, home)
    chat = win.panels["chat"]
    sub = ChatMessage(nickname="구독자", text="", user_id="u1", kind="subscription", subscription_tier=2,
                      subscription_tier_name="골드", subscription_months=24)
    s.bus.emit(EventKind.CHAT_RECEIVED, message=sub)
    qtbot.waitUntil(lambda: chat.model.rowCount() == 1)
    row = chat.model.data(chat.model.index(0))
    assert row == tr("chat.subscription", nick="구독자", months=24, tier="골드") and "24" in row and "골드" in row
    replies = win.panels["replies"]
    s.pipeline.add_reply(Reply("잡담 한마디"), [], kind="idle_talk")
    s.pipeline.add_reply(Reply("채팅 답"), [], kind="chat")
    qtbot.waitUntil(lambda: replies.list.count() == 2)
    assert replies.list.item(0).text().startswith(f"【{tr('show.kind.idle_talk')}】")
    assert "【" not in replies.list.item(1).text()


def test_run_sheet_editor_saves_reloads_and_the_show_uses_it(qtbot, home):
    win, s = make_window(qtbot, home, run_sheet_enabled=True)
    path = s.dirs.config / "run_sheet.json"
    save_run_sheet(path, [Cue("at", "21시에 이벤트 공지!", at="21:00")])
    panel = win.panels["show"]
    panel.run_sheet_btn.click()
    dlg = panel.run_sheet_dialog
    qtbot.waitUntil(dlg.isVisible)
    assert not dlg.isModal()  # the window stays usable while editing
    assert dlg.table.rowCount() == 1 and dlg.table.item(0, 2).text() == "21시에 이벤트 공지!"
    dlg.add_btn.click()
    r = dlg.table.rowCount() - 1
    dlg.table.item(r, 1).setText("30")
    dlg.table.item(r, 2).setText("디스코드 놀러 오세요")
    dlg.table.item(r, 3).setCheckState(Qt.CheckState.Checked)
    dlg.save_btn.click()
    assert tr("sheet.saved", n=2) in dlg.status.text()
    cues, notices = load_run_sheet(path)
    assert notices == [] and [(c.kind, c.text, c.minutes, c.llm) for c in cues][1] == ("every", "디스코드 놀러 오세요",
                                                                                         30.0, True)
    assert [c.text for c in s.show.sheet.cues] == ["21시에 이벤트 공지!", "디스코드 놀러 오세요"]  # reloaded live
    # a bad row is named and nothing is written
    dlg.table.item(r, 1).setText("자주")
    dlg.save_btn.click()
    assert "2" in dlg.status.text() and tr("sheet.bad_minutes", v="자주") in dlg.status.text()
    assert len(load_run_sheet(path)[0]) == 2
    dlg.close()
    panel.run_sheet_btn.click()  # reopened: what was saved
    assert panel.run_sheet_dialog.table.rowCount() == 2


def test_topic_editor_saves_and_reloads(qtbot, home):
    win, s = make_window(qtbot, home, idle_talk_seconds=120.0)
    panel = win.panels["show"]
    panel.topics_btn.click()
    dlg = panel.topics_dialog
    qtbot.waitUntil(dlg.isVisible)
    assert dlg.editor.toPlainText().strip()  # starts from the shipped list
    dlg.editor.setPlainText("# 우리 방송 주제\n요즘 하는 게임\n좋아하는 간식\n")
    dlg.save_btn.click()
    assert dlg.status.text() == tr("topics.saved", n=2)
    assert load_topics(s.dirs.config) == ["요즘 하는 게임", "좋아하는 간식"]
    assert s.show.idle.topics() == ["요즘 하는 게임", "좋아하는 간식"]  # idle talk reads it on its next proposal
    dlg.close()
    panel.topics_btn.click()
    assert "요즘 하는 게임" in panel.topics_dialog.editor.toPlainText()
    assert tr("show.panel.idle_on", n=120.0) in panel.state.text()
