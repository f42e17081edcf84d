"""Welcome / setup-check dialog: one green/red line per part with a button to fix it.

Shown on the first start (when the shipped defaults were just copied) and from Help → Setup
checks. The checks themselves live in the Qt-free :mod:`aischoco_gui.firstrun`; this dialog runs
them as tasks on the qasync loop (never a nested modal loop) and updates the rows. Opening the
dialog runs only the free checks: the LLM request and the test synthesis (``firstrun.PAID``) run
when the streamer presses their "test" button or "check all".
"""

from __future__ import annotations

import asyncio
import logging
import webbrowser
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from aischoco_gui import firstrun
from aischoco_gui.firstrun import FIXES, PAID, CheckResult
from aischoco_gui.i18n import register, tr

log = logging.getLogger(__name__)

register({
    "welcome.title": ("aischoco 시작하기", "Welcome to aischoco"),
    "welcome.intro": ("각 연결을 확인해요. 빨간 줄은 옆의 버튼으로 고칠 수 있어요. "
                      "나중에 도움말 → 연결 확인에서 다시 열 수 있어요.",
                      "Each connection is checked. Fix a red line with the button next to it. "
                      "Reopen this any time from Help → Setup checks."),
    "welcome.menu": ("연결 확인 (시작 도우미)…", "Setup checks (welcome)…"),
    "welcome.part.chat": ("CHZZK 채팅", "CHZZK chat"),
    "welcome.part.llm": ("LLM (답변 생성)", "LLM (replies)"),
    "welcome.part.tts": ("음성 (TTS)", "Voice (TTS)"),
    "welcome.part.vts": ("VTube Studio", "VTube Studio"),
    "welcome.part.overlay": ("OBS 오버레이", "OBS overlay"),
    "welcome.checking": ("확인 중…", "Checking…"),
    "welcome.retry": ("다시 확인", "Retry"),
    "welcome.test": ("테스트", "Test"),
    "welcome.fix.settings": ("설정 열기", "Open settings"),
    "welcome.fix.login": ("로그인", "Log in"),
    "welcome.fix.retry": ("연결", "Connect"),
    "welcome.fix.copy_url": ("URL 복사", "Copy URL"),
    "welcome.copied": ("복사했어요: {url}", "Copied: {url}"),
    "welcome.recheck_all": ("모두 다시 확인", "Check all again"),
    "welcome.close": ("닫기", "Close"),
})

GREEN, RED, GREY = "#2e9d4f", "#d0342c", "#888888"


