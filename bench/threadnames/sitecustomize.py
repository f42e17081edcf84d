"""Bench-only (on the app's PYTHONPATH in ``bench/idle_cpu.py``): give each Python thread its OS name.

Python 3.11 leaves every thread's ``/proc/<pid>/task/<tid>/comm`` as ``python``; with this the bench's
per-thread CPU table says which thread is the VTS loop, the audio writer… (Linux ``prctl(PR_SET_NAME)``,
15 characters). Nothing in the app imports it.
"""

from __future__ import annotations

import ctypes
import threading

try:
    _prctl = ctypes.CDLL("libc.so.6").prctl
except (OSError, AttributeError):  # not glibc: names stay as they are
    _prctl = None

_run = threading.Thread.run


def _named_run(self: threading.Thread) -> None:
    if _prctl is not None:
        _prctl(15, ctypes.c_char_p(self.name.encode("utf-8", "replace")[:15]), 0, 0, 0)  # PR_SET_NAME
    _run(self)


threading.Thread.run = _named_run  # type: ignore[method-assign]
