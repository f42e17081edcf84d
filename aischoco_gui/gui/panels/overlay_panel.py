"""Overlay controls: OBS URL, clear, streamer chat, pause, columns, theme, port fix, and a preview.

PySide6-Essentials has no web engine, so the preview is a plain-text drawing of the overlay's
state (refreshed twice a second): it shows *what* is on screen, not the exact CSS look; "open in
browser" shows the real page.

The overlay service is looked up in the container each time (a live setting or the free-port fix may
replace it): the widgets drive ``services.overlay.state`` of the moment, and the preview repaints on the
bridge's ``overlay_changed`` (the overlay never calls into this panel).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QGuiApplication, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.events import ServiceState
from aischoco_gui.gui.panels.placeholder import PlaceholderPanel
from aischoco_gui.i18n import register, tr
from aischoco_gui.overlay.server import THEMES

register({
    "overlay.unavailable": ("오버레이 서버가 꺼져 있어요.", "The overlay server is not running."),
    "overlay.url": ("OBS 브라우저 소스 URL", "OBS browser source URL"),
    "overlay.copy": ("복사", "Copy"),
    "overlay.copied": ("복사했어요", "Copied"),
    "overlay.open": ("브라우저로 열기", "Open in browser"),
    "overlay.copy_tarot": ("타로 URL 복사", "Copy tarot URL"),
    "overlay.clear": ("오버레이 지우기", "Clear overlay"),
    "overlay.hide_streamer": ("방장 채팅 숨기기", "Hide streamer chat"),
    "overlay.pause": ("오버레이 일시정지", "Pause overlay"),
    "overlay.show_assistant": ("AI 답변 칸", "AI replies column"),
    "overlay.show_viewer": ("시청자 채팅 칸", "Viewer chat column"),
    "overlay.theme": ("테마", "Theme"),
    "overlay.use_port": ("{port}번 포트로 열기", "Use port {port}"),
    "overlay.url_none": ("없음 — 오버레이가 열리지 않았어요 (아래 안내를 보세요)",
                         "none — the overlay is not running (see below)"),
    "overlay.retry": ("다시 시도", "Retry"),
    "overlay.preview": ("미리보기 (글자만, 실제 모양은 브라우저로 확인)",
                        "Preview (text only; open in a browser for the real look)"),
    "overlay.clients": ("연결된 화면 {n}개", "{n} overlay page(s) connected"),
    "overlay.paused_note": ("일시정지 중: 새 채팅은 모였다가 재개하면 한꺼번에 표시돼요.",
                            "Paused: new chat is collected and shown when you resume."),
    "overlay.theme.default": ("기본 (두 칸)", "Default (two columns)"),
    "overlay.theme.compact": ("작게", "Compact"),
    "overlay.theme.large": ("크게 (밝은 색)", "Large (light)"),
    "overlay.theme.replies": ("AI 답변만", "AI replies only"),
    "overlay.theme.chat": ("채팅만", "Chat only"),
})


SERVICE = "overlay"


def available(services) -> bool:
    return getattr(getattr(services, "overlay", None), "state", None) is not None


class OverlayPreview(QWidget):
    """Draws the overlay's two columns from its state as plain text (never rich text)."""

    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setMinimumHeight(160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paintEvent(self, _ev) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(40, 36, 52))
        if not available(self.services):
            p.end()
            return
        snap = self.services.overlay.state.snapshot()
        view = snap.get("view", {})
        cols = []
        if view.get("show_assistant", True):
            cols.append(([m["message"] for m in snap["assistant_messages"]], QColor(96, 56, 168), None))
        if view.get("show_viewer", True):
            cols.append(([m["message"] for m in snap["viewer_messages"]], QColor(20, 16, 32),
                         [(m["user"], m["processed"]) for m in snap["viewer_messages"]]))
        if not cols:
            p.end()
            return
        w = self.width() / len(cols)
        fm = p.fontMetrics()
        line_h = fm.height() + 6
        for ci, (texts, bg, meta) in enumerate(cols):
            y = self.height() - 4
            for i in range(len(texts) - 1, -1, -1):
                y -= line_h
                if y < 0:
                    break
                rect = QRectF(ci * w + 4, y, w - 8, line_h - 3)
                p.fillRect(rect, bg)
                label = texts[i] if meta is None else f"{meta[i][0]}: {texts[i]}"
                dim = meta is not None and meta[i][1]
                p.setPen(QColor(255, 255, 255, 110 if dim else 255))
                p.drawText(rect.adjusted(6, 0, -6, 0), Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextSingleLine,
                           fm.elidedText(label, Qt.TextElideMode.ElideRight, int(rect.width() - 12)))
        p.end()


