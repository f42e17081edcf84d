"""Proposed viewer facts, beside the drafts (issue 24): the AI proposes, the streamer decides.

A strip in the AI replies panel, hidden while nothing waits: each line names the viewer, the fact and
the message it came from; pick one, change its text if needed, then accept or reject. With
``VIEWER_FACTS_AUTO_ACCEPT`` on nothing waits here (facts are stored at once).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.gui.panels.moderation import ResultLine
from aischoco_gui.i18n import register, tr

register({
    "facts.title": ("💡 기억할까요? ({n})", "💡 Remember this? ({n})"),
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
        self.title = QLabel(self)
        self.title.setObjectName("facts_title")
        self.list = QListWidget(self)
        self.list.setObjectName("facts_list")
        self.list.setMaximumHeight(64)
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
        lay.addWidget(self.title)
        lay.addWidget(self.list)
        lay.addLayout(row)
        lay.addWidget(self.result)
        self.list.currentRowChanged.connect(self._picked)
        self.accept_btn.clicked.connect(lambda _=False: self._decide("accept"))
        self.reject_btn.clicked.connect(lambda _=False: self._decide("reject"))
        bridge.fact_proposals.connect(self.show_proposals)
        vm = getattr(services, "viewers", None)
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
        self.title.setText(tr("facts.title", n=len(self.proposals)))
        has = bool(self.proposals)
        for w in (self.title, self.list, self.text, self.accept_btn, self.reject_btn):
            w.setVisible(has)
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
            self.text.setText(self.proposals[row].text)

    def _decide(self, action: str) -> None:
        pid = self.selected_id()
        p = next((q for q in self.proposals if q.id == pid), None)
        if p is None:
            return
        text = self.text.text().strip() or p.text
        self.edit_requested.emit(action, {"id": p.id, "key": p.key, "nick": p.nickname, "text": text})

    def show_result(self, ok: bool, text: str) -> None:
        self.result.show_result(ok, text)
