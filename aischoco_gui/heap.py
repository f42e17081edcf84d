"""Give memory freed by a one-off large build back to the OS (glibc ``malloc_trim``; elsewhere a no-op).

Building the o200k token table makes ~200,000 short-lived Python objects; once they are freed, glibc keeps
the pages of its heap unless asked (issue 27: a few MB of resident memory held for nothing).
"""

from __future__ import annotations

import sys


def trim() -> bool:
    """Return free heap pages to the OS; True when the allocator released any."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes  # noqa: PLC0415 (rarely used: only after a large one-off build)

        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):  # not glibc (musl…)
        return False
