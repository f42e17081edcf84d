"""Live chat panel: a capped list model fed in batches on a timer (survives floods), plus the
rehearsal input (type as a viewer, or replay a chat log)."""

from __future__ import annotations

import logging
from collections import deque
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.chat import strings  # noqa: F401 (registers the shared chat UI text)
from aischoco_gui.chat.filters import reason_text
from aischoco_gui.chat.parse import plain_text
from aischoco_gui.gui.panels.moderation import ResultLine, add_moderation_menu, add_notice_action
from aischoco_gui.i18n import register, tr
from aischoco_gui.models import ROLE_MANAGER, ROLE_STREAMER, ChatMessage
from aischoco_gui.paths import shipped_path

log = logging.getLogger(__name__)

register({
    "chat.title": ("채팅", "Chat"),
    "chat.nickname": ("닉네임", "Nickname"),
    "chat.type_here": ("시청자 채팅을 입력하고 Enter", "Type a viewer message and press Enter"),
    "chat.send": ("보내기", "Send"),
    "chat.donation": ("후원", "Donation"),
    "chat.replay": ("채팅 로그 재생…", "Replay chat log…"),
    "chat.stop_replay": ("재생 중지", "Stop replay"),
    "chat.speed": ("속도", "Speed"),
    "chat.answer_now": ("지금 이 채팅에 답하기", "Answer this now"),
    "chat.filtered": ("걸러짐: {reason}", "filtered: {reason}"),
    "chat.rehearsal_only": ("리허설 모드에서만 직접 입력할 수 있어요", "Typing chat works in rehearsal mode only"),
    "chat.send_failed": ("리허설 채팅이 꺼져 있어요: 채팅 소스가 리허설일 때만 직접 입력할 수 있어요 "
                         "(설정 → 방송/채팅)",
                         "Rehearsal chat is not running: typed chat works only with the rehearsal source (Settings → "
                         "Stream/Chat)"),
    "chat.replay_error": ("채팅 로그를 읽을 수 없어요: {error}", "Cannot read chat log: {error}"),
    "chat.replay_started": ("{n}개 메시지 재생 시작", "Replaying {n} messages"),
    "chat.autoscroll": ("자동 스크롤", "Auto-scroll"),
    "chat.ignore_user": ("이 사용자 무시: {nick}", "Ignore this user: {nick}"),
    "chat.add_banned": ("금칙어로 추가…", "Add to banned words…"),
    "chat.add_banned_prompt": ("금칙어로 추가할 단어", "Word to ban"),
    "chat.filters": ("필터…", "Filters…"),
    "chat.login": ("CHZZK 로그인", "Log in with CHZZK"),
    "chat.login_tip": ("브라우저에서 CHZZK 계정 연동 페이지를 엽니다",
                       "Opens the CHZZK account-link page in your browser"),
    "chat.login_ok": ("CHZZK 로그인 완료", "Logged in with CHZZK"),
    "chat.login_failed": ("CHZZK 로그인 실패: {error}", "CHZZK login failed: {error}"),
    "chat.login_other_source": ("로그인했어요. 실시간 채팅을 받으려면 CHAT_SOURCE=chzzk로 설정하세요",
                                "Logged in. Set CHAT_SOURCE=chzzk to receive live chat"),
    "chat.ignored": ("{nick}님을 무시합니다", "Ignoring {nick}"),
    "chat.banned_added": ("금칙어 추가: {word}", "Banned word added: {word}"),
    "chat.subscription": ("⭐ {nick}님 구독 {months}개월 · {tier}", "⭐ {nick} subscribed {months} month(s) · {tier}"),
    "chat.tier": ("티어 {n}", "tier {n}"),
})

ROLE_COLORS = {ROLE_STREAMER: "#d81b60", ROLE_MANAGER: "#2e7d32"}
DONATION_BG = QColor(255, 214, 102, 90)
FILTERED_FG = QColor(150, 150, 150)
MessageRole = Qt.ItemDataRole.UserRole + 1


def subscription_text(m: ChatMessage) -> str:
    """A SUBSCRIPTION row: nickname, months and tier (name, else its number)."""
    tier = m.subscription_tier_name or tr("chat.tier", n=m.subscription_tier or 1)
    return tr("chat.subscription", nick=m.nickname, months=m.subscription_months or 1, tier=tier)


