"""The overlay panel drives the overlay state (streamer chat, pause, columns, theme, clear) and shows port errors."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from aischoco_gui.chat.filters import ChatFilter
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.models import ChatMessage
from aischoco_gui.overlay.server import OverlayServer
from aischoco_gui.overlay.state import OverlayState
from tests.qt_async import qloop  # noqa: F401


def make(qtbot, port: int = 8765):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.panels.overlay_panel import create_panel

    bus = EventBus()
    flt = ChatFilter(ignore_streamer=False)
    state = OverlayState(ignore_streamer_getter=lambda: flt.ignore_streamer,
                         ignore_streamer_setter=lambda v: setattr(flt, "ignore_streamer", v))
    overlay = OverlayServer(bus, state, port=port, token="x" * 24)
    bridge = Bridge(bus)
    panel = create_panel(SimpleNamespace(overlay=overlay, bus=bus), bridge)
    qtbot.addWidget(panel)
    return panel, overlay, state, flt, bus


def test_controls_drive_the_overlay_state(qtbot):
    panel, overlay, state, flt, bus = make(qtbot)
    assert panel.url.text() == "http://127.0.0.1:8765/?obs"
    state.add_chat(ChatMessage(nickname="<b>a</b>", text="<i>hi</i>"))
    panel.hide_streamer.setChecked(True)
    assert flt.ignore_streamer is True and state.snapshot()["ignore_streamer_chat"] is True
    panel.pause.setChecked(True)
    assert state.paused is True
    panel.pause.setChecked(False)
    panel.show_viewer.setChecked(False)
    assert state.view.show_viewer is False
    panel.theme.setCurrentIndex(panel.theme.findData("large"))
    assert state.view.theme == "large"
    img = panel.preview.grab().toImage()
    assert img.width() > 0
    panel.clear_btn.click()
    assert state.snapshot()["viewer_messages"] == []


def test_port_error_offers_the_suggested_port(qtbot):
    panel, overlay, state, flt, bus = make(qtbot)
    overlay.error = "포트 8765이(가) 이미 사용 중이에요"
    overlay.suggested_port = 50123
    bus.set_status("overlay", ServiceState.ERROR, overlay.error)
    assert "사용 중" in panel.status.text()
    assert not panel.port_btn.isHidden() and "50123" in panel.port_btn.text()


def test_no_overlay_service_says_so(qtbot):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.panels.overlay_panel import create_panel

    w = create_panel(SimpleNamespace(overlay=None), Bridge(EventBus()))
    qtbot.addWidget(w)
    assert "오버레이" in w.text()


def test_preview_repaints_only_after_a_change_while_visible(qtbot, qloop):  # noqa: F811
    """The overlay publishes "changed" on the bus (coalesced per loop turn); the bridge hands it to the panel."""
    panel, overlay, state, flt, bus = make(qtbot, port=0)

    def chat(text: str) -> None:  # a chat on the loop, then the overlay's coalesced push (and its bus event)
        async def go() -> None:
            state.add_chat(ChatMessage(nickname="a", text=text))
            await asyncio.sleep(0.02)

        qloop.run_until_complete(go())

    qloop.run_until_complete(overlay.start())
    try:
        assert not panel.timer.isActive()  # idle: no 2 Hz repaint
        chat("hidden panel")
        assert not panel.timer.isActive()  # not visible: nothing scheduled
        panel.show()
        qtbot.waitExposed(panel)
        assert not panel.timer.isActive()
        chat("hello")
        assert panel.timer.isActive()  # one repaint scheduled (coalesced, at most 2 Hz)
        qtbot.waitUntil(lambda: not panel.timer.isActive(), timeout=2000)
        panel.hide()
        chat("again")
        assert not panel.timer.isActive()
    finally:
        qloop.run_until_complete(overlay.stop())
