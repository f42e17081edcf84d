"""Moderation and notice from where the streamer is looking (chat row, reply card): the menu entries,
the ONE confirmation step (a non-modal ``QMessageBox.open()``, never ``exec()``) and the result line.

Widgets only emit intents (``request(action, msg)`` after the confirmation); the app controller runs
the CHZZK call and hands the answer back to :meth:`ResultLine.show_result`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QWidget

from aischoco_gui.gui import show_actions  # noqa: F401 (registers the mod.* / notice.* text)
from aischoco_gui.gui.show_actions import MODERATION
from aischoco_gui.i18n import tr
from aischoco_gui.models import ChatMessage


def confirm(parent: QWidget, text: str, on_yes: Callable[[], None]) -> QMessageBox:
    """One confirmation step, non-modal to the event loop; ``on_yes`` runs only after "Yes"."""
    box = QMessageBox(QMessageBox.Icon.Question, tr("app.title"), text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)

    def done(button: Any) -> None:
        if box.standardButton(button) == QMessageBox.StandardButton.Yes:
            on_yes()

    box.buttonClicked.connect(done)
    box.open()
    return box


class ResultLine(QLabel):
    """The result of the last action, shown next to it (green done / red failed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("action_result")
        self.setWordWrap(True)
        self.setVisible(False)

    def show_result(self, ok: bool, text: str) -> None:
        self.setStyleSheet("color: #2e7d32" if ok else "color: #c62828")
        self.setText(text)
        self.setToolTip(text)
        self.setVisible(True)


def add_moderation_menu(menu: QMenu, owner: QWidget, services: Any, msg: ChatMessage,
                        request: Callable[[str, ChatMessage], None]) -> QMenu:
    """A "CHZZK moderation: nick" submenu; every entry asks once, then calls ``request(action, msg)``.
    Disabled (with the reason as tooltip) when the chat source cannot moderate."""
    sub = menu.addMenu(tr("mod.menu", nick=msg.nickname))
    sub.setObjectName("moderation_menu")
    sub.setToolTipsVisible(True)
    can = bool(getattr(services, "can_moderate", False)) and bool(msg.user_id)
    if not can:
        sub.setToolTip(tr("mod.unavailable"))
        sub.menuAction().setToolTip(tr("mod.unavailable"))
    for action in MODERATION:
        act = QAction(tr(f"mod.{action}"), sub)
        act.setObjectName(f"mod_{action}")
        act.setData(action)
        act.setEnabled(can)
        if not can:
            act.setToolTip(tr("mod.unavailable"))
        act.triggered.connect(lambda _=False, a=action: ask_moderation(owner, a, msg, request))
        sub.addAction(act)
    return sub


def ask_moderation(owner: QWidget, action: str, msg: ChatMessage,
                   request: Callable[[str, ChatMessage], None]) -> QMessageBox:
    text = tr("mod.confirm", nick=msg.nickname, action=tr(f"mod.{action}"), text=(msg.text or "")[:80])
    box = confirm(owner, text, lambda: request(action, msg))
    owner.confirm_box = box  # kept alive (and reachable for tests) until answered
    return box


def add_notice_action(menu: QMenu, owner: QWidget, services: Any, text: str, request: Callable[[str], None]) -> QAction:
    act = QAction(tr("notice.pin"), menu)
    act.setObjectName("pin_notice")
    can = bool(getattr(services, "can_moderate", False)) and bool(text.strip())
    act.setEnabled(can)
    if not getattr(services, "can_moderate", False):
        act.setToolTip(tr("mod.unavailable"))

    def ask() -> None:
        owner.confirm_box = confirm(owner, tr("notice.confirm", text=text[:100]), lambda: request(text))

    act.triggered.connect(ask)
    menu.addAction(act)
    return act