class ChatListModel(QAbstractListModel):
    """Chat rows, capped at ``cap``; appends are collected and flushed in one insert per tick."""

    def __init__(self, cap: int = 2000, flush_ms: int = 50, parent=None) -> None:
        super().__init__(parent)
        self.cap = cap
        self.rows: deque[ChatMessage] = deque()
        self._incoming: list[ChatMessage] = []
        self._timer = QTimer(self)
        self._timer.setInterval(flush_ms)
        self._timer.timeout.connect(self.flush)  # runs only while messages arrive (no 20 Hz wake when idle)
        self.on_flushed = None  # optional callback(list[ChatMessage]) for measurements

    def append(self, msg: ChatMessage) -> None:
        self._incoming.append(msg)
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        if not self._incoming:
            self._timer.stop()  # quiet for a tick: sleep until the next message
            return
        new, self._incoming = self._incoming[-self.cap:], []
        overflow = len(self.rows) + len(new) - self.cap
        if overflow > 0:
            drop = min(overflow, len(self.rows))
            if drop:
                self.beginRemoveRows(QModelIndex(), 0, drop - 1)
                for _ in range(drop):
                    self.rows.popleft()
                self.endRemoveRows()
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self.rows.extend(new)
        self.endInsertRows()
        if self.on_flushed is not None:
            self.on_flushed(new)

    def refresh(self, msg: ChatMessage) -> None:
        """A message changed (filtered, processed): repaint its row."""
        for i in range(len(self.rows) - 1, max(-1, len(self.rows) - 400), -1):
            if self.rows[i] is msg:
                ix = self.index(i)
                self.dataChanged.emit(ix, ix)
                return

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        m = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if m.is_subscription:
                return subscription_text(m)
            prefix = f"💰{m.donation_amount} " if m.is_donation else "🎙 " if m.is_voice else ""
            text = m.text if len(m.text) <= 300 else m.text[:299] + "…"
            if m.filtered_reason:
                return f"{prefix}{m.nickname}: {text}   ⟨{tr('chat.filtered', reason=reason_text(m.filtered_reason))}⟩"
            return f"{prefix}{m.nickname}: {text}"
        if role == Qt.ItemDataRole.FontRole and m.filtered_reason:
            f = QFont()
            f.setItalic(True)
            return f
        if role == Qt.ItemDataRole.ForegroundRole:
            if m.filtered_reason:
                return QBrush(FILTERED_FG)
            c = ROLE_COLORS.get(m.role)
            return QBrush(QColor(c)) if c else None
        if role == Qt.ItemDataRole.BackgroundRole and (m.is_donation or m.is_subscription):
            return QBrush(DONATION_BG)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{m.nickname} ({m.role})\n{m.text[:2000]}"
            if m.filtered_reason:
                tip += "\n" + tr("chat.filtered", reason=reason_text(m.filtered_reason))
            return tip
        if role == MessageRole:
            return m
        return None


