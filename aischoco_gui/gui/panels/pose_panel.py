"""Emotion & pose tuning: one slider per mapped parameter (real VTS range), live preview, save/revert."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.gui.panels.placeholder import PlaceholderPanel
from aischoco_gui.i18n import emotion_label, tr
from aischoco_gui.user_text import explain
from aischoco_gui.vts import strings  # noqa: F401  (registers UI text)
from aischoco_gui.vts.pose_editor import PoseEditor
from aischoco_gui.vts.poses import DEFAULT_INPUT_PARAMETERS, clamp_transition

STEPS = 1000
SLIDER_MIN_PX = 120  # room to set a value (a 40 px slider moved in 2.5 % jumps); the number box is exact
TEXT_COL_MAX_PX = 100  # the name and VTS id columns: longer ones elide in the middle (whole on hover)


class PosePanel(QWidget):
    """Shows a :class:`PoseEditor` (the mapping the avatar drives); ``save`` writes pose_mapping.json atomically."""

    COL_NAME, COL_ID, COL_SLIDER, COL_VALUE, COL_TIME = range(5)

    def __init__(self, editor: PoseEditor, parent: QWidget | None = None, *, services=None, bridge=None) -> None:
        """``editor`` edits the avatar's mapping; with ``services`` and ``bridge`` a rebuilt avatar driver
        gets a new editor (``bridge.replaced_of("vts")``)."""
        super().__init__(parent)
        self.editor = editor
        self.services = services
        self._building = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("pose.emotion")))
        self.emotion = QComboBox()
        top.addWidget(self.emotion, 1)
        lay.addLayout(top)
        # the preview and its curve on a row of their own: the dock is a third of a 1366-wide screen
        top2 = QHBoxLayout()
        self.preview_btn = QPushButton(tr("pose.preview"))
        top2.addWidget(self.preview_btn)
        self.ease = QCheckBox(tr("pose.curve.ease"))
        top2.addWidget(self.ease)
        top2.addStretch(1)
        lay.addLayout(top2)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([tr("pose.logical"), tr("pose.param.short"), "", tr("pose.value"),
                                              tr("pose.transition.short")])
        for col, key in ((self.COL_ID, "pose.param"), (self.COL_TIME, "pose.transition")):
            self.table.horizontalHeaderItem(col).setToolTip(tr(key))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(self.COL_SLIDER, QHeaderView.ResizeMode.Stretch)
        for col in (self.COL_VALUE, self.COL_TIME):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        for col in (self.COL_NAME, self.COL_ID):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(self.COL_ID, 110)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)  # row numbers say nothing here; their width goes to the slider
        lay.addWidget(self.table, 1)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #c0392b")
        lay.addWidget(self.problems)
        row = QHBoxLayout()  # editing the table on one row, keeping / dropping the changes on the next
        self.add_btn = QPushButton(tr("pose.add"))
        self.remove_btn = QPushButton(tr("pose.remove"))
        self.fix_btn = QPushButton(tr("pose.fix"))
        self.revert_btn = QPushButton(tr("pose.revert"))
        self.save_btn = QPushButton(tr("pose.save"))
        for b in (self.add_btn, self.remove_btn, self.fix_btn):
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        row2 = QHBoxLayout()
        row2.addStretch(1)
        row2.addWidget(self.revert_btn)
        row2.addWidget(self.save_btn)
        lay.addLayout(row2)
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay.addWidget(self.status)

        self.emotion.currentIndexChanged.connect(lambda _i: self._emotion_changed(self.current_emotion()))
        self.preview_btn.clicked.connect(self.preview_transition)
        self.ease.toggled.connect(self._curve_changed)
        self.add_btn.clicked.connect(self._ask_add)
        self.remove_btn.clicked.connect(self.remove_selected)
        self.fix_btn.clicked.connect(self.fix_ids)
        self.revert_btn.clicked.connect(self.revert)
        self.save_btn.clicked.connect(self.save)
        if bridge is not None:
            bridge.replaced_of(SERVICE).connect(self._avatar_replaced)
        self.reload()

    # -- building --------------------------------------------------------------------------
    @property
    def mapping(self):
        return self.editor.mapping

    def reload(self) -> None:
        current = self.current_emotion()
        self._building = True
        self.emotion.clear()
        for emo in self.mapping.emotions:
            self.emotion.addItem(emotion_label(emo), emo)
        self.ease.setChecked(self.mapping.curve == "ease")
        self._building = False
        if current in self.mapping.emotions:
            self.emotion.setCurrentIndex(self.emotion.findData(current))
        self._rebuild_rows()

    def _rebuild_rows(self) -> None:
        self._building = True
        m = self.mapping
        emo = self.current_emotion()
        pose = m.emotions.get(emo, {})
        names = m.logical_names()
        self.table.setRowCount(len(names))
        for r, logical in enumerate(names):
            pid = m.parameter_id(logical)
            rng = self.editor.parameter_range(pid)
            name_item = QTableWidgetItem(logical)
            name_item.setToolTip(logical)
            self.table.setItem(r, self.COL_NAME, name_item)
            id_item = QTableWidgetItem(pid)
            id_item.setToolTip(pid)
            self.table.setItem(r, self.COL_ID, id_item)
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(0, STEPS)
            spin = QDoubleSpinBox()
            spin.setDecimals(3)
            spin.setRange(rng.min, rng.max)
            spin.setSingleStep((rng.max - rng.min) / 100 or 0.01)
            value = pose.get(logical, rng.default)
            spin.setValue(value)
            slider.setValue(self._to_steps(value, rng.min, rng.max))
            tspin = QDoubleSpinBox()
            tspin.setRange(0.1, 0.5)
            tspin.setSingleStep(0.05)
            tspin.setValue(m.transition_for(logical))
            slider.valueChanged.connect(lambda s, lg=logical: self._slider_moved(lg, s))
            spin.valueChanged.connect(lambda v, lg=logical: self._spin_changed(lg, v))
            tspin.valueChanged.connect(lambda v, lg=logical: self._time_changed(lg, v))
            self.table.setCellWidget(r, self.COL_SLIDER, slider)
            self.table.setCellWidget(r, self.COL_VALUE, spin)
            self.table.setCellWidget(r, self.COL_TIME, tspin)
        self._building = False
        self._fit_columns()
        self._show_problems()

    def _fit_columns(self) -> None:
        """The table is never narrower than its columns with a slider of SLIDER_MIN_PX (the dock scrolls)."""
        self.table.resizeColumnsToContents()
        for col in (self.COL_NAME, self.COL_ID):
            self.table.setColumnWidth(col, min(max(self.table.columnWidth(col), 60), TEXT_COL_MAX_PX))
        others = sum(self.table.columnWidth(c) for c in range(self.table.columnCount()) if c != self.COL_SLIDER)
        frame = (2 * self.table.frameWidth() + self.table.verticalHeader().sizeHint().width()
                 + self.table.verticalScrollBar().sizeHint().width() + 8)
        self.table.setMinimumWidth(others + SLIDER_MIN_PX + frame)

    def _show_problems(self) -> None:
        lines = []
        for p in self.mapping.problems():
            if p.fix and p.logical:
                lines.append(tr("pose.problem.fix", logical=p.logical, pid=p.parameter_id, fix=p.fix))
            else:
                lines.append(p.message)
        self.problems.setText("\n".join(lines))
        self.problems.setVisible(bool(lines))
        self.fix_btn.setEnabled(any(p.fix for p in self.mapping.problems()))

    @staticmethod
    def _to_steps(v: float, lo: float, hi: float) -> int:
        if hi <= lo:
            return 0
        return int(round((min(hi, max(lo, v)) - lo) / (hi - lo) * STEPS))

    def _row_of(self, logical: str) -> int:
        for r in range(self.table.rowCount()):
            if self.table.item(r, self.COL_NAME).text() == logical:
                return r
        return -1

    # -- editing ---------------------------------------------------------------------------
    def _slider_moved(self, logical: str, steps: int) -> None:
        if self._building:
            return
        rng = self.editor.parameter_range(self.mapping.parameter_id(logical))
        value = rng.min + (rng.max - rng.min) * steps / STEPS
        spin: QDoubleSpinBox = self.table.cellWidget(self._row_of(logical), self.COL_VALUE)
        self._building = True
        spin.setValue(value)
        self._building = False
        self.set_value(logical, value)

    def _spin_changed(self, logical: str, value: float) -> None:
        if self._building:
            return
        rng = self.editor.parameter_range(self.mapping.parameter_id(logical))
        slider: QSlider = self.table.cellWidget(self._row_of(logical), self.COL_SLIDER)
        self._building = True
        slider.setValue(self._to_steps(value, rng.min, rng.max))
        self._building = False
        self.set_value(logical, value)

    def set_value(self, logical: str, value: float) -> None:
        """Store the value for the selected emotion and show it on the avatar right away."""
        emo = self.current_emotion()
        if not emo:
            return
        self.mapping.emotions.setdefault(emo, {})[logical] = round(float(value), 4)
        pid = self.mapping.parameter_id(logical)
        self.editor.preview_values({pid: value})
        self._dirty()

    def _time_changed(self, logical: str, seconds: float) -> None:
        if not self._building:
            self.mapping.per_parameter_s[logical] = clamp_transition(seconds)
            self._dirty()

    def _curve_changed(self, on: bool) -> None:
        if not self._building:
            self.mapping.curve = "ease" if on else "linear"
            self._dirty()

    def current_emotion(self) -> str:
        """The selected emotion's name (the combo shows its readable label)."""
        return str(self.emotion.currentData() or "")

    def select_emotion(self, emo: str) -> None:
        self.emotion.setCurrentIndex(self.emotion.findData(emo))

    def _emotion_changed(self, emo: str) -> None:
        if self._building or not emo:
            return
        self._rebuild_rows()
        self.editor.preview_emotion(emo)

    def preview_transition(self) -> None:
        """Go to the default pose instantly, then transition to the selected emotion as on stream."""
        emo = self.current_emotion()
        m = self.mapping
        self.editor.preview_values(m.pose_by_id(m.default), seconds=0.0)
        self.editor.preview_emotion(emo)

    def add_parameter(self, logical: str, pid: str) -> None:
        logical, pid = logical.strip(), pid.strip()
        if not logical or not pid:
            self.status.setText(tr("pose.add.prompt_name"))
            return
        self.mapping.parameter_mapping[logical] = pid
        rng = self.editor.parameter_range(pid)
        for pose in self.mapping.emotions.values():
            pose.setdefault(logical, rng.default)
        self.editor.set_mapping(self.mapping)
        self._rebuild_rows()
        self._dirty()

    def _ask_add(self) -> None:
        logical, ok = QInputDialog.getText(self, tr("pose.add"), tr("pose.add.prompt_name"))
        if not ok or not logical.strip():
            return
        options = sorted(set(self.editor.available_parameters()) | set(DEFAULT_INPUT_PARAMETERS))
        pid, ok = QInputDialog.getItem(self, tr("pose.add"), tr("pose.add.prompt_id"), options, 0, True)
        if ok:
            self.add_parameter(logical, pid)

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        names = [self.table.item(r, self.COL_NAME).text() for r in rows]
        self.remove_parameters(names)

    def remove_parameters(self, names: list[str]) -> None:
        if not names:
            return
        for logical in names:
            self.mapping.parameter_mapping.pop(logical, None)
            self.mapping.per_parameter_s.pop(logical, None)
            for pose in self.mapping.emotions.values():
                pose.pop(logical, None)
        self.editor.set_mapping(self.mapping)
        self._rebuild_rows()
        self._dirty()

    def fix_ids(self) -> None:
        fixed = self.mapping.apply_fixes()
        if fixed:
            self.editor.set_mapping(self.mapping)
            self._rebuild_rows()
            self._dirty()

    def revert(self) -> None:
        self.editor.revert()
        self.reload()
        self.editor.preview_emotion(self.current_emotion() or self.mapping.default)
        self.status.setText("")

    def save(self) -> bool:
        try:
            self.editor.save()
        except OSError as e:
            self.status.setText(tr("pose.save_failed", error=explain(e)))
            self.status.setToolTip(str(e))
            return False
        self.status.setText(tr("pose.saved", path=str(self.editor.mapping_path)))
        return True

    def _dirty(self) -> None:
        self.status.setText(tr("pose.unsaved"))

    def _avatar_replaced(self) -> None:
        """After a VTS rebuild the table edits the new avatar driver (the old editor is dropped)."""
        if self.services is not None and available(self.services):
            self.editor = editor_for(self.services)
            self.reload()


SERVICE = "vts"


def available(services) -> bool:
    return hasattr(getattr(services, "avatar", None), "mapping")


def editor_for(services) -> PoseEditor:
    return PoseEditor(services.avatar, services.avatar.config.mapping_path)


def create_panel(services, bridge) -> QWidget:
    if not available(services):
        return PlaceholderPanel(bridge, SERVICE, tr("vts.unavailable"), show_status=False)
    return PosePanel(editor_for(services), services=services, bridge=bridge)
