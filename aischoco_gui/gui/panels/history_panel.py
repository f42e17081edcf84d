"""History summary panel: edit the summary live, see the recent window against the threshold,
summarize now, back up, restore a backup, clear.

The memory lives on the event loop thread (the Qt thread under qasync); the panel polls its
``version`` on a timer, so background summaries show up without cross-thread signals. The generator
and its memory are looked up in the services container each time (an LLM setting rebuilds them):
the editor always edits the memory the LLM uses now.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.gui.elided import ElidedLabel
from aischoco_gui.gui.panels.placeholder import PlaceholderPanel
from aischoco_gui.i18n import emotion_label, register, tr
from aischoco_gui.user_text import explain

log = logging.getLogger(__name__)

register({
    "history.donation": ("후원 {amount}", "donation {amount}"),
    "history.summary": ("대화 요약 (다음 요청부터 적용)", "Conversation summary (used from the next request)"),
    "history.summary_info": ("요약 {tokens} 토큰 · 요약된 메시지 {count}개 · {ts}",
                             "summary {tokens} tokens · {count} messages summarized · {ts}"),
    "history.save": ("요약 저장", "Save summary"),
    "history.revert": ("되돌리기", "Revert"),
    "history.unsaved": ("저장하지 않은 편집이 있어요", "unsaved edits"),
    "history.saved": ("요약을 저장했어요", "summary saved"),
    "history.window": ("최근 대화 {turns}개 · {tokens} / {threshold} 토큰 (최대 {hard})",
                       "recent window: {turns} turns · {tokens} / {threshold} tokens (max {hard})"),
    "history.gauge": ("%v / %m 토큰", "%v / %m tokens"),
    "history.summarize_now": ("지금 요약", "Summarize now"),
    "history.summarizing": ("요약 중…", "summarizing…"),
    "history.backup": ("백업", "Back up"),
    "history.backed_up": ("백업했어요: {name}", "backed up: {name}"),
    "history.restore": ("백업 복원", "Restore backup"),
    "history.restored": ("복원했어요: {name}", "restored: {name}"),
    "history.no_backups": ("(백업 없음)", "(no backups)"),
    "history.clear": ("비우기", "Clear"),
    "history.clear_confirm": ("한 번 더 누르면 비워요", "Click again to clear"),
    "history.cleared": ("대화 기록을 비웠어요 (요약은 백업됨)", "history cleared (summary backed up)"),
    "history.col_role": ("역할", "Role"),
    "history.col_tokens": ("토큰", "Tokens"),
    "history.col_text": ("내용", "Content"),
    "history.role_user": ("채팅", "chat"),
    "history.role_assistant": ("AI", "AI"),
    "history.error": ("실패: {error}", "failed: {error}"),
    "history.no_memory": ("대화 기록은 LLM 생성기가 있어야 보여요.", "History needs the LLM reply generator."),
})


SERVICE = "llm"  # the service this panel shows: main_window swaps it with a placeholder as it comes and goes


def available(services) -> bool:
    return hasattr(getattr(services, "generator", None), "memory")


class HistoryPanel(QWidget):
    """Widgets only; it calls plain (sync) methods of the current memory and generator."""

    def __init__(self, services, bridge=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self._seen_memory: object = None
        self._seen_version = -1
        self._clear_armed = False

        # one-line labels (elided, whole on hover), not wrapped ones: a wrapped label makes the dock's scroll
        # area size the panel to its preferred height, which pushed the buttons below the fold
        self.summary_label = ElidedLabel(tr("history.summary"), self, max_hint_chars=30)
        self.summary_info = ElidedLabel("", self, max_hint_chars=30)  # one line; the whole line on hover
        self.editor = QPlainTextEdit(self)
        self.editor.setPlaceholderText("…")
        self.editor.setMinimumHeight(48)  # with the table below, the dock's buttons stay in view at 768 px high
        self.save_btn = QPushButton(tr("history.save"), self)
        self.revert_btn = QPushButton(tr("history.revert"), self)
        self.window_label = ElidedLabel("", self, max_hint_chars=30)
        self.gauge = QProgressBar(self)
        self.gauge.setFormat(tr("history.gauge"))
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([tr("history.col_role"), tr("history.col_tokens"),
                                              tr("history.col_text")])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(56)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.summarize_btn = QPushButton(tr("history.summarize_now"), self)
        self.backup_btn = QPushButton(tr("history.backup"), self)
        self.backups = QComboBox(self)
        # a backup's file name is long (summary_backup_20261206_145735.json): the box never asks for it all
        self.backups.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.backups.setMinimumContentsLength(8)
        self.restore_btn = QPushButton(tr("history.restore"), self)
        self.clear_btn = QPushButton(tr("history.clear"), self)
        self.message = ElidedLabel("", self, max_hint_chars=30)

        lay = QVBoxLayout(self)
        lay.addWidget(self.summary_label)
        lay.addWidget(self.editor, 2)
        row = QHBoxLayout()
        row.addWidget(self.summary_info, 1)
        row.addWidget(self.revert_btn)
        row.addWidget(self.save_btn)
        lay.addLayout(row)
        lay.addWidget(self.window_label)
        lay.addWidget(self.gauge)
        lay.addWidget(self.table, 3)
        # two short rows, not one long one: the dock keeps its buttons in view at a third of a laptop screen
        row2 = QHBoxLayout()
        row2.addWidget(self.summarize_btn)
        row2.addWidget(self.backup_btn)
        row2.addStretch(1)
        row2.addWidget(self.clear_btn)
        lay.addLayout(row2)
        row3 = QHBoxLayout()
        row3.addWidget(self.backups, 1)
        row3.addWidget(self.restore_btn)
        lay.addLayout(row3)
        lay.addWidget(self.message)

        self.save_btn.clicked.connect(self.save_summary)
        self.revert_btn.clicked.connect(self.revert_summary)
        self.editor.textChanged.connect(self._on_edit)
        self.summarize_btn.clicked.connect(self.summarize_now)
        self.backup_btn.clicked.connect(self.backup)
        self.restore_btn.clicked.connect(self.restore)
        self.clear_btn.clicked.connect(self.clear)
        self.timer = QTimer(self)
        # 1 Hz: a summary finishing or a turn added shows within a second; each tick wakes the GUI thread
        # even when nothing changed (issue 27: 3 wake-ups a second of the idle app's CPU at 300 ms)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.refresh)  # runs only while the panel is visible (showEvent / hideEvent)
        if bridge is not None:
            bridge.replaced_of(SERVICE).connect(self._llm_replaced)
        self.refresh(force=True)

    @property
    def generator(self):
        """The LLM reply generator in use now (never kept: a live LLM setting replaces it)."""
        return self.services.generator

    @property
    def memory(self):
        return self.services.generator.memory

    def _llm_replaced(self) -> None:
        if available(self.services):  # otherwise the window puts the placeholder here
            self.refresh(force=True)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.refresh()
        self.timer.start()

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.timer.stop()
        super().hideEvent(event)

    # -- view --------------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self.editor.toPlainText().strip() != self.memory.summary.strip()

    def _on_edit(self) -> None:
        self.save_btn.setEnabled(self.dirty)
        self.revert_btn.setEnabled(self.dirty)
        if self.dirty:
            self.message.setText(tr("history.unsaved"))

    def refresh(self, force: bool = False) -> None:
        if not available(self.services):
            return
        gen, m = self.generator, self.memory
        task = getattr(gen, "_summary_task", None)
        busy = task is not None and not task.done()
        self.summarize_btn.setText(tr("history.summarizing") if busy else tr("history.summarize_now"))
        self.summarize_btn.setEnabled(not busy)
        if not force and m is self._seen_memory and m.version == self._seen_version:
            return
        self._seen_memory, self._seen_version = m, m.version
        if not self.editor.hasFocus() or not self.dirty or force:
            if self.editor.toPlainText() != m.summary:
                self.editor.blockSignals(True)
                self.editor.setPlainText(m.summary)
                self.editor.blockSignals(False)
        self._on_edit()
        info = tr("history.summary_info", tokens=m.summary_tokens, count=m.state.message_count,
                  ts=short_time(m.state.timestamp))
        self.summary_info.setText(info)
        if m.state.timestamp:
            self.summary_info.setToolTip(f"{info}\n{m.state.timestamp}")  # the exact time on hover
        total = m.total_tokens
        self.window_label.setText(tr("history.window", turns=len(m.turns), tokens=total, threshold=m.threshold,
                                     hard=m.hard_limit))
        self.gauge.setMaximum(m.threshold)
        self.gauge.setValue(min(total, m.threshold))
        self.table.setRowCount(len(m.turns))
        for row, t in enumerate(reversed(m.turns)):  # newest first
            role = tr("history.role_user") if t.role == "user" else tr("history.role_assistant")
            self.table.setItem(row, 0, QTableWidgetItem(role))
            self.table.setItem(row, 1, QTableWidgetItem(str(t.tokens)))
            text = readable_turn(t.role, t.content)
            item = QTableWidgetItem(text.replace("\n", " ")[:300])
            item.setToolTip(text[:2000])
            self.table.setItem(row, 2, item)
        self._fill_backups()

    def _fill_backups(self) -> None:
        current = self.backups.currentData()
        self.backups.clear()
        files = self.memory.backups()
        for p in files:
            self.backups.addItem(p.name, str(p))
        if not files:
            self.backups.addItem(tr("history.no_backups"), None)
        idx = self.backups.findData(current)
        if idx >= 0:
            self.backups.setCurrentIndex(idx)
        self.restore_btn.setEnabled(bool(files))

    # -- actions -----------------------------------------------------------------------------
    def _guard(self, fn, ok_text) -> None:
        try:
            result = fn()
            self.message.setText(ok_text(result) if callable(ok_text) else ok_text)
        except Exception as e:  # disk full, unreadable backup, …: say so, keep going
            log.warning("history action failed: %s", e)
            self.message.setText(tr("history.error", error=explain(e)))
            self.message.setToolTip(f"{self.message.text()}\n{type(e).__name__}: {e}")
        self.refresh(force=True)

    def save_summary(self) -> None:
        self._guard(lambda: self.memory.set_summary(self.editor.toPlainText()), tr("history.saved"))

    def revert_summary(self) -> None:
        self.editor.setPlainText(self.memory.summary)

    def summarize_now(self) -> None:
        task = self.generator.maybe_summarize(force=True)
        self.message.setText(tr("history.summarizing") if task is not None else "")
        self.refresh()

    def backup(self) -> None:
        self._guard(self.memory.backup, lambda p: tr("history.backed_up", name=Path(p).name))

    def restore(self) -> None:
        data = self.backups.currentData()
        if not data:
            return
        self._guard(lambda: self.memory.restore(Path(data)), tr("history.restored", name=Path(data).name))

    def clear(self) -> None:
        if not self._clear_armed:
            self._clear_armed = True
            self.clear_btn.setText(tr("history.clear_confirm"))
            QTimer.singleShot(4000, self._disarm_clear)
            return
        self._disarm_clear()
        self._guard(self.memory.clear, tr("history.cleared"))

    def _disarm_clear(self) -> None:
        self._clear_armed = False
        self.clear_btn.setText(tr("history.clear"))


def short_time(iso: str, now: datetime | None = None) -> str:
    """A summary's ISO timestamp as people read it: "14:57" today, "12-06 14:57" another day, "-" none."""
    if not iso:
        return "-"
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return iso[:16]
    if t.tzinfo is not None:
        t = t.astimezone().replace(tzinfo=None)  # local time
    now = now or datetime.now()
    return t.strftime("%H:%M") if t.date() == now.date() else t.strftime("%m-%d %H:%M")


