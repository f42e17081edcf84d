"""The viewers panel and the proposed facts beside the drafts (issue 24), clicked through in the real window
with the real controller and a real viewer memory on a temp file: search, sort, open a card, save the
note, pin, add / change / delete a fact, forget (confirmed, bytes gone); accept an edited proposal and
reject another; and the panel with memory off."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from aischoco_gui.events import EventBus
from aischoco_gui.i18n import tr
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from aischoco_gui.viewers.memory import MemoryConfig, ViewerMemory
from aischoco_gui.viewers.store import VIEWERS_FILE, ViewerStore, connect
from tests.doubles.services import bare_services
from tests.qt_async import qloop  # noqa: F401
from tests.viewers.helpers import chat, donation, file_bytes
from tests.wait import wait_until


def make_window(qtbot, qloop, home, memory: bool = True):  # noqa: F811
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    bus = EventBus()
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    vm = ViewerMemory(dirs.history / VIEWERS_FILE, bus, MemoryConfig()) if memory else None
    if vm is not None:
        qloop.run_until_complete(vm.start())
        assert qloop.run_until_complete(vm.wait_ready())
    s = dataclasses.replace(Settings(), viewer_memory="on" if memory else "off")
    services = bare_services(s, dirs, bus, viewers=vm)
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    qtbot.addWidget(win)
    win.show()
    win.docks["viewers"].raise_()
    return win, services, vm


def stored(vm, key):
    st = ViewerStore(connect(vm.path, read_only=True))
    try:
        return st.get(key)
    finally:
        st.close()


def row_keys(panel) -> list[str]:
    return [panel.table.item(i, 0).data(Qt.ItemDataRole.UserRole) for i in range(panel.table.rowCount())]


def test_every_button_of_the_viewers_panel(qtbot, qloop, home):  # noqa: F811
    win, services, vm = make_window(qtbot, qloop, home)
    panel = win.panels["viewers"]
    for i in range(5):
        vm.observe(chat("안녕하세요", sender=f"v{i}", nick=f"시청자{i}"))
    for _ in range(9):
        vm.observe(chat("말 많은 사람", sender="talker", nick="수다쟁이"))
    vm.observe(donation("응원해요", 50000, donator="big", nick="큰손"))

    async def scenario() -> None:
        await wait_until(lambda: stored(vm, "chzzk:big") is not None, 5, "written")
        panel.refresh_btn.click()
        await wait_until(lambda: panel.table.rowCount() == 7, 5, "the list")
        panel.sort.setCurrentIndex(panel.sort.findData("messages"))
        await wait_until(lambda: row_keys(panel)[:1] == ["chzzk:talker"], 5, "sorted by messages")
        panel.sort.setCurrentIndex(panel.sort.findData("donations"))
        await wait_until(lambda: row_keys(panel)[:1] == ["chzzk:big"], 5, "sorted by donations")
        panel.search.insert("수다")  # as typed (QTest cannot type Hangul)
        await wait_until(lambda: row_keys(panel) == ["chzzk:talker"], 5, "searched")
        panel.table.selectRow(0)
        assert panel.card is not None and panel.card.key == "chzzk:talker"
        assert "수다쟁이" in panel.details.text() and "chzzk:talker" in panel.details.text()
        # the note
        panel.note.setPlainText("매일 오는 분, 말이 많음")
        panel.save_note_btn.click()
        await wait_until(lambda: stored(vm, "chzzk:talker").note == "매일 오는 분, 말이 많음", 5, "note stored")
        await wait_until(lambda: panel.result.text() == tr("viewers.done.note"), 5, "note result")
        # pin
        panel.pin_btn.click()
        await wait_until(lambda: stored(vm, "chzzk:talker").pinned, 5, "pinned")
        panel.search.clear()
        await wait_until(lambda: row_keys(panel)[:1] == ["chzzk:talker"] and panel.table.rowCount() == 7, 5,
                         "pinned first")
        assert panel.table.item(0, 0).text().startswith("📌")
        # facts: add two, change one, delete one
        for text in ("고양이 나비를 키움", "다음 주 시험"):
            panel.fact_text.setText(text)
            panel.fact_add_btn.click()
            await wait_until(lambda t=text: t in [f.text for f in stored(vm, "chzzk:talker").facts], 5, text)
        await wait_until(lambda: panel.facts.count() == 2, 5, "facts listed")
        panel.facts.setCurrentRow(1)
        assert panel.fact_text.text() == "다음 주 시험" and panel.fact_edit_btn.isEnabled()
        panel.fact_text.setText("다음 주 기말고사")
        panel.fact_edit_btn.click()
        await wait_until(lambda: [f.text for f in stored(vm, "chzzk:talker").facts] ==
                         ["고양이 나비를 키움", "다음 주 기말고사"], 5, "fact changed")
        await wait_until(lambda: panel.facts.count() == 2 and "기말고사" in panel.facts.item(1).text(), 5, "shown")
        panel.facts.setCurrentRow(0)
        panel.fact_delete_btn.click()
        await wait_until(lambda: [f.text for f in stored(vm, "chzzk:talker").facts] == ["다음 주 기말고사"], 5,
                         "fact deleted")
        # unpin again
        await wait_until(lambda: panel.pin_btn.isChecked(), 5, "pin shown")
        panel.pin_btn.click()
        await wait_until(lambda: not stored(vm, "chzzk:talker").pinned, 5, "unpinned")
        # forget: asked once; cancel keeps everything, yes erases the bytes
        panel.forget_btn.click()
        panel.forget_box.button(QMessageBox.StandardButton.Cancel).click()
        await wait_until(lambda: not panel.forget_box.isVisible(), 2, "closed")
        assert stored(vm, "chzzk:talker") is not None
        panel.forget_btn.click()
        assert "수다쟁이" in panel.forget_box.text()
        panel.forget_box.button(QMessageBox.StandardButton.Yes).click()
        await wait_until(lambda: stored(vm, "chzzk:talker") is None, 5, "forgotten")
        await wait_until(lambda: panel.card is None and "chzzk:talker" not in row_keys(panel), 5, "gone from view")
        assert "수다쟁이" in panel.result.text()
        data = file_bytes(vm.path)
        assert b"talker" not in data and "수다쟁이".encode() not in data and "기말고사".encode() not in data
        await vm.stop()

    qloop.run_until_complete(scenario())


def test_proposed_facts_are_accepted_edited_or_rejected_beside_the_drafts(qtbot, qloop, home):  # noqa: F811
    win, services, vm = make_window(qtbot, qloop, home)
    facts = win.reply_panel.facts
    assert facts.title.isHidden() and facts.list.isHidden()  # nothing waits
    msg = chat("우리 고양이 나비가 오늘 생일이에요", sender="v1", nick="딸기우유")
    vm.observe(msg)
    vm.propose(msg, "키우는 고양이 이름은 나비")
    vm.propose(msg, "고양이 생일은 3월")

    async def scenario() -> None:
        await wait_until(lambda: facts.list.count() == 2 and not facts.list.isHidden(), 5, "proposals shown")
        assert "딸기우유" in facts.list.item(0).text() and "우리 고양이 나비가" in facts.title.text()
        assert "(2" in facts.title.text() and "딸기우유" in facts.title.text()
        facts.list.setCurrentRow(0)
        facts.text.setText("고양이 이름: 나비")
        facts.accept_btn.click()
        await wait_until(lambda: [f.text for f in (stored(vm, "chzzk:v1") or vm.card("chzzk:v1")).facts] ==
                         ["고양이 이름: 나비"], 5, "edited fact stored")
        await wait_until(lambda: facts.list.count() == 1, 5, "one left")
        await wait_until(lambda: "딸기우유" in facts.result.text(), 5, "the result line")
        assert facts.list.isHidden() and not facts.title.isHidden()  # one left: no list to pick from
        assert "고양이 생일은 3월" == facts.text.text()
        facts.reject_btn.click()
        await wait_until(lambda: facts.title.isHidden() and vm.proposals == [], 5, "rejected")
        assert [f.text for f in stored(vm, "chzzk:v1").facts] == ["고양이 이름: 나비"]
        await vm.stop()

    qloop.run_until_complete(scenario())


def test_the_panel_says_when_memory_is_off(qtbot, qloop, home):  # noqa: F811
    win, services, _ = make_window(qtbot, qloop, home, memory=False)
    panel = win.panels["viewers"]
    assert panel.state.text() == tr("viewers.panel.off")
    assert not panel.search.isEnabled() and not panel.forget_btn.isEnabled() and not panel.save_note_btn.isEnabled()
    panel.refresh_btn.click()  # disabled: nothing happens, nothing raises
    assert win.reply_panel.facts.list.isHidden()


def test_switching_memory_off_and_on_live_clears_and_refills_the_dock(qtbot, qloop, home):  # noqa: F811
    from aischoco_gui import compose

    win, services, vm = make_window(qtbot, qloop, home)
    panel, facts = win.panels["viewers"], win.reply_panel.facts
    msg = chat("안녕", sender="v1", nick="딸기우유")
    vm.observe(msg)
    vm.propose(msg, "인사를 잘함")

    async def scenario() -> None:
        await wait_until(lambda: stored(vm, "chzzk:v1") is not None, 5, "written")
        panel.refresh_btn.click()
        await wait_until(lambda: panel.table.rowCount() == 1 and not facts.title.isHidden(), 5, "shown")
        panel.table.selectRow(0)
        assert panel.card is not None
        off = dataclasses.replace(services.settings, viewer_memory="off")
        await compose.rebuild(services, "viewers", off)
        await wait_until(lambda: panel.table.rowCount() == 0 and panel.card is None, 5, "cleared")
        assert panel.state.text() == tr("viewers.panel.off") and facts.title.isHidden()
        on = dataclasses.replace(off, viewer_memory="on")
        await compose.rebuild(services, "viewers", on)
        await wait_until(lambda: panel.table.rowCount() == 1, 10, "filled again from the file")
        await services.viewers.stop()

    qloop.run_until_complete(scenario())
