"""Run coroutines on a qasync loop inside pytest-qt tests (the app's real loop type).

The loop is the app's :class:`~aischoco_gui.gui.event_loop.AppEventLoop`: closing it kills the Qt timers
qasync left behind and deletes its QObjects here, on the GUI thread (a closed qasync loop otherwise
waits in a reference cycle for the garbage collector, which may run on any thread — the cause of the
suite's old ``QTimerInfoList::activateTimers`` segfault). A test that makes its own loop uses
:func:`aischoco_gui.gui.event_loop.new_event_loop` too.
"""

from __future__ import annotations

import asyncio

import pytest


@pytest.fixture
def qloop(qapp):
    from aischoco_gui.gui.event_loop import new_event_loop

    loop = new_event_loop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    try:  # like asyncio.run: what the test left running is cancelled and async generators are closed
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for t in pending:
            t.cancel()
        if pending:
            loop.run_until_complete(asyncio.wait(pending, timeout=5))
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
