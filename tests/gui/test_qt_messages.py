"""Qt's thread warnings are bugs that name their culprit (issue 21): the app logs one with every thread's
Python stack; the suite fails the test during which one appears (tests/conftest.py)."""

from __future__ import annotations

import logging
import threading


def test_a_thread_warning_is_logged_with_every_threads_stack(qtbot, caplog):
    from PySide6.QtCore import QTimer

    from aischoco_gui.gui.qt_messages import install_message_handler, is_thread_warning, log_with_stacks

    seen: list[str] = []

    def on_warning(text: str) -> None:
        seen.append(text)
        log_with_stacks(text)

    uninstall = install_message_handler(on_warning)  # the app's handler, for this test only
    try:
        timer = QTimer()  # lives on the GUI thread…
        timer.setInterval(1000)
        parked = threading.Event()

        def culprit() -> None:  # …and is started from another one: Qt refuses and warns
            timer.start()
            parked.wait(2)

        t = threading.Thread(target=culprit, name="the-culprit")
        with caplog.at_level(logging.ERROR, logger="aischoco.qt"):
            t.start()
            qtbot.waitUntil(lambda: bool(seen), timeout=2000)
            parked.set()
            t.join()
    finally:
        uninstall()
    assert is_thread_warning(seen[0]) and "another thread" in seen[0]
    assert not timer.isActive()
    text = caplog.text
    assert "Qt thread warning in thread the-culprit" in text
    assert "culprit" in text and "test_a_thread_warning_is_logged_with_every_threads_stack" in text  # both stacks
    timer.deleteLater()


def test_other_qt_messages_are_logged_not_treated_as_thread_bugs():
    from aischoco_gui.gui.qt_messages import is_thread_warning

    assert is_thread_warning("QObject::~QObject: Timers cannot be stopped from another thread")
    assert is_thread_warning("QObject: Cannot create children for a parent that is in a different thread.")
    assert not is_thread_warning("This plugin does not support propagateSizeHints()")
