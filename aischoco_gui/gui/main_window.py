"""The control room window: dockable panels, status bar, always-visible panic button."""

from __future__ import annotations

import importlib
import logging
import time

from PySide6.QtCore import QByteArray, QMargins, QPoint, QRect, QSettings, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStyle,
    QToolBar,
    QWidget,
)

from aischoco_gui import __version__
from aischoco_gui.gui.bridge import Bridge
from aischoco_gui.gui.status_bar import ControlStatusBar
from aischoco_gui.gui.theme import PANIC, STATE_WARN
from aischoco_gui.i18n import all_keys, register, tr
from aischoco_gui.user_text import explain

log = logging.getLogger(__name__)

register({
    "menu.file": ("파일", "File"),
    "menu.settings": ("설정…", "Settings…"),
    "menu.replay": ("쇼 다시 보기…", "Replay a show…"),
    "menu.open_config": ("설정 폴더 열기", "Open config folder"),
    "menu.open_logs": ("로그 폴더 열기", "Open log folder"),
    "menu.quit": ("종료", "Quit"),
    "menu.view": ("보기", "View"),
    "menu.help": ("도움말", "Help"),
    "menu.about": ("정보", "About"),
    "panic.button": ("긴급 정지 (F12)", "PANIC (F12)"),
    "panic.tooltip": ("말하기 중지, 대기열 비우기, 아바타 중립", "Stop speech, clear the queue, avatar to neutral"),
    "lockdown.button": ("잠금 ({shortcut})", "LOCKDOWN ({shortcut})"),
    "lockdown.button.lift": ("잠금 해제", "Lift lockdown"),
    "lockdown.button.retry": ("되돌리기 다시 시도", "Retry restore"),
    "lockdown.tooltip": ("긴급 정지 + 새 답변 멈춤 + OBS를 BRB 장면으로 + CHZZK 채팅 제한 + 오버레이 숨김. "
                         "해제하면 잠글 때의 장면과 채팅 설정으로 되돌려요",
                         "Panic + no new replies + OBS to the BRB scene + CHZZK chat restricted + overlay hidden. "
                         "Lifting restores the scene and chat settings from the moment of lockdown"),
    "lockdown.toolbar": ("🔒 잠금 중 · {time}부터", "🔒 Locked down since {time}"),
    "panel.chat": ("채팅", "Chat"),
    "panel.replies": ("AI 답변", "AI replies"),
    "panel.pose": ("감정 · 포즈", "Emotion · pose"),  # no "&": tabbed dock titles treat it as a mnemonic
    "panel.latency": ("지연 시간", "Latency"),
    "panel.vts": ("VTS 상태", "VTS status"),
    "panel.history": ("대화 요약", "History summary"),
    "panel.overlay": ("오버레이", "Overlay"),
    "panel.show": ("방송 도구", "Show tools"),
    "panel.obs": ("OBS · 잠금", "OBS · lockdown"),
    "panel.viewers": ("시청자", "Viewers"),
    # the tab of a dock that shares its place: short, so seven tabs fit a 1366-wide screen whole (the View
    # menu and the tab's tooltip keep the full name)
    "tab.history": ("요약", "History"),
    "tab.pose": ("포즈", "Pose"),
    "tab.vts": ("VTS", "VTS"),
    "tab.show": ("방송", "Show"),
    "tab.mic": ("마이크", "Mic"),
    "tab.obs": ("OBS", "OBS"),
    "tab.viewers": ("시청자", "Viewers"),
    "first_run.copied": ("기본 설정 파일을 여기에 만들었어요: {path}", "Default config files were created in: {path}"),
    "about.text": ("aischoco 컨트롤 룸 {version}\nCHZZK AI 버튜버 방송 도구",
                   "aischoco control room {version}\nCHZZK AI VTuber control room"),
    "window.starting": ("서비스를 시작하는 중…", "Starting the services…"),
    "panel.failed": ("이 패널을 불러오지 못했어요: {error}", "This panel failed to load: {error}"),
    "quit.title": ("방송 중이에요", "You are on air"),
    "quit.text": ("{what}. 정말 종료할까요?", "{what}. Quit anyway?"),
    "quit.title_idle": ("종료할까요?", "Quit?"),
    "quit.text_idle": ("이제 방송 중인 것은 없어요 (AI가 말을 마쳤어요). 종료할까요?",
                       "Nothing is on air any more (the AI has finished speaking). Quit?"),
    "quit.speaking": ("AI가 말하는 중이에요", "The AI is speaking"),
    "quit.chat": ("CHZZK 채팅에 연결돼 있어요", "CHZZK chat is connected"),
    "quit.yes": ("종료", "Quit"),
    "quit.no": ("계속 방송", "Keep streaming"),
})