class OverlayPanel(QWidget):
    # "use port N" (the port the button shows) or "retry" (0: the configured port): the controller restarts
    port_fix_requested = Signal(int)

    def __init__(self, services, bridge) -> None:
        super().__init__()
        self.services = services
        lay = QVBoxLayout(self)

        row = QHBoxLayout()
        row.addWidget(QLabel(tr("overlay.url")))
        self.url = QLineEdit()
        self.url.setReadOnly(True)
        row.addWidget(self.url, 1)
        self.copy_btn = QPushButton(tr("overlay.copy"))
        self.open_btn = QPushButton(tr("overlay.open"))
        self.tarot_btn = QPushButton(tr("overlay.copy_tarot"))
        for b in (self.copy_btn, self.open_btn, self.tarot_btn):
            row.addWidget(b)
        lay.addLayout(row)

        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        srow = QHBoxLayout()
        srow.addWidget(self.status, 1)
        self.port_btn = QPushButton()
        self.port_btn.hide()
        self.port_btn.clicked.connect(self._port_clicked)
        srow.addWidget(self.port_btn)
        lay.addLayout(srow)

        crow = QHBoxLayout()
        self.clear_btn = QPushButton(tr("overlay.clear"))
        self.hide_streamer = QCheckBox(tr("overlay.hide_streamer"))
        self.pause = QCheckBox(tr("overlay.pause"))
        self.show_assistant = QCheckBox(tr("overlay.show_assistant"))
        self.show_viewer = QCheckBox(tr("overlay.show_viewer"))
        self.theme = QComboBox()
        for t in THEMES:
            self.theme.addItem(tr(f"overlay.theme.{t}"), t)
        for w in (self.clear_btn, self.hide_streamer, self.pause, self.show_assistant, self.show_viewer):
            crow.addWidget(w)
        crow.addStretch(1)
        crow.addWidget(QLabel(tr("overlay.theme")))
        crow.addWidget(self.theme)
        lay.addLayout(crow)

        lay.addWidget(QLabel(tr("overlay.preview")))
        self.preview = OverlayPreview(services)
        lay.addWidget(self.preview, 1)

        self.sync()
        self.copy_btn.clicked.connect(self._copy_obs_url)
        self.tarot_btn.clicked.connect(self._copy_tarot_url)
        self.open_btn.clicked.connect(self._open_in_browser)
        self.clear_btn.clicked.connect(self._clear)
        self.hide_streamer.toggled.connect(self._on_hide_streamer)
        self.pause.toggled.connect(self._on_pause)
        self.show_assistant.toggled.connect(self._on_show_assistant)
        self.show_viewer.toggled.connect(self._on_show_viewer)
        self.theme.currentIndexChanged.connect(self._on_theme)
        bridge.status_of(SERVICE).connect(self._on_status)
        bridge.replaced_of(SERVICE).connect(self.sync)
        # Repaint the preview at most twice a second, only after the overlay state changed and only
        # while the panel is visible: an idle (or hidden) panel costs nothing.
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(500)
        self.timer.timeout.connect(self.preview.update)
        bridge.overlay_changed.connect(self._state_changed)

    # -- the overlay of the moment (a rebuild replaces it) ---------------------------------
    @property
    def overlay(self):
        return self.services.overlay

    @property
    def state(self):
        return self.services.overlay.state

    def _state_changed(self, _rev: int = 0) -> None:
        if self.isVisible() and not self.timer.isActive():
            self.timer.start()

    def _copy_obs_url(self) -> None:
        self._copy(self.overlay.obs_url)

    def _copy_tarot_url(self) -> None:
        self._copy(self.overlay.tarot_url)

    def _open_in_browser(self) -> None:
        QDesktopServices.openUrl(QUrl(self.overlay.url))

    def _clear(self) -> None:
        self.state.clear()

    def _on_pause(self, value: bool) -> None:
        self.state.set_paused(value)

    def _on_show_assistant(self, value: bool) -> None:
        self.state.set_view(show_assistant=value)

    def _on_show_viewer(self, value: bool) -> None:
        self.state.set_view(show_viewer=value)

    def _on_theme(self, _index: int) -> None:
        self.state.set_view(theme=self.theme.currentData())

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.preview.update()

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.timer.stop()
        super().hideEvent(event)

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.status.setText(f"{tr('overlay.copied')}: {text}")

    def _on_hide_streamer(self, value: bool) -> None:
        if value != self.state.ignore_streamer_chat:
            self.state.set_ignore_streamer(value)

    def sync(self) -> None:
        """Reflect the service's current state in the widgets (without re-triggering them)."""
        if not available(self.services):  # gone: the window puts the placeholder here
            return
        widgets = (self.hide_streamer, self.pause, self.show_assistant, self.show_viewer, self.theme)
        for w in widgets:
            w.blockSignals(True)
        self._show_url()
        self.hide_streamer.setChecked(self.state.ignore_streamer_chat)
        self.pause.setChecked(self.state.paused)
        self.show_assistant.setChecked(self.state.view.show_assistant)
        self.show_viewer.setChecked(self.state.view.show_viewer)
        idx = self.theme.findData(self.state.view.theme)
        self.theme.setCurrentIndex(max(0, idx))
        for w in widgets:
            w.blockSignals(False)
        self._show_status()

    def _show_url(self) -> None:
        """The URL OBS must load: the port actually served, or none while the server could not start
        (never the configured port another program holds)."""
        o = self.overlay
        failed = not o.running and bool(o.error)
        self.url.setText("" if failed else o.obs_url)
        self.url.setPlaceholderText(tr("overlay.url_none") if failed else "")
        for b in (self.copy_btn, self.open_btn, self.tarot_btn):
            b.setEnabled(not failed)

    def _show_status(self) -> None:
        o = self.overlay
        if o.running:
            text = f"{tr('state.ready')} · {tr('overlay.clients', n=o.clients)}"
            if self.state.paused:
                text += "\n" + tr("overlay.paused_note")
            self.status.setText(text)
            self.port_btn.hide()
            self._promised_port = 0
        else:
            self.status.setText(o.error or tr("overlay.unavailable"))
            self._promised_port = int(o.suggested_port or 0)  # what the button says is what it opens
            if self._promised_port:
                self.port_btn.setText(tr("overlay.use_port", port=self._promised_port))
            else:
                self.port_btn.setText(tr("overlay.retry"))
            self.port_btn.setVisible(bool(o.error))

    def _port_clicked(self) -> None:
        self.request_port_fix(getattr(self, "_promised_port", 0))

    def request_port_fix(self, port: int) -> None:
        """Open the overlay on ``port`` (0: try the configured port again); the controller does it."""
        self.port_btn.setEnabled(False)
        self.port_fix_requested.emit(int(port))

    def port_fix_done(self) -> None:
        self.port_btn.setEnabled(True)
        self.sync()

    def _on_status(self, st) -> None:
        if not available(self.services):
            return
        if st.state == ServiceState.READY:
            self.sync()
        self._show_url()
        self._show_status()


def create_panel(services, bridge) -> QWidget:
    if not available(services):
        return PlaceholderPanel(bridge, SERVICE, tr("overlay.unavailable"), show_status=False)
    return OverlayPanel(services, bridge)
