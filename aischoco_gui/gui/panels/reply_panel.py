"""AI replies: the approval queue with approve / edit / skip / reorder, keyboard shortcuts,
the auto-approve timer and the panic button."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.events import ServiceState, ServiceStatus
from aischoco_gui.gui.coalesce import Coalescer
from aischoco_gui.gui.elided import ElidedLabel
from aischoco_gui.gui.panels.fact_proposals import FactProposals
from aischoco_gui.gui.panels.moderation import ResultLine, add_moderation_menu, add_notice_action
from aischoco_gui.gui.panels.on_air import OnAirStrip
from aischoco_gui.gui.theme import STATE_ERROR
from aischoco_gui.i18n import all_keys, emotion_label, register, tr
from aischoco_gui.models import DEFAULT_EMOTIONS, Draft, DraftState
from aischoco_gui.pipeline.approval import ApprovalError
from aischoco_gui.settings_text import choice_key
from aischoco_gui.show import strings as _show_strings  # noqa: F401 (the kind badges show.kind.*)
from aischoco_gui.user_text import explain, flag_reason, reply_note

log = logging.getLogger(__name__)

register({
    "reply.title": ("AI 답변", "AI replies"),
    "reply.approve": ("승인 (Ctrl+Enter)", "Approve (Ctrl+Enter)"),
    "reply.save_edit": ("수정 저장 (Ctrl+S)", "Save edit (Ctrl+S)"),
    "reply.skip": ("건너뛰기 (Ctrl+Del)", "Skip (Ctrl+Del)"),
    "reply.up": ("▲ 위로", "▲ Up"),
    "reply.down": ("▼ 아래로", "▼ Down"),
    "reply.mode": ("승인 방식", "Approval"),
    "reply.mode.manual": ("수동", "Manual"),
    "reply.mode.auto": ("자동", "Auto"),
    "reply.auto_after": ("자동 승인 타이머", "Auto-approve after"),
    "reply.auto_off": ("끔", "off"),
    "reply.speaking": ("말하는 중: {text}", "Speaking: {text}"),
    "reply.idle": ("지금 말하는 답변이 없어요", "Nothing is being said"),
    "reply.empty": ("승인을 기다리는 답변이 없어요", "No replies waiting"),
    "reply.no_key": ("LLM API 키가 없어요. 설정에서 입력하세요.", "No LLM API key. Set it in Settings."),
    "reply.open_settings": ("설정 열기", "Open settings"),
    "reply.flagged": ("⚑ 검토 필요: {reason}", "⚑ needs review: {reason}"),
    "reply.countdown": ("{s:.0f}초 후 자동 승인", "auto-approve in {s:.0f}s"),
    "reply.meta": ("{provider} {model} · {latency:.2f}초", "{provider} {model} · {latency:.2f}s"),
    "reply.meta.template": ("템플릿 문장 (LLM 없이 만듦)", "Template sentence (made without an LLM)"),
    "reply.for_chat": ("채팅: {chat}", "Chat: {chat}"),
    "reply.director": ("🎬 연출 지시: {text}", "🎬 Director note: {text}"),
    "reply.emotion": ("감정", "Emotion"),
    "reply.thinking": ("답변 생성 중…", "Generating a reply…"),
    "reply.llm_failed": ("LLM 실패: {error}", "LLM failed: {error}"),
})


def llm_key_field(settings) -> str:
    """The settings field of the API key the LLM in use needs (Groq unless Cerebras/OpenAI is chosen)."""
    provider = getattr(settings, "llm_provider", "")
    return {"cerebras": "cerebras_api_key", "openai": "openai_api_key"}.get(provider, "groq_api_key")


def reply_meta(r) -> str:
    """Who wrote a draft and how fast: the LLM's provider, model and time, or "template" for a fixed
    sentence made without an LLM (never "자동 / 설정 안 함 · 0.00초"); then the notes."""
    if r.provider == "template":
        head = tr("reply.meta.template")
    elif not (r.provider or r.model):
        head = ""
    else:
        key = choice_key("llm_provider", r.provider) if r.provider else None  # "custom" → 직접 지정
        provider = tr(key) if key else r.provider
        head = (tr("reply.meta", provider=provider, model=r.model, latency=r.latency_s) if r.latency_s > 0
                else f"{provider} {r.model}".strip())
    return "\n".join(x for x in (head, *(reply_note(n) for n in r.notes)) if x)


def kind_badge(kind: str) -> str:
    """``【감사】 `` for show drafts (thanks, idle talk, run sheet); nothing for plain chat replies."""
    key = f"show.kind.{kind}"
    return f"【{tr(key)}】 " if key in all_keys() else ""


class ReplyPanel(QWidget):
    open_settings = Signal(str)  # the field to open (the no-key banner: the LLM key of the provider in use)
    moderation_requested = Signal(str, object)  # (action, source ChatMessage), after the one confirmation
    notice_requested = Signal(str)  # pin a reply as the chat notice, after the confirmation

    def __init__(self, services, bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.pipeline = services.pipeline
        self.queue = self.pipeline.queue

        self.banner = QLabel(tr("reply.no_key"), self)
        self.banner.setObjectName("reply_banner")
        self.banner.setStyleSheet("background:#fff3cd;color:#6b4e00;padding:6px;border-radius:4px")
        self.banner_btn = QPushButton(tr("reply.open_settings"), self)
        self.banner_btn.clicked.connect(lambda: self.open_settings.emit(llm_key_field(self.services.settings)))
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.banner_btn)
        self._banner_widgets = (self.banner, self.banner_btn)
        self._show_banner(False)

        self.on_air = OnAirStrip(self)  # what is on air: the spoken line (large), the emotion, the next draft
        self.speaking = self.on_air.speaking
        # one line, elided, the whole text on hover: a long error never widens the centre column
        self.thinking = ElidedLabel("", self, min_chars=12, max_hint_chars=40)
        self.thinking.setObjectName("reply_thinking")
        self._thinking_next: dict[str, str] = {}  # _set_thinking: what the next zero timer sets
        self._thinking_timer = QTimer(self)
        self._thinking_timer.setSingleShot(True)
        self._thinking_timer.setInterval(0)
        self._thinking_timer.timeout.connect(self._apply_thinking)

        self.list = QListWidget(self)
        self.list.setObjectName("reply_list")
        # a long draft wraps to the column's width (it gave the list a sideways scrollbar)
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.list.currentItemChanged.connect(self._selection_changed)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.action_result = ResultLine(self)
        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("reply_editor")
        self.editor.setMaximumHeight(110)
        self.emotion = QComboBox(self)
        for emo in DEFAULT_EMOTIONS:
            self.emotion.addItem(emotion_label(emo), emo)
        self.meta = QLabel("", self)
        self.meta.setWordWrap(True)

        self.approve_btn = QPushButton(tr("reply.approve"), self)
        self.approve_btn.setObjectName("approve_button")
        self.save_btn = QPushButton(tr("reply.save_edit"), self)
        self.skip_btn = QPushButton(tr("reply.skip"), self)
        self.skip_btn.setObjectName("skip_button")
        self.up_btn = QPushButton("▲", self)  # arrows only (the window fits 1366 px); words and keys on hover
        self.up_btn.setToolTip(f"{tr('reply.up')} (Alt+↑)")
        self.down_btn = QPushButton("▼", self)
        self.down_btn.setToolTip(f"{tr('reply.down')} (Alt+↓)")
        for b in (self.up_btn, self.down_btn):
            b.setMaximumWidth(b.fontMetrics().horizontalAdvance("▲") + 28)
        self.approve_btn.clicked.connect(self.approve_selected)
        self.save_btn.clicked.connect(self.save_edit)
        self.skip_btn.clicked.connect(self.skip_selected)
        self.up_btn.clicked.connect(lambda: self.move_selected(-1))
        self.down_btn.clicked.connect(lambda: self.move_selected(+1))

        self.mode = QComboBox(self)
        self.mode.setObjectName("approval_mode")
        self.mode.addItem(tr("reply.mode.manual"), "manual")
        self.mode.addItem(tr("reply.mode.auto"), "auto")
        self.mode.setCurrentIndex(0 if self.queue.mode == "manual" else 1)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.auto_after = QDoubleSpinBox(self)
        self.auto_after.setRange(0, 600)
        self.auto_after.setSuffix(" s")
        self.auto_after.setSpecialValueText(tr("reply.auto_off"))
        self.auto_after.setValue(self.queue.auto_after_s)
        self.auto_after.valueChanged.connect(self._mode_changed)

        mode_row = QHBoxLayout()
        mode_row.addWidget(QLabel(tr("reply.mode"), self))
        mode_row.addWidget(self.mode)
        mode_row.addWidget(QLabel(tr("reply.auto_after"), self))
        mode_row.addWidget(self.auto_after)
        mode_row.addStretch(1)
        btn_row = QHBoxLayout()
        for b in (self.approve_btn, self.save_btn, self.skip_btn, self.up_btn, self.down_btn):
            btn_row.addWidget(b)
        edit_row = QHBoxLayout()
        edit_row.addWidget(QLabel(tr("reply.emotion"), self))
        edit_row.addWidget(self.emotion)
        edit_row.addWidget(self.meta, 1)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(banner_row)
        lay.addWidget(self.on_air)
        lay.addWidget(self.thinking)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.action_result)
        lay.addLayout(edit_row)
        lay.addWidget(self.editor)
        lay.addLayout(btn_row)
        lay.addLayout(mode_row)
        self.facts = FactProposals(services, bridge, self)  # viewer facts the AI proposed (issue 24)
        lay.addWidget(self.facts)

        for seq, fn in (("Ctrl+Return", self.approve_selected), ("Ctrl+Enter", self.approve_selected),
                        ("Ctrl+S", self.save_edit), ("Ctrl+Delete", self.skip_selected),
                        ("Alt+Up", lambda: self.move_selected(-1)), ("Alt+Down", lambda: self.move_selected(+1))):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(fn)

        self._timer = QTimer(self)
        self._timer.setInterval(500)
        # runs only while a countdown is shown or speech plays (no idle wakes)
        self._timer.timeout.connect(self._refresh_countdowns)
        self._timer.timeout.connect(self._check_speaking)
        self._speaking_id: int | None = None
        self.rebuild_soon = Coalescer(self.rebuild, 40, self)  # a burst of draft events → one rebuild
        bridge.draft_created.connect(self._on_draft_created)
        bridge.draft_updated.connect(self._on_draft_updated)
        bridge.batch_ready.connect(self._on_batch_ready)
        bridge.llm_reply.connect(self._on_llm_reply)
        bridge.llm_failed.connect(self._on_llm_failed)
        bridge.speech_started.connect(self._on_speech_started)
        bridge.speech_ended.connect(self._on_speech_ended)
        bridge.panic.connect(self._on_panic)
        bridge.emotion.connect(self.on_air.set_emotion)
        bridge.status_of("llm").connect(self._on_status)
        st = services.bus.status.get("llm")
        if st:
            self._on_status(st)
        self.rebuild()

    # -- view -----------------------------------------------------------------------------
    def _show_banner(self, on: bool) -> None:
        for w in self._banner_widgets:
            w.setVisible(on)

    def _item_text(self, d: Draft) -> str:
        public = [m for m in d.batch if not m.is_director]
        chat = " / ".join(f"{'🎙 ' if m.is_voice else ''}{m.nickname}: {m.text[:40]}" for m in public[:3])
        lines = [f"{kind_badge(d.kind)}[{emotion_label(d.emotion)}] {d.text}", tr("reply.for_chat", chat=chat)]
        lines += [tr("reply.director", text=m.text[:80]) for m in d.batch if m.is_director]  # private, shown here only
        if d.flagged:
            lines.insert(0, tr("reply.flagged", reason=flag_reason(d.flagged)))
        left = self.queue.seconds_left(d)
        if left is not None:
            lines.append(tr("reply.countdown", s=left))
        return "\n".join(lines)

    def rebuild(self) -> None:
        sel = self.selected_id()
        self.list.blockSignals(True)
        self.list.clear()
        for d in self.queue.pending:
            it = QListWidgetItem(self._item_text(d))
            it.setData(Qt.ItemDataRole.UserRole, d.id)
            if d.flagged:
                it.setForeground(Qt.GlobalColor.darkRed)
            self.list.addItem(it)
        self.list.blockSignals(False)
        nxt = self.queue.pending[0] if self.queue.pending else None
        self.on_air.set_next(f"[{emotion_label(nxt.emotion)}] {nxt.text}" if nxt is not None else None)
        self._countdown_timer()
        if self.list.count():
            row = next((i for i in range(self.list.count())
                        if self.list.item(i).data(Qt.ItemDataRole.UserRole) == sel), 0)
            self.list.setCurrentRow(row)
        else:
            self.editor.setPlainText("")
            self.meta.setText(tr("reply.empty"))
        self._selection_changed()

    def _countdown_timer(self) -> None:
        """Tick twice a second only while some draft shows an auto-approve countdown or speech plays (the
        speaking label's safety net); no idle wakes."""
        on = self._speaking_id is not None or any(self.queue.seconds_left(d) is not None for d in self.queue.pending)
        if on and not self._timer.isActive():
            self._timer.start()
        elif not on:
            self._timer.stop()

    def _refresh_countdowns(self) -> None:
        self._countdown_timer()
        for i in range(self.list.count()):
            it = self.list.item(i)
            try:
                d = self.queue.get(it.data(Qt.ItemDataRole.UserRole))
            except ApprovalError:
                continue
            if self.queue.seconds_left(d) is not None:
                it.setText(self._item_text(d))

    def selected_id(self) -> int | None:
        it = self.list.currentItem()
        return None if it is None else it.data(Qt.ItemDataRole.UserRole)

    def selected(self) -> Draft | None:
        i = self.selected_id()
        if i is None:
            return None
        try:
            return self.queue.get(i)
        except ApprovalError:
            return None

    def _selection_changed(self, *_a) -> None:
        d = self.selected()
        has = d is not None
        for b in (self.approve_btn, self.save_btn, self.skip_btn, self.up_btn, self.down_btn):
            b.setEnabled(has)
        if not has:
            return
        if self.editor.property("draft_id") != d.id or not self.editor.document().isModified():
            self.editor.setPlainText(d.text)
            self.editor.document().setModified(False)
            self.editor.setProperty("draft_id", d.id)
        if self.emotion.findData(d.emotion) < 0:
            self.emotion.addItem(emotion_label(d.emotion), d.emotion)
        self.emotion.setCurrentIndex(self.emotion.findData(d.emotion))
        self.meta.setText(reply_meta(d.reply))

    # -- actions --------------------------------------------------------------------------
    def _edited_text(self, d: Draft) -> tuple[str, str]:
        return self.editor.toPlainText().strip(), str(self.emotion.currentData() or d.emotion)

    def approve_selected(self) -> None:
        d = self.selected()
        if d is None:
            return
        try:
            text, emo = self._edited_text(d)
            if text != d.text or emo != d.emotion:
                self.pipeline.edit(d.id, text, emo)
            self.pipeline.approve(d.id)
        except ApprovalError as e:
            self.services.bus.notice(e.text, "warning", detail=str(e))

    def save_edit(self) -> None:
        d = self.selected()
        if d is None:
            return
        try:
            text, emo = self._edited_text(d)
            self.pipeline.edit(d.id, text, emo)
            self.editor.document().setModified(False)
        except ApprovalError as e:
            self.services.bus.notice(e.text, "warning", detail=str(e))

    def skip_selected(self) -> None:
        d = self.selected()
        if d is not None:
            self.pipeline.skip(d.id)

    def move_selected(self, delta: int) -> None:
        d = self.selected()
        if d is None:
            return
        idx = self.queue.pending.index(d)
        self.pipeline.move(d.id, idx + delta)

    # -- notice / moderation from the card's source messages -------------------------------
    def _context_menu(self, pos) -> None:
        it = self.list.itemAt(pos)
        if it is None:
            return
        self.list.setCurrentItem(it)
        menu = self.build_context_menu()
        if menu is not None:
            menu.exec(self.list.viewport().mapToGlobal(pos))

    def build_context_menu(self) -> QMenu | None:
        """For the selected card: pin its text as the notice; moderate each viewer it answers."""
        d = self.selected()
        if d is None:
            return None
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        add_notice_action(menu, self, self.services, d.text, self.notice_requested.emit)
        seen: set[str] = set()
        for m in d.batch:
            key = m.user_id or m.nickname
            if key in seen or len(seen) >= 5:
                continue
            seen.add(key)
            add_moderation_menu(menu, self, self.services, m, self.moderation_requested.emit)
        return menu

    def show_action_result(self, ok: bool, text: str) -> None:
        self.action_result.show_result(ok, text)

    def _mode_changed(self, *_a) -> None:
        self.pipeline.set_approval_mode(self.mode.currentData(), self.auto_after.value())
        self._countdown_timer()

    # -- events ---------------------------------------------------------------------------
    def _on_draft_created(self, _draft: Draft) -> None:
        self.rebuild_soon()
        self._set_thinking("")

    def _on_draft_updated(self, draft: Draft) -> None:
        self.rebuild_soon()
        if getattr(draft, "id", None) == self._speaking_id and getattr(draft, "state", None) in (
                DraftState.DONE, DraftState.SKIPPED):
            self._speech_idle()

    def _set_thinking(self, text: str | None = None, style: str | None = None, tip: str | None = None) -> None:
        """The "generating" line (None: that part stays). Applied by a zero timer, after the loop's ready chain:
        a batch's and an answer's line change is not drawn between the chat and the LLM request or between the
        answer and the TTS request (issue 27); later changes win, part by part, in the order they came."""
        for key, value in (("style", style), ("text", text), ("tip", tip)):
            if value is not None:
                self._thinking_next[key] = value
        self._thinking_timer.start()

    def _apply_thinking(self) -> None:
        """Only what changed is set (a style sheet set, even an empty one, re-polishes the label)."""
        nxt, self._thinking_next = self._thinking_next, {}
        t = self.thinking
        if "style" in nxt and t.styleSheet() != nxt["style"]:
            t.setStyleSheet(nxt["style"])
        if "text" in nxt and t.text() != nxt["text"]:
            t.setText(nxt["text"])
        if "tip" in nxt and t.toolTip() != nxt["tip"]:
            t.setToolTip(nxt["tip"])

    def _on_batch_ready(self, _turn: int, _messages: list) -> None:
        self._llm_failed = False
        self._set_thinking(tr("reply.thinking"), "", "")

    def _on_llm_reply(self, _turn: int, _reply: object) -> None:
        self._llm_failed = False
        self._set_thinking("", "", "")

    def _on_llm_failed(self, _turn: int, error: str) -> None:
        # what happened and what to do; the server's own words on hover (and in the log)
        line = tr("reply.llm_failed", error=explain(error))
        # a failure is a state: it gets the state colour
        self._set_thinking(line, f"color:{STATE_ERROR}", f"{line}\n\n{error[:500]}")
        self._llm_failed = True

    def _clear_llm_failed(self) -> None:
        if getattr(self, "_llm_failed", False):
            self._llm_failed = False
            self._set_thinking("", "", "")

    def _on_speech_started(self, draft: Draft) -> None:
        self._speaking_id = draft.id
        self.speaking.setText(tr("reply.speaking", text=draft.text))
        self.speaking.setToolTip(draft.text)
        self.on_air.set_live(True)
        self.on_air.set_emotion(draft.emotion)
        self._countdown_timer()

    def _on_speech_ended(self, draft: Draft, _cancelled: bool) -> None:
        # the speaker says playback ended (finished, skipped or stopped) before the pipeline lets the
        # draft go, so "is the pipeline still speaking?" would keep the label on: match the draft instead
        if draft is None or getattr(draft, "id", None) == self._speaking_id:
            self._speech_idle()

    def _speech_idle(self) -> None:
        self._speaking_id = None
        self.speaking.setText(tr("reply.idle"))
        self.speaking.setToolTip("")
        self.on_air.set_live(False)

    def _check_speaking(self) -> None:
        """Safety net (on the countdown timer): a speech that ended without an event still clears."""
        if self._speaking_id is not None and self.pipeline.speaking is None:
            self._speech_idle()

    def _on_panic(self) -> None:
        self.rebuild()
        self._set_thinking("")
        self._speech_idle()

    def _on_status(self, st: ServiceStatus) -> None:
        self._show_banner(st.state is ServiceState.NOT_CONFIGURED)
        if st.state is ServiceState.NOT_CONFIGURED and (st.last_error or st.detail):
            self.banner.setToolTip(st.last_error or st.detail)  # the detail on hover, not in the text
        if st.state is ServiceState.READY:  # green again (a key entered, the server back): the old
            self._clear_llm_failed()  # failure line would contradict the light


def create_panel(services, bridge) -> QWidget:
    return ReplyPanel(services, bridge)