# (key, module, dock area); the replies panel is the central widget.
DOCKS = [
    ("chat", "aischoco_gui.gui.panels.chat_panel", Qt.DockWidgetArea.LeftDockWidgetArea),
    ("history", "aischoco_gui.gui.panels.history_panel", Qt.DockWidgetArea.RightDockWidgetArea),
    ("pose", "aischoco_gui.gui.panels.pose_panel", Qt.DockWidgetArea.RightDockWidgetArea),
    ("vts", "aischoco_gui.gui.panels.vts_panel", Qt.DockWidgetArea.RightDockWidgetArea),
    ("show", "aischoco_gui.gui.panels.show_panel", Qt.DockWidgetArea.RightDockWidgetArea),
    ("mic", "aischoco_gui.gui.panels.mic_panel", Qt.DockWidgetArea.RightDockWidgetArea),
    ("obs", "aischoco_gui.gui.panels.obs_panel", Qt.DockWidgetArea.RightDockWidgetArea),
    ("viewers", "aischoco_gui.gui.panels.viewers_panel", Qt.DockWidgetArea.RightDockWidgetArea),
    ("latency", "aischoco_gui.gui.panels.latency_panel", Qt.DockWidgetArea.BottomDockWidgetArea),
    ("overlay", "aischoco_gui.gui.panels.overlay_panel", Qt.DockWidgetArea.BottomDockWidgetArea),
]


CHAT_W, TOOLS_W = 330, 500  # first-start widths of the chat dock and the tool docks at the right (px)
GRAPHS_H = 220  # first-start height of the bottom docks (latency graphs, overlay)

# A window manager's usual title bar and borders, until the real frame is known (X11 decorates late).
TYPICAL_FRAME = QMargins(8, 32, 8, 8)


