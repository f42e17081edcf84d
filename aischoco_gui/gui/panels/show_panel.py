"""Show tools panel (issue 17): CHZZK chat settings quick toggles (the real state, read on load),
granted scopes, log out, chat echo status, and the run sheet / idle topic editors.

Compact (combo boxes in a form; tabbed with the other right-hand docks) so it fits 1366×768.
The widget only emits intents; the app controller does the CHZZK calls and hands results back.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.chat.chzzk_api import CHAT_GROUPS, FOLLOWER_MINUTES, SLOW_MODE_SECONDS, ChatSettings
from aischoco_gui.gui.panels.moderation import ResultLine
from aischoco_gui.gui.show_actions import scope_status
from aischoco_gui.i18n import register, tr
from aischoco_gui.user_text import explain

register({
    "show.panel.slow": ("저속 모드", "Slow mode"),
    "show.panel.group": ("채팅 가능", "Who can chat"),
    "show.panel.follower_min": ("팔로워 최소 기간", "Followers-only minimum"),
    "show.panel.refresh": ("현재 설정 읽기", "Read current settings"),
    "show.panel.logout": ("CHZZK 로그아웃", "Log out of CHZZK"),
    "show.panel.logout_tip": ("CHZZK에 토큰 취소를 요청하고 저장된 토큰을 지워요",
                              "Asks CHZZK to revoke the token and removes the stored token"),
    "show.panel.logout_confirm": ("CHZZK에서 로그아웃할까요? 토큰을 취소하고 저장된 토큰을 지워요.",
                                  "Log out of CHZZK? The token is revoked and removed."),
    "show.panel.run_sheet": ("진행표 편집…", "Edit run sheet…"),
    "show.panel.topics": ("잡담 주제 편집…", "Edit idle topics…"),
    "show.panel.off": ("끔", "off"),
    "show.panel.seconds": ("{n}초", "{n} s"),
    "show.panel.minutes": ("{n}분", "{n} min"),
    "show.panel.hours": ("{n}시간", "{n} h"),
    "show.panel.days": ("{n}일", "{n} days"),
    "show.panel.loading": ("CHZZK 채팅 설정을 읽는 중…", "Reading CHZZK chat settings…"),
    "show.panel.echo": ("채팅으로 답장 올리기: {state}", "Chat echo: {state}"),
    "show.panel.echo_on": ("켬 ({mode}, {interval:g}초 간격)", "on ({mode}, every {interval:g}s)"),
    "show.panel.echo_off": ("끔 (CHZZK_CHAT_ECHO)", "off (CHZZK_CHAT_ECHO)"),
    "show.panel.idle": ("조용할 때 잡담: {state}", "Idle talk: {state}"),
    "show.panel.idle_on": ("{n:g}초 뒤", "after {n:g}s"),
    "show.panel.run_sheet_state": ("진행표: {state}", "Run sheet: {state}"),
    "show.panel.on": ("켬", "on"),
    "show.group.ALL": ("모두", "Everyone"),
    "show.group.FOLLOWER": ("팔로워", "Followers"),
    "show.group.MANAGER": ("매니저", "Managers"),
    "show.group.SUBSCRIBER": ("구독자", "Subscribers"),
})


def _duration(minutes: int) -> str:
    if minutes == 0:
        return tr("show.panel.off")
    if minutes % 1440 == 0:
        return tr("show.panel.days", n=minutes // 1440)
    if minutes % 60 == 0:
        return tr("show.panel.hours", n=minutes // 60)
    return tr("show.panel.minutes", n=minutes)


class ShowPanel(QWidget):
    chat_settings_refresh_requested = Signal()
    chat_settings_change_requested = Signal(dict)  # {ChatSettings field: value}
    logout_requested = Signal()

    def __init__(self, services: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.slow = QComboBox(self)
        self.slow.setObjectName("slow_mode")
        for n in SLOW_MODE_SECONDS:  # CHZZK's allowed values only
            self.slow.addItem(tr("show.panel.off") if n == 0 else tr("show.panel.seconds", n=n), n)
        self.group = QComboBox(self)
        self.group.setObjectName("chat_group")
        for g in CHAT_GROUPS:
            self.group.addItem(tr(f"show.group.{g}"), g)
        self.follower_min = QComboBox(self)
        self.follower_min.setObjectName("follower_minimum")
        for n in FOLLOWER_MINUTES:
            self.follower_min.addItem(_duration(n), n)
        self.refresh_btn = QPushButton(tr("show.panel.refresh"), self)
        self.refresh_btn.clicked.connect(lambda _=False: self.request_refresh())
        self.logout_btn = QPushButton(tr("show.panel.logout"), self)
        self.logout_btn.setObjectName("chzzk_logout")
        self.logout_btn.setToolTip(tr("show.panel.logout_tip"))
        self.logout_btn.clicked.connect(lambda _=False: self._ask_logout())
        self.scopes = QLabel(self)
        self.scopes.setObjectName("chzzk_scopes")
        self.scopes.setWordWrap(True)
        self.result = ResultLine(self)
        self.state = QLabel(self)
        self.state.setWordWrap(True)
        self.run_sheet_btn = QPushButton(tr("show.panel.run_sheet"), self)
        self.run_sheet_btn.setObjectName("edit_run_sheet")
        self.run_sheet_btn.clicked.connect(lambda _=False: self.open_run_sheet())
        self.topics_btn = QPushButton(tr("show.panel.topics"), self)
        self.topics_btn.setObjectName("edit_topics")
        self.topics_btn.clicked.connect(lambda _=False: self.open_topics())
        self.current: ChatSettings | None = None

        form = QFormLayout()
        form.addRow(tr("show.panel.slow"), self.slow)
        form.addRow(tr("show.panel.group"), self.group)
        form.addRow(tr("show.panel.follower_min"), self.follower_min)
        row = QHBoxLayout()
        row.addWidget(self.refresh_btn)
        row.addWidget(self.logout_btn)
        editors = QHBoxLayout()
        editors.addWidget(self.run_sheet_btn)
        editors.addWidget(self.topics_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.scopes)
        lay.addLayout(form)
        lay.addLayout(row)
        lay.addWidget(self.result)
        lay.addWidget(self.state)
        lay.addLayout(editors)
        lay.addStretch(1)
        for w in (self.slow, self.group, self.follower_min, self.refresh_btn):
            w.setEnabled(False)  # until the real state was read
        self._apply_can_moderate()
        self.slow.currentIndexChanged.connect(lambda _i: self._changed("chat_slow_mode_sec", self.slow))
        self.group.currentIndexChanged.connect(lambda _i: self._changed("chat_available_group", self.group))
        self.follower_min.currentIndexChanged.connect(
            lambda _i: self._changed("min_follower_minute", self.follower_min))
        self.update_scopes()
        self.update_state()
        # the CHZZK login (tokens, log out, a new client) and the chat/show services are read from the
        # container whenever the bridge says they changed: this panel keeps none of them
        bridge.chzzk_login_changed.connect(self.update_scopes)
        bridge.replaced_of("chat").connect(self._chat_replaced)
        bridge.replaced_of("show").connect(self.update_state)
        bridge.settings_applied.connect(self._settings_applied)
        self._echo_errors_seen = 0
        bridge.notice.connect(self._on_notice)

    def _apply_can_moderate(self) -> None:
        can = bool(getattr(self.services, "can_moderate", False))
        for w in (self.slow, self.group, self.follower_min, self.refresh_btn):
            w.setToolTip("" if can else tr("mod.unavailable"))
            if not can:
                w.setEnabled(False)
        self.logout_btn.setEnabled(can)
        self.refresh_btn.setEnabled(can)

    def _chat_replaced(self) -> None:
        self._apply_can_moderate()
        self.update_scopes()

    def _settings_applied(self, _changed: object, _rebuilt: object) -> None:
        self.update_state()

    def _on_notice(self, _text: str, _level: str) -> None:
        """A chat echo that CHZZK refused is shown here too (next to the echo state), not only in the log."""
        show = getattr(self.services, "show", None)
        errors = getattr(show, "echo_errors", []) if show is not None else []
        if len(errors) > self._echo_errors_seen:
            self._echo_errors_seen = len(errors)
            self.result.show_result(False, errors[-1])

    # -- view -----------------------------------------------------------------------------
    def update_scopes(self) -> None:
        try:
            self.scopes.setText(scope_status(self.services) if getattr(self.services, "can_moderate", False)
                                else tr("mod.unavailable"))
        except Exception as e:  # a broken login store must not break the panel
            self.scopes.setText(explain(e))
            self.scopes.setToolTip(str(e))

    def update_state(self) -> None:
        s = self.services.settings
        show = getattr(self.services, "show", None)
        echo_on = show is not None and show.echo.enabled
        echo = (tr("show.panel.echo_on", mode=s.chat_echo_mode, interval=s.chat_echo_min_interval_s)
                if echo_on else tr("show.panel.echo_off"))
        idle = (tr("show.panel.idle_on", n=s.idle_talk_seconds) if s.idle_talk_seconds > 0
                else tr("show.panel.off"))
        sheet = tr("show.panel.on") if s.run_sheet_enabled else tr("show.panel.off")
        self.state.setText("\n".join((tr("show.panel.echo", state=echo), tr("show.panel.idle", state=idle),
                                      tr("show.panel.run_sheet_state", state=sheet))))

    def show_chat_settings(self, cs: ChatSettings) -> None:
        """Reflect what CHZZK says the settings are now (never what we hoped they were)."""
        self.current = cs
        for combo, value in ((self.slow, cs.chat_slow_mode_sec), (self.group, cs.chat_available_group),
                             (self.follower_min, cs.min_follower_minute)):
            combo.blockSignals(True)
            i = combo.findData(value)
            if i < 0:  # a value CHZZK added later: show it rather than pretend
                combo.addItem(str(value), value)
                i = combo.count() - 1
            combo.setCurrentIndex(i)
            combo.blockSignals(False)
            combo.setEnabled(True)
        self.refresh_btn.setEnabled(True)

    def show_result(self, ok: bool, text: str) -> None:
        self.result.show_result(ok, text)
        for combo in (self.slow, self.group, self.follower_min):
            combo.setEnabled(self.current is not None)
        self.update_scopes()

    # -- intents --------------------------------------------------------------------------
    def request_refresh(self) -> None:
        self.result.show_result(True, tr("show.panel.loading"))
        self.chat_settings_refresh_requested.emit()

    def _changed(self, name: str, combo: QComboBox) -> None:
        if self.current is None:
            return
        for c in (self.slow, self.group, self.follower_min):
            c.setEnabled(False)  # until CHZZK answered
        self.chat_settings_change_requested.emit({name: combo.currentData()})

    def _ask_logout(self) -> None:
        from aischoco_gui.gui.panels.moderation import confirm

        self.confirm_box = confirm(self, tr("show.panel.logout_confirm"), self.logout_requested.emit)

    def open_run_sheet(self) -> None:
        from aischoco_gui.gui.panels.show_dialogs import RunSheetDialog

        self.run_sheet_dialog = RunSheetDialog(self.services, self)
        self.run_sheet_dialog.setModal(False)
        self.run_sheet_dialog.show()  # non-modal: the streamer keeps approving replies while editing

    def open_topics(self) -> None:
        from aischoco_gui.gui.panels.show_dialogs import TopicsDialog

        self.topics_dialog = TopicsDialog(self.services.dirs.config, self)
        self.topics_dialog.setModal(False)
        self.topics_dialog.show()


def create_panel(services: Any, bridge: Any) -> QWidget:
    return ShowPanel(services, bridge)
