"""Edit the chat filter rules at run time (applied and saved on OK, no restart)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from aischoco_gui.chat.filters import ChatFilter
from aischoco_gui.i18n import register, tr

register({
    "filters.title": ("채팅 필터", "Chat filters"),
    "filters.ignore_streamer": ("스트리머 본인 채팅 무시", "Ignore the streamer's own chat"),
    "filters.min_length_enabled": ("최소 길이", "Minimum length"),
    "filters.emoji_counts": ("이모지 하나도 내용으로 인정 (👍 같은 채팅을 '너무 짧음'으로 거르지 않음)",
                             "An emoji counts as content (a 👍 chat is not filtered as too short)"),
    "filters.spam_enabled": ("도배/반복 거르기", "Filter spam and repeats"),
    "filters.spam_window_s": ("도배 판단 구간(초)", "Spam window (s)"),
    "filters.spam_max_repeats": ("같은 말 허용 횟수", "Same message allowed"),
    "filters.spam_max_messages": ("구간당 최대 채팅 수", "Max messages per window"),
    "filters.banned_enabled": ("금칙어 사용", "Use banned words"),
    "filters.banned_words": ("금칙어 (한 줄에 하나)", "Banned words (one per line)"),
    "filters.banned_regex": ("금칙 정규식 (한 줄에 하나)", "Banned regex (one per line)"),
    "filters.bots_enabled": ("봇 닉네임 거르기", "Filter bot nicknames"),
    "filters.bot_nicknames": ("봇 닉네임 (한 줄에 하나)", "Bot nicknames (one per line)"),
    "filters.ignored_enabled": ("무시 목록 사용", "Use the ignore list"),
    "filters.ignored_users": ("무시할 사용자 ID/닉네임", "Ignored user ids / nicknames"),
    "filters.donation_priority": ("후원 채팅 우선 답변", "Donations jump the queue"),
})

_LISTS = ("banned_words", "banned_regex", "bot_nicknames", "ignored_users")


class ChatFilterDialog(QDialog):
    def __init__(self, chat_filter: ChatFilter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("filters.title"))
        self.chat_filter = chat_filter
        r = chat_filter.rules
        self.checks: dict[str, QCheckBox] = {}
        self.lists: dict[str, QPlainTextEdit] = {}
        form = QFormLayout(self)
        for name in ("ignore_streamer", "donation_priority"):
            self.checks[name] = QCheckBox(tr(f"filters.{name}"), self)
            self.checks[name].setChecked(getattr(r, name))
            form.addRow(self.checks[name])
        self.checks["min_length_enabled"] = QCheckBox(tr("filters.min_length_enabled"), self)
        self.checks["min_length_enabled"].setChecked(r.min_length_enabled)
        self.min_length = QSpinBox(self)
        self.min_length.setRange(0, 200)
        self.min_length.setValue(r.min_length)
        form.addRow(self.checks["min_length_enabled"], self.min_length)
        self.checks["emoji_counts"] = QCheckBox(tr("filters.emoji_counts"), self)
        self.checks["emoji_counts"].setChecked(r.emoji_counts)
        form.addRow(self.checks["emoji_counts"])
        self.checks["spam_enabled"] = QCheckBox(tr("filters.spam_enabled"), self)
        self.checks["spam_enabled"].setChecked(r.spam_enabled)
        form.addRow(self.checks["spam_enabled"])
        self.spam_window = QDoubleSpinBox(self)
        self.spam_window.setRange(1, 3600)
        self.spam_window.setValue(r.spam_window_s)
        form.addRow(tr("filters.spam_window_s"), self.spam_window)
        self.spam_repeats = QSpinBox(self)
        self.spam_repeats.setRange(1, 100)
        self.spam_repeats.setValue(r.spam_max_repeats)
        form.addRow(tr("filters.spam_max_repeats"), self.spam_repeats)
        self.spam_messages = QSpinBox(self)
        self.spam_messages.setRange(1, 1000)
        self.spam_messages.setValue(r.spam_max_messages)
        form.addRow(tr("filters.spam_max_messages"), self.spam_messages)
        for toggle, name in (("banned_enabled", "banned_words"), (None, "banned_regex"),
                             ("bots_enabled", "bot_nicknames"), ("ignored_enabled", "ignored_users")):
            if toggle:
                self.checks[toggle] = QCheckBox(tr(f"filters.{toggle}"), self)
                self.checks[toggle].setChecked(getattr(r, toggle))
                form.addRow(self.checks[toggle])
            edit = QPlainTextEdit("\n".join(getattr(r, name)), self)
            edit.setMaximumHeight(70)
            self.lists[name] = edit
            form.addRow(tr(f"filters.{name}"), edit)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #c62828")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict:
        v: dict = {k: c.isChecked() for k, c in self.checks.items()}
        v.update(min_length=self.min_length.value(), spam_window_s=self.spam_window.value(),
                 spam_max_repeats=self.spam_repeats.value(), spam_max_messages=self.spam_messages.value())
        for name, edit in self.lists.items():
            v[name] = [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]
        return v

    def apply(self) -> None:
        try:
            self.chat_filter.update(**self.values())
        except ValueError as e:  # e.g. a bad regex: say which, keep the dialog open
            self.error.setText(str(e))
            return
        self.accept()
