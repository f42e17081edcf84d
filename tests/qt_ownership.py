"""The suite owns the Qt objects its tests make, and deletes them on the GUI thread when a test ends.

A test's window usually sits in a reference cycle (window → controller → window, bridge ↔ bus), so
without this the garbage collector would destroy it — on whatever thread collects (``--gc-stress``:
a worker thread). A QObject destroyed there makes Qt warn or deadlock (a child's destructor waits for the
GIL while holding a Qt lock the main thread needs). So, like the app's owners do:

- ``qtbot.addWidget`` keeps a strong reference until the test ends, then the widget is deleted here;
- every ``Bridge`` a test makes is kept, closed and deleted the same way;
- top-level widgets the test made and left behind, and ``deleteLater()`` requests, are deleted here too.
"""

from __future__ import annotations

from typing import Any

_made: list[Any] = []  # QObjects the current test made (strong references until it ends)


def track(obj: Any) -> Any:
    _made.append(obj)
    return obj


def install() -> None:
    """Record every Bridge at construction (before a cycle can make it garbage)."""
    from aischoco_gui.gui.bridge import Bridge

    if getattr(Bridge, "_tracked_by_tests", False):
        return
    init = Bridge.__init__

    def tracked_init(self: Any, *args: Any, **kw: Any) -> None:
        init(self, *args, **kw)
        track(self)

    Bridge.__init__ = tracked_init  # type: ignore[method-assign]
    Bridge._tracked_by_tests = True  # type: ignore[attr-defined]


def top_level_widgets() -> list[Any]:
    from PySide6.QtWidgets import QApplication

    return list(QApplication.topLevelWidgets()) if QApplication.instance() is not None else []


def delete_now(objs: list[Any]) -> None:
    """Close and delete ``objs`` now, on this (the GUI) thread; children go with their parents."""
    import shiboken6

    for obj in objs:
        if not shiboken6.isValid(obj):
            continue
        close = getattr(obj, "close", None)
        try:
            if close is not None:
                close()
        except Exception:  # a half-torn-down test object: deleting it is what matters
            pass
        if shiboken6.isValid(obj) and obj.parent() is None:
            shiboken6.delete(obj)


def end_of_test(before: list[Any]) -> None:
    """Delete what the test made: tracked objects, left-over top-level widgets, deferred deletions."""
    from PySide6.QtCore import QCoreApplication, QEvent

    app = QCoreApplication.instance()
    if app is None:
        _made.clear()
        return
    made, _made[:] = list(_made), []
    left = [w for w in top_level_widgets() if not any(w is b for b in before)]
    delete_now([*made, *left])
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
