"""Viewers panel (issue 24): the viewer memory the streamer controls — search by nickname, sort by last
seen / messages / donations, open a card, edit the note and the facts, pin, forget for good.

The panel keeps the ``Services`` container, never the memory (it can be switched off and on): it reads
one card on the GUI thread (a few primary-key lookups) and asks the controller for the list (a nickname
search may scan every nickname, so it runs in a thread) and for every write (queued for the memory's
writer; the result line says when it is done).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.gui.coalesce import Coalescer
from aischoco_gui.gui.panels.moderation import ResultLine, confirm
from aischoco_gui.i18n import register, tr
from aischoco_gui.viewers import strings  # noqa: F401  (card labels)
from aischoco_gui.viewers.describe import day, fact_line, summary_lines
from aischoco_gui.viewers.store import Card, Row, ViewerError

register({
    "viewers.panel.search": ("닉네임이나 ID로 찾기", "Find by nickname or ID"),
    "viewers.panel.sort.last_seen": ("최근 방문 순", "Last seen"),
    "viewers.panel.sort.messages": ("메시지 많은 순", "Most messages"),
    "viewers.panel.sort.donations": ("후원 많은 순", "Most donated"),
    "viewers.panel.refresh": ("새로 고침", "Refresh"),
    "viewers.panel.col.nick": ("닉네임", "Nickname"),
    "viewers.panel.col.last": ("마지막 방문", "Last seen"),
    "viewers.panel.col.messages": ("메시지", "Msgs"),
    "viewers.panel.col.donated": ("후원", "Donated"),
    "viewers.panel.card": ("시청자 카드", "Viewer card"),
    "viewers.panel.pick": ("목록에서 시청자를 고르세요", "Pick a viewer from the list"),
    "viewers.panel.note": ("메모 (AI도 봐요)", "Note (the AI sees it too)"),
    "viewers.panel.save_note": ("메모 저장", "Save note"),
    "viewers.panel.pin": ("📌 고정", "📌 Pin"),
    "viewers.panel.pin_tip": ("고정한 시청자는 목록 맨 위에 있고, 카드가 먼저 AI에게 가요",
                              "Pinned viewers stay on top, and their cards go to the AI first"),
    "viewers.panel.facts": ("기억하는 사실", "Facts"),
    "viewers.panel.fact_text": ("사실 (예: 키우는 고양이 이름은 나비)", "Fact (e.g. their cat is called Nabi)"),
    "viewers.panel.fact_add": ("추가", "Add"),
    "viewers.panel.fact_edit": ("고치기", "Change"),
    "viewers.panel.fact_delete": ("지우기", "Delete"),
    "viewers.panel.forget": ("이 시청자 잊기…", "Forget this viewer…"),
    "viewers.panel.forget_confirm": (
        "{nick} ({id}) 님을 완전히 잊을까요?\n카드, 메모, 사실, 닉네임 기록을 파일에서 지우고 되돌릴 수 없어요.",
        "Forget {nick} ({id}) completely?\nThe card, note, facts and nicknames are erased from the file; "
        "this cannot be undone."),
    "viewers.panel.off": ("시청자 기억이 꺼져 있어요. 설정 → AI → 시청자 기억에서 켤 수 있어요.",
                          "Viewer memory is off. Turn it on in Settings → AI → Viewer memory."),
    "viewers.panel.opening": ("시청자 기억 파일을 여는 중…", "Opening the viewer memory file…"),
    "viewers.panel.count": ("{n}명", "{n} viewers"),
    "viewers.panel.count_more": ("{n}명+ (검색하세요)", "{n}+ (search)"),
})

SORTS = ("last_seen", "messages", "donations")


class ViewersPanel(QWidget):
    query_requested = Signal(str, str)  # search text, sort
    edit_requested = Signal(str, object)  # action, {"key": …, …} (the controller runs it and calls show_result)

    def __init__(self, services: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.key: str | None = None  # the open card
        self.card: Card | None = None
        self.rows: list[Row] = []
        self.search = QLineEdit(self)
        self.search.setObjectName("viewers_search")
        self.search.setPlaceholderText(tr("viewers.panel.search"))
        self.search.setClearButtonEnabled(True)
        self.sort = QComboBox(self)
        self.sort.setObjectName("viewers_sort")
        for s in SORTS:
            self.sort.addItem(tr(f"viewers.panel.sort.{s}"), s)
        self.refresh_btn = QPushButton("↻", self)
        self.refresh_btn.setObjectName("viewers_refresh")
        self.refresh_btn.setToolTip(tr("viewers.panel.refresh"))
        self.refresh_btn.setMaximumWidth(self.refresh_btn.fontMetrics().horizontalAdvance("↻") + 24)
        self.state = QLabel(self)
        self.state.setObjectName("viewers_state")
        self.state.setWordWrap(True)
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("viewers_table")
        self.table.setHorizontalHeaderLabels([tr(f"viewers.panel.col.{c}") for c in ("nick", "last", "messages",
                                                                                    "donated")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2, 3):
            head.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(72)  # three rows; the splitter below gives it the rest

        self.box = QGroupBox(tr("viewers.panel.card"), self)
        self.details = QLabel(tr("viewers.panel.pick"), self.box)
        self.details.setObjectName("viewer_details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QPlainTextEdit(self.box)
        self.note.setObjectName("viewer_note")
        self.note.setPlaceholderText(tr("viewers.panel.note"))
        self.note.setMaximumHeight(44)
        self.save_note_btn = QPushButton(tr("viewers.panel.save_note"), self.box)
        self.save_note_btn.setObjectName("viewer_save_note")
        self.pin_btn = QPushButton(tr("viewers.panel.pin"), self.box)
        self.pin_btn.setObjectName("viewer_pin")
        self.pin_btn.setCheckable(True)
        self.pin_btn.setToolTip(tr("viewers.panel.pin_tip"))
        self.facts = QListWidget(self.box)
        self.facts.setObjectName("viewer_facts")
        self.facts.setMaximumHeight(64)
        self.facts.setWordWrap(True)
        self.fact_text = QLineEdit(self.box)
        self.fact_text.setObjectName("viewer_fact_text")
        self.fact_text.setPlaceholderText(tr("viewers.panel.fact_text"))
        self.fact_add_btn = QPushButton(tr("viewers.panel.fact_add"), self.box)
        self.fact_add_btn.setObjectName("viewer_fact_add")
        self.fact_edit_btn = QPushButton(tr("viewers.panel.fact_edit"), self.box)
        self.fact_edit_btn.setObjectName("viewer_fact_edit")
        self.fact_delete_btn = QPushButton(tr("viewers.panel.fact_delete"), self.box)
        self.fact_delete_btn.setObjectName("viewer_fact_delete")
        self.forget_btn = QPushButton(tr("viewers.panel.forget"), self.box)
        self.forget_btn.setObjectName("viewer_forget")
        self.forget_btn.setStyleSheet("QPushButton{color:#b3261e}")
        self.result = ResultLine(self)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.sort)
        top.addWidget(self.refresh_btn)
        note_row = QHBoxLayout()
        note_row.addWidget(self.save_note_btn)
        note_row.addWidget(self.pin_btn)
        note_row.addStretch(1)
        note_row.addWidget(self.forget_btn)
        fact_row = QHBoxLayout()
        fact_row.addWidget(self.fact_text, 1)
        for b in (self.fact_add_btn, self.fact_edit_btn, self.fact_delete_btn):
            fact_row.addWidget(b)
        card = QVBoxLayout(self.box)
        card.setContentsMargins(6, 6, 6, 6)
        card.addWidget(self.details)
        card.addWidget(self.note)
        card.addLayout(note_row)
        card.addWidget(QLabel(tr("viewers.panel.facts"), self.box))
        card.addWidget(self.facts)
        card.addLayout(fact_row)
        card.setSpacing(4)
        self.split = QSplitter(Qt.Orientation.Vertical, self)  # the streamer can give the list or the card room
        self.split.setObjectName("viewers_split")
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(self.table)
        self.split.addWidget(self.box)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 0)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(4)
        lay.addLayout(top)
        lay.addWidget(self.state)
        lay.addWidget(self.split, 1)
        lay.addWidget(self.result)

        self.query_soon = Coalescer(self.request_list, 300, self)  # typing → one query
        self.refresh_soon = Coalescer(self._refresh, 1500, self)  # chat being counted: the view follows calmly
        self.search.textChanged.connect(lambda _t: self.query_soon())
        self.sort.currentIndexChanged.connect(lambda _i: self.request_list())
        self.refresh_btn.clicked.connect(lambda _=False: self.request_list())
        self.table.itemSelectionChanged.connect(self._row_selected)
        self.facts.currentRowChanged.connect(self._fact_selected)
        self.save_note_btn.clicked.connect(lambda _=False: self.save_note())
        self.pin_btn.clicked.connect(lambda on: self.set_pinned(bool(on)))
        self.fact_add_btn.clicked.connect(lambda _=False: self.add_fact())
        self.fact_edit_btn.clicked.connect(lambda _=False: self.edit_fact())
        self.fact_delete_btn.clicked.connect(lambda _=False: self.delete_fact())
        self.forget_btn.clicked.connect(lambda _=False: self.ask_forget())
        bridge.viewers_changed.connect(self._on_changed)
        bridge.replaced_of("viewers").connect(self._on_replaced)  # VIEWER_MEMORY switched off or on
        self._show_card(None)
        self._update_state()

    # -- the list -----------------------------------------------------------------------------
    def memory(self) -> Any:
        return getattr(self.services, "viewers", None)

    def _update_state(self) -> None:
        vm = self.memory()
        off = vm is None
        self.state.setText(tr("viewers.panel.off") if off else "" if vm.ready else tr("viewers.panel.opening"))
        self.state.setVisible(bool(self.state.text()))
        for w in (self.search, self.sort, self.refresh_btn, self.table):
            w.setEnabled(not off)

    def request_list(self) -> None:
        self._update_state()
        vm = self.memory()
        if vm is None or not vm.ready:
            if self.rows or self.card is not None:  # memory switched off: show nothing stale
                self.rows = []
                self.table.setRowCount(0)
                self.key = None
                self._show_card(None)
            return
        self.query_requested.emit(self.search.text().strip(), str(self.sort.currentData()))

    def show_rows(self, rows: list[Row]) -> None:
        """The controller's answer to :meth:`request_list`."""
        self.rows = list(rows)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.rows))
        selected = -1
        for i, r in enumerate(self.rows):
            nick = QTableWidgetItem(("📌 " if r.pinned else "") + (r.nickname or r.key))
            nick.setData(Qt.ItemDataRole.UserRole, r.key)
            nick.setToolTip(r.key)
            cells = (nick, QTableWidgetItem(day(r.last_seen)[:10]), QTableWidgetItem(str(r.messages)),
                     QTableWidgetItem(f"₩{r.donation_total:,}" if r.donation_total else ""))
            for c, item in enumerate(cells):
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, c, item)
            if r.key == self.key:
                selected = i
        if selected >= 0:
            self.table.selectRow(selected)
            self.table.scrollToItem(self.table.item(selected, 0))
        self.table.blockSignals(False)
        self._update_state()
        n = len(self.rows)
        count = tr("viewers.panel.count_more" if n >= 200 else "viewers.panel.count", n=n)
        self.table.horizontalHeaderItem(0).setText(f"{tr('viewers.panel.col.nick')} · {count}")

    def _row_selected(self) -> None:
        items = self.table.selectedItems()
        key = items[0].data(Qt.ItemDataRole.UserRole) if items else None
        if key is None:
            items = [self.table.item(self.table.currentRow(), 0)] if self.table.currentRow() >= 0 else []
            key = items[0].data(Qt.ItemDataRole.UserRole) if items and items[0] is not None else None
        self.open_card(key)

    def select(self, key: str) -> None:
        """Open the card of ``key`` (its row is selected when the list holds it)."""
        for i, r in enumerate(self.rows):
            if r.key == key:
                self.table.selectRow(i)
                self.table.scrollToItem(self.table.item(i, 0))
                return
        self.open_card(key)

    # -- the card -----------------------------------------------------------------------------
    def open_card(self, key: str | None) -> None:
        vm = self.memory()
        card = None
        if key is not None and vm is not None:
            try:
                card = vm.card(key)
            except (ViewerError, sqlite3.Error) as e:
                self.result.show_result(False, str(e))
        self.key = key if card is not None else None
        self._show_card(card)

    def _show_card(self, card: Card | None) -> None:
        self.card = card
        has = card is not None
        for w in (self.note, self.save_note_btn, self.pin_btn, self.facts, self.fact_text, self.fact_add_btn,
                  self.forget_btn):
            w.setEnabled(has)
        self.facts.clear()
        if card is None:
            self.details.setText(tr("viewers.panel.pick"))
            self.note.setPlainText("")
            self.pin_btn.setChecked(False)
            self._fact_selected(-1)
            return
        lines = [_esc(x) for x in summary_lines(card)]
        lines[0] = f"<b>{lines[0]}</b>"
        self.details.setText("<br>".join(lines))
        if not self.note.hasFocus() or not self.note.document().isModified():
            self.note.setPlainText(card.note)
            self.note.document().setModified(False)
        self.pin_btn.setChecked(card.pinned)
        for i, f in enumerate(card.facts):  # oldest first, as stored; the index is what an edit names
            it = QListWidgetItem(fact_line(f.text, f.at, f.source))
            it.setData(Qt.ItemDataRole.UserRole, i)
            it.setToolTip(it.text())
            self.facts.addItem(it)
        self._fact_selected(self.facts.currentRow())

    def _fact_selected(self, row: int) -> None:
        has = self.card is not None and 0 <= row < len(self.card.facts)
        self.fact_edit_btn.setEnabled(has)
        self.fact_delete_btn.setEnabled(has)
        if has:
            self.fact_text.setText(self.card.facts[row].text)

    def _on_changed(self, data: dict) -> None:
        """The memory wrote something (chat counted, an edit, the command line's change seen at the next
        refresh): refresh the open card now, the list soon (coalesced)."""
        forgotten = data.get("forgotten") or []
        if self.key is not None and self.key in forgotten:
            self.key = None
            self._show_card(None)
        if data.get("opened") or data.get("closed") or forgotten:
            self.query_soon()
        elif self.isVisible():
            self.refresh_soon()
        else:
            self._update_state()

    def _on_replaced(self) -> None:
        """A new memory (or none): nothing of the old one stays on screen; the list is asked of the new one."""
        self.request_list()

    def _refresh(self) -> None:
        if self.key is not None and not self.note.document().isModified():
            self.open_card(self.key)
        self.request_list()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.query_soon()

    # -- intents (the controller runs them and calls show_result) -----------------------------
    def _edit(self, action: str, **args: Any) -> None:
        if self.card is None:
            return
        self.edit_requested.emit(action, {"key": self.card.key, "nick": self.card.nickname, **args})

    def save_note(self) -> None:
        self._edit("note", text=self.note.toPlainText())
        self.note.document().setModified(False)

    def set_pinned(self, pinned: bool) -> None:
        self._edit("pin", pinned=pinned)

    def add_fact(self) -> None:
        text = self.fact_text.text().strip()
        if text:
            self._edit("fact_add", text=text)
            self.fact_text.clear()

    def _fact_index(self) -> int | None:
        row = self.facts.currentRow()
        return row if self.card is not None and 0 <= row < len(self.card.facts) else None

    def edit_fact(self) -> None:
        i = self._fact_index()
        text = self.fact_text.text().strip()
        if i is not None and text:
            self._edit("fact_edit", index=i, text=text, expect=self.card.facts[i].text)

    def delete_fact(self) -> None:
        i = self._fact_index()
        if i is not None:
            self._edit("fact_delete", index=i, expect=self.card.facts[i].text)

    def ask_forget(self) -> None:
        if self.card is None:
            return
        card = self.card
        self.forget_box = confirm(self, tr("viewers.panel.forget_confirm", nick=card.nickname, id=card.key),
                                  lambda: self.edit_requested.emit("forget", {"key": card.key,
                                                                              "nick": card.nickname}))

    def show_result(self, ok: bool, text: str) -> None:
        self.result.show_result(ok, text)
        if self.key is not None:
            self.open_card(self.key)
        self.query_soon()


def _esc(s: str) -> str:
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def create_panel(services: Any, bridge: Any) -> QWidget:
    return ViewersPanel(services, bridge)