class ChatPanel(QWidget):
    login_requested = Signal()  # "Log in with CHZZK": the app controller runs ChzzkLoginAction
    moderation_requested = Signal(str, object)  # (action, ChatMessage), after the one confirmation
    notice_requested = Signal(str)  # pin this text as the chat notice, after the confirmation

    def __init__(self, services, bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.model = ChatListModel(cap=max(100, int(getattr(services.settings, "chat_panel_max", 2000))),
                                   parent=self)
        self.view = QListView(self)
        self.view.setObjectName("chat_view")
        self.view.setModel(self.model)
        self.view.setUniformItemSizes(True)
        # one line per chat, elided at the dock's edge (the whole line on hover): never a sideways scrollbar
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.autoscroll = QCheckBox(tr("chat.autoscroll"), self)
        self.autoscroll.setChecked(True)
        self.model.rowsInserted.connect(self._scroll)

        self.nick = QLineEdit("시청자1", self)
        self.nick.setPlaceholderText(tr("chat.nickname"))
        self.nick.setMaximumWidth(110)
        self.input = QLineEdit(self)
        self.input.setObjectName("chat_input")
        self.input.setPlaceholderText(tr("chat.type_here"))
        self.input.returnPressed.connect(self.send_typed)
        self.donation = QSpinBox(self)
        self.donation.setRange(0, 1_000_000)
        self.donation.setSingleStep(1000)
        self.donation.setPrefix("💰")
        self.donation.setToolTip(tr("chat.donation"))
        self.send_btn = QPushButton(tr("chat.send"), self)
        self.send_btn.setObjectName("chat_send")
        self.send_btn.clicked.connect(self.send_typed)
        self.replay_btn = QPushButton(tr("chat.replay"), self)
        self.replay_btn.clicked.connect(self._replay_clicked)
        self.speed = QDoubleSpinBox(self)
        self.speed.setRange(0.1, 50.0)
        self.speed.setValue(1.0)
        self.speed.setSuffix("×")
        self.speed.setToolTip(tr("chat.speed"))
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.filters_btn = QPushButton(tr("chat.filters"), self)
        self.filters_btn.setObjectName("chat_filters")
        self.filters_btn.clicked.connect(self.open_filters)
        self.filters_btn.setEnabled(services.chat_filter is not None)
        self.login_btn = QPushButton(tr("chat.login"), self)
        self.login_btn.setObjectName("chat_login")
        self.login_btn.setToolTip(tr("chat.login_tip"))
        self.login_btn.clicked.connect(self._login_clicked)
        self.warning = QLabel(self)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b26a00")
        self._show_source_warning()
        self.action_result = ResultLine(self)  # moderation / notice answers, next to where they were asked

        # the message gets the whole width of its row (it was the narrowest field next to a wide nickname);
        # who sends it and the donation are on the next row
        row1 = QHBoxLayout()
        row1.addWidget(self.input, 1)
        row1.addWidget(self.send_btn)
        row_who = QHBoxLayout()
        row_who.addWidget(self.nick)
        row_who.addWidget(self.donation)
        row_who.addStretch(1)
        row_who.addWidget(self.filters_btn)
        row2 = QHBoxLayout()
        row2.addWidget(self.replay_btn)
        row2.addWidget(self.speed)
        row2.addStretch(1)
        row2.addWidget(self.autoscroll)
        # login on a row of its own: the dock fits its share of a 1366-wide screen unclipped
        row3 = QHBoxLayout()
        row3.addWidget(self.login_btn)
        row3.addWidget(self.hint, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.warning)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.action_result)
        lay.addLayout(row1)
        lay.addLayout(row_who)
        lay.addLayout(row2)
        lay.addLayout(row3)
        self._update_rehearsal_controls()
        bridge.chat_received.connect(self.model.append)
        bridge.speech_started.connect(self._on_speech_started)
        bridge.replaced_of("chat").connect(self._chat_replaced)  # services.chat is read per use
        bridge.settings_applied.connect(self._settings_applied)

    def _show_source_warning(self) -> None:
        unofficial = getattr(self.services.chat, "name", "") == "chzzk-unofficial"
        self.warning.setText(tr("chat.unofficial_warning") if unofficial else "")
        self.warning.setVisible(unofficial)

    def _chat_replaced(self) -> None:
        self._show_source_warning()
        self._update_rehearsal_controls()

    # -- rehearsal ------------------------------------------------------------------------
    def _rehearsal(self):
        src = self.services.chat
        return src if src is not None and hasattr(src, "send") and hasattr(src, "replay") else None

    def _update_rehearsal_controls(self) -> None:
        on = self._rehearsal() is not None
        for w in (self.nick, self.input, self.donation, self.send_btn, self.replay_btn, self.speed):
            w.setEnabled(on)
        self.hint.setText("" if on else tr("chat.rehearsal_only"))
        self.hint.setVisible(not on)

    def send_typed(self) -> None:
        src = self._rehearsal()
        text = self.input.text().strip()
        if src is None or not text:
            return
        amount = self.donation.value() or None
        try:
            src.send(self.nick.text().strip() or "시청자", text, donation=amount)
        except RuntimeError as e:
            self.services.bus.notice(tr("chat.send_failed"), "warning", detail=str(e))
            return
        self.input.clear()
        self.donation.setValue(0)

    def _replay_clicked(self) -> None:
        src = self._rehearsal()
        if src is None:
            return
        if src.replaying:
            src.stop_replay()
            self.replay_btn.setText(tr("chat.replay"))
            return
        start = str(shipped_path("resources", "sample_chat"))
        path, _ = QFileDialog.getOpenFileName(self, tr("chat.replay"), start, "Chat log (*.jsonl *.json *.txt)")
        if path:
            self.start_replay(Path(path))

    def start_replay(self, path: Path) -> None:
        src = self._rehearsal()
        try:
            n = src.replay(path, self.speed.value())
        except (OSError, ValueError) as e:
            self.services.bus.notice(tr("chat.replay_error", error=e), "error", detail=str(e))
            return
        self.replay_btn.setText(tr("chat.stop_replay"))
        self.services.bus.notice(tr("chat.replay_started", n=n))

    # -- events ---------------------------------------------------------------------------
    def _on_speech_started(self, draft) -> None:
        for m in draft.batch:  # answered messages are drawn as processed
            self.model.refresh(m)

    def _scroll(self) -> None:
        if self.autoscroll.isChecked():
            self.view.scrollToBottom()

    def _context_menu(self, pos) -> None:
        ix = self.view.indexAt(pos)
        if not ix.isValid():
            return
        msg: ChatMessage = self.model.data(ix, MessageRole)
        self.build_context_menu(msg).exec(self.view.viewport().mapToGlobal(pos))

    def build_context_menu(self, msg: ChatMessage) -> QMenu:
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        act = QAction(tr("chat.answer_now"), menu)
        act.triggered.connect(lambda: self.services.pipeline.answer_now(msg))
        menu.addAction(act)
        self.extend_context_menu(menu, msg)
        menu.addSeparator()
        add_notice_action(menu, self, self.services, msg.text, self.notice_requested.emit)
        add_moderation_menu(menu, self, self.services, msg, self.moderation_requested.emit)
        return menu

    def show_action_result(self, ok: bool, text: str) -> None:
        self.action_result.show_result(ok, text)

    def extend_context_menu(self, menu: QMenu, msg: ChatMessage) -> None:
        """Per-message filter actions: ignore the user, add a word to the banned list."""
        f = self.services.chat_filter
        if f is None or not hasattr(f, "ignore_user"):
            return
        ignore = QAction(tr("chat.ignore_user", nick=msg.nickname), menu)
        ignore.triggered.connect(lambda: self.ignore_user(msg))
        menu.addAction(ignore)
        ban = QAction(tr("chat.add_banned"), menu)
        ban.triggered.connect(lambda: self.ask_banned_word(msg))
        menu.addAction(ban)

    # -- filter actions -------------------------------------------------------------------
    def ignore_user(self, msg: ChatMessage) -> None:
        self.services.chat_filter.ignore_user(msg.user_id or msg.nickname)
        self.services.bus.notice(tr("chat.ignored", nick=msg.nickname))

    def ask_banned_word(self, msg: ChatMessage) -> None:
        # open(), not getText()/exec(): a nested modal loop would stall the qasync loop and every service.
        dlg = QInputDialog(self)
        dlg.setWindowTitle(tr("chat.add_banned"))
        dlg.setLabelText(tr("chat.add_banned_prompt"))
        dlg.setTextValue(plain_text(msg.text)[:50])
        dlg.textValueSelected.connect(self.add_banned_word)
        self.banned_dialog = dlg
        dlg.open()

    def add_banned_word(self, word: str) -> None:
        word = word.strip()
        if word:
            self.services.chat_filter.add_banned_word(word)
            self.services.bus.notice(tr("chat.banned_added", word=word))

    def open_filters(self) -> None:
        from aischoco_gui.gui.panels.chat_filter_dialog import ChatFilterDialog

        if self.services.chat_filter is not None:
            self.filter_dialog = ChatFilterDialog(self.services.chat_filter, self)
            self.filter_dialog.open()  # non-modal to the loop: the services keep running

    def _login_clicked(self) -> None:
        self.login_btn.setEnabled(False)
        self.login_requested.emit()  # the app controller runs the login (async) and calls login_finished

    def login_finished(self) -> None:
        self.login_btn.setEnabled(True)

    def _settings_applied(self, changed: set[str], _rebuilt: list[str]) -> None:
        """Live settings: the chat list's cap applies in place."""
        if "chat_panel_max" in changed:
            self.model.cap = max(100, int(self.services.settings.chat_panel_max))


def create_panel(services, bridge) -> QWidget:
    return ChatPanel(services, bridge)