class WelcomeDialog(QDialog):
    """Non-modal; ``results`` holds the last :class:`CheckResult` per part (tests read it)."""

    settings_requested = Signal()
    finished_checks = Signal()

    def __init__(self, services: Any, parent: QWidget | None = None, checks: dict | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome_dialog")
        self.setWindowTitle(tr("welcome.title"))
        self.services = services
        self.checks = checks or firstrun.checks_for(services)
        self.results: dict[str, CheckResult] = {}
        self._tasks: dict[str, asyncio.Future] = {}
        lay = QVBoxLayout(self)
        intro = QLabel(tr("welcome.intro"))
        intro.setWordWrap(True)
        lay.addWidget(intro)
        grid = QGridLayout()
        lay.addLayout(grid)
        self.dots: dict[str, QLabel] = {}
        self.labels: dict[str, QLabel] = {}
        self.fix_buttons: dict[str, QPushButton] = {}
        for row, name in enumerate(self.checks):
            dot = QLabel("●")
            title = QLabel(f"<b>{tr(f'welcome.part.{name}')}</b>")
            msg = QLabel(tr("welcome.checking"))
            msg.setWordWrap(True)
            msg.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            msg.setObjectName(f"welcome_{name}_message")
            fix = QPushButton(tr(f"welcome.fix.{FIXES.get(name, 'retry')}"))
            fix.setObjectName(f"welcome_{name}_fix")
            fix.clicked.connect(lambda _=False, n=name: self.fix(n))
            retry = QPushButton(tr("welcome.test" if name in PAID else "welcome.retry"))
            retry.setObjectName(f"welcome_{name}_retry")
            retry.clicked.connect(lambda _=False, n=name: self.run_check(n))
            for col, w in enumerate((dot, title, msg, fix, retry)):
                grid.addWidget(w, row, col)
            grid.setColumnStretch(2, 1)
            self.dots[name], self.labels[name], self.fix_buttons[name] = dot, msg, fix
        buttons = QHBoxLayout()
        again = QPushButton(tr("welcome.recheck_all"))
        again.setObjectName("welcome_check_all")
        again.clicked.connect(lambda _=False: self.run_all(paid=True))  # a click: the paid checks too
        close = QPushButton(tr("welcome.close"))
        close.clicked.connect(self.close)
        buttons.addStretch(1)
        buttons.addWidget(again)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        self.resize(820, 360)

    # -- checks --------------------------------------------------------------------------
    def run_all(self, paid: bool = True) -> None:
        """Run every check; with ``paid=False`` the ones that cost money/GPU wait for their button."""
        for name in self.checks:
            if paid or name not in PAID:
                self.run_check(name)
            elif name not in self.results and name not in self._tasks:
                self._set(name, None, tr("firstrun.paid.idle"))

    def run_check(self, name: str) -> None:
        old = self._tasks.get(name)
        if old is not None and not old.done():
            return
        self._set(name, None, tr("welcome.checking"))
        fut = asyncio.ensure_future(self.checks[name]())
        self._tasks[name] = fut
        fut.add_done_callback(lambda f, n=name: self._done(n, f))

    def _done(self, name: str, fut: asyncio.Future) -> None:
        if fut.cancelled():
            return
        exc = fut.exception()
        res = fut.result() if exc is None else CheckResult(False, f"{type(exc).__name__}: {exc}")
        self.results[name] = res
        try:
            self._set(name, res.ok, res.message)
        except RuntimeError:  # dialog already deleted
            return
        if all(t.done() for t in self._tasks.values()) and all(n in self.results for n in self._tasks):
            self.finished_checks.emit()

    def _set(self, name: str, ok: bool | None, message: str) -> None:
        color = GREY if ok is None else GREEN if ok else RED
        self.dots[name].setStyleSheet(f"color:{color};font-size:18px")
        self.labels[name].setText(message)
        fix = self.fix_buttons[name]
        fix.setVisible(ok is False or FIXES.get(name) == "copy_url")

    # -- fixes ---------------------------------------------------------------------------
    def fix(self, name: str) -> None:
        kind = FIXES.get(name, "retry")
        s = self.services.settings
        if name == "chat" and not (s.chzzk_client_id and s.chzzk_client_secret):
            kind = "settings"
        if kind == "settings":
            self.settings_requested.emit()
        elif kind == "copy_url":
            url = str(getattr(self.services.overlay, "url", "") or "")
            QGuiApplication.clipboard().setText(url)
            self.labels[name].setText(tr("welcome.copied", url=url))
        elif kind == "login":
            auth = self.services.chzzk_auth
            if auth is None:
                self.settings_requested.emit()
                return
            fut = asyncio.ensure_future(auth.login(webbrowser.open))
            fut.add_done_callback(lambda _f: self.run_check("chat"))
            self._set(name, None, tr("welcome.checking"))
        else:
            self.run_check(name)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        for t in self._tasks.values():
            t.cancel()
        super().closeEvent(event)


def open_welcome(window: Any, services: Any) -> WelcomeDialog:
    """Show the (single) welcome dialog non-modally and start the checks."""
    dlg = getattr(window, "welcome_dialog", None)
    if dlg is None or not dlg.isVisible():
        dlg = WelcomeDialog(services, window)
        settings_sig = getattr(window, "settings_requested", None)
        if settings_sig is not None:
            dlg.settings_requested.connect(settings_sig.emit)
        window.welcome_dialog = dlg
        dlg.show()
        dlg.run_all(paid=False)  # a fresh start must not spend money: LLM / TTS tests wait for a click
    dlg.raise_()
    dlg.activateWindow()
    return dlg


def install_welcome(window: Any, services: Any, show: bool) -> None:
    """Add Help → Setup checks; open the dialog now when ``show`` (first start)."""
    menu = getattr(window, "help_menu", None)
    if menu is not None:
        act = menu.addAction(tr("welcome.menu"))
        act.setObjectName("welcome_action")
        act.triggered.connect(lambda: open_welcome(window, services))
        window.welcome_action = act
    if show:
        open_welcome(window, services)
