"""Issue 27: the reply panel's "generating" line is set after the loop's ready chain (not inside the bus
event that sits between a chat and its LLM request), and changes that come together keep their order."""

from __future__ import annotations

import asyncio

from aischoco_gui.events import EventKind
from aischoco_gui.gui.theme import STATE_ERROR
from aischoco_gui.i18n import tr
from aischoco_gui.settings import Settings
from tests.gui.test_key_entered import _window
from tests.qt_async import qloop  # noqa: F401
from tests.wait import wait_until


def test_thinking_line_after_the_event_and_in_order(qtbot, qloop, home):  # noqa: F811
    async def scenario() -> None:
        services, win, bridge = _window(qtbot, home, Settings(llm_fallbacks=""))
        panel = win.panels["replies"]
        try:
            services.bus.emit(EventKind.BATCH_READY, turn=1, messages=[])
            assert panel.thinking.text() == ""  # not drawn inside the event
            await wait_until(lambda: panel.thinking.text() == tr("reply.thinking"), 5, "generating shown")
            # a batch, then its failure, in one go: the failure (with its colour and detail) is what stays
            services.bus.emit(EventKind.BATCH_READY, turn=2, messages=[])
            services.bus.emit(EventKind.LLM_FAILED, turn=2, error="connection failed: boom")
            await wait_until(lambda: panel.thinking.text().startswith("LLM 실패"), 5, "failure shown")
            await asyncio.sleep(0.05)
            assert panel.thinking.text().startswith("LLM 실패") and "boom" in panel.thinking.toolTip()
            assert STATE_ERROR in panel.thinking.styleSheet()
            # the next batch clears colour and detail, the answer clears the line
            services.bus.emit(EventKind.BATCH_READY, turn=3, messages=[])
            await wait_until(lambda: panel.thinking.text() == tr("reply.thinking"), 5, "generating again")
            assert panel.thinking.styleSheet() == "" and panel.thinking.toolTip() == ""
            services.bus.emit(EventKind.LLM_REPLY_RECEIVED, turn=3, reply=None)
            await wait_until(lambda: panel.thinking.text() == "", 5, "cleared by the answer")
        finally:
            bridge.close()

    qloop.run_until_complete(scenario())
