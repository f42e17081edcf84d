"""A dismissible bar that lists settings that could not be used as written (one line each: the
field's human label and env name, the bad value, where it came from and what is used instead).

Self-contained: :func:`show_settings_banner` puts it on top of any ``QMainWindow`` (as a toolbar
that cannot be moved), so the main window's own layout does not need to know about it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QPushButton, QToolBar, QVBoxLayout, QWidget

from aischoco_gui.i18n import register, tr
from aischoco_gui.settings import SettingProblem

register({
    "banner.title": ("설정 값 {n}개를 쓸 수 없어 그 항목만 대신 값을 씁니다. 나머지 설정은 그대로예요. "
                     "파일은 바꾸지 않았어요:",
                     "{n} setting value(s) could not be used; only those fall back. Everything else is kept "
                     "and no file was changed:"),
    "banner.dismiss": ("닫기", "Dismiss"),
    "banner.dismiss.tip": ("이 알림을 숨겨요. 설정에서 값을 고치면 다음 시작부터 사라져요.",
                           "Hide this notice. Fix the values in Settings and it will not come back."),
    "banner.open_settings": ("설정 열기", "Open settings"),
})


class SettingsBanner(QWidget):
    """Shows each :class:`SettingProblem`; hidden when there are none or after “dismiss”."""

    dismissed = Signal()
    settings_requested = Signal(str)  # the first bad field: the dialog opens on its tab, focused

    def __init__(self, problems: Sequence[SettingProblem], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#settingsBanner { background: #fff4e5; border: 1px solid #e0a040; }"
                           "#settingsBanner QLabel { color: #5a3b00; }")
        self.problems = list(problems)
        self.title = QLabel(tr("banner.title", n=len(self.problems)), self)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold")
        self.lines = [QLabel("• " + p.describe(), self) for p in self.problems]
        text = QVBoxLayout()
        text.setContentsMargins(0, 0, 0, 0)
        text.addWidget(self.title)
        for lab in self.lines:
            lab.setWordWrap(True)
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.addWidget(lab)
        text.addStretch(1)
        self.settings_button = QPushButton(tr("banner.open_settings"), self)
        first = next((p.field for p in self.problems if p.field), "")
        self.settings_button.clicked.connect(lambda _=False: self.settings_requested.emit(first))
        self.dismiss_button = QPushButton(tr("banner.dismiss"), self)
        self.dismiss_button.setToolTip(tr("banner.dismiss.tip"))
        self.dismiss_button.clicked.connect(self.dismiss)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.addLayout(text, 1)
        lay.addWidget(self.settings_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)
        self.setVisible(bool(self.problems))

    # Word-wrapped labels make the default size hint tall and narrow; size to the width we have.
    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        width = max(self.width(), 640)
        return QSize(super().sizeHint().width(), self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(super().minimumSizeHint().width(), self.heightForWidth(max(self.width(), 640)))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self.heightForWidth(self.width()) != self.height():
            self.updateGeometry()

    def dismiss(self) -> None:
        self.hide()
        bar = self.parentWidget()
        if isinstance(bar, QToolBar):
            bar.hide()
        self.dismissed.emit()


def show_settings_banner(window: QMainWindow, problems: Sequence[SettingProblem]) -> SettingsBanner | None:
    """Put a banner above the window's content when there are problems; returns it (None if none)."""
    if not problems:
        return None
    bar = QToolBar(window)
    bar.setObjectName("settingsBannerBar")
    bar.setMovable(False)
    bar.setFloatable(False)
    bar.toggleViewAction().setVisible(False)
    banner = SettingsBanner(problems, bar)
    bar.addWidget(banner)
    window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    requested = getattr(window, "settings_field_requested", None)
    if requested is not None:
        banner.settings_requested.connect(requested.emit)
    elif getattr(window, "settings_requested", None) is not None:
        banner.settings_requested.connect(lambda _field: window.settings_requested.emit())
    window.settings_banner = banner
    return banner
