"""The control room window: dockable panels, status bar, always-visible panic button."""

from __future__ import annotations

import importlib
import logging

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QToolBar,
    QWidget,
)

from aischoco_gui import __version__
from aischoco_gui.gui.bridge import Bridge
from aischoco_gui.gui.status_bar import ControlStatusBar
from aischoco_gui.i18n import register, tr

log = logging.getLogger(__name__)

register({
    "menu.file": ("파일", "File"),
    "menu.settings": ("설정…", "Settings…"),
    "menu.open_config": ("설정 폴더 열기", "Open config folder"),
    "menu.open_logs": ("로그 폴더 열기", "Open log folder"),
    "menu.quit": ("종료", "Quit"),
    "menu.view": ("보기", "View"),
    "menu.help": ("도움말", "Help"),
    "menu.about": ("정보", "About"),
    "panic.button": ("⛔ 긴급 정지 (F12)", "⛔ PANIC (F12)"),
    "panic.tooltip": ("말하기 중지, 대기열 비우기, 아바타 중립", "Stop speech, clear the queue, avatar to neutral"),
    "panel.chat": ("채팅", "Chat"),
    "panel.replies": ("AI 답변", "AI replies"),
    "panel.pose": ("감정 · 포즈", "Emotion · pose"),  # no "&": tabbed dock titles treat it as a mnemonic
    "panel.latency": ("지연 시간", "Latency"),
    "panel.vts": ("VTS 상태", "VTS status"),
    "panel.history": ("대화 요약", "History summary"),
    "panel.overlay": ("오버레이", "Overlay"),
    "panel.show": ("방송 도구", "Show tools"),
    "first_run.copied": ("기본 설정 파일을 여기에 만들었어요: {path}", "Default config files were created in: {path}"),
    "about.text": ("aischoco 컨트롤 룸 {version}\nCHZZK AI 버튜버 방송 도구",
                   "aischoco control room {version}\nCHZZK AI VTuber control room"),
    "window.starting": ("서비스를 시작하는 중…", "Starting the services…"),
    "panel.failed": ("이 패널을 불러오지 못했어요: {error}", "This panel failed to load: {error}"),
    "quit.title": ("방송 중이에요", "You are on air"),
    "quit.text": ("{what}. 정말 종료할까요?", "{what}. Quit anyway?"),
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
    ("latency", "aischoco_gui.gui.panels.latency_panel", Qt.DockWidgetArea.BottomDockWidgetArea),
    ("overlay", "aischoco_gui.gui.panels.overlay_panel", Qt.DockWidgetArea.BottomDockWidgetArea),
]


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
    panic_requested = Signal()
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
        self.panic_button.setStyleSheet("QPushButton{background:#d0342c;color:white;font-weight:bold;padding:6px 14px}")
        self.panic_button.clicked.connect(self.panic_requested.emit)
        tb = QToolBar("main", self)
        tb.setObjectName("main_toolbar")
        tb.setMovable(False)
        tb.addWidget(self.panic_button)
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
        self.reply_panel = reply_panel.create_panel(services, self.bridge)
        self.reply_panel.open_settings.connect(self.settings_requested.emit)
        self.panels["replies"] = self.reply_panel
        self.setCentralWidget(self.reply_panel)
        for key, module, area in DOCKS:
            self._add_dock(key, module, area)
        self.bridge.service_replaced.connect(self._service_replaced)
        self.tabifyDockWidget(self.docks["history"], self.docks["pose"])
        self.tabifyDockWidget(self.docks["pose"], self.docks["vts"])
        self.tabifyDockWidget(self.docks["vts"], self.docks["show"])
        self.tabifyDockWidget(self.docks["vts"], self.docks["mic"])
        self.tabifyDockWidget(self.docks["latency"], self.docks["overlay"])
        self.docks["history"].raise_()
        self.docks["latency"].raise_()
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.restore_layout()

    def _make_panel(self, key: str, module: str) -> QWidget:
        try:
            return importlib.import_module(module).create_panel(self.services, self.bridge)
        except Exception as e:  # one broken panel must not take the window down
            log.exception("panel %s failed", key)
            widget = QLabel(tr("panel.failed", error=f"{type(e).__name__}: {e}"))
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
        dock = QDockWidget(tr(f"panel.{key}"), self)
        dock.setObjectName(f"dock_{key}")
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

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu(tr("menu.file"))
        a = m.addAction(tr("menu.settings"))
        a.setShortcut(QKeySequence("Ctrl+,"))
        a.triggered.connect(self.settings_requested.emit)
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

    def _open(self, path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    # -- layout persistence ---------------------------------------------------------------
    def restore_layout(self) -> None:
        geo = self._qsettings.value("geometry")
        state = self._qsettings.value("state")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def _fit_screen(self, width: int, height: int) -> None:
        """First start: the preferred size, but never larger than the screen's free area (taskbar and
        display scaling included: Qt 6 reports logical pixels, so 1366×768 at 100 % and 1920×1080 at
        150 % both fit)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            avail = screen.availableGeometry()
            width, height = min(width, avail.width()), min(height, avail.height())
        self.resize(width, height)

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
        if getattr(self.services.pipeline, "speaking", None) is not None:
            why.append(tr("quit.speaking"))
        st = self.services.bus.status.get("chat")
        live_source = self.services.settings.effective_chat_source != "rehearsal"
        if live_source and st is not None and st.state.value == "ready":
            why.append(tr("quit.chat"))
        return why

    def _confirm_quit(self, why: list[str]) -> None:
        """Ask without a nested event loop (open(), not exec()): the show keeps running meanwhile."""
        box = getattr(self, "quit_box", None)
        if box is not None and box.isVisible():
            box.raise_()
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

        box.buttonClicked.connect(answered)
        self.quit_box = box
        box.open()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self.services is not None:  # a shell closed during start-up has no docks: keep the saved layout
            why = [] if getattr(self, "_quit_confirmed", False) else self.on_air()
            if why:
                event.ignore()
                self._confirm_quit(why)
                return
            self.save_layout()
        self.closing.emit()
        super().closeEvent(event)
