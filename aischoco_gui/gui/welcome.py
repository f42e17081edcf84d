"""Welcome / setup-check dialog: what is actually running, one green/red line per part, a fix for each red.

Shown on the first start (after the services have started) and from Help → Setup checks. The rows
come from the Qt-free :func:`aischoco_gui.firstrun.live_rows` (engine in use, output device, VTS auth,
chat state, overlay URL, LLM configured, microphone) and update live from the bus status. Nothing
costs money unless the user clicks "Test" (one LLM request / one test synthesis, run as tasks on the
qasync loop). Fixes are intents: the window's controller does the async work (overlay port, VTS
reconnect, CHZZK login), the dialog itself never connects an async slot to a button.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from aischoco_gui import firstrun
from aischoco_gui.firstrun import TESTS, CheckResult, LiveRow
from aischoco_gui.i18n import register, tr
from aischoco_gui.user_text import explain

log = logging.getLogger(__name__)

register({
    "welcome.title": ("aischoco 시작하기", "Welcome to aischoco"),
    "welcome.intro": ("지금 실제로 돌아가는 상태예요 (실시간으로 바뀌어요). 빨간 줄은 옆의 버튼이나 안내대로 "
                      "고치세요. 요금이 드는 요청은 '테스트'를 누를 때만 보내요. "
                      "나중에 도움말 → 연결 확인에서 다시 열 수 있어요.",
                      "What is actually running now (updates live). Fix a red line with the button next to it "
                      "or as it says. Nothing that costs money is sent unless you click 'Test'. "
                      "Reopen this any time from Help → Setup checks."),
    "welcome.part.audio": ("오디오 출력", "Audio output"),
    "welcome.part.mic": ("마이크", "Microphone"),
    "welcome.test": ("테스트", "Test"),
    "welcome.fix.reconnect": ("연결", "Connect"),
    "welcome.fix.port": ("빈 포트로 열기", "Open on a free port"),
    "welcome.fix.port_n": ("{port}번 포트로 열기", "Open on port {port}"),
    "welcome.menu": ("연결 확인 (시작 도우미)…", "Setup checks (welcome)…"),
    "welcome.part.chat": ("CHZZK 채팅", "CHZZK chat"),
    "welcome.part.llm": ("LLM (답변 생성)", "LLM (replies)"),
    "welcome.part.tts": ("음성 (TTS)", "Voice (TTS)"),
    "welcome.part.vts": ("VTube Studio", "VTube Studio"),
    "welcome.part.overlay": ("OBS 오버레이", "OBS overlay"),
    "welcome.part.obs": ("OBS 연결 (장면·잠금)", "OBS connection (scenes, lockdown)"),
    "welcome.checking": ("확인 중…", "Checking…"),
    "welcome.retry": ("다시 확인", "Retry"),
    "welcome.fix.settings": ("설정 열기", "Open settings"),
    "welcome.fix.login": ("로그인", "Log in"),
    "welcome.fix.retry": ("연결", "Connect"),
    "welcome.fix.copy_url": ("URL 복사", "Copy URL"),
    "welcome.copied": ("복사했어요: {url}", "Copied: {url}"),
    "welcome.recheck_all": ("모두 다시 확인", "Check all again"),
    "welcome.close": ("닫기", "Close"),
    "welcome.config_folder": ("설정 폴더: {path} — 기본 설정 파일(character.txt, pose_mapping.json, .env.example)이 "
                              "여기에 있어요. 파일 → 설정 폴더 열기로도 열 수 있어요.",
                              "Config folder: {path} — the default files (character.txt, pose_mapping.json, "
                              ".env.example) are here. File → Open config folder opens it too."),
    "welcome.open_config": ("폴더 열기", "Open folder"),
})

GREEN, RED, GREY = "#2e9d4f", "#d0342c", "#888888"
# The settings field each part's "설정 열기" opens (llm and chat depend on the provider / chat source).
SETTINGS_FIELD = {"tts": "tts_engine", "audio": "tts_output_device", "vts": "vts_url", "overlay": "overlay_port",
                  "mic": "stt_input_device"}


class WelcomeDialog(QDialog):
    """Non-modal; ``rows`` holds the current :class:`LiveRow` per part, ``results`` the last "Test" results."""

    settings_requested = Signal(str)  # the field that fixes the red line (its tab opens, the field focused)
    login_requested = Signal()
    reconnect_requested = Signal()  # VTS
    port_fix_requested = Signal(int)  # overlay: open on the port the button shows
    finished_checks = Signal()

    def __init__(self, services: Any, parent: QWidget | None = None, bridge: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome_dialog")
        self.setWindowTitle(tr("welcome.title"))
        self.services = services
        self.rows: dict[str, LiveRow] = firstrun.live_rows(services)
        self.results: dict[str, CheckResult] = {}
        self._shown: dict[str, tuple] = {}  # what each row's widgets show now (a refresh skips an unchanged row)
        # status events come in bursts, several per reply: one refresh after them, not one per event, and
        # not in the middle of a reply's way to the LLM or TTS request (a Qt zero timer runs after the
        # loop's ready chain, issue 27)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)
        self._tasks: dict[str, asyncio.Future] = {}
        lay = QVBoxLayout(self)
        intro = QLabel(tr("welcome.intro"))
        intro.setWordWrap(True)
        lay.addWidget(intro)
        # where the settings files live (the first start copied the defaults there)
        folder = QHBoxLayout()
        config = getattr(getattr(services, "dirs", None), "config", None)
        self.config_label = QLabel(tr("welcome.config_folder", path=config or "-"))
        self.config_label.setObjectName("welcome_config_folder")
        self.config_label.setWordWrap(True)
        self.config_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.config_button = QPushButton(tr("welcome.open_config"))
        self.config_button.setObjectName("welcome_open_config")
        self.config_button.setEnabled(config is not None)
        self.config_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(config))) if config is not None else None)
        folder.addWidget(self.config_label, 1)
        folder.addWidget(self.config_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(folder)
        grid = QGridLayout()
        lay.addLayout(grid)
        self.dots: dict[str, QLabel] = {}
        self.labels: dict[str, QLabel] = {}
        self.fix_buttons: dict[str, QPushButton] = {}
        self.test_buttons: dict[str, QPushButton] = {}
        for row, name in enumerate(self.rows):
            dot = QLabel("●")
            title = QLabel(f"<b>{tr(f'welcome.part.{name}')}</b>")
            msg = QLabel("")
            msg.setWordWrap(True)
            msg.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            msg.setObjectName(f"welcome_{name}_message")
            msg.setMinimumWidth(320)
            fix = QPushButton("")
            fix.setObjectName(f"welcome_{name}_fix")
            fix.clicked.connect(lambda _=False, n=name: self.fix(n))
            grid.addWidget(dot, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(title, row, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(msg, row, 2)
            grid.addWidget(fix, row, 3, Qt.AlignmentFlag.AlignTop)
            if name in TESTS:
                test = QPushButton(tr("welcome.test"))
                test.setObjectName(f"welcome_{name}_test")
                test.clicked.connect(lambda _=False, n=name: self.run_test(n))
                grid.addWidget(test, row, 4, Qt.AlignmentFlag.AlignTop)
                self.test_buttons[name] = test
            self.dots[name], self.labels[name], self.fix_buttons[name] = dot, msg, fix
        grid.setColumnStretch(2, 1)
        lay.addStretch(1)  # rows stay at the top, spare height goes below them
        buttons = QHBoxLayout()
        close = QPushButton(tr("welcome.close"))
        close.clicked.connect(self.close)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        self.refresh()
        if bridge is not None:  # any service's status or a rebuilt service changes what is running
            bridge.status.connect(self._on_status)
            bridge.service_replaced.connect(self._on_status)
        # a running "Test" must not call back into a deleted dialog: cancel them with it (no reference to self)
        self.destroyed.connect(_canceller(self._tasks))
        self.resize(860, 380)
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow to show every (wrapped) line whole: a longer status line must not be cut (issue 23)."""
        lay = self.layout()
        need = lay.totalHeightForWidth(self.width()) if lay.hasHeightForWidth() else lay.totalSizeHint().height()
        screen = self.screen()
        cap = screen.availableGeometry().height() - 60 if screen is not None else need
        if need > self.height():
            self.resize(self.width(), min(need, cap))

    # -- what is running now -------------------------------------------------------------
    def _on_status(self, _st: object = None) -> None:
        """A bus status change: one refresh once the loop's ready callbacks are done (coalesced)."""
        self._refresh_timer.start()

    def refresh(self) -> None:
        """Re-read the running services (after bus status changes); only the rows that changed are redrawn."""
        changed = False
        for name, row in firstrun.live_rows(self.services).items():
            if name not in self.labels:
                continue
            if name in self.results and self._tasks.get(name) is not None and not self._tasks[name].done():
                continue  # a test is running: its "checking" line stays
            self.rows[name] = row
            changed |= self._show(name, row)
        if changed and hasattr(self, "_tasks"):  # built: the lines may have grown
            self._fit_height()

    def _show(self, name: str, row: LiveRow) -> bool:
        """Show ``row``; False when the row's widgets already show exactly that (restyling a label re-polishes
        and repaints it: 1–1.7 ms per refresh of every row, issue 27)."""
        fix_text = self._fix_text(name, row.fix)
        key = (row.ok, row.message, row.detail, row.fix, fix_text)
        if self._shown.get(name) == key:
            return False
        self._shown[name] = key
        color = GREY if row.ok is None else GREEN if row.ok else RED
        self.dots[name].setStyleSheet(f"color:{color};font-size:18px")
        self.labels[name].setText(row.message)
        self.labels[name].setToolTip(row.detail)  # the technical reason on hover, never in the line
        fix = self.fix_buttons[name]
        fix.setText(fix_text)
        fix.setVisible(bool(row.fix) and (row.ok is not True or row.fix == "copy_url"))
        return True

    def _fix_text(self, name: str, kind: str) -> str:
        if kind == "port":
            port = getattr(self.services.overlay, "suggested_port", None)
            self._promised_port = int(port or 0)  # the fix opens exactly the port the button shows
            return tr("welcome.fix.port_n", port=port) if port else tr("welcome.fix.port")
        return tr(f"welcome.fix.{kind}") if kind else ""

    # -- "Test" (the only thing here that may cost money) ----------------------------------
    def run_test(self, name: str) -> None:
        old = self._tasks.get(name)
        if old is not None and not old.done():
            return
        self._shown.pop(name, None)  # the row's widgets show the test now
        self.dots[name].setStyleSheet(f"color:{GREY};font-size:18px")
        self.labels[name].setText(tr("welcome.checking"))
        self.test_buttons[name].setEnabled(False)
        fut = asyncio.ensure_future(firstrun.run_test(self.services, name))
        self._tasks[name] = fut
        fut.add_done_callback(lambda f, n=name: self._test_done(n, f))

    def _test_done(self, name: str, fut: asyncio.Future) -> None:
        if fut.cancelled():
            return
        exc = fut.exception()
        res = fut.result() if exc is None else CheckResult(False, explain(exc), f"{type(exc).__name__}: {exc}")
        self.results[name] = res
        self._shown.pop(name, None)
        self.test_buttons[name].setEnabled(True)
        self.dots[name].setStyleSheet(f"color:{GREEN if res.ok else RED};font-size:18px")
        self.labels[name].setText(res.message)
        self.labels[name].setToolTip(res.detail)
        self._fit_height()
        if all(t.done() for t in self._tasks.values()):
            self.finished_checks.emit()

    # -- fixes (intents; the controller does the async work) -------------------------------
    def fix(self, name: str) -> None:
        kind = self.rows[name].fix
        if kind == "settings":
            self.settings_requested.emit(self._fix_field(name))
        elif kind == "copy_url":
            o = self.services.overlay
            url = str(getattr(o, "obs_url", "") or getattr(o, "url", "") or "")
            QGuiApplication.clipboard().setText(url)
            self._shown.pop(name, None)
            self.labels[name].setText(tr("welcome.copied", url=url))
        elif kind == "login":
            self.login_requested.emit()
        elif kind == "reconnect":
            self.reconnect_requested.emit()
        elif kind == "port":
            self.fix_buttons[name].setEnabled(False)
            self.port_fix_requested.emit(int(getattr(self, "_promised_port", 0) or 0))

    def _fix_field(self, name: str) -> str:
        """The settings field a red line's "설정 열기" opens."""
        if name == "llm":
            from aischoco_gui.gui.panels.reply_panel import llm_key_field

            return llm_key_field(self.services.settings)
        if name == "chat":
            s = self.services.settings
            return "chzzk_channel_id" if s.effective_chat_source == "chzzk-unofficial" else (
                "chzzk_client_id" if s.effective_chat_source == "chzzk" else "chat_source")
        return SETTINGS_FIELD.get(name, "")

    def port_fix_done(self) -> None:
        if "overlay" in self.fix_buttons:
            self.fix_buttons["overlay"].setEnabled(True)
        self.refresh()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        for t in self._tasks.values():
            t.cancel()
        super().closeEvent(event)


