"""Guards against Qt binding versions that break a long live show."""

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    sig = Signal(object)


def test_signal_emit_does_not_leak_a_reference_to_true(qapp):
    # PySide6 6.12.0 returned True from emit() without a new reference: after a few thousand
    # events (a chat flood) the interpreter aborted with "bool_dealloc". pyproject excludes it.
    o = _Emitter()
    received = []
    o.sig.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(5000):
        o.sig.emit(i)
    assert len(received) == 5000
    assert abs(sys.getrefcount(True) - before) < 50
