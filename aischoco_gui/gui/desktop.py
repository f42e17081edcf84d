"""Qt glue for the desktop robustness features: raise the window, the crash notice, session end."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from aischoco_gui.i18n import register, tr

log = logging.getLogger(__name__)

register({
    "crash.title": ("오류 보고서", "Error report"),
    "crash.text": ("예상하지 못한 오류가 났어요. 방송은 계속돼요.\n보고서(비밀 값 제거됨): {path}",
                   "An unexpected error happened; the app keeps running.\nReport (secrets removed): {path}"),
    "crash.open": ("폴더 열기", "Open folder"),
})


def activate_window(window: QWidget) -> None:
    """Bring the control room to the front (a second launch asked for it)."""
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.setWindowState((window.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive)
    window.raise_()
    window.activateWindow()


def show_crash_notice(parent: QWidget | None, path: Path) -> QMessageBox:
    """Non-modal box offering to open the report's folder (never ``exec()``: the loop keeps running)."""
    old = getattr(parent, "crash_box", None) if parent is not None else None
    if old is not None and old.isVisible():
        old.setText(tr("crash.text", path=path))
        return old
    box = QMessageBox(QMessageBox.Icon.Warning, tr("crash.title"), tr("crash.text", path=path),
                      QMessageBox.StandardButton.Close, parent)
    box.setObjectName("crash_box")
    box.setModal(False)
    open_btn = box.addButton(tr("crash.open"), QMessageBox.ButtonRole.ActionRole)
    open_btn.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent))))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if parent is not None:
        parent.crash_box = box
    box.show()
    return box


def install_session_end(app: Any, request_shutdown: Any) -> None:
    """Logout / shutdown: Qt asks to commit data; start the clean shutdown while the loop still runs."""

    def commit(manager: Any) -> None:
        log.info("session ending: shutting down cleanly")
        request_shutdown()

    app.commitDataRequest.connect(commit)
    app.aboutToQuit.connect(request_shutdown)


def quit_now() -> bool:
    """Close the control room like File → Quit but without the on-air question (a stop signal, the
    session ending): the window saves its layout and says ``closing``, and the app stops its services.
    False when there is no main window (yet)."""
    from PySide6.QtWidgets import QApplication

    for w in QApplication.topLevelWidgets():
        if hasattr(w, "closing") and w.objectName() == "main_window":
            w._quit_confirmed = True
            w.close()
            return True
    return False