def _canceller(tasks: dict[str, asyncio.Future]) -> Any:
    def cancel(*_: object) -> None:
        for t in tasks.values():
            t.cancel()

    return cancel


def _panel_intent(window: Any, key: str, signal: str) -> Any:
    """Emit a panel's intent, looking the panel up when clicked (a rebuilt service may have replaced it)."""
    def emit(*args: object) -> None:
        panel = getattr(window, "panels", {}).get(key)
        target = getattr(panel, signal, None)
        if hasattr(target, "emit"):  # a signal
            target.emit(*args)
        elif callable(target):  # a method (the overlay panel's own path, with the promised port)
            target(*args)

    return emit


def open_welcome(window: Any, services: Any) -> WelcomeDialog:
    """Show the (single) setup check non-modally; its fixes go to the window's panels and controller."""
    dlg = getattr(window, "welcome_dialog", None)
    if dlg is None or not dlg.isVisible():
        dlg = WelcomeDialog(services, window, getattr(window, "bridge", None))
        settings_sig = getattr(window, "settings_field_requested", None)
        if settings_sig is not None:
            dlg.settings_requested.connect(settings_sig.emit)
        elif getattr(window, "settings_requested", None) is not None:
            dlg.settings_requested.connect(lambda _field: window.settings_requested.emit())
        dlg.login_requested.connect(_panel_intent(window, "chat", "login_requested"))
        dlg.reconnect_requested.connect(_panel_intent(window, "vts", "reconnect_requested"))
        # the promised port goes to the panel's own path (the same port its button offers)
        dlg.port_fix_requested.connect(_panel_intent(window, "overlay", "request_port_fix"))
        window.welcome_dialog = dlg
        dlg.show()
    dlg.raise_()
    dlg.activateWindow()
    return dlg


def install_welcome(window: Any, services: Any, show: bool) -> None:
    """Add Help → Setup checks; open the dialog now when ``show`` (first start, after services started)."""
    menu = getattr(window, "help_menu", None)
    if menu is not None:
        act = menu.addAction(tr("welcome.menu"))
        act.setObjectName("welcome_action")
        act.triggered.connect(lambda: open_welcome(window, services))
        window.welcome_action = act
    if show:
        open_welcome(window, services)
