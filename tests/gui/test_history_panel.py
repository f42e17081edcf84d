"""History summary panel (pytest-qt): a live edit is carried by the next LLM request."""

from __future__ import annotations

import asyncio
import json
import re

from PySide6.QtCore import Qt

from aischoco_gui.gui.bridge import Bridge
from aischoco_gui.gui.panels.history_panel import HistoryPanel, create_panel
from tests.doubles.openai_server import OpenAIDouble
from tests.llm_helpers import make_generator, msg


def test_edit_summary_reaches_next_request(qtbot, home):
    d = OpenAIDouble.start_in_thread()
    try:
        gen, services = make_generator(home, d.base_url)
        gen.commit([msg("a", "첫 채팅")], "첫 대답이에요.")
        bridge = Bridge(services.bus)
        panel = create_panel(services, bridge)
        qtbot.addWidget(panel)
        assert isinstance(panel, HistoryPanel)
        assert panel.table.rowCount() == 2
        assert panel.gauge.maximum() == 7000 and panel.gauge.value() == gen.memory.total_tokens

        panel.editor.setPlainText("시청자 '민수'는 고양이를 키운다.")
        assert panel.save_btn.isEnabled()
        qtbot.mouseClick(panel.save_btn, Qt.MouseButton.LeftButton)
        assert not panel.save_btn.isEnabled()
        saved = json.loads((services.dirs.history / "summary.json").read_text(encoding="utf-8"))
        assert saved["summary"] == "시청자 '민수'는 고양이를 키운다."

        async def ask():
            try:
                return await gen.generate([msg("민수", "내 고양이 기억해?")], 1)
            finally:
                await gen.aclose()

        asyncio.run(ask())
        # the edited summary travels as data in a user message, never as a system message (issue 13)
        msgs = d.requests[-1].messages
        assert any(m["role"] == "user" and "<summary>" in m["content"]
                   and "시청자 '민수'는 고양이를 키운다." in m["content"] for m in msgs)
        assert not any(m["role"] == "system" and "고양이를 키운다" in m["content"] for m in msgs)
        bridge.close()
    finally:
        d.stop()


def test_backup_restore_and_clear_buttons(qtbot, home):
    gen, services = make_generator(home, "http://127.0.0.1:9/v1")
    gen.memory.set_summary("원래 요약")
    gen.commit([msg("a", "채팅")], "대답")
    panel = HistoryPanel(services)
    qtbot.addWidget(panel)
    qtbot.mouseClick(panel.backup_btn, Qt.MouseButton.LeftButton)
    assert panel.backups.count() == 1 and panel.restore_btn.isEnabled()
    panel.editor.setPlainText("바뀐 요약")
    qtbot.mouseClick(panel.save_btn, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.restore_btn, Qt.MouseButton.LeftButton)
    assert gen.memory.summary == "원래 요약" and panel.editor.toPlainText() == "원래 요약"
    qtbot.mouseClick(panel.clear_btn, Qt.MouseButton.LeftButton)  # first click only arms it
    assert gen.memory.turns
    qtbot.mouseClick(panel.clear_btn, Qt.MouseButton.LeftButton)
    assert gen.memory.turns == [] and gen.memory.summary == "" and panel.table.rowCount() == 0


def test_unreadable_backup_is_reported_not_fatal(qtbot, home):
    gen, services = make_generator(home, "http://127.0.0.1:9/v1")
    (gen.memory.dir / "backups").mkdir(parents=True)
    (gen.memory.dir / "backups" / "broken.json").write_text("{nope", encoding="utf-8")
    panel = HistoryPanel(services)
    qtbot.addWidget(panel)
    qtbot.mouseClick(panel.restore_btn, Qt.MouseButton.LeftButton)
    assert "JSONDecodeError" in panel.message.text() or "실패" in panel.message.text()


def test_history_table_shows_readable_text_not_json(qtbot, home):
    gen, services = make_generator(home, "http://127.0.0.1:9/v1")
    gen.commit([msg("민수", "안녕 <b>초코</b>"), msg("지은", "고양이 좋아")], "안녕하세요!")
    panel = create_panel(services, Bridge(services.bus))
    qtbot.addWidget(panel)
    cells = [panel.table.item(r, 2).text() for r in range(panel.table.rowCount())]
    assert cells[0].endswith("] 안녕하세요!") and not re.search("[A-Za-z]", cells[0]), cells[0]  # "[보통] …"
    assert "민수: 안녕 <b>초코</b>" in cells[1] and "지은: 고양이 좋아" in cells[1]
    assert not any("{" in c or '"nick"' in c or '"response"' in c for c in cells), cells