def readable_turn(role: str, content: str) -> str:
    """What a memory turn says, for people: the chat batch as "nick: text" lines, the AI's reply as
    "[emotion] reply" — not the JSON the LLM is sent. Anything else is shown as it is."""
    try:
        if role == "user" and "[" in content:
            items = json.loads(content[content.index("["):content.rindex("]") + 1])
            if isinstance(items, list) and all(isinstance(i, dict) and "text" in i for i in items):
                lines = []
                for i in items:
                    extra = f" ({tr('history.donation', amount=i['donation'])})" if i.get("donation") else ""
                    lines.append(f"{i.get('nick', '?')}: {i['text']}{extra}")
                return "\n".join(lines)
        if role == "assistant" and content.lstrip().startswith("{"):
            d = json.loads(content)
            if isinstance(d, dict) and "response" in d:
                emo = d.get("emotion")
                return f"[{emotion_label(str(emo))}] {d['response']}" if emo else str(d["response"])
        if role == "assistant" and content.startswith("[") and "]\n" in content:
            emo, text = content[1:].split("]\n", 1)
            return f"[{emotion_label(emo)}] {text}"
    except (ValueError, TypeError):
        pass
    return content


def create_panel(services, bridge) -> QWidget:
    if not available(services):
        return PlaceholderPanel(bridge, SERVICE, tr("history.no_memory"))
    return HistoryPanel(services, bridge)
