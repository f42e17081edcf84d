"""Small non-modal editors for the show tools: the run sheet (``config/run_sheet.json``) and the idle
talk topics (``config/idle_topics.txt``). Both are opened with ``open()``, never ``exec()``; saving
writes atomically and the running show picks the change up (the run sheet is reloaded at once, the
topics are read on each proposal)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.i18n import register, tr
from aischoco_gui.paths import atomic_write_text, shipped_path
from aischoco_gui.show.idle_talk import TOPICS_FILE, parse_topics
from aischoco_gui.show.run_sheet import KINDS, RUN_SHEET_FILE, Cue, CueError, load_run_sheet, save_run_sheet
from aischoco_gui.user_text import explain

register({
    "sheet.title": ("진행표", "Run sheet"),
    "sheet.col.kind": ("종류", "Kind"),
    "sheet.col.when": ("시각(HH:MM) / 분", "Time (HH:MM) / minutes"),
    "sheet.col.text": ("멘트", "Text"),
    "sheet.col.llm": ("LLM으로 다듬기", "Phrase with LLM"),
    "sheet.col.enabled": ("사용", "Enabled"),
    "sheet.kind.at": ("시각에", "at time"),
    "sheet.kind.every": ("매 N분", "every N min"),
    "sheet.kind.after": ("시작 N분 뒤 한 번", "once after N min"),
    "sheet.add": ("추가", "Add"),
    "sheet.remove": ("삭제", "Remove"),
    "sheet.save": ("저장", "Save"),
    "sheet.close": ("닫기", "Close"),
    "sheet.saved": ("저장했어요: 항목 {n}개", "Saved: {n} cue(s)"),
    "sheet.bad_row": ("{row}번째 줄: {error}", "Row {row}: {error}"),
    "sheet.bad_minutes": ("분은 숫자여야 해요 (입력: {v})", "minutes must be a number (got {v})"),
    "sheet.hint": ("진행표 사용(RUN_SHEET_ENABLED)이 켜져 있을 때 때가 되면 초안으로 만들어져 승인을 기다려요.",
                   "With RUN_SHEET_ENABLED on, cues become drafts at their time and wait for approval."),
    "topics.title": ("잡담 주제", "Idle talk topics"),
    "topics.hint": ("한 줄에 주제 하나 (# 으로 시작하면 주석)", "One topic per line (# starts a comment)"),
    "topics.saved": ("저장했어요: 주제 {n}개", "Saved: {n} topic(s)"),
    "topics.failed": ("저장하지 못했어요: {error}", "Could not save: {error}"),
})

COLS = ("kind", "when", "text", "llm", "enabled")


class RunSheetDialog(QDialog):
    """A table of cues: kind / time-or-minutes / text / LLM / enabled; Save validates and writes."""

    def __init__(self, services: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.path = Path(services.dirs.config) / RUN_SHEET_FILE
        self.setWindowTitle(tr("sheet.title"))
        self.table = QTableWidget(0, len(COLS), self)
        self.table.setObjectName("run_sheet_table")
        self.table.setHorizontalHeaderLabels([tr(f"sheet.col.{c}") for c in COLS])
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.setColumnWidth(2, 300)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.status = QLabel(tr("sheet.hint"), self)
        self.status.setWordWrap(True)
        self.add_btn = QPushButton(tr("sheet.add"), self)
        self.remove_btn = QPushButton(tr("sheet.remove"), self)
        self.save_btn = QPushButton(tr("sheet.save"), self)
        self.save_btn.setObjectName("run_sheet_save")
        close = QPushButton(tr("sheet.close"), self)
        self.add_btn.clicked.connect(lambda _=False: self.add_row(Cue("every", "", minutes=30)))
        self.remove_btn.clicked.connect(lambda _=False: self.remove_selected())
        self.save_btn.clicked.connect(lambda _=False: self.save())
        close.clicked.connect(self.close)
        row = QHBoxLayout()
        for b in (self.add_btn, self.remove_btn):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.save_btn)
        row.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.status)
        lay.addLayout(row)
        self.resize(760, 380)
        self.ids: list[str] = []
        cues, notices = load_run_sheet(self.path)
        for c in cues:
            self.add_row(c)
        if notices:
            self.status.setText("\n".join(notices))

    def add_row(self, c: Cue) -> int:
        r = self.table.rowCount()
        self.table.insertRow(r)
        kind = QComboBox(self.table)
        for k in KINDS:
            kind.addItem(tr(f"sheet.kind.{k}"), k)
        kind.setCurrentIndex(max(0, kind.findData(c.kind)))
        self.table.setCellWidget(r, 0, kind)
        self.table.setItem(r, 1, QTableWidgetItem(c.at if c.kind == "at" else f"{c.minutes:g}"))
        self.table.setItem(r, 2, QTableWidgetItem(c.text))
        for col, on in ((3, c.llm), (4, c.enabled)):
            it = QTableWidgetItem()
            it.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            it.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.table.setItem(r, col, it)
        self.ids.append(c.id)
        return r

    def remove_selected(self) -> None:
        for r in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(r)
            del self.ids[r]

    def cues(self) -> list[Cue]:
        """The table as cues; raises CueError naming the first bad row."""
        out: list[Cue] = []
        for r in range(self.table.rowCount()):
            kind = self.table.cellWidget(r, 0).currentData()
            when = (self.table.item(r, 1).text() if self.table.item(r, 1) else "").strip()
            text = (self.table.item(r, 2).text() if self.table.item(r, 2) else "").strip()
            c = Cue(kind, text, llm=self.table.item(r, 3).checkState() == Qt.CheckState.Checked,
                    enabled=self.table.item(r, 4).checkState() == Qt.CheckState.Checked, id=self.ids[r])
            try:
                if kind == "at":
                    c.at = when
                else:
                    try:
                        c.minutes = float(when)
                    except ValueError:
                        raise CueError(tr("sheet.bad_minutes", v=when)) from None
                c.validate()
            except CueError as e:
                raise CueError(tr("sheet.bad_row", row=r + 1, error=e)) from None
            out.append(c)
        return out

    def save(self) -> bool:
        try:
            cues = self.cues()
            save_run_sheet(self.path, cues)
        except (CueError, OSError) as e:
            self.status.setStyleSheet("color: #c62828")
            self.status.setText(str(e))
            return False
        notices = []
        show = getattr(self.services, "show", None)
        if show is not None:
            notices = show.reload_run_sheet()  # the running show uses the new sheet at once
        self.status.setStyleSheet("color: #2e7d32")
        self.status.setText("\n".join([tr("sheet.saved", n=len(cues)), *notices]))
        return True


class TopicsDialog(QDialog):
    """``config/idle_topics.txt`` as plain text (starts from the shipped list when there is none yet)."""

    def __init__(self, config_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = Path(config_dir) / TOPICS_FILE
        self.setWindowTitle(tr("topics.title"))
        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("topics_editor")
        self.status = QLabel(tr("topics.hint"), self)
        self.status.setWordWrap(True)
        self.save_btn = QPushButton(tr("sheet.save"), self)
        self.save_btn.setObjectName("topics_save")
        close = QPushButton(tr("sheet.close"), self)
        self.save_btn.clicked.connect(lambda _=False: self.save())
        close.clicked.connect(self.close)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_btn)
        row.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.editor, 1)
        lay.addWidget(self.status)
        lay.addLayout(row)
        self.resize(480, 420)
        src = self.path if self.path.exists() else shipped_path("config", TOPICS_FILE)
        try:
            self.editor.setPlainText(src.read_text(encoding="utf-8-sig"))
        except OSError:
            self.editor.setPlainText("")

    def save(self) -> bool:
        text = self.editor.toPlainText()
        try:
            atomic_write_text(self.path, text if text.endswith("\n") else text + "\n")
        except OSError as e:
            self.status.setText(tr("topics.failed", error=explain(e)))
            self.status.setToolTip(str(e))
            return False
        self.status.setText(tr("topics.saved", n=len(parse_topics(text))))
        return True