def fit_frame(avail: QRect, frame: QMargins, width: int, height: int) -> tuple[QPoint, QSize]:
    """Where a window goes and its size (without the frame) so that the window WITH its ``frame`` fits in
    ``avail`` (the screen minus the taskbar): at most ``width``×``height``, centred left to right, at the top."""
    w = max(200, min(width, avail.width() - frame.left() - frame.right()))
    h = max(200, min(height, avail.height() - frame.top() - frame.bottom()))
    outer_w = w + frame.left() + frame.right()
    x = avail.x() + max(0, (avail.width() - outer_w) // 2)
    return QPoint(x, avail.y()), QSize(w, h)  # move() places the frame's corner


class DockScroll(QScrollArea):
    """A dock's scroll area: asks for its panel's size (capped), so the first layout gives side docks a
    usable width and the bottom graphs a strip, while its minimum stays small (the panel scrolls)."""

    def __init__(self, parent: QWidget, max_w: int | None, max_h: int | None) -> None:
        super().__init__(parent)
        self.max_w, self.max_h = max_w, max_h

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        w = self.widget()
        hint = w.sizeHint().expandedTo(w.minimumSizeHint()) if w is not None else super().sizeHint()
        return QSize(min(hint.width(), self.max_w or hint.width()), min(hint.height(), self.max_h or hint.height()))


class MainWindow(QMainWindow):
    closing = Signal()
    settings_requested = Signal()
    settings_field_requested = Signal(str)  # open the settings on this field's tab, focused (banners' links)
    panic_requested = Signal()
    lockdown_requested = Signal()  # the hotkey, or the button while not locked down
    lift_requested = Signal()  # the button while locked down (or a restore to retry)
    panel_replaced = Signal(str, QWidget)  # dock key, its new panel (a placeholder became real, or back)

    def __init__(self, services, bridge: Bridge, parent: QWidget | None = None, *, dirs=None) -> None:
        """With ``services`` the whole window; with ``None`` (and ``dirs``) the shell only — toolbar,
        status lights and menus — shown at once while the services are built; :meth:`attach` adds the panels."""
        super().__init__(parent)
        self.services = None
        self.bridge = bridge
        self.dirs = dirs if dirs is not None else services.dirs
        self.setObjectName("main_window")
        self.setWindowTitle(f"{tr('app.title')} {__version__}")
        self.panels: dict[str, QWidget] = {}
        self.docks: dict[str, QDockWidget] = {}
        self.reply_panel = None
        starting = QLabel(tr("window.starting"), self)
        starting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(starting)

        self.panic_button = QPushButton(tr("panic.button"), self)
        self.panic_button.setObjectName("panic_button")
        self.panic_button.setToolTip(tr("panic.tooltip"))
        # the one control that is always red (an emergency stop), in every theme; icons from Qt's standard set
        self.panic_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaStop))
        self.panic_button.setStyleSheet(f"QPushButton{{background:{PANIC};color:white;font-weight:bold;"
                                        "padding:6px 14px}")
        self.panic_button.clicked.connect(self.panic_requested.emit)
        tb = QToolBar("main", self)
        tb.setObjectName("main_toolbar")
        tb.setMovable(False)
        tb.addWidget(self.panic_button)
        self.lockdown_button = QPushButton(tr("lockdown.button", shortcut="Ctrl+Shift+F12"), self)
        self.lockdown_button.setObjectName("lockdown_button")
        self.lockdown_button.setToolTip(tr("lockdown.tooltip"))
        self.lockdown_button.setEnabled(False)  # until the services are attached
        self.lockdown_button.clicked.connect(self._lockdown_clicked)
        tb.addWidget(self.lockdown_button)
        self.lockdown_action = QAction(self)
        self.lockdown_action.setObjectName("lockdown_action")
        self.lockdown_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lockdown_action.triggered.connect(self.lockdown_requested.emit)
        self.addAction(self.lockdown_action)
        bridge.lockdown_changed.connect(self._on_lockdown_changed)
        self.toolbar_label = QLabel("", self)
        tb.addWidget(self.toolbar_label)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
        panic_act = QAction(self)
        panic_act.setShortcut(QKeySequence("F12"))
        panic_act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        panic_act.triggered.connect(self.panic_requested.emit)
        self.addAction(panic_act)

        self.setDockOptions(QMainWindow.DockOption.AllowTabbedDocks | QMainWindow.DockOption.AnimatedDocks)
        self.status = ControlStatusBar(bridge, self)
        self.setStatusBar(self.status)
        self._build_menus()
        self._fit_screen(1400, 860)
        # Window geometry and dock arrangement live in the data dir (older versions kept them in config).
        path = self.dirs.data / "window.ini"
        if not path.exists() and (self.dirs.config / "window.ini").exists():
            path = self.dirs.config / "window.ini"
        self._qsettings = QSettings(str(path), QSettings.Format.IniFormat)
        self._layout_path = self.dirs.data / "window.ini"
        if services is not None:
            self.attach(services)

    def attach(self, services) -> None:
        """Build the panels for ``services`` (the reply list in the middle, the docks around it)."""
        from aischoco_gui.gui.panels import reply_panel

        self.services = services
        key = services.settings.lockdown_key
        self.lockdown_action.setShortcut(QKeySequence(key) if key else QKeySequence())
        self.lockdown_button.setEnabled(getattr(services, "lockdown", None) is not None)
        self.show_lockdown()
        self.replay_action.setEnabled(True)
        self.reply_panel = reply_panel.create_panel(services, self.bridge)
        self.reply_panel.open_settings.connect(self.settings_field_requested.emit)
        self.panels["replies"] = self.reply_panel
        self.setCentralWidget(self.reply_panel)
        for key, module, area in DOCKS:
            self._add_dock(key, module, area)
        self.bridge.service_replaced.connect(self._service_replaced)
        self.tabifyDockWidget(self.docks["history"], self.docks["pose"])
        self.tabifyDockWidget(self.docks["pose"], self.docks["vts"])
        self.tabifyDockWidget(self.docks["vts"], self.docks["show"])
        self.tabifyDockWidget(self.docks["vts"], self.docks["mic"])
        self.tabifyDockWidget(self.docks["vts"], self.docks["obs"])
        self.tabifyDockWidget(self.docks["mic"], self.docks["viewers"])
        self.tabifyDockWidget(self.docks["latency"], self.docks["overlay"])
        self.docks["history"].raise_()
        self.docks["latency"].raise_()
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self._size_docks_pending = True  # first start: sized once the window has its size (a saved layout wins)
        self.bridge.speech_started.connect(self._on_speech_started)
        self.bridge.speech_ended.connect(self._on_speech_ended)
        self.bridge.status.connect(self._refresh_quit_box)
        self.bridge.settings_applied.connect(self._settings_applied)
        self.restore_layout()
        if self._size_docks_pending and self.isVisible():  # the shell was shown while the services started
            QTimer.singleShot(0, self._size_docks)

    def _make_panel(self, key: str, module: str) -> QWidget:
        try:
            return importlib.import_module(module).create_panel(self.services, self.bridge)
        except Exception as e:  # one broken panel must not take the window down
            log.exception("panel %s failed", key)
            widget = QLabel(tr("panel.failed", error=explain(e)))
            widget.setToolTip(f"{type(e).__name__}: {e}")
            widget.setWordWrap(True)
            return widget

    def _service_replaced(self, name: str) -> None:
        """A rebuilt service may have appeared (a placeholder becomes the real panel) or gone (the real
        panel becomes a placeholder). Panels that stay re-bind themselves (``bridge.replaced_of``)."""
        from aischoco_gui.gui.panels.placeholder import PlaceholderPanel

        for key, module, _area in DOCKS:
            mod = importlib.import_module(module)
            if getattr(mod, "SERVICE", None) != name or not hasattr(mod, "available") or key not in self.docks:
                continue
            placeholder = isinstance(self.panels.get(key), PlaceholderPanel)
            if placeholder == bool(mod.available(self.services)):
                self._set_panel(key, self._make_panel(key, module))

    def _set_panel(self, key: str, widget: QWidget) -> None:
        """Put ``widget`` in dock ``key``; the old panel is deleted now, on this (the GUI) thread."""
        dock = self.docks[key]
        scroll = dock.widget()
        scroll.setWidget(widget)  # deletes the previous panel (its signal connections go with it)
        widget.setVisible(dock.isVisible())
        dock.visibilityChanged.connect(widget.setVisible)
        self.panels[key] = widget
        self.panel_replaced.emit(key, widget)

    def _add_dock(self, key: str, module: str, area) -> None:
        widget = self._make_panel(key, module)
        full = tr(f"panel.{key}")
        short = tr(f"tab.{key}") if f"tab.{key}" in all_keys() else full
        dock = QDockWidget(short, self)
        dock.setObjectName(f"dock_{key}")
        dock.toggleViewAction().setText(full)  # the View menu names it in full
        dock.setToolTip(full)
        # A scroll area: a panel's own minimum size never forces the window past a laptop screen
        # (1366×768); when a dock is made smaller than its panel, the panel scrolls instead of overlapping.
        side = area in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)
        scroll = DockScroll(dock, max_w=500 if side else None, max_h=None if side else 230)
        scroll.setObjectName(f"scroll_{key}")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(widget)
        dock.setWidget(scroll)
        # A dock behind another tab stays "visible" to Qt; hiding its panel there stops the panel's
        # refresh timers (they run only between showEvent and hideEvent) until its tab is picked again.
        dock.visibilityChanged.connect(widget.setVisible)
        self.addDockWidget(area, dock)
        self.panels[key] = widget
        self.docks[key] = dock

    def _settings_applied(self, changed, _rebuilt) -> None:
        if "ui_theme" in changed and self.services is not None:  # UI_THEME applies live: restyle, rebuild nothing
            from aischoco_gui.gui.theme import apply_theme  # noqa: PLC0415

            apply_theme(QApplication.instance(), self.services.settings.ui_theme)
            self.show_lockdown()  # the toolbar buttons' own colours follow the theme

    # -- lockdown ----------------------------------------------------------------------------
    def _lockdown_clicked(self) -> None:
        ld = getattr(self.services, "lockdown", None)
        if ld is not None and (ld.active or ld.pending):
            self.lift_requested.emit()
        else:
            self.lockdown_requested.emit()

    def _on_lockdown_changed(self, _record: object) -> None:
        self.show_lockdown()

    def show_lockdown(self) -> None:
        """The button says what it will do now (lock down / lift / retry a restore); the toolbar says since when."""
        ld = getattr(self.services, "lockdown", None)
        key = self.lockdown_action.shortcut().toString() or "-"
        if ld is not None and ld.active:
            self.lockdown_button.setText(tr("lockdown.button.lift"))
            self.lockdown_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton))
            self.lockdown_button.setStyleSheet(f"QPushButton{{background:{STATE_WARN};color:black;font-weight:bold;"
                                               "padding:6px 14px}")  # a state: locked down
            since = time.strftime("%H:%M:%S", time.localtime(ld.since or time.time()))
            self.toolbar_label.setText(tr("lockdown.toolbar", time=since))
        else:
            retry = ld is not None and ld.pending
            self.lockdown_button.setText(tr("lockdown.button.retry") if retry else tr("lockdown.button", shortcut=key))
            self.lockdown_button.setIcon(self.style().standardIcon(
                QStyle.StandardPixmap.SP_BrowserReload if retry else QStyle.StandardPixmap.SP_MessageBoxWarning))
            # no state to show: a plain button drawn by the theme (colour is kept for state), bold like panic
            self.lockdown_button.setStyleSheet("")
            f = self.lockdown_button.font()
            f.setBold(True)
            self.lockdown_button.setFont(f)
            if self.toolbar_label.text().startswith("🔒"):
                self.toolbar_label.setText("")

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu(tr("menu.file"))
        a = m.addAction(tr("menu.settings"))
        a.setShortcut(QKeySequence("Ctrl+,"))
        a.triggered.connect(self.settings_requested.emit)
        self.replay_action = m.addAction(tr("menu.replay"))  # 쇼 다시 보기… (enabled once the services exist)
        self.replay_action.setObjectName("replay_action")
        self.replay_action.setEnabled(False)
        self.replay_action.triggered.connect(self._replay_show)
        m.addAction(tr("menu.open_config")).triggered.connect(lambda: self._open(self.dirs.config))
        m.addAction(tr("menu.open_logs")).triggered.connect(lambda: self._open(self.dirs.logs))
        m.addSeparator()
        q = m.addAction(tr("menu.quit"))
        q.setShortcut(QKeySequence("Ctrl+Q"))
        q.triggered.connect(self.close)  # on air: closeEvent asks first
        self.quit_action = q
        self.view_menu = self.menuBar().addMenu(tr("menu.view"))  # the docks' toggles come with attach()
        self.help_menu = self.menuBar().addMenu(tr("menu.help"))
        self.help_menu.addAction(tr("menu.about")).triggered.connect(
            lambda: QMessageBox.about(self, tr("app.title"), tr("about.text", version=__version__)))

    def _replay_show(self) -> None:
        """Pick a recording (non-modal) and replay it against today's settings (a copy: no service is kept)."""
        from aischoco_gui.gui.replay_dialog import choose_recording  # noqa: PLC0415 (first use only)

        self.replay_file_dialog = choose_recording(self, self.dirs.history, self.services.settings, self.dirs.config)

    def _open(self, path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    # -- layout persistence ---------------------------------------------------------------
    def restore_layout(self) -> None:
        geo = self._qsettings.value("geometry")
        state = self._qsettings.value("state")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
            self._first_fit = None  # the streamer's own size and place
        if isinstance(state, QByteArray) and self.restoreState(state):
            self._size_docks_pending = False  # the streamer's own arrangement

    def _frame_margins(self) -> QMargins:
        """The title bar and borders around the window: the real ones once known (Windows: at once; X11:
        after the window manager decorated the mapped window), else a typical frame; none offscreen."""
        if QGuiApplication.platformName() in ("offscreen", "minimal"):
            return QMargins()
        wh = self.windowHandle()
        m = wh.frameMargins() if wh is not None else QMargins()
        return m if not m.isNull() else TYPICAL_FRAME

    def _fit_screen(self, width: int, height: int) -> None:
        """First start: the preferred size, but never larger than the screen's free area — the window
        with its frame (title bar, borders), so the status bar and the first-start notice stay on screen
        and, on Windows, above the taskbar. Display scaling included: Qt 6 reports logical pixels, so
        1366×768 at 100 % and 1920×1080 at 150 % both fit. Re-checked once shown (the real frame)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(width, height)
            return
        self._first_fit = (width, height)
        pos, size = fit_frame(screen.availableGeometry(), self._frame_margins(), width, height)
        self.resize(size)
        self.move(pos)

    def _size_docks(self) -> None:
        """First start: the chat a readable column, the tools one at the right, the replies — what goes on
        air — the middle (Qt alone gave the chat ~90 px next to a wide reply list)."""
        if not getattr(self, "_size_docks_pending", False) or not self.docks:
            return
        self._size_docks_pending = False
        self._apply_dock_sizes()
        # once more when the panels have their real minimum sizes (the first pass may be capped by a
        # layout that is not settled yet: the graphs came out 160 instead of 220 px)
        QTimer.singleShot(200, self._apply_dock_sizes)

    def _apply_dock_sizes(self) -> None:
        w = self.width()
        chat, tools = min(CHAT_W, w * 24 // 100), min(TOOLS_W, w * 37 // 100)
        self.resizeDocks([self.docks["chat"], self.docks["history"]], [chat, tools], Qt.Orientation.Horizontal)
        # the graphs a quiet strip at the bottom: the replies (what goes on air next) get the height (Qt may
        # give less when the columns above need it: the latency panel fits 160 px)
        self.resizeDocks([self.docks["latency"]], [min(GRAPHS_H, self.height() * 26 // 100)], Qt.Orientation.Vertical)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if getattr(self, "_size_docks_pending", False):
            QTimer.singleShot(0, self._size_docks)
        if getattr(self, "_first_fit", None) is not None:  # the real frame is known shortly after mapping
            QTimer.singleShot(0, self._refit)  # bound methods: never called once the window is gone
            QTimer.singleShot(300, self._refit_last)

    def _refit_last(self) -> None:
        self._refit(last=True)

    def _refit(self, last: bool = False) -> None:
        want = getattr(self, "_first_fit", None)
        if last:
            self._first_fit = None  # later the streamer moves the window where they like
        screen = self.screen()
        if want is None or screen is None or self.isMaximized() or self.isFullScreen():
            return
        avail, frame = screen.availableGeometry(), self.frameGeometry()
        if avail.contains(frame):
            return
        pos, size = fit_frame(avail, self._frame_margins(), *want)
        self.resize(size)
        self.move(pos)

    def save_layout(self) -> None:
        if str(self._qsettings.fileName()) != str(self._layout_path):
            self._qsettings = QSettings(str(self._layout_path), QSettings.Format.IniFormat)
        self._qsettings.setValue("geometry", self.saveGeometry())
        self._qsettings.setValue("state", self.saveState())
        self._qsettings.sync()

    # -- quitting while on air ------------------------------------------------------------
    def on_air(self) -> list[str]:
        """Why quitting now would cut the show (empty: nothing is live)."""
        why = []
        speaking = getattr(self.services.pipeline, "speaking", None)
        # the speaker reports the end of playback just before the pipeline lets the draft go
        if speaking is not None and speaking is not getattr(self, "_speech_over", None):
            why.append(tr("quit.speaking"))
        st = self.services.bus.status.get("chat")
        live_source = self.services.settings.effective_chat_source != "rehearsal"
        if live_source and st is not None and st.state.value == "ready":
            why.append(tr("quit.chat"))
        return why

    def _confirm_quit(self, why: list[str]) -> None:
        """Ask without a nested event loop (open(), not exec()): the show keeps running meanwhile. The
        question shows at once (raised and activated) and follows the present while it is open: when
        the speech ends, it says nothing is on air any more and "Quit" becomes the default."""
        box = getattr(self, "quit_box", None)
        if box is not None:
            self._refresh_quit_box()
            box.raise_()
            box.activateWindow()
            return
        box = QMessageBox(QMessageBox.Icon.Warning, tr("quit.title"), tr("quit.text", what=" · ".join(why)),
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("quit_box")
        self.quit_yes = box.addButton(tr("quit.yes"), QMessageBox.ButtonRole.AcceptRole)
        self.quit_no = box.addButton(tr("quit.no"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(self.quit_no)
        box.setEscapeButton(self.quit_no)

        def answered(button) -> None:
            if button is self.quit_yes:
                self._quit_confirmed = True
                self.close()

        def closed(_result: int) -> None:
            # the window owns the question only while it is asked: its timer stops and it is deleted on the GUI
            # thread, so no signal (status, speech) can reach a box that is gone
            box._timer.stop()
            if getattr(self, "quit_box", None) is box:
                self.quit_box = None
            box.deleteLater()

        box.buttonClicked.connect(answered)
        box.finished.connect(closed)
        self.quit_box = box
        # what it says follows the show: speech starts/ends, chat connects/drops while it is open
        box._timer = QTimer(box)  # a safety net for changes that send no signal
        box._timer.setInterval(500)
        box._timer.timeout.connect(self._refresh_quit_box)
        box._timer.start()
        box.open()
        box.raise_()
        box.activateWindow()

    def _on_speech_started(self, draft) -> None:
        self._speech_over = None
        self._refresh_quit_box()

    def _on_speech_ended(self, draft, _cancelled: bool) -> None:
        self._speech_over = draft
        self._refresh_quit_box()

    def _refresh_quit_box(self, *_args) -> None:
        box = getattr(self, "quit_box", None)  # set only while the question is open (see _confirm_quit)
        if box is None or self.services is None or not box.isVisible():
            return
        why = self.on_air()
        box.setWindowTitle(tr("quit.title") if why else tr("quit.title_idle"))
        box.setText(tr("quit.text", what=" · ".join(why)) if why else tr("quit.text_idle"))
        box.setIcon(QMessageBox.Icon.Warning if why else QMessageBox.Icon.Question)
        box.setDefaultButton(self.quit_no if why else self.quit_yes)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self.services is not None:  # a shell closed during start-up has no docks: keep the saved layout
            why = [] if getattr(self, "_quit_confirmed", False) else self.on_air()
            if why:
                event.ignore()
                self._confirm_quit(why)
                return
            self.save_layout()
        replay = getattr(self, "replay_dialog", None)
        if replay is not None:  # a replay still running: stop it and join its thread
            replay.shutdown(wait=True)
        self.closing.emit()
        super().closeEvent(event)
