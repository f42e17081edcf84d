"""Proposed viewer facts, beside the drafts (issue 24): the AI proposes, the streamer decides.

A strip in the AI replies panel, hidden while nothing waits, two lines high: the viewer and the message
the fact came from, then the fact (editable) with accept / reject; a short list to pick from appears
only while more than one waits. With
``VIEWER_FACTS_AUTO_ACCEPT`` on nothing waits here (facts are stored at once).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.gui.elided import ElidedLabel
from aischoco_gui.gui.panels.moderation import ResultLine
from aischoco_gui.i18n import register, tr

register({
    "facts.title": ("💡 기억할까요? {nick} — “{source}”", "💡 Remember this? {nick} — “{source}”"),
    "facts.title_more": ("💡 기억할까요? ({n}개 대기) {nick} — “{source}”",
                         "💡 Remember this? ({n} waiting) {nick} — “{source}”"),
    "facts.line": ("{nick}: {text} — “{source}”", "{nick}: {text} — “{source}”"),
    "facts.accept": ("기억하기", "Remember"),
    "facts.reject": ("버리기", "Drop"),
    "facts.edit_tip": ("저장 전에 고칠 수 있어요", "You can change it before it is stored"),
})


class FactProposals(QWidget):
    edit_requested = Signal(str, object)  # "accept" | "reject", {"id", "text", "nick"} (the controller runs it)

    def __init__(self, services: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.proposals: list[Any] = []
        self.title = ElidedLabel("", self)
        self.title.setObjectName("facts_title")
        self.list = QListWidget(self)
        self.list.setObjectName("facts_list")
        self.list.setMaximumHeight(self.list.fontMetrics().height() * 2 + 10)  # two proposals; scrolls beyond
        self.text = QLineEdit(self)
        self.text.setObjectName("facts_text")
        self.text.setToolTip(tr("facts.edit_tip"))
        self.accept_btn = QPushButton(tr("facts.accept"), self)
        self.accept_btn.setObjectName("facts_accept")
        self.reject_btn = QPushButton(tr("facts.reject"), self)
        self.reject_btn.setObjectName("facts_reject")
        self.result = ResultLine(self)
        row = QHBoxLayout()
        row.addWidget(self.text, 1)
        row.addWidget(self.accept_btn)
        row.addWidget(self.reject_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        lay.setSpacing(2)
        lay.addWidget(self.title)
        lay.addLayout(row)
        lay.addWidget(self.list)
        lay.addWidget(self.result)
        self.list.currentRowChanged.connect(self._picked)
        self.accept_btn.clicked.connect(lambda _=False: self._decide("accept"))
        self.reject_btn.clicked.connect(lambda _=False: self._decide("reject"))
        bridge.fact_proposals.connect(self.show_proposals)
        bridge.replaced_of("viewers").connect(self.reread)  # proposals live in the memory of the moment
        self.reread()

    def reread(self) -> None:
        """The proposals of the current viewer memory (looked up in the container, never kept)."""
        vm = getattr(self.services, "viewers", None)
        self.show_proposals(list(vm.proposals) if vm is not None else [])

    def show_proposals(self, proposals: list) -> None:
        keep = self.selected_id()
        self.proposals = list(proposals)
        self.list.blockSignals(True)
        self.list.clear()
        row = 0
        for i, p in enumerate(self.proposals):
            it = QListWidgetItem(tr("facts.line", nick=p.nickname, text=p.text, source=p.source))
            it.setData(Qt.ItemDataRole.UserRole, p.id)
            it.setToolTip(it.text())
            self.list.addItem(it)
            if p.id == keep:
                row = i
        self.list.blockSignals(False)
        has = bool(self.proposals)
        for w in (self.title, self.text, self.accept_btn, self.reject_btn):
            w.setVisible(has)
        self.list.setVisible(len(self.proposals) > 1)
        if has:
            self.list.setCurrentRow(row)
            self._picked(row)
        else:
            self.text.clear()

    def selected_id(self) -> int | None:
        it = self.list.currentItem()
        return None if it is None else it.data(Qt.ItemDataRole.UserRole)

    def _picked(self, row: int) -> None:
        if 0 <= row < len(self.proposals):
            p = self.proposals[row]
            self.text.setText(p.text)
            n = len(self.proposals)
            self.title.setText(tr("facts.title_more", n=n, nick=p.nickname, source=p.source) if n > 1
                               else tr("facts.title", nick=p.nickname, source=p.source))

    def _decide(self, action: str) -> None:
        pid = self.selected_id()
        p = next((q for q in self.proposals if q.id == pid), None)
        if p is None:
            return
        text = self.text.text().strip() or p.text
        self.edit_requested.emit(action, {"id": p.id, "key": p.key, "nick": p.nickname, "text": text})

    def show_result(self, ok: bool, text: str) -> None:
        self.result.show_result(ok, text)
